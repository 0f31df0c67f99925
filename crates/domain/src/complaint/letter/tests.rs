use super::*;
use crate::complaint::test_support::*;
use crate::complaint::{TEXT_MAX, TEXT_TOO_LONG};
use crate::fields::{REQUIRED, TOO_LONG};
use chrono_tz::America::New_York;

fn resolution() -> Resolution {
    validate_resolution(
        " Maria Lopez, practice manager ",
        "We spoke with the front-desk team and changed how we tell patients about delays.",
        "Patients now hear about any delay when they check in.",
    )
    .unwrap()
}

#[test]
fn a_resolution_needs_all_three_parts() {
    let e = validate_resolution("", " ", "\n").unwrap_err();
    assert_eq!(e.get("contact_person"), Some(REQUIRED));
    assert_eq!(e.get("steps"), Some(REQUIRED));
    assert_eq!(e.get("result"), Some(REQUIRED));
    assert_eq!(e.0.len(), 3);
    let e = validate_resolution(&"m".repeat(101), "x", &"y".repeat(TEXT_MAX + 1)).unwrap_err();
    assert_eq!(e.get("contact_person"), Some(TOO_LONG));
    assert_eq!(e.get("result"), Some(TEXT_TOO_LONG));
    assert_eq!(e.get("steps"), None);
    assert_eq!(resolution().contact_person, "Maria Lopez, practice manager");
}

#[test]
fn the_letter_says_what_we_heard_did_and_found() {
    let words = "I waited 2 hours & nobody said <why>.\nNot OK.";
    let l = letter(
        "Riverside Family Practice",
        Some("Ana Silva"),
        words,
        &resolution(),
        ny(2026, 11, 27, 15, 0),
        New_York,
    );
    assert_eq!(l.greeting, "Dear Ana Silva,");
    assert_eq!(l.completed_on, "27 November 2026");
    assert_eq!(l.contact_person, "Maria Lopez, practice manager");
    assert_eq!(
        l.paragraphs,
        [
            "Thank you for telling us about your experience with Riverside Family Practice. \
             This letter sets out what we did about it.",
            "You told us:",
            "“I waited 2 hours & nobody said <why>.\nNot OK.”",
            "The steps we took: We spoke with the front-desk team and changed how we tell \
             patients about delays.",
            "The result: Patients now hear about any delay when they check in.",
            "If you have any questions about this, please contact Maria Lopez, practice \
             manager at Riverside Family Practice. We want to hear from you.",
            "We completed our review of your complaint on 27 November 2026.",
        ]
    );
}

#[test]
fn a_letter_without_a_name_is_to_the_patient() {
    let l = letter("", None, "x", &resolution(), ny(2026, 3, 5, 9, 0), New_York);
    assert_eq!(l.greeting, "Dear patient,");
    assert!(l.paragraphs[0].contains("your experience with our practice."));
    assert_eq!(l.completed_on, "5 March 2026");
    let l = letter(
        "P",
        Some("  "),
        "x",
        &resolution(),
        ny(2026, 3, 5, 9, 0),
        New_York,
    );
    assert_eq!(l.greeting, "Dear patient,");
}

#[test]
fn the_completion_date_is_the_locations_date() {
    // 03:00 UTC on the 28th is still the 27th in New York.
    let when = utc(2026, 11, 28, 3, 0);
    assert_eq!(letter_date(when, New_York), "27 November 2026");
    assert_eq!(letter_date(when, chrono_tz::UTC), "28 November 2026");
    assert_eq!(
        letter_date(when, chrono_tz::Asia::Tokyo),
        "28 November 2026"
    );
}
