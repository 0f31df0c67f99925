//! The resolution and the printable letter that closes a complaint.

use super::intake::{given, long_text};
use crate::fields;
use crate::{FieldErrors, Timestamp};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// What the printable resolution letter says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Who the patient can talk to about it.
    pub contact_person: String,
    /// The steps the practice took.
    pub steps: String,
    /// What came of them.
    pub result: String,
}

/// All three parts are required (keys `contact_person`, `steps`, `result`);
/// the contact person is a name of at most 100 characters, the steps and the
/// result at most 10,000 characters each.
pub fn validate_resolution(
    contact_person: &str,
    steps: &str,
    result: &str,
) -> Result<Resolution, FieldErrors> {
    let mut errors = FieldErrors::new();
    let contact_person = errors.check("contact_person", fields::required_text(contact_person));
    let steps = errors.check("steps", long_text(steps));
    let result = errors.check("result", long_text(result));
    errors.into_result(|| Resolution {
        contact_person: contact_person.unwrap_or_default(),
        steps: steps.unwrap_or_default(),
        result: result.unwrap_or_default(),
    })
}

/// The resolution letter as plain text. Escaping for HTML or print is the
/// caller's job: the patient's words are kept exactly as they wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    /// "Dear Ana Silva," or "Dear patient,".
    pub greeting: String,
    /// The body, paragraph by paragraph.
    pub paragraphs: Vec<String>,
    /// The date the complaint was resolved, e.g. "27 November 2026".
    pub completed_on: String,
    pub contact_person: String,
}

/// A date as the letter writes it: "27 November 2026".
pub fn letter_date(at: Timestamp, zone: Tz) -> String {
    at.with_timezone(&zone).format("%-d %B %Y").to_string()
}

/// The letter: a greeting with the patient's name when known ("Dear patient"
/// otherwise); thanks; what they told us, quoted verbatim; the steps we took;
/// the result; who to contact; the date of completion in the location's
/// zone.
pub fn letter(
    practice_name: &str,
    patient_name: Option<&str>,
    complaint_text: &str,
    r: &Resolution,
    completed_at: Timestamp,
    zone: Tz,
) -> Letter {
    let practice = practice_name.trim();
    let practice = if practice.is_empty() {
        "our practice"
    } else {
        practice
    };
    let greeting = match given(patient_name) {
        Some(name) => format!("Dear {name},"),
        None => "Dear patient,".to_string(),
    };
    let completed_on = letter_date(completed_at, zone);
    let paragraphs = vec![
        format!(
            "Thank you for telling us about your experience with {practice}. This letter sets out what we did about it."
        ),
        "You told us:".to_string(),
        format!("“{}”", complaint_text.trim()),
        format!("The steps we took: {}", r.steps.trim()),
        format!("The result: {}", r.result.trim()),
        format!(
            "If you have any questions about this, please contact {} at {practice}. We want to hear from you.",
            r.contact_person.trim()
        ),
        format!("We completed our review of your complaint on {completed_on}."),
    ];
    Letter {
        greeting,
        paragraphs,
        completed_on,
        contact_person: r.contact_person.trim().to_string(),
    }
}

#[cfg(test)]
mod tests;
