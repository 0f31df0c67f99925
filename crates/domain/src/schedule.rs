//! The schedule as an EHR keeps it: appointments that arrive one by one (FHIR,
//! HL7 v2 SIU) rather than in a morning's CSV, each with the identifier it
//! came with, and later changed, cancelled or marked as no-shows. Every door
//! turns an appointment into the same expected visit as a CSV row
//! ([`crate::appointment::Appointment`]); this module says what a change does
//! to the visit already there.

use crate::VisitState;
use crate::appointment::Appointment;

/// Where an appointment came from; stored with the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScheduleSource {
    /// A row of the appointment CSV (`appointment_id`).
    Csv,
    /// A FHIR R4 Appointment (its `identifier`).
    Fhir,
    /// An HL7 v2 SIU message (the placer appointment id, SCH-1).
    Hl7,
}

impl ScheduleSource {
    pub const ALL: [ScheduleSource; 3] = [
        ScheduleSource::Csv,
        ScheduleSource::Fhir,
        ScheduleSource::Hl7,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleSource::Csv => "csv",
            ScheduleSource::Fhir => "fhir",
            ScheduleSource::Hl7 => "hl7",
        }
    }
}

impl std::str::FromStr for ScheduleSource {
    type Err = crate::promise::UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| crate::promise::UnknownName {
                what: "appointment source",
                name: s.to_string(),
            })
    }
}

/// What the EHR says of the appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleStatus {
    /// Booked, new or changed (FHIR `booked`/`proposed`/`pending`, SIU
    /// S12/S13/S14).
    Booked,
    /// Cancelled (FHIR `cancelled`, SIU S15).
    Cancelled,
    /// The patient did not come (FHIR `noshow`, SIU S26).
    NoShow,
}

/// One appointment as an EHR sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleChange {
    /// The appointment, as a CSV row would give it; `appointment_id` is the
    /// identifier's value.
    pub appointment: Appointment,
    /// The identifier's system (FHIR `identifier.system`, the HL7 placer
    /// id's namespace), when it had one.
    pub system: Option<String>,
    /// The provider's name as the EHR gave it (FHIR Practitioner.name, HL7
    /// AIP-3's name), for a provider Frontdesk does not have yet.
    pub provider_name: Option<String>,
    pub source: ScheduleSource,
    pub status: ScheduleStatus,
}

/// What a change does to the visit (matched by location and identifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// No visit yet: make it, in this state (`expected`, or straight to
    /// `cancelled`/`no_show` so the EHR's record is kept).
    Create(VisitState),
    /// Still expected: take the new time, provider, visit type and patient
    /// details, then move to this state if it is not `expected`.
    Update(VisitState),
    /// Left as it is, and why (in words for the interface analyst).
    Unchanged(&'static str),
}

/// A provider id from an EHR's practitioner identifier (FHIR identifier
/// value, HL7 AIP-3's first component): kept in lowercase, spaces as dashes,
/// then held to the usual provider id (letters, digits, dashes, at most 32).
pub fn provider_id(text: &str) -> Result<String, &'static str> {
    let text = text.trim().to_lowercase().replace([' ', '.'], "-");
    crate::fields::short_id(&text)
}

/// The state a status asks for.
pub fn target_state(status: ScheduleStatus) -> VisitState {
    match status {
        ScheduleStatus::Booked => VisitState::Expected,
        ScheduleStatus::Cancelled => VisitState::Cancelled,
        ScheduleStatus::NoShow => VisitState::NoShow,
    }
}

/// What to do with a change, given the state of the visit already made from
/// the same appointment (if any). Once the patient has arrived, the desk's
/// record is the truth: the EHR's later changes to the booking are not
/// applied (a cancellation sent while the patient sits in the lobby is a
/// bookkeeping step in the EHR, not a reason to take them off the board). A
/// cancelled or no-show visit stays so: the EHR books a new appointment for
/// a new visit.
pub fn plan(existing: Option<VisitState>, status: ScheduleStatus) -> Plan {
    let target = target_state(status);
    match existing {
        None => Plan::Create(target),
        Some(VisitState::Expected) => Plan::Update(target),
        Some(s) if s == target => Plan::Unchanged("already so"),
        Some(VisitState::Cancelled | VisitState::NoShow) => {
            Plan::Unchanged("the visit was cancelled or a no-show; book a new appointment")
        }
        Some(_) => Plan::Unchanged("the patient has already arrived; the desk's record stands"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_appointment_is_made_in_the_state_it_was_sent() {
        assert_eq!(
            plan(None, ScheduleStatus::Booked),
            Plan::Create(VisitState::Expected)
        );
        assert_eq!(
            plan(None, ScheduleStatus::Cancelled),
            Plan::Create(VisitState::Cancelled)
        );
        assert_eq!(
            plan(None, ScheduleStatus::NoShow),
            Plan::Create(VisitState::NoShow)
        );
    }

    #[test]
    fn an_expected_visit_follows_the_ehr() {
        for (status, to) in [
            (ScheduleStatus::Booked, VisitState::Expected),
            (ScheduleStatus::Cancelled, VisitState::Cancelled),
            (ScheduleStatus::NoShow, VisitState::NoShow),
        ] {
            assert_eq!(plan(Some(VisitState::Expected), status), Plan::Update(to));
            // Every move it asks for is one the visit rules allow.
            assert!(to == VisitState::Expected || VisitState::Expected.can_move_to(to));
        }
    }

    #[test]
    fn once_the_patient_is_here_the_desk_decides() {
        for s in VisitState::ALL {
            if s == VisitState::Expected {
                continue;
            }
            for status in [
                ScheduleStatus::Booked,
                ScheduleStatus::Cancelled,
                ScheduleStatus::NoShow,
            ] {
                assert!(
                    matches!(plan(Some(s), status), Plan::Unchanged(_)),
                    "{s:?} {status:?}"
                );
            }
        }
    }

    #[test]
    fn provider_ids_from_an_ehr() {
        assert_eq!(provider_id(" Dr Lee ").unwrap(), "dr-lee");
        assert_eq!(provider_id("1234567893").unwrap(), "1234567893");
        assert!(provider_id("").is_err());
        assert!(provider_id("lee^john").is_err());
    }

    #[test]
    fn sources_read_back() {
        for s in ScheduleSource::ALL {
            assert_eq!(s.as_str().parse::<ScheduleSource>().unwrap(), s);
        }
        assert!("fax".parse::<ScheduleSource>().is_err());
    }
}
