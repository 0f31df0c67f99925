//! Complaints: taken verbatim from any channel, worked on two clocks with an
//! escalation ladder, and closed with a printable resolution letter.
//!
//! A complaint is `received`, then `acknowledged` by a named staff member,
//! then `resolved` with a resolution (contact person, steps taken, result).
//! Two clocks run from the moment it is received: the acknowledge clock counts
//! the location's business hours (default: within 1 business day) and the
//! resolve clock counts calendar days (default: within 7). Either clock can be
//! paused, for example while waiting for the patient to call back. When a clock
//! runs out the complaint climbs a ladder: its owner, then the managers, then
//! the admins.
//!
//! Nothing here reads a clock or a database: the current time, the opening
//! hours and the complaint's history are passed in.
//!
//! The parts: `names` (channels, categories, statuses, ...), `hours` (business
//! hours), `clocks` (the two clocks and the ladder), `state` (which changes a
//! complaint may take), `intake` (taking one), `letter` (the resolution and its
//! letter) and `access` (who may read and work one). Everything public is
//! re-exported here, so callers write `complaint::BusinessHours`.

mod access;
mod clocks;
mod hours;
mod intake;
mod letter;
mod names;
mod state;
#[cfg(test)]
mod test_support;

pub use access::{can_read, can_work};
pub use clocks::{
    ClockInput, ClockView, ComplaintClocks, ComplaintPolicy, MAX_ACKNOWLEDGE_DAYS,
    MAX_RESOLVE_DAYS, Pause, clocks,
};
pub use hours::{BusinessHours, format_week};
pub use intake::{
    NewComplaint, TEXT_MAX, TEXT_TOO_LONG, long_text, validate_feedback_form, validate_new,
};
pub use letter::{Letter, Resolution, letter, letter_date, validate_resolution};
pub use names::{
    Category, Channel, ClockStatus, ComplaintAction, ComplaintStatus, Level, Severity, UnknownName,
};
pub use state::{ComplaintError, check_acknowledge, check_action};
