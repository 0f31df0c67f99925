//! A patient's question or concern, in their own words, tracked until it is
//! answered in writing and the patient agrees it was.
//!
//! ```text
//!   open ──answer──▶ answered ──patient confirms──▶ confirmed
//!     │                 │  ▲
//!     │                 │  └──────answer────────┐
//!     │                 └──"this didn't answer"──▶ reopened
//!     └──follow up (a promise with a due time)──▶ follow_up ◀──┘
//! ```
//!
//! Nothing closes silently: only the patient confirms, and an answer must say
//! something. `open` and `reopened` concerns stop a checkout; an answered
//! concern the patient has not confirmed yet does not.

use crate::fields;
use crate::{Timestamp, VisitState};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest concern or answer kept, in characters.
pub const MAX_TEXT: usize = 2000;
pub const TOO_LONG: &str = "Too long (at most 2000 characters)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcernStatus {
    /// Raised, nobody has answered yet.
    Open,
    /// Staff answered in writing; waiting for the patient to say it helped.
    Answered,
    /// The patient said the answer covered it. Final.
    Confirmed,
    /// The patient said the answer did not cover it.
    Reopened,
    /// Turned into a follow-up promise with a due time (a call-back, results…).
    FollowUp,
}

impl ConcernStatus {
    pub const ALL: [ConcernStatus; 5] = [
        ConcernStatus::Open,
        ConcernStatus::Answered,
        ConcernStatus::Confirmed,
        ConcernStatus::Reopened,
        ConcernStatus::FollowUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConcernStatus::Open => "open",
            ConcernStatus::Answered => "answered",
            ConcernStatus::Confirmed => "confirmed",
            ConcernStatus::Reopened => "reopened",
            ConcernStatus::FollowUp => "follow_up",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ConcernStatus::Open => "Open",
            ConcernStatus::Answered => "Answered, waiting for the patient",
            ConcernStatus::Confirmed => "Confirmed by the patient",
            ConcernStatus::Reopened => "Reopened: the answer did not cover it",
            ConcernStatus::FollowUp => "Follow-up promised",
        }
    }

    /// Still needs a staff answer: shown first, and stops a checkout.
    pub fn needs_answer(self) -> bool {
        matches!(self, ConcernStatus::Open | ConcernStatus::Reopened)
    }

    /// Staff may write an answer (again, after a reopen).
    pub fn can_answer(self) -> Result<(), ConcernError> {
        match self {
            ConcernStatus::Open | ConcernStatus::Reopened | ConcernStatus::Answered => Ok(()),
            ConcernStatus::Confirmed => Err(ConcernError::AlreadyConfirmed),
            ConcernStatus::FollowUp => Err(ConcernError::FollowUp),
        }
    }

    /// The patient may confirm or reopen only an answer they have been given.
    pub fn can_respond(self) -> Result<(), ConcernError> {
        match self {
            ConcernStatus::Answered => Ok(()),
            ConcernStatus::Confirmed => Err(ConcernError::AlreadyConfirmed),
            _ => Err(ConcernError::NotAnswered),
        }
    }

    /// Only a concern still waiting for an answer becomes a follow-up.
    pub fn can_follow_up(self) -> Result<(), ConcernError> {
        match self {
            ConcernStatus::Open | ConcernStatus::Reopened => Ok(()),
            ConcernStatus::Confirmed => Err(ConcernError::AlreadyConfirmed),
            ConcernStatus::FollowUp => Err(ConcernError::FollowUp),
            ConcernStatus::Answered => Err(ConcernError::Answered),
        }
    }
}

impl fmt::Display for ConcernStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown concern status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for ConcernStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConcernStatus::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// Why a concern cannot move the way someone asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConcernError {
    #[error("The patient already confirmed this answer")]
    AlreadyConfirmed,
    #[error("This concern was turned into a follow-up promise; fulfil the promise instead")]
    FollowUp,
    #[error("This concern has not been answered yet")]
    NotAnswered,
    #[error("This concern already has an answer; the patient can confirm or reopen it")]
    Answered,
}

/// Where a concern came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Kiosk,
    StatusPage,
    Staff,
    Portal,
}

