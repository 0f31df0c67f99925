//! Promises other than waits: call-backs, refills, results, forms, referrals.
//! A due time is suggested from how long the location's own promises of that
//! kind took (at the same quantile as wait quotes); until there is enough
//! history, from published turnaround figures. A due time shorter than history
//! supports gets a plain warning.

use crate::quote::{normal_quantile, quantile};
use crate::{Timestamp, VisitState};
use chrono::Duration;

/// What a promise is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PromiseKind {
    /// Seen by the provider by a time: the wait promise made at check-in.
    SeenBy,
    Callback,
    Refill,
    Results,
    Form,
    Referral,
    Other,
    /// "Call the patient back": opened by a low survey answer, owned by the
    /// location's managers, due in one business day. Not made by hand.
    ServiceRecovery,
}

impl PromiseKind {
    pub const ALL: [PromiseKind; 8] = [
        PromiseKind::SeenBy,
        PromiseKind::Callback,
        PromiseKind::Refill,
        PromiseKind::Results,
        PromiseKind::Form,
        PromiseKind::Referral,
        PromiseKind::Other,
        PromiseKind::ServiceRecovery,
    ];

    /// Every kind staff promise by hand (all but the wait and service recovery).
    pub fn ledger() -> impl Iterator<Item = PromiseKind> {
        Self::ALL
            .into_iter()
            .filter(|k| !matches!(k, PromiseKind::SeenBy | PromiseKind::ServiceRecovery))
    }

    /// As stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseKind::SeenBy => "seen_by",
            PromiseKind::Callback => "callback",
            PromiseKind::Refill => "refill",
            PromiseKind::Results => "results",
            PromiseKind::Form => "form",
            PromiseKind::Referral => "referral",
            PromiseKind::Other => "other",
            PromiseKind::ServiceRecovery => "service_recovery",
        }
    }

    /// In words for staff pages ("Call-back", "Seen by").
    pub fn label(self) -> &'static str {
        match self {
            PromiseKind::SeenBy => "Seen by",
            PromiseKind::Callback => "Call-back",
            PromiseKind::Refill => "Refill",
            PromiseKind::Results => "Results",
            PromiseKind::Form => "Form",
            PromiseKind::Referral => "Referral",
            PromiseKind::Other => "Other",
            PromiseKind::ServiceRecovery => "Service recovery",
        }
    }

    /// Many of them, in a sentence ("only 40% of refills were done that fast").
    fn plural(self) -> &'static str {
        match self {
            PromiseKind::Callback => "call-backs",
            PromiseKind::Refill => "refills",
            PromiseKind::Results => "results",
            PromiseKind::Form => "forms",
            PromiseKind::Referral => "referrals",
            PromiseKind::SeenBy => "waits",
            PromiseKind::Other => "promises like this",
            PromiseKind::ServiceRecovery => "call-backs after a survey",
        }
    }
}

impl std::fmt::Display for PromiseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is none of the kinds or statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {name:?}")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
}

impl std::str::FromStr for PromiseKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "promise kind",
                name: s.to_string(),
            })
    }
}

/// Where a promise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PromiseStatus {
    Open,
    /// Done by the due time.
    Kept,
    /// Done late, or the due time passed.
    Broken,
    /// Replaced by a new promise before it broke (kept on record).
    Renegotiated,
    /// Neither kept nor broken: the patient left, was cancelled or never came.
    Withdrawn,
}

impl PromiseStatus {
    pub const ALL: [PromiseStatus; 5] = [
        PromiseStatus::Open,
        PromiseStatus::Kept,
        PromiseStatus::Broken,
        PromiseStatus::Renegotiated,
        PromiseStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PromiseStatus::Open => "open",
            PromiseStatus::Kept => "kept",
            PromiseStatus::Broken => "broken",
            PromiseStatus::Renegotiated => "renegotiated",
            PromiseStatus::Withdrawn => "withdrawn",
        }
    }

    /// Kept or broken: a promise that counts in the kept rate.
    pub fn is_settled(self) -> bool {
        matches!(self, PromiseStatus::Kept | PromiseStatus::Broken)
    }
}

