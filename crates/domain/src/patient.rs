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
