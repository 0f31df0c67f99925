//! The two clocks of a complaint and the escalation ladder.

use super::hours::{BusinessHours, later};
use super::names::{ClockStatus, Level};
use crate::fields::REQUIRED;
use crate::{FieldErrors, Role, Timestamp};
use chrono::Duration;
use serde::{Deserialize, Serialize};

impl Level {
    /// Who the escalation at this level goes to: `manager` → managers,
    /// `admin` → admins; the owner level is nobody's escalation.
    pub fn role(self) -> Option<Role> {
        match self {
            Level::Owner => None,
            Level::Manager => Some(Role::Manager),
            Level::Admin => Some(Role::Admin),
        }
    }
}

/// How quickly a location promises to handle complaints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintPolicy {
    /// Acknowledge within this many business days (default 1).
    pub acknowledge_business_days: u32,
    /// Resolve within this many calendar days (default 7).
    pub resolve_calendar_days: u32,
}

impl Default for ComplaintPolicy {
    fn default() -> Self {
        ComplaintPolicy {
            acknowledge_business_days: 1,
            resolve_calendar_days: 7,
        }
    }
}

/// The settings page allows 1 to 30 business days to acknowledge.
pub const MAX_ACKNOWLEDGE_DAYS: u32 = 30;
/// The settings page allows 1 to 365 calendar days to resolve.
pub const MAX_RESOLVE_DAYS: u32 = 365;

impl ComplaintPolicy {
    /// Read the two numbers from a settings form. Keys
    /// `acknowledge_business_days` (1 to 30) and `resolve_calendar_days`
    /// (1 to 365); empty is "Required field missing".
    pub fn parse(acknowledge: &str, resolve: &str) -> Result<ComplaintPolicy, FieldErrors> {
        fn days(input: &str, max: u32) -> Result<u32, String> {
            let text = input.trim();
            if text.is_empty() {
                return Err(REQUIRED.to_string());
            }
            match text.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!("Enter a whole number of days from 1 to {max}")),
            }
        }
        let mut errors = FieldErrors::new();
        let ack = days(acknowledge, MAX_ACKNOWLEDGE_DAYS)
            .map_err(|m| errors.add("acknowledge_business_days", m))
            .ok();
        let res = days(resolve, MAX_RESOLVE_DAYS)
            .map_err(|m| errors.add("resolve_calendar_days", m))
            .ok();
        errors.into_result(|| ComplaintPolicy {
            acknowledge_business_days: ack.unwrap_or(1),
            resolve_calendar_days: res.unwrap_or(7),
        })
    }

    /// A one-line description for settings pages and logs.
    pub fn describe(&self) -> String {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        format!(
            "acknowledge within {} business day{}, resolve within {} calendar day{}",
            self.acknowledge_business_days,
            plural(self.acknowledge_business_days),
            self.resolve_calendar_days,
            plural(self.resolve_calendar_days)
        )
    }
}

/// A pause: from, and until (`None` = still paused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: Timestamp,
    pub until: Option<Timestamp>,
}

/// Everything the clocks need to know about one complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockInput<'a> {
    pub received_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub pauses: &'a [Pause],
}

/// One clock at one moment: when it is (or was) due, and how it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockView {
    pub due_at: Timestamp,
    pub status: ClockStatus,
}

/// Both clocks of a complaint and where it stands on the escalation ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintClocks {
    pub acknowledge: ClockView,
    pub resolve: ClockView,
    pub level: Level,
}

