//! The rules of the practice, with no I/O and no clock of their own.
//!
//! Everything here takes the current time as an argument, so the server, the
//! simulator and the tests can run a clinic day at any speed. Storage, HTTP and
//! the command line live in other crates and depend on this one, never the
//! other way round.

pub mod ack;
pub mod appointment;
pub mod arrival;
pub mod backtest;
pub mod baseline;
mod calibrate;
pub mod complaint;
pub mod concern;
pub mod csv_out;
pub mod duration;
pub mod fhir;
pub mod fields;
pub mod history;
pub mod hl7;
pub mod outbox;
pub mod patient;
pub mod promise;
pub mod quote;
pub mod role;
pub mod schedule;
pub mod scorecard;
pub mod second_factor;
pub mod survey;
pub mod timeline;
pub mod visit;

/// Names that are stored and sent as text (`as_str`) serialize as that text.
macro_rules! serialize_as_str {
    ($($t:ty),* $(,)?) => {
        $(impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        })*
    };
}

serialize_as_str!(
    promise::PromiseKind,
    promise::PromiseStatus,
    promise::DueState,
    timeline::EventKind,
    timeline::ComplaintEventKind,
);

/// The location every installation has from its first start; requests that
/// name no location mean this one.
pub const MAIN_LOCATION: &str = "main";

/// A point in time. Stored and compared in UTC; shown in the location's zone.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

pub use ack::{AckClock, AckPolicy, AckStatus};
pub use fields::FieldErrors;
pub use role::Role;
pub use visit::{TransitionError, VisitState};
