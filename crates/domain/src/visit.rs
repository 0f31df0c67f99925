//! A visit is one patient's journey on one day, and the states it may move through.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a visit stands. The allowed moves between states are fixed by
/// [`VisitState::can_move_to`]; nothing else may change a visit's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitState {
    /// Booked for today, not arrived yet.
    Expected,
    /// Arrived and in the lobby.
    Waiting,
    /// In an exam room, no clinician yet.
    Roomed,
    /// With the provider.
    WithProvider,
    /// Done with the provider, at the checkout desk.
    Checkout,
    /// Finished.
    Done,
    /// Arrived but left before being seen.
    LeftWithoutBeingSeen,
    /// Booked but never came.
    NoShow,
    /// Cancelled.
    Cancelled,
}

impl VisitState {
    pub const ALL: [VisitState; 9] = [
        VisitState::Expected,
        VisitState::Waiting,
        VisitState::Roomed,
        VisitState::WithProvider,
        VisitState::Checkout,
        VisitState::Done,
        VisitState::LeftWithoutBeingSeen,
        VisitState::NoShow,
        VisitState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VisitState::Expected => "expected",
            VisitState::Waiting => "waiting",
            VisitState::Roomed => "roomed",
            VisitState::WithProvider => "with_provider",
            VisitState::Checkout => "checkout",
            VisitState::Done => "done",
            VisitState::LeftWithoutBeingSeen => "left_without_being_seen",
            VisitState::NoShow => "no_show",
            VisitState::Cancelled => "cancelled",
        }
    }

    /// Words for a person, as shown on the board.
    pub fn label(self) -> &'static str {
        match self {
            VisitState::Expected => "Expected",
            VisitState::Waiting => "Waiting",
            VisitState::Roomed => "Roomed",
            VisitState::WithProvider => "With provider",
            VisitState::Checkout => "Checkout",
            VisitState::Done => "Done",
            VisitState::LeftWithoutBeingSeen => "Left without being seen",
            VisitState::NoShow => "No-show",
            VisitState::Cancelled => "Cancelled",
        }
    }

    /// The moves the practice allows, exactly as DESIGN.md lists them.
    pub fn allowed_next(self) -> &'static [VisitState] {
        use VisitState::*;
        match self {
            Expected => &[Waiting, NoShow, Cancelled],
            Waiting => &[Roomed, WithProvider, LeftWithoutBeingSeen, Cancelled],
            Roomed => &[WithProvider, Waiting, LeftWithoutBeingSeen],
            WithProvider => &[Checkout, Done],
            Checkout => &[Done],
            Done | LeftWithoutBeingSeen | NoShow | Cancelled => &[],
        }
    }

    pub fn can_move_to(self, to: VisitState) -> bool {
        self.allowed_next().contains(&to)
    }

    /// Check a move; the error says why it was refused.
    pub fn transition(self, to: VisitState) -> Result<VisitState, TransitionError> {
        if self.can_move_to(to) {
            Ok(to)
        } else {
            Err(TransitionError { from: self, to })
        }
    }

    /// A final state: the visit is over and leaves the board.
    pub fn is_final(self) -> bool {
        self.allowed_next().is_empty()
    }

    /// The patient is physically here (arrived and not gone).
    pub fn is_present(self) -> bool {
        matches!(
            self,
            VisitState::Waiting
                | VisitState::Roomed
                | VisitState::WithProvider
                | VisitState::Checkout
        )
    }

    /// States in which the acknowledgement clock runs: the patient is here and
    /// no clinician is with them.
    pub fn runs_ack_clock(self) -> bool {
        matches!(self, VisitState::Waiting | VisitState::Roomed)
    }
}

impl fmt::Display for VisitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown visit state {0:?}")]
pub struct UnknownState(pub String);

impl FromStr for VisitState {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VisitState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_string()))
    }
}

/// A move the rules refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a visit that is {} cannot move to {}", from.label().to_lowercase(), to.label().to_lowercase())]
pub struct TransitionError {
    pub from: VisitState,
    pub to: VisitState,
}

#[cfg(test)]
mod tests {
    use super::VisitState::*;
    use super::*;

    #[test]
    fn the_allowed_moves_are_exactly_those_of_the_design() {
        let allowed: Vec<(VisitState, VisitState)> = vec![
            (Expected, Waiting),
            (Expected, NoShow),
            (Expected, Cancelled),
            (Waiting, Roomed),
            (Waiting, WithProvider),
            (Waiting, LeftWithoutBeingSeen),
            (Waiting, Cancelled),
            (Roomed, WithProvider),
            (Roomed, Waiting),
            (Roomed, LeftWithoutBeingSeen),
            (WithProvider, Checkout),
            (WithProvider, Done),
            (Checkout, Done),
        ];
        for from in VisitState::ALL {
            for to in VisitState::ALL {
                let expected = allowed.contains(&(from, to));
                assert_eq!(from.can_move_to(to), expected, "{from} -> {to}");
                assert_eq!(from.transition(to).is_ok(), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn final_states_go_nowhere() {
        for s in [Done, LeftWithoutBeingSeen, NoShow, Cancelled] {
            assert!(s.is_final());
            assert!(!s.runs_ack_clock());
        }
        assert!(!Waiting.is_final());
    }

    #[test]
    fn the_clock_runs_only_while_waiting_or_roomed() {
        let running: Vec<_> = VisitState::ALL
            .into_iter()
            .filter(|s| s.runs_ack_clock())
            .collect();
        assert_eq!(running, vec![Waiting, Roomed]);
    }

    #[test]
    fn names_round_trip() {
        for s in VisitState::ALL {
            assert_eq!(s.as_str().parse::<VisitState>(), Ok(s));
        }
        assert!("seen".parse::<VisitState>().is_err());
    }

    #[test]
    fn a_refused_move_explains_itself() {
        let err = Done.transition(Waiting).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a visit that is done cannot move to waiting"
        );
    }
}