impl std::fmt::Display for PromiseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PromiseStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "promise status",
                name: s.to_string(),
            })
    }
}

/// Where an open promise stands against its due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    /// Before the reminder time.
    Later,
    /// The reminder time has come.
    DueSoon,
    Overdue,
}

impl DueState {
    pub fn as_str(self) -> &'static str {
        match self {
            DueState::Later => "later",
            DueState::DueSoon => "due_soon",
            DueState::Overdue => "overdue",
        }
    }
}

/// When the owner of a promise is reminded: a quarter of the promised time
/// before it is due, at least 15 minutes and at most a day before.
pub fn remind_at(made_at: Timestamp, due_at: Timestamp) -> Timestamp {
    let window = (due_at - made_at).max(Duration::zero());
    due_at - (window / 4).clamp(Duration::minutes(15), Duration::days(1))
}

/// Where an open promise stands: overdue, due soon (reminder time reached)
/// or later.
pub fn due_state(made_at: Timestamp, due_at: Timestamp, now: Timestamp) -> DueState {
    if now > due_at {
        DueState::Overdue
    } else if now >= remind_at(made_at, due_at) {
        DueState::DueSoon
    } else {
        DueState::Later
    }
}

/// How far behind schedule a booked patient's provider is running, in words
/// worth saying: the likely time past the appointment, rounded to 5 minutes,
/// and only from 10 minutes on (a few minutes late is on time to a patient).
pub fn minutes_behind(scheduled_at: Timestamp, likely_by: Timestamp) -> Option<i64> {
    let late = (likely_by - scheduled_at).num_seconds() as f64 / 60.0;
    let rounded = ((late / 5.0).round() * 5.0) as i64;
    (rounded >= 10).then_some(rounded)
}

/// A promise done at `at`: kept when on time, broken when late.
pub fn settled_status(due_at: Timestamp, at: Timestamp) -> PromiseStatus {
    if at <= due_at {
        PromiseStatus::Kept
    } else {
        PromiseStatus::Broken
    }
}

/// Whether a move ends the wait a `seen_by` promise is about.
pub fn wait_ends(to: VisitState) -> bool {
    wait_settlement(to, Timestamp::MIN_UTC, Timestamp::MIN_UTC).is_some()
}

/// How a wait promise ends when the visit moves to `to` at `at`: kept or
/// broken when the patient is seen; `withdrawn` when they leave, are
/// cancelled or never came (neither kept nor broken); `None` while the wait
/// goes on.
pub fn wait_settlement(to: VisitState, due_at: Timestamp, at: Timestamp) -> Option<PromiseStatus> {
    match to {
        VisitState::WithProvider => Some(settled_status(due_at, at)),
        VisitState::LeftWithoutBeingSeen | VisitState::Cancelled | VisitState::NoShow => {
            Some(PromiseStatus::Withdrawn)
        }
        _ => None,
    }
}

/// What to do about an open wait promise, given the latest prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCheck {
    /// The promise still likely holds.
    Holds,
    /// It will likely break: promise a new time now, before it does.
    Renegotiate,
    /// The due time has passed with the patient still waiting: it broke.
    Broken,
}

/// Re-quote before a promise breaks: when the likely time has moved past it.
pub fn check_wait(due_at: Timestamp, likely_by: Timestamp, now: Timestamp) -> WaitCheck {
    if now >= due_at {
        WaitCheck::Broken
    } else if likely_by > due_at {
        WaitCheck::Renegotiate
    } else {
        WaitCheck::Holds
    }
}

/// Below this many fulfilled promises of a kind, priors are used.
const MIN_HISTORY: usize = 20;
const PRIOR_SIGMA: f64 = 0.67;

