//! The rules of the practice, with no I/O and no clock of their own.
//!
//! Everything here takes the current time as an argument, so the server, the
//! simulator and the tests can run a clinic day at any speed. Storage, HTTP and
//! the command line live in other crates and depend on this one, never the
//! other way round.

pub mod ack;
pub mod appointment;
pub mod backtest;
pub mod complaint;
pub mod concern;
pub mod duration;
pub mod fields;
pub mod history;
pub mod outbox;
pub mod patient;
pub mod promise;
pub mod quote;
pub mod role;
pub mod visit;

/// A point in time. Stored and compared in UTC; shown in the location's zone.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

pub use ack::{AckClock, AckPolicy, AckStatus};
pub use fields::FieldErrors;
pub use role::Role;
pub use visit::{TransitionError, VisitState};
