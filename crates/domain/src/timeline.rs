//! What can happen to a visit and to a complaint, as written on their
//! append-only timelines. The names are stored, sent on the API and shown in
//! tests, so they never change; new kinds are added at the end.

use crate::promise::UnknownName;

/// Declares a kind enum with its stored names, in one place.
macro_rules! kinds {
    ($(#[$doc:meta])* $Name:ident, $what:literal { $($(#[$vdoc:meta])* $Variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $Name {
            $($(#[$vdoc])* $Variant,)*
        }

        impl $Name {
            pub const ALL: &'static [$Name] = &[$($Name::$Variant,)*];

            /// As stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($Name::$Variant => $text,)*
                }
            }
        }

        impl std::fmt::Display for $Name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $Name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|k| k.as_str() == s)
                    .ok_or_else(|| UnknownName { what: $what, name: s.to_string() })
            }
        }
    };
}

kinds! {
    /// One entry on a visit's timeline.
    EventKind, "timeline event" {
        /// Checked in (walk-in, appointment, kiosk).
        Arrived = "arrived",
        /// Imported from the schedule as expected.
        Scheduled = "scheduled",
        /// A named staff member acknowledged the patient.
        Acknowledged = "acknowledged",
        /// Moved from one state to another.
        Transitioned = "transitioned",
        /// The acknowledgement clock ran out.
        AckOverdue = "ack_overdue",
        /// Overdue long enough to tell the managers.
        AckEscalated = "ack_escalated",
        /// A promise was made about this visit.
        Promised = "promised",
        /// A wait promise was replaced before it broke.
        Requoted = "requoted",
        /// A promise was kept, broken or withdrawn.
        PromiseSettled = "promise_settled",
        /// The patient said on their page that they stepped out.
        SteppedOut = "stepped_out",
        /// The patient said on their page that they are back.
        Back = "back",
        /// A question from the status page (before questions were concerns).
        Question = "question",
        ConcernRaised = "concern_raised",
        ConcernAnswered = "concern_answered",
        ConcernConfirmed = "concern_confirmed",
        ConcernReopened = "concern_reopened",
        /// A concern became a follow-up promise.
        ConcernFollowUp = "concern_follow_up",
        /// The owner of a promise was reminded before it is due.
        PromiseReminder = "promise_reminder",
        ComplaintReceived = "complaint_received",
        /// Acknowledged, escalated or resolved.
        ComplaintUpdated = "complaint_updated",
        /// A message from the patient read as upset.
        Upset = "upset",
        /// An arrival link was made for the appointment (by staff, or sent
        /// with the reminder).
        ArrivalLink = "arrival_link",
        /// The patient said on their arrival link that they are running late.
        RunningLate = "running_late",
        /// The patient said on their arrival link that they can't come.
        CantCome = "cant_come",
        /// The EHR changed the appointment (time, provider, visit type or
        /// patient details) while it was still expected.
        Rescheduled = "rescheduled",
        /// The post-visit survey was sent (or skipped: opted out, asked
        /// within 30 days).
        SurveySent = "survey_sent",
        /// The patient answered the survey (what they said, and whether it
        /// opened service recovery).
        SurveyAnswered = "survey_answered",
        /// The patient asked for no more surveys.
        SurveyOptOut = "survey_opt_out",
        /// The tone coach held a staff reply (to a concern, or a complaint
        /// about this visit) for revision: who wrote it and the flags, not
        /// the words.
        ReplyHeld = "reply_held",
    }
}

kinds! {
    /// One entry on a complaint's record.
    ComplaintEventKind, "complaint event" {
        Received = "received",
        Acknowledged = "acknowledged",
        Assigned = "assigned",
        /// The clocks stopped (waiting for the patient, say).
        Paused = "paused",
        Resumed = "resumed",
        /// A written reply to the patient.
        Reply = "reply",
        /// A clock ran out and the complaint moved up the ladder.
        Escalated = "escalated",
        Resolved = "resolved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_as_written() {
        assert_eq!(EventKind::ALL.len(), 29);
        for k in EventKind::ALL {
            assert_eq!(k.as_str().parse::<EventKind>(), Ok(*k));
        }
        for k in ComplaintEventKind::ALL {
            assert_eq!(k.as_str().parse::<ComplaintEventKind>(), Ok(*k));
        }
        assert!("arrival".parse::<EventKind>().is_err());
    }
}