/// Median turnaround in minutes before a location has its own history.
/// Refills: 383 min median before a nurse-run protocol (Khan et al. 2023,
/// RESEARCH.md); the others are conservative working assumptions.
pub fn prior_median_min(kind: PromiseKind) -> f64 {
    match kind {
        PromiseKind::Callback => 120.0,
        PromiseKind::Refill => 383.0,
        PromiseKind::Results => 3.0 * 24.0 * 60.0,
        PromiseKind::Form => 5.0 * 24.0 * 60.0,
        PromiseKind::Referral => 7.0 * 24.0 * 60.0,
        PromiseKind::SeenBy | PromiseKind::Other | PromiseKind::ServiceRecovery => 24.0 * 60.0,
    }
}

fn normal_cdf(x: f64) -> f64 {
    // Abramowitz–Stegun 7.1.26 through erf; |error| < 1.5e-7.
    let t = 1.0 / (1.0 + 0.3275911 * x.abs() / std::f64::consts::SQRT_2);
    let poly = t
        * (0.254829592
            + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    let erf = 1.0 - poly * (-(x * x) / 2.0).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// A suggested due time and how history judges a chosen one.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub suggested_due_at: Timestamp,
    /// True when the suggestion comes from priors, not this location's history.
    pub from_priors: bool,
}

/// Suggest a due time for a promise of `kind` made `now`.
pub fn suggest_due(kind: PromiseKind, history_min: &[f64], q: f64, now: Timestamp) -> Suggestion {
    let (minutes, from_priors) = if history_min.len() >= MIN_HISTORY {
        let mut h = history_min.to_vec();
        (quantile(&mut h, q).unwrap_or(0.0), false)
    } else {
        (
            prior_median_min(kind) * (normal_quantile(q) * PRIOR_SIGMA).exp(),
            true,
        )
    };
    Suggestion {
        suggested_due_at: crate::quote::round_up(now + Duration::minutes(minutes.ceil() as i64), 5),
        from_priors,
    }
}

/// Share of past promises of this kind fulfilled within `minutes`.
pub fn share_done_within(kind: PromiseKind, history_min: &[f64], minutes: f64) -> f64 {
    if history_min.len() >= MIN_HISTORY {
        history_min.iter().filter(|m| **m <= minutes).count() as f64 / history_min.len() as f64
    } else if minutes <= 0.0 {
        0.0
    } else {
        normal_cdf(((minutes).ln() - prior_median_min(kind).ln()) / PRIOR_SIGMA)
    }
}

/// A warning when the chosen due time is shorter than history supports:
/// fewer than three in four past promises of this kind were done that fast.
pub fn big_promise_warning(
    kind: PromiseKind,
    history_min: &[f64],
    made_at: Timestamp,
    due_at: Timestamp,
) -> Option<String> {
    let minutes = (due_at - made_at).num_seconds() as f64 / 60.0;
    let share = share_done_within(kind, history_min, minutes);
    if share < 0.75 {
        let basis = if history_min.len() >= MIN_HISTORY {
            ""
        } else {
            " (typical figures; this location has little history yet)"
        };
        Some(format!(
            "A big promise: only {:.0}% of {} were done that fast{basis}.",
            (share * 100.0).floor(),
            kind.plural()
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap()
    }

    #[test]
    fn refills_start_from_the_published_median() {
        let s = suggest_due(PromiseKind::Refill, &[], 0.9, now());
        assert!(s.from_priors);
        let minutes = (s.suggested_due_at - now()).num_minutes();
        // 383 min median, lognormal σ 0.67: the 90th percentile is about 15 hours.
        assert!((850..=950).contains(&minutes), "{minutes}");
    }

    #[test]
    fn history_replaces_priors_once_there_is_enough() {
        let history: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = suggest_due(PromiseKind::Refill, &history, 0.9, now());
        assert!(!s.from_priors);
        assert_eq!(s.suggested_due_at, now() + Duration::minutes(90));
    }

    #[test]
    fn a_due_time_shorter_than_history_supports_is_a_big_promise() {
        let history: Vec<f64> = (1..=100).map(|m| f64::from(m) * 10.0).collect();
        let w = big_promise_warning(
            PromiseKind::Refill,
            &history,
            now(),
            now() + Duration::minutes(400),
        )
        .unwrap();
        assert_eq!(w, "A big promise: only 40% of refills were done that fast.");
        assert!(
            big_promise_warning(
                PromiseKind::Refill,
                &history,
                now(),
                now() + Duration::minutes(900)
            )
            .is_none()
        );
        // With priors: two hours for a refill is ambitious.
        assert!(
            big_promise_warning(PromiseKind::Refill, &[], now(), now() + Duration::hours(2))
                .unwrap()
                .contains("typical figures")
        );
        assert!(
            big_promise_warning(PromiseKind::Refill, &[], now(), now() + Duration::hours(24))
                .is_none()
        );
    }

    #[test]
    fn a_wait_ends_kept_broken_or_withdrawn() {
        let due = now() + Duration::minutes(30);
        assert_eq!(
            wait_settlement(VisitState::WithProvider, due, due),
            Some(PromiseStatus::Kept)
        );
        assert_eq!(
            wait_settlement(VisitState::WithProvider, due, due + Duration::seconds(1)),
            Some(PromiseStatus::Broken)
        );
        assert_eq!(
            wait_settlement(VisitState::LeftWithoutBeingSeen, due, now()),
            Some(PromiseStatus::Withdrawn)
        );
        assert_eq!(wait_settlement(VisitState::Roomed, due, now()), None);
        assert!(wait_ends(VisitState::NoShow) && !wait_ends(VisitState::Checkout));
    }

    #[test]
    fn a_promise_is_renegotiated_before_it_breaks() {
        let due = now() + Duration::minutes(30);
        assert_eq!(check_wait(due, due, now()), WaitCheck::Holds);
        assert_eq!(
            check_wait(due, due + Duration::minutes(1), now()),
            WaitCheck::Renegotiate
        );
        assert_eq!(check_wait(due, now(), due), WaitCheck::Broken);
    }

    #[test]
    fn kinds_and_statuses_read_back_as_written() {
        for k in PromiseKind::ALL {
            assert_eq!(k.as_str().parse::<PromiseKind>(), Ok(k));
        }
        for s in PromiseStatus::ALL {
            assert_eq!(s.as_str().parse::<PromiseStatus>(), Ok(s));
        }
        assert!("refills".parse::<PromiseKind>().is_err());
        assert!(!PromiseKind::ledger().any(|k| k == PromiseKind::SeenBy));
        assert!(PromiseStatus::Broken.is_settled() && !PromiseStatus::Withdrawn.is_settled());
    }

    #[test]
    fn the_normal_cdf_is_right() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-6);
        assert!((normal_cdf(1.281_551_6) - 0.9).abs() < 1e-4);
        assert!((normal_cdf(-1.281_551_6) - 0.1).abs() < 1e-4);
    }

    #[test]
    fn running_behind_is_said_from_ten_minutes_in_fives() {
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let m = Duration::minutes;
        assert_eq!(minutes_behind(t0, t0 + m(7)), None);
        assert_eq!(minutes_behind(t0, t0 - m(30)), None, "early is not behind");
        assert_eq!(minutes_behind(t0, t0 + m(9)), Some(10));
        assert_eq!(minutes_behind(t0, t0 + m(24)), Some(25));
        assert_eq!(minutes_behind(t0, t0 + m(61)), Some(60));
    }

    #[test]
    fn owners_are_reminded_a_quarter_ahead_within_limits() {
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let h = Duration::hours;
        // Two days promised: reminded 12 hours before.
        assert_eq!(remind_at(t0, t0 + h(48)), t0 + h(36));
        // An hour promised: 15 minutes before.
        assert_eq!(remind_at(t0, t0 + h(1)), t0 + Duration::minutes(45));
        // Two weeks: a day before.
        assert_eq!(remind_at(t0, t0 + h(24 * 14)), t0 + h(24 * 13));
        assert_eq!(due_state(t0, t0 + h(48), t0 + h(10)), DueState::Later);
        assert_eq!(due_state(t0, t0 + h(48), t0 + h(40)), DueState::DueSoon);
        assert_eq!(due_state(t0, t0 + h(48), t0 + h(49)), DueState::Overdue);
    }
}
