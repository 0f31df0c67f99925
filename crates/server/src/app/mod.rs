//! Use cases: one function for each thing a person does, taking the state and
//! returning domain results. Each change is one store transaction, so a
//! failure leaves nothing half-done and a retry doubles nothing. After the
//! transaction come the side effects that only live in this process: the
//! quote engine, live events.
//!
//! Nothing here knows about HTTP: handlers in `routes` turn requests into
//! calls and results into responses.

pub mod visits;
