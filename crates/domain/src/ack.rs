//! Acknowledgement clocks: every arrival starts a clock that only a named
//! staff member's acknowledgement stops.
//!
//! The clock runs while the patient is `waiting` or `roomed` (no clinician with
//! them). Before anyone has acknowledged the patient, it is due `first_within`
//! after arrival; each acknowledgement restarts it with `recheck_every`. In the
//! last quarter of its window the clock is `due_soon`; past the due time it is
//! `overdue`; `escalate_after` later it is `escalated` and managers are told.

use crate::duration::format_duration;
use crate::{Timestamp, VisitState};
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// How quickly a location promises to acknowledge its patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckPolicy {
    /// First acknowledgement after arrival is due within this.
    #[serde(with = "seconds")]
    pub first_within: Duration,
    /// After each acknowledgement, the next is due within this.
    #[serde(with = "seconds")]
    pub recheck_every: Duration,
    /// An overdue clock escalates to managers after this much longer.
    #[serde(with = "seconds")]
    pub escalate_after: Duration,
}

impl Default for AckPolicy {
    fn default() -> Self {
        AckPolicy {
            first_within: Duration::minutes(2),
            recheck_every: Duration::minutes(15),
            escalate_after: Duration::minutes(5),
        }
    }
}

impl AckPolicy {
    /// A one-line description for settings pages and logs.
    pub fn describe(&self) -> String {
        format!(
            "first within {}, recheck every {}, escalate {} after overdue",
            format_duration(self.first_within),
            format_duration(self.recheck_every),
            format_duration(self.escalate_after)
        )
    }
}

mod seconds {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::seconds(i64::deserialize(d)?))
    }
}

/// How a running clock stands. Ordered from calm to urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    OnTime,
    DueSoon,
    Overdue,
    Escalated,
}

impl AckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AckStatus::OnTime => "on_time",
            AckStatus::DueSoon => "due_soon",
            AckStatus::Overdue => "overdue",
            AckStatus::Escalated => "escalated",
        }
    }

    /// The text label shown beside the colour (never colour alone).
    pub fn label(self) -> &'static str {
        match self {
            AckStatus::OnTime => "On time",
            AckStatus::DueSoon => "Due soon",
            AckStatus::Overdue => "Overdue",
            AckStatus::Escalated => "Escalated",
        }
    }
}

/// What the clock says about one visit at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckClock {
    /// When the clock started: arrival, or the last acknowledgement.
    pub started_at: Timestamp,
    /// When the next acknowledgement is due.
    pub due_at: Timestamp,
    /// From here on the clock shows `due_soon`.
    pub due_soon_at: Timestamp,
    /// From here on the clock is escalated to managers.
    pub escalates_at: Timestamp,
    pub status: AckStatus,
}

/// The facts about a visit that the clock depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckFacts {
    pub state: VisitState,
    pub arrived_at: Option<Timestamp>,
    pub last_acknowledged_at: Option<Timestamp>,
}

