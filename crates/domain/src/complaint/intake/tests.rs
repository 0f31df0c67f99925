use super::*;
use crate::fields::{EMAIL_INVALID, PHONE_INVALID, TOO_LONG};
use proptest::prelude::*;

#[test]
fn a_complaint_is_kept_verbatim() {
    let text = "  I waited 2 HOURS!!\n\n   Nobody told me why.\t \n";
    let c = validate_new(text, "phone", None, None, None, None, None).unwrap();
    assert_eq!(c.text, "I waited 2 HOURS!!\n\n   Nobody told me why.");
    assert_eq!(c.channel, Channel::Phone);
    assert_eq!(c.category, Category::Other);
    assert_eq!(c.severity, Severity::Medium);
    assert_eq!(c.contact_name, None);
    assert_eq!(c.contact_email, None);
    assert_eq!(c.contact_phone, None);
}

#[test]
fn a_complaint_with_every_field() {
    let c = validate_new(
        "The bill was wrong.",
        "email",
        Some("billing"),
        Some("high"),
        Some("  Ana   Silva "),
        Some(" ana@example.org "),
        Some("+1 (555) 010-2030"),
    )
    .unwrap();
    assert_eq!(c.category, Category::Billing);
    assert_eq!(c.severity, Severity::High);
    assert_eq!(c.contact_name.as_deref(), Some("Ana Silva"));
    assert_eq!(c.contact_email.as_deref(), Some("ana@example.org"));
    assert_eq!(c.contact_phone.as_deref(), Some("+1 (555) 010-2030"));
    // Empty optional fields are simply not given.
    let c = validate_new(
        "x",
        "desk",
        Some(""),
        Some(" "),
        Some(""),
        Some(""),
        Some(""),
    )
    .unwrap();
    assert_eq!(c.category, Category::Other);
    assert_eq!(c.severity, Severity::Medium);
    assert_eq!(c.contact_email, None);
}

#[test]
fn every_bad_field_gets_its_own_message() {
    let e = validate_new(
        "   ",
        "",
        Some("vibes"),
        Some("urgent"),
        Some(&"x".repeat(101)),
        Some("ana@"),
        Some("12"),
    )
    .unwrap_err();
    assert_eq!(e.get("text"), Some("Required field missing"));
    assert_eq!(e.get("channel"), Some("Required field missing"));
    assert_eq!(
        e.get("category"),
        Some(
            "Unknown category; use waiting, communication, staff_attitude, billing, \
             appointments, clinical_care, privacy, facilities or other"
        )
    );
    assert_eq!(
        e.get("severity"),
        Some("Unknown severity; use low, medium or high")
    );
    assert_eq!(e.get("contact.name"), Some(TOO_LONG));
    assert_eq!(e.get("contact.email"), Some("Email address invalid"));
    assert_eq!(e.get("contact.phone"), Some("Phone number invalid"));
    assert_eq!(e.0.len(), 7);

    let e = validate_new("x", "fax", None, None, None, None, None).unwrap_err();
    assert_eq!(
        e.get("channel"),
        Some("Unknown channel; use desk, phone, status_page, web_form, email, letter or survey")
    );
    assert_eq!(e.0.len(), 1);
}

#[test]
fn complaint_text_limits() {
    let ok = "a".repeat(TEXT_MAX);
    assert!(validate_new(&ok, "desk", None, None, None, None, None).is_ok());
    let long = "a".repeat(TEXT_MAX + 1);
    let e = validate_new(&long, "desk", None, None, None, None, None).unwrap_err();
    assert_eq!(e.get("text"), Some("Too long (at most 10,000 characters)"));
    // Characters, not bytes.
    let accented = "é".repeat(TEXT_MAX);
    assert!(validate_new(&accented, "desk", None, None, None, None, None).is_ok());
    let e = validate_new("bad\0byte", "desk", None, None, None, None, None).unwrap_err();
    assert_eq!(e.get("text"), Some(CONTROL_CHARS));
    // Markup is just text here; escaping happens when it is shown.
    let c = validate_new("<b>rude</b>", "desk", None, None, None, None, None).unwrap();
    assert_eq!(c.text, "<b>rude</b>");
}

#[test]
fn the_feedback_form_needs_name_email_and_message() {
    let e = validate_feedback_form("", "", " ", "").unwrap_err();
    assert_eq!(e.get("name"), Some(REQUIRED));
    assert_eq!(e.get("email"), Some(REQUIRED));
    assert_eq!(e.get("message"), Some(REQUIRED));
    assert_eq!(e.get("phone"), None, "the phone is optional");
    assert_eq!(e.0.len(), 3);

    let e =
        validate_feedback_form("Ana", "ana.example.org", "Too long a wait", "call me").unwrap_err();
    assert_eq!(e.get("email"), Some(EMAIL_INVALID));
    assert_eq!(e.get("phone"), Some(PHONE_INVALID));
    assert_eq!(e.0.len(), 2);

    let c =
        validate_feedback_form(" Ana Silva ", "ana@example.org", " Too long a wait. ", "").unwrap();
    assert_eq!(c.channel, Channel::WebForm);
    assert_eq!(c.text, "Too long a wait.");
    assert_eq!(c.contact_name.as_deref(), Some("Ana Silva"));
    assert_eq!(c.contact_email.as_deref(), Some("ana@example.org"));
    assert_eq!(c.contact_phone, None);
    assert_eq!(c.category, Category::Other);
    assert_eq!(c.severity, Severity::Medium);
}

// --- properties ----------------------------------------------------------

proptest! {
    #[test]
    fn no_text_crashes_the_forms(text in ".{0,60}") {
        let _ = validate_new(&text, &text, Some(&text), Some(&text), Some(&text), Some(&text), Some(&text));
        let _ = validate_feedback_form(&text, &text, &text, &text);
    }
}
