//! Patients and arrivals: as little personal data as the job needs.

use crate::fields::{self, FieldErrors};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A patient as the practice knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPatient {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl NewPatient {
    /// The name the lobby TV may show: first name and last initial.
    pub fn public_name(&self) -> String {
        public_name(
            self.preferred_name.as_deref().unwrap_or(&self.given_name),
            &self.family_name,
        )
    }
}

/// First name and last initial: "Ana M.".
pub fn public_name(given: &str, family: &str) -> String {
    match family.chars().next() {
        Some(initial) => format!("{given} {}.", initial.to_uppercase()),
        None => given.to_string(),
    }
}

/// What a check-in form or API call sends, before validation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ArrivalInput {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub provider: Option<String>,
    pub visit_type: Option<String>,
    pub location: Option<String>,
    pub appointment_id: Option<String>,
}

/// A walk-in arrival (or a check-in against an appointment), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub patient: NewPatient,
    pub provider: Option<String>,
    pub visit_type: Option<String>,
    pub location: Option<String>,
    pub appointment_id: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Arrival {
    /// Validate every field; all problems are reported at once.
    /// With an `appointment_id` the names are taken from the appointment and
    /// may be left out.
    pub fn parse(input: &ArrivalInput, today: NaiveDate) -> Result<Arrival, FieldErrors> {
        let mut errors = FieldErrors::new();
        let appointment_id = match non_empty(&input.appointment_id) {
            Some(id) => errors
                .check("appointment_id", fields::optional_text(id))
                .flatten(),
            None => None,
        };
        let names_required = appointment_id.is_none();
        let given_name = if names_required || !input.given_name.trim().is_empty() {
            errors.check("given_name", fields::required_text(&input.given_name))
        } else {
            Some(String::new())
        };
        let family_name = if names_required || !input.family_name.trim().is_empty() {
            errors.check("family_name", fields::required_text(&input.family_name))
        } else {
            Some(String::new())
        };
        let preferred_name = match &input.preferred_name {
            Some(p) => errors
                .check("preferred_name", fields::optional_text(p))
                .flatten(),
            None => None,
        };
        let date_of_birth = non_empty(&input.date_of_birth)
            .and_then(|d| errors.check("date_of_birth", fields::date_of_birth(d, today)));
        let phone = non_empty(&input.phone).and_then(|p| errors.check("phone", fields::phone(p)));
        let email = non_empty(&input.email).and_then(|e| errors.check("email", fields::email(e)));
        let provider =
            non_empty(&input.provider).and_then(|p| errors.check("provider", fields::short_id(p)));
        let location =
            non_empty(&input.location).and_then(|l| errors.check("location", fields::short_id(l)));
        let visit_type = match &input.visit_type {
            Some(v) => errors
                .check("visit_type", fields::optional_text(v))
                .flatten(),
            None => None,
        };
        errors.into_result(|| Arrival {
            patient: NewPatient {
                given_name: given_name.unwrap_or_default(),
                family_name: family_name.unwrap_or_default(),
                preferred_name,
                date_of_birth,
                phone,
                email,
            },
            provider,
            visit_type,
            location,
            appointment_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()
    }

    #[test]
    fn a_walk_in_needs_both_names() {
        let err = Arrival::parse(&ArrivalInput::default(), today()).unwrap_err();
        assert_eq!(err.get("given_name"), Some(fields::REQUIRED));
        assert_eq!(err.get("family_name"), Some(fields::REQUIRED));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = ArrivalInput {
            given_name: "Ana".into(),
            family_name: "Moreno".into(),
            date_of_birth: Some("2030-01-01".into()),
            email: Some("ana@".into()),
            phone: Some("12".into()),
            ..Default::default()
        };
        let err = Arrival::parse(&input, today()).unwrap_err();
        assert_eq!(err.get("date_of_birth"), Some(fields::DOB_FUTURE));
        assert_eq!(err.get("email"), Some(fields::EMAIL_INVALID));
        assert_eq!(err.get("phone"), Some(fields::PHONE_INVALID));
        assert_eq!(err.0.len(), 3);
    }

    #[test]
    fn a_good_arrival_is_tidied() {
        let input = ArrivalInput {
            given_name: " Ana ".into(),
            family_name: "Moreno".into(),
            date_of_birth: Some("1980-02-29".into()),
            provider: Some("dr-lee".into()),
            email: Some("".into()),
            ..Default::default()
        };
        let a = Arrival::parse(&input, today()).unwrap();
        assert_eq!(a.patient.given_name, "Ana");
        assert_eq!(a.patient.email, None);
        assert_eq!(a.provider.as_deref(), Some("dr-lee"));
        assert_eq!(a.patient.public_name(), "Ana M.");
    }

    #[test]
    fn an_appointment_check_in_may_leave_out_names() {
        let input = ArrivalInput {
            appointment_id: Some("A-100".into()),
            ..Default::default()
        };
        let a = Arrival::parse(&input, today()).unwrap();
        assert_eq!(a.appointment_id.as_deref(), Some("A-100"));
    }

    #[test]
    fn public_name_is_first_name_and_last_initial() {
        assert_eq!(public_name("Ana", "moreno"), "Ana M.");
        assert_eq!(public_name("Ana", ""), "Ana");
        assert_eq!(public_name("Łukasz", "Żak"), "Łukasz Ż.");
    }
}

/// What a patient types at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskIdentity {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
}

/// A booked patient who may be the one at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskCandidate {
    pub visit_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
}