impl AckPolicy {
    /// Evaluate the clock at `now`. `None` when no clock runs: the patient
    /// has not arrived, is with a clinician, or the visit is over.
    pub fn clock(&self, facts: AckFacts, now: Timestamp) -> Option<AckClock> {
        if !facts.state.runs_ack_clock() {
            return None;
        }
        let arrived_at = facts.arrived_at?;
        // An acknowledgement recorded before arrival (clock skew, bad import)
        // must not make the clock older than the visit.
        let (started_at, window) = match facts.last_acknowledged_at {
            Some(ack) => (ack.max(arrived_at), self.recheck_every),
            None => (arrived_at, self.first_within),
        };
        let due_at = started_at + window;
        // The last quarter of the window, rounded so it is never empty.
        let quarter = Duration::milliseconds((window.num_milliseconds() + 3) / 4);
        let due_soon_at = due_at - quarter;
        let escalates_at = due_at + self.escalate_after;
        let status = if now >= escalates_at {
            AckStatus::Escalated
        } else if now >= due_at {
            AckStatus::Overdue
        } else if now >= due_soon_at {
            AckStatus::DueSoon
        } else {
            AckStatus::OnTime
        };
        Some(AckClock {
            started_at,
            due_at,
            due_soon_at,
            escalates_at,
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(h: u32, m: u32, s: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 3, 5, h, m, s).unwrap()
    }

    fn waiting(arrived: Timestamp, ack: Option<Timestamp>) -> AckFacts {
        AckFacts {
            state: VisitState::Waiting,
            arrived_at: Some(arrived),
            last_acknowledged_at: ack,
        }
    }

    #[test]
    fn defaults_are_two_fifteen_and_five_minutes() {
        let p = AckPolicy::default();
        assert_eq!(p.first_within, Duration::minutes(2));
        assert_eq!(p.recheck_every, Duration::minutes(15));
        assert_eq!(p.escalate_after, Duration::minutes(5));
    }

    #[test]
    fn a_new_arrival_is_due_an_acknowledgement_within_two_minutes() {
        let p = AckPolicy::default();
        let c = p.clock(waiting(t(9, 0, 0), None), t(9, 0, 10)).unwrap();
        assert_eq!(c.due_at, t(9, 2, 0));
        assert_eq!(c.status, AckStatus::OnTime);
    }

    #[test]
    fn the_last_quarter_of_the_window_is_due_soon() {
        let p = AckPolicy::default();
        let f = waiting(t(9, 0, 0), None);
        assert_eq!(p.clock(f, t(9, 1, 29)).unwrap().status, AckStatus::OnTime);
        assert_eq!(p.clock(f, t(9, 1, 30)).unwrap().status, AckStatus::DueSoon);
        assert_eq!(p.clock(f, t(9, 1, 59)).unwrap().status, AckStatus::DueSoon);
    }

    #[test]
    fn past_due_is_overdue_then_escalated_five_minutes_later() {
        let p = AckPolicy::default();
        let f = waiting(t(9, 0, 0), None);
        assert_eq!(p.clock(f, t(9, 2, 0)).unwrap().status, AckStatus::Overdue);
        assert_eq!(p.clock(f, t(9, 6, 59)).unwrap().status, AckStatus::Overdue);
        assert_eq!(p.clock(f, t(9, 7, 0)).unwrap().status, AckStatus::Escalated);
        assert_eq!(
            p.clock(f, t(13, 0, 0)).unwrap().status,
            AckStatus::Escalated
        );
    }

    #[test]
    fn an_acknowledgement_restarts_the_clock_with_the_recheck_window() {
        let p = AckPolicy::default();
        let c = p
            .clock(waiting(t(9, 0, 0), Some(t(9, 5, 0))), t(9, 6, 0))
            .unwrap();
        assert_eq!(c.started_at, t(9, 5, 0));
        assert_eq!(c.due_at, t(9, 20, 0));
        assert_eq!(c.status, AckStatus::OnTime);
        // An escalated patient who is acknowledged is calm again.
        let late = p
            .clock(waiting(t(9, 0, 0), Some(t(9, 30, 0))), t(9, 30, 0))
            .unwrap();
        assert_eq!(late.status, AckStatus::OnTime);
    }

    #[test]
    fn roomed_without_a_clinician_keeps_the_clock_running() {
        let p = AckPolicy::default();
        let f = AckFacts {
            state: VisitState::Roomed,
            arrived_at: Some(t(9, 0, 0)),
            last_acknowledged_at: Some(t(9, 1, 0)),
        };
        assert_eq!(p.clock(f, t(9, 17, 0)).unwrap().status, AckStatus::Overdue);
    }

    #[test]
    fn no_clock_with_the_provider_at_checkout_or_after() {
        let p = AckPolicy::default();
        for state in VisitState::ALL {
            let f = AckFacts {
                state,
                arrived_at: Some(t(9, 0, 0)),
                last_acknowledged_at: None,
            };
            let c = p.clock(f, t(12, 0, 0));
            assert_eq!(c.is_some(), state.runs_ack_clock(), "{state}");
        }
    }

    #[test]
    fn no_clock_before_arrival() {
        let p = AckPolicy::default();
        let f = AckFacts {
            state: VisitState::Waiting,
            arrived_at: None,
            last_acknowledged_at: None,
        };
        assert!(p.clock(f, t(9, 0, 0)).is_none());
    }

    #[test]
    fn an_acknowledgement_stamped_before_arrival_counts_from_arrival() {
        let p = AckPolicy::default();
        let c = p
            .clock(waiting(t(9, 0, 0), Some(t(8, 0, 0))), t(9, 0, 0))
            .unwrap();
        assert_eq!(c.started_at, t(9, 0, 0));
        assert_eq!(c.due_at, t(9, 15, 0));
    }

    #[test]
    fn describes_itself_in_words() {
        assert_eq!(
            AckPolicy::default().describe(),
            "first within 2m, recheck every 15m, escalate 5m after overdue"
        );
    }

    fn policy() -> impl Strategy<Value = AckPolicy> {
        (1i64..7200, 1i64..7200, 0i64..7200).prop_map(|(f, r, e)| AckPolicy {
            first_within: Duration::seconds(f),
            recheck_every: Duration::seconds(r),
            escalate_after: Duration::seconds(e),
        })
    }

    proptest! {
        #[test]
        fn due_time_is_start_plus_window(p in policy(), arrive in 0i64..86_400, ack in proptest::option::of(0i64..86_400), now in 0i64..200_000) {
            let base = t(0, 0, 0);
            let arrived = base + Duration::seconds(arrive);
            let acked = ack.map(|a| base + Duration::seconds(a));
            let c = p.clock(waiting(arrived, acked), base + Duration::seconds(now)).unwrap();
            let window = if acked.is_some() { p.recheck_every } else { p.first_within };
            prop_assert_eq!(c.due_at - c.started_at, window);
            prop_assert!(c.started_at >= arrived);
            prop_assert!(c.due_soon_at < c.due_at);
            prop_assert!(c.due_soon_at >= c.started_at);
            prop_assert_eq!(c.escalates_at - c.due_at, p.escalate_after);
        }

        #[test]
        fn status_never_calms_down_as_time_passes(p in policy(), arrive in 0i64..86_400, ack in proptest::option::of(0i64..86_400), a in 0i64..200_000, b in 0i64..200_000) {
            let base = t(0, 0, 0);
            let f = waiting(base + Duration::seconds(arrive), ack.map(|x| base + Duration::seconds(x)));
            let (early, late) = (a.min(b), a.max(b));
            let s1 = p.clock(f, base + Duration::seconds(early)).unwrap().status;
            let s2 = p.clock(f, base + Duration::seconds(late)).unwrap().status;
            prop_assert!(s1 <= s2);
        }

        #[test]
        fn status_matches_the_thresholds(p in policy(), arrive in 0i64..86_400, now in 0i64..200_000) {
            let base = t(0, 0, 0);
            let now = base + Duration::seconds(now);
            let c = p.clock(waiting(base + Duration::seconds(arrive), None), now).unwrap();
            let expected = if now < c.due_soon_at { AckStatus::OnTime }
                else if now < c.due_at { AckStatus::DueSoon }
                else if now < c.escalates_at { AckStatus::Overdue }
                else { AckStatus::Escalated };
            prop_assert_eq!(c.status, expected);
        }

        #[test]
        fn a_fresh_acknowledgement_is_always_on_time(p in policy(), arrive in 0i64..86_400, wait in 0i64..86_400) {
            let base = t(0, 0, 0);
            let arrived = base + Duration::seconds(arrive);
            let ack = arrived + Duration::seconds(wait);
            let c = p.clock(waiting(arrived, Some(ack)), ack).unwrap();
            // Only a window shorter than 4 s has no on-time part after rounding.
            if p.recheck_every >= Duration::seconds(4) {
                prop_assert_eq!(c.status, AckStatus::OnTime);
            }
        }
    }
}