/// The paused stretches between `start` and `end`, overlaps merged.
fn paused_spans(pauses: &[Pause], start: Timestamp, end: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    let mut spans: Vec<(Timestamp, Timestamp)> = pauses
        .iter()
        .filter_map(|p| {
            let s = p.from.max(start);
            let e = p.until.unwrap_or(end).min(end);
            (e > s).then_some((s, e))
        })
        .collect();
    spans.sort();
    let mut merged: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The last quarter of a window, rounded up so it is never empty.
fn quarter(window: Duration) -> Duration {
    Duration::milliseconds((window.num_milliseconds() + 3) / 4)
}

fn stopped(at: Timestamp, due: Timestamp) -> ClockStatus {
    if at <= due {
        ClockStatus::Met
    } else {
        ClockStatus::Missed
    }
}

fn running(now: Timestamp, due: Timestamp, remaining: Duration, window: Duration) -> ClockStatus {
    if now >= due {
        ClockStatus::Overdue
    } else if remaining <= quarter(window) {
        ClockStatus::DueSoon
    } else {
        ClockStatus::OnTime
    }
}

/// Both clocks of a complaint at `now`, and its level on the ladder.
///
/// The acknowledge clock counts business hours: it is due
/// [`BusinessHours::add_business_days`] after the complaint was received,
/// pushed out by the paused *business* time; acknowledging (or resolving)
/// stops it. The resolve clock counts calendar days in the location's zone,
/// pushed out by the paused time; resolving stops it. A running clock is
/// `due_soon` in the last quarter of its window (business time for the
/// acknowledge clock), `overdue` from its due time on, and `paused` while a
/// pause is open; a stopped clock is `met` when stopped at or before its due
/// time, `missed` after.
///
/// The ladder: the owner while both running clocks are in time; the managers
/// as soon as either clock is overdue, or the acknowledge clock was missed and
/// the complaint is still unresolved; the admins from two calendar days after
/// the resolve clock's due time, or one further business day after the
/// acknowledge clock's. A paused clock does not escalate. A resolved complaint
/// is back with its owner, both clocks stopped.
pub fn clocks(
    hours: &BusinessHours,
    policy: &ComplaintPolicy,
    c: &ClockInput,
    now: Timestamp,
) -> ComplaintClocks {
    let received = c.received_at;
    let resolved = c.resolved_at;
    let ack_stop = match (c.acknowledged_at, resolved) {
        (Some(a), Some(r)) => Some(a.min(r)),
        (a, r) => a.or(r),
    };
    let paused_now = c
        .pauses
        .iter()
        .any(|p| p.from <= now && p.until.is_none_or(|u| u > now));

    // Acknowledge: business time.
    let ack_start = hours.next_open(received);
    let ack_base = hours.add_business_days(received, policy.acknowledge_business_days);
    let ack_window = hours.open_time_between(ack_start, ack_base);
    let ack_paused = paused_spans(c.pauses, received, ack_stop.unwrap_or(now))
        .into_iter()
        .fold(Duration::zero(), |sum, (s, e)| {
            sum + hours.open_time_between(s, e)
        });
    let ack_due = hours.add_open_time(ack_base, ack_paused);
    let ack_status = match ack_stop {
        Some(at) => stopped(at, ack_due),
        None if paused_now => ClockStatus::Paused,
        None => running(
            now,
            ack_due,
            hours.open_time_between(now, ack_due),
            ack_window,
        ),
    };

    // Resolve: calendar time.
    let res_base = hours.add_calendar_days(received, policy.resolve_calendar_days);
    let res_window = res_base - received;
    let res_paused = paused_spans(c.pauses, received, resolved.unwrap_or(now))
        .into_iter()
        .fold(Duration::zero(), |sum, (s, e)| sum + (e - s));
    let res_due = later(res_base, res_paused);
    let res_status = match resolved {
        Some(at) => stopped(at, res_due),
        None if paused_now => ClockStatus::Paused,
        None => running(now, res_due, res_due - now, res_window),
    };

    let mut level = Level::Owner;
    if resolved.is_none() {
        if matches!(ack_status, ClockStatus::Overdue | ClockStatus::Missed) {
            level = Level::Manager;
        }
        if ack_status == ClockStatus::Overdue && now >= hours.add_business_days(ack_due, 1) {
            level = Level::Admin;
        }
        if res_status == ClockStatus::Overdue {
            level = level.max(Level::Manager);
            if now >= hours.add_calendar_days(res_due, 2) {
                level = Level::Admin;
            }
        }
    }

    ComplaintClocks {
        acknowledge: ClockView {
            due_at: ack_due,
            status: ack_status,
        },
        resolve: ClockView {
            due_at: res_due,
            status: res_status,
        },
        level,
    }
}

#[cfg(test)]
mod tests;
