//! Use cases: one function for each thing a person does, taking the state and
//! returning domain results. Each change is one store transaction, so a
//! failure leaves nothing half-done and a retry doubles nothing. After the
//! transaction come the side effects that live only in this process: the
//! quote engine, live events (which servers sharing a PostgreSQL database
//! send each other, see [`shared`]).
//!
//! Nothing here knows about HTTP: handlers in `routes` turn requests into
//! calls and results into views.

pub mod arrival;
pub mod caller;
pub mod clocks;
pub mod complaints;
pub mod concerns;
pub mod hl7;
pub mod kiosk;
pub mod links;
pub mod metrics;
pub mod outbox;
pub mod patient;
pub mod promises;
pub mod quotes;
pub mod retention;
pub mod retries;
pub mod schedule;
pub mod scorecard;
pub mod second_factor;
pub mod sessions;
pub mod settings;
pub mod shared;
pub mod surveys;
pub mod tone;
pub mod upset;
pub mod users;
pub mod visits;
pub mod watch;