impl Source {
    pub const ALL: [Source; 4] = [
        Source::Kiosk,
        Source::StatusPage,
        Source::Staff,
        Source::Portal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Kiosk => "kiosk",
            Source::StatusPage => "status_page",
            Source::Staff => "staff",
            Source::Portal => "portal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::Kiosk => "at the kiosk",
            Source::StatusPage => "on their status page",
            Source::Staff => "by staff",
            Source::Portal => "in the portal",
        }
    }
}

impl FromStr for Source {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Source::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// The patient's words as given (only outer whitespace trimmed): required,
/// at most [`MAX_TEXT`] characters, no control characters but line breaks.
pub fn words(input: &str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return Err(fields::REQUIRED);
    }
    if text.chars().count() > MAX_TEXT {
        return Err(TOO_LONG);
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(fields::CONTROL_CHARS);
    }
    Ok(text.to_string())
}

/// An answer follows the same rules: an empty or whitespace-only answer is
/// refused with "Required field missing".
pub fn answer_text(input: &str) -> Result<String, &'static str> {
    words(input)
}

/// Moving a visit to checkout (or straight to done) is stopped while any of
/// its concerns still needs an answer.
pub fn checkout_needs_answers(to: VisitState) -> bool {
    matches!(to, VisitState::Checkout | VisitState::Done)
}

/// Minutes from raising a concern to its first answer.
pub fn minutes_to_first_answer(raised_at: Timestamp, first_answer_at: Timestamp) -> f64 {
    (first_answer_at - raised_at).num_seconds().max(0) as f64 / 60.0
}

/// How quickly concerns got their first answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeToFirstAnswer {
    /// How many concerns were answered (the others do not count).
    pub answered: usize,
    /// Half of the answers came this fast or faster, in minutes.
    pub median_min: Option<f64>,
    /// Nine in ten answers came this fast or faster, in minutes.
    pub p90_min: Option<f64>,
}

/// The median and 90th percentile of minutes to a first answer, by the same
/// quantile rule as the wait quotes ([`crate::quote::quantile`], nearest
/// rank): the shortest time within which at least half (nine in ten) of the
/// answers came. Shown to a tenth of a minute; `None` when nothing was
/// answered.
pub fn time_to_first_answer(mut minutes: Vec<f64>) -> TimeToFirstAnswer {
    let tenth = |m: f64| (m * 10.0).round() / 10.0;
    TimeToFirstAnswer {
        answered: minutes.len(),
        median_min: crate::quote::quantile(&mut minutes, 0.5).map(tenth),
        p90_min: crate::quote::quantile(&mut minutes, 0.9).map(tenth),
    }
}

