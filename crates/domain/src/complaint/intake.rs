//! Taking a complaint: field-level validation of what staff or the patient wrote.

use super::names::{Category, Channel, Severity, UnknownName};
use crate::FieldErrors;
use crate::fields::{self, CONTROL_CHARS, REQUIRED};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The longest complaint, steps or result text, in characters.
pub const TEXT_MAX: usize = 10_000;
pub const TEXT_TOO_LONG: &str = "Too long (at most 10,000 characters)";

/// A new complaint as taken from any channel. The text is the patient's own
/// words, kept verbatim: only the whitespace around it is trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewComplaint {
    pub text: String,
    pub channel: Channel,
    pub category: Category,
    pub severity: Severity,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

/// Long free text (a complaint, the steps taken, the result): required,
/// trimmed but otherwise verbatim, line breaks and tabs kept, at most 10,000
/// characters, no other control characters.
pub fn long_text(input: &str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return Err(REQUIRED);
    }
    if text.chars().count() > TEXT_MAX {
        return Err(TEXT_TOO_LONG);
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(CONTROL_CHARS);
    }
    Ok(text.to_string())
}

pub(super) fn given(input: Option<&str>) -> Option<&str> {
    input.map(str::trim).filter(|s| !s.is_empty())
}

fn named<T: FromStr<Err = UnknownName>>(
    errors: &mut FieldErrors,
    key: &str,
    input: Option<&str>,
    default: T,
) -> Option<T> {
    match given(input) {
        None => Some(default),
        Some(s) => s
            .parse()
            .map_err(|e: UnknownName| errors.add(key, e.field_message()))
            .ok(),
    }
}

/// Field-level validation of a complaint from any channel. The text is
/// required ("Required field missing"); the channel is required and must be
/// one of the six; category (default `other`) and severity (default
/// `medium`) must be known when given; a contact name is at most 100
/// characters, an email address must be valid ("Email address invalid") and a
/// phone number too ("Phone number invalid"), each only when given. Keys:
/// `text`, `channel`, `category`, `severity`, `contact.name`,
/// `contact.email`, `contact.phone`.
pub fn validate_new(
    text: &str,
    channel: &str,
    category: Option<&str>,
    severity: Option<&str>,
    name: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<NewComplaint, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = errors.check("text", long_text(text));
    let channel = match given(Some(channel)) {
        None => {
            errors.add("channel", REQUIRED);
            None
        }
        Some(c) => named(&mut errors, "channel", Some(c), Channel::Desk),
    };
    let category = named(&mut errors, "category", category, Category::Other);
    let severity = named(&mut errors, "severity", severity, Severity::Medium);
    let contact_name = errors
        .check("contact.name", fields::optional_text(name.unwrap_or("")))
        .flatten();
    let contact_email = given(email).and_then(|e| errors.check("contact.email", fields::email(e)));
    let contact_phone = given(phone).and_then(|p| errors.check("contact.phone", fields::phone(p)));
    errors.into_result(|| NewComplaint {
        text: text.unwrap_or_default(),
        channel: channel.unwrap_or(Channel::Desk),
        category: category.unwrap_or(Category::Other),
        severity: severity.unwrap_or(Severity::Medium),
        contact_name,
        contact_email,
        contact_phone,
    })
}

/// The public feedback form: name, email and message are all required (keys
/// `name`, `email`, `message`); the email address must be valid; a phone
/// number is optional but must be valid when given (key `phone`). The
/// complaint comes in on the `web_form` channel as category `other`,
/// severity `medium`, for staff to sort.
pub fn validate_feedback_form(
    name: &str,
    email: &str,
    message: &str,
    phone: &str,
) -> Result<NewComplaint, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", fields::required_text(name));
    let email = errors.check("email", fields::email(email));
    let message = errors.check("message", long_text(message));
    let phone = given(Some(phone)).and_then(|p| errors.check("phone", fields::phone(p)));
    errors.into_result(|| NewComplaint {
        text: message.unwrap_or_default(),
        channel: Channel::WebForm,
        category: Category::Other,
        severity: Severity::Medium,
        contact_name: name,
        contact_email: email,
        contact_phone: phone,
    })
}

#[cfg(test)]
mod tests;