fn fold(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Match a kiosk check-in to today's appointment: same first and last name
/// (ignoring case and spacing) and the same date of birth. Only a single,
/// certain match counts; anything else is a walk-in that staff will sort out,
/// so one patient can never be checked in as another.
pub fn kiosk_match(who: &KioskIdentity, candidates: &[KioskCandidate]) -> Option<i64> {
    let (given, family) = (fold(&who.given_name), fold(&who.family_name));
    let mut matches = candidates.iter().filter(|c| {
        fold(&c.given_name) == given
            && fold(&c.family_name) == family
            && c.date_of_birth == Some(who.date_of_birth)
    });
    match (matches.next(), matches.next()) {
        (Some(only), None) => Some(only.visit_id),
        _ => None,
    }
}

/// Validate the kiosk form: both names and a date of birth are required.
pub fn parse_kiosk(
    given: &str,
    family: &str,
    dob: &str,
    today: NaiveDate,
) -> Result<KioskIdentity, FieldErrors> {
    let mut errors = FieldErrors::new();
    let given_name = errors.check("given_name", fields::required_text(given));
    let family_name = errors.check("family_name", fields::required_text(family));
    let date_of_birth = errors.check("date_of_birth", fields::date_of_birth(dob, today));
    match (given_name, family_name, date_of_birth) {
        (Some(given_name), Some(family_name), Some(date_of_birth)) => Ok(KioskIdentity {
            given_name,
            family_name,
            date_of_birth,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod kiosk_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cand(id: i64, g: &str, f: &str, dob: Option<NaiveDate>) -> KioskCandidate {
        KioskCandidate {
            visit_id: id,
            given_name: g.into(),
            family_name: f.into(),
            date_of_birth: dob,
        }
    }

    #[test]
    fn matches_name_and_birth_date_ignoring_case_and_spaces() {
        let who = KioskIdentity {
            given_name: " ana ".into(),
            family_name: "MORENO".into(),
            date_of_birth: d(1980, 1, 2),
        };
        let list = [
            cand(1, "Bea", "Moreno", Some(d(1980, 1, 2))),
            cand(2, "Ana", "Moreno", Some(d(1980, 1, 2))),
        ];
        assert_eq!(kiosk_match(&who, &list), Some(2));
    }

    #[test]
    fn a_wrong_birth_date_or_a_missing_one_is_no_match() {
        let who = KioskIdentity {
            given_name: "Ana".into(),
            family_name: "Moreno".into(),
            date_of_birth: d(1980, 1, 2),
        };
        assert_eq!(
            kiosk_match(&who, &[cand(1, "Ana", "Moreno", Some(d(1981, 1, 2)))]),
            None
        );
        assert_eq!(kiosk_match(&who, &[cand(1, "Ana", "Moreno", None)]), None);
    }

    #[test]
    fn two_possible_matches_are_left_to_staff() {
        let who = KioskIdentity {
            given_name: "Ana".into(),
            family_name: "Moreno".into(),
            date_of_birth: d(1980, 1, 2),
        };
        let list = [
            cand(1, "Ana", "Moreno", Some(d(1980, 1, 2))),
            cand(2, "ana", "moreno", Some(d(1980, 1, 2))),
        ];
        assert_eq!(kiosk_match(&who, &list), None);
    }

    #[test]
    fn the_kiosk_form_needs_names_and_a_real_birth_date() {
        let today = d(2026, 3, 5);
        let e = parse_kiosk("", "Moreno", "2030-01-01", today).unwrap_err();
        assert_eq!(e.get("given_name"), Some(fields::REQUIRED));
        assert_eq!(e.get("date_of_birth"), Some(fields::DOB_FUTURE));
        let e = parse_kiosk("Ana", "Moreno", "", today).unwrap_err();
        assert_eq!(e.get("date_of_birth"), Some(fields::REQUIRED));
        assert!(parse_kiosk("Ana", "Moreno", "1980-01-02", today).is_ok());
    }
}