/// Order for a clinician: concerns needing an answer first, then answered
/// ones waiting for the patient, then the settled ones; oldest first within each.
pub fn display_rank(status: ConcernStatus) -> u8 {
    match status {
        ConcernStatus::Reopened => 0,
        ConcernStatus::Open => 1,
        ConcernStatus::Answered => 2,
        ConcernStatus::FollowUp => 3,
        ConcernStatus::Confirmed => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConcernStatus::*;

    #[test]
    fn an_answer_must_say_something() {
        assert_eq!(answer_text(""), Err(fields::REQUIRED));
        assert_eq!(answer_text("   \n\t "), Err(fields::REQUIRED));
        assert_eq!(
            answer_text("  Your results are back and normal. "),
            Ok("Your results are back and normal.".to_string())
        );
        assert_eq!(answer_text(&"a".repeat(MAX_TEXT + 1)), Err(TOO_LONG));
        assert_eq!(answer_text("bell\u{7}"), Err(fields::CONTROL_CHARS));
    }

    #[test]
    fn the_patients_words_are_kept_as_given() {
        let said = "Can we talk about my  knee?\nIt still HURTS!!";
        assert_eq!(words(&format!("  {said}  ")), Ok(said.to_string()));
    }

    #[test]
    fn staff_answer_open_reopened_and_may_improve_an_answer() {
        assert!(Open.can_answer().is_ok());
        assert!(Reopened.can_answer().is_ok());
        assert!(Answered.can_answer().is_ok());
        assert_eq!(Confirmed.can_answer(), Err(ConcernError::AlreadyConfirmed));
        assert_eq!(FollowUp.can_answer(), Err(ConcernError::FollowUp));
    }

    #[test]
    fn only_the_patient_closes_and_only_after_an_answer() {
        assert!(Answered.can_respond().is_ok());
        assert_eq!(Open.can_respond(), Err(ConcernError::NotAnswered));
        assert_eq!(Reopened.can_respond(), Err(ConcernError::NotAnswered));
        assert_eq!(Confirmed.can_respond(), Err(ConcernError::AlreadyConfirmed));
    }

    #[test]
    fn open_and_reopened_stop_checkout_but_answered_does_not() {
        let blocking: Vec<_> = ConcernStatus::ALL
            .into_iter()
            .filter(|s| s.needs_answer())
            .collect();
        assert_eq!(blocking, vec![Open, Reopened]);
        assert!(checkout_needs_answers(VisitState::Checkout));
        assert!(checkout_needs_answers(VisitState::Done));
        assert!(!checkout_needs_answers(VisitState::Roomed));
        assert!(!checkout_needs_answers(VisitState::LeftWithoutBeingSeen));
    }

    #[test]
    fn follow_up_only_for_unanswered() {
        assert!(Open.can_follow_up().is_ok());
        assert!(Reopened.can_follow_up().is_ok());
        assert!(Answered.can_follow_up().is_err());
        assert!(Confirmed.can_follow_up().is_err());
    }

    #[test]
    fn statuses_round_trip_and_sort_needing_answer_first() {
        for s in ConcernStatus::ALL {
            assert_eq!(s.as_str().parse::<ConcernStatus>(), Ok(s));
        }
        let mut all = ConcernStatus::ALL.to_vec();
        all.sort_by_key(|s| display_rank(*s));
        assert!(all[0].needs_answer() && all[1].needs_answer());
        assert!(!all[2].needs_answer());
    }

    #[test]
    fn time_to_first_answer_in_minutes() {
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(
            minutes_to_first_answer(t0, t0 + chrono::Duration::seconds(390)),
            6.5
        );
        assert_eq!(minutes_to_first_answer(t0, t0), 0.0);
    }

    #[test]
    fn nothing_answered_has_no_figures() {
        assert_eq!(
            time_to_first_answer(Vec::new()),
            TimeToFirstAnswer {
                answered: 0,
                median_min: None,
                p90_min: None
            }
        );
    }

    #[test]
    fn one_answer_is_its_own_median_and_p90() {
        let t = time_to_first_answer(vec![6.0]);
        assert_eq!(t.answered, 1);
        assert_eq!(t.median_min, Some(6.0));
        assert_eq!(t.p90_min, Some(6.0));
    }

    #[test]
    fn half_and_nine_in_ten_answers_came_within_the_median_and_p90() {
        // Of two answers, the faster is the median (one of two came within
        // it) and the slower the 90th percentile.
        let t = time_to_first_answer(vec![30.0, 4.0]);
        assert_eq!((t.median_min, t.p90_min), (Some(4.0), Some(30.0)));
        // Ten answers, given in any order: the 5th and 9th fastest.
        let t = time_to_first_answer(vec![10.0, 1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 4.0, 6.0, 5.0]);
        assert_eq!(t.answered, 10);
        assert_eq!((t.median_min, t.p90_min), (Some(5.0), Some(9.0)));
        // Eleven: ranks ceil(5.5) = 6 and ceil(9.9) = 10.
        let t = time_to_first_answer((1..=11).map(f64::from).collect());
        assert_eq!((t.median_min, t.p90_min), (Some(6.0), Some(10.0)));
    }

    #[test]
    fn figures_are_shown_to_a_tenth_of_a_minute() {
        let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        // 7 seconds and 100 seconds: 0.1166… and 1.666… minutes.
        let minutes = [7, 100]
            .map(|s| minutes_to_first_answer(t0, t0 + chrono::Duration::seconds(s)))
            .to_vec();
        let t = time_to_first_answer(minutes);
        assert_eq!((t.median_min, t.p90_min), (Some(0.1), Some(1.7)));
    }
}
