//! The day's schedule as a practice-management system exports it.
//! Parsing of the CSV text into rows happens at the edge; the rules for one row
//! live here.

use crate::Timestamp;
use crate::fields::{self, FieldErrors};
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

/// The header of the appointment CSV, in order (DESIGN.md).
pub const APPOINTMENT_CSV_HEADER: [&str; 11] = [
    "appointment_id",
    "location",
    "provider",
    "visit_type",
    "scheduled_at",
    "duration_min",
    "given_name",
    "family_name",
    "date_of_birth",
    "phone",
    "email",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub appointment_id: String,
    pub location: String,
    pub provider: String,
    pub visit_type: Option<String>,
    pub scheduled_at: Timestamp,
    pub duration_min: Option<u32>,
    pub patient: crate::patient::NewPatient,
}

/// Parse an ISO 8601 time with or without an offset; without one it is read
/// in the location's time zone.
pub fn parse_local_time(text: &str, zone: Tz) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%:z", "%Y-%m-%dT%H:%M%:z"] {
        if let Ok(t) = chrono::DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&chrono::Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return naive
                .and_local_timezone(zone)
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc));
        }
    }
    None
}

/// Validate one row, given as the 11 fields in header order.
pub fn parse_appointment_row(
    row: &[&str],
    default_zone: Tz,
    today: NaiveDate,
) -> Result<Appointment, FieldErrors> {
    let mut errors = FieldErrors::new();
    if row.len() != APPOINTMENT_CSV_HEADER.len() {
        errors.add(
            "row",
            format!(
                "Expected {} columns, found {}",
                APPOINTMENT_CSV_HEADER.len(),
                row.len()
            ),
        );
        return Err(errors);
    }
    let get = |i: usize| row[i].trim();
    let appointment_id = errors.check("appointment_id", fields::required_text(get(0)));
    let location = if get(1).is_empty() {
        Some("main".to_string())
    } else {
        errors.check("location", fields::short_id(get(1)))
    };
    let provider = errors.check("provider", fields::short_id(get(2)));
    let visit_type = errors
        .check("visit_type", fields::optional_text(get(3)))
        .flatten();
    let scheduled_at = if get(4).is_empty() {
        errors.add("scheduled_at", fields::REQUIRED);
        None
    } else {
        let t = parse_local_time(get(4), default_zone);
        if t.is_none() {
            errors.add(
                "scheduled_at",
                "Time not understood; write it like 2026-03-05T09:40",
            );
        }
        t
    };
    let duration_min = if get(5).is_empty() {
        None
    } else {
        match get(5).parse::<u32>() {
            Ok(m) if (1..=480).contains(&m) => Some(m),
            _ => {
                errors.add(
                    "duration_min",
                    "Length must be a whole number of minutes from 1 to 480",
                );
                None
            }
        }
    };
    let given_name = errors.check("given_name", fields::required_text(get(6)));
    let family_name = errors.check("family_name", fields::required_text(get(7)));
    let date_of_birth = if get(8).is_empty() {
        None
    } else {
        errors.check("date_of_birth", fields::date_of_birth(get(8), today))
    };
    let phone = if get(9).is_empty() {
        None
    } else {
        errors.check("phone", fields::phone(get(9)))
    };
    let email = if get(10).is_empty() {
        None
    } else {
        errors.check("email", fields::email(get(10)))
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    match (
        appointment_id,
        location,
        provider,
        scheduled_at,
        given_name,
        family_name,
    ) {
        (
            Some(appointment_id),
            Some(location),
            Some(provider),
            Some(scheduled_at),
            Some(given_name),
            Some(family_name),
        ) => Ok(Appointment {
            appointment_id,
            location,
            provider,
            visit_type,
            scheduled_at,
            duration_min,
            patient: crate::patient::NewPatient {
                given_name,
                family_name,
                preferred_name: None,
                date_of_birth,
                phone,
                email,
            },
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()
    }

    #[test]
    fn a_good_row() {
        let row = [
            "A-1",
            "",
            "dr-lee",
            "follow-up",
            "2026-03-05T09:40",
            "15",
            "Ana",
            "Moreno",
            "1980-02-29",
            "",
            "ana@example.org",
        ];
        let a = parse_appointment_row(&row, chrono_tz::Europe::Berlin, today()).unwrap();
        assert_eq!(a.location, "main");
        assert_eq!(
            a.scheduled_at,
            chrono::Utc.with_ymd_and_hms(2026, 3, 5, 8, 40, 0).unwrap()
        );
        assert_eq!(a.duration_min, Some(15));
        assert_eq!(a.patient.email.as_deref(), Some("ana@example.org"));
    }

    #[test]
    fn every_bad_field_of_a_row_is_named() {
        let row = [
            "",
            "Main St",
            "dr-lee",
            "",
            "tomorrow",
            "0",
            "",
            "Moreno",
            "2090-01-01",
            "12",
            "x@",
        ];
        let e = parse_appointment_row(&row, chrono_tz::UTC, today()).unwrap_err();
        for f in [
            "appointment_id",
            "location",
            "scheduled_at",
            "duration_min",
            "given_name",
            "date_of_birth",
            "phone",
            "email",
        ] {
            assert!(e.get(f).is_some(), "{f}: {e}");
        }
    }

    #[test]
    fn times_with_an_offset_keep_it() {
        let t = parse_local_time("2026-03-05T09:40:00-05:00", chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(
            t,
            chrono::Utc.with_ymd_and_hms(2026, 3, 5, 14, 40, 0).unwrap()
        );
        assert!(parse_local_time("05.03.2026", chrono_tz::UTC).is_none());
    }

    #[test]
    fn a_short_row_is_refused() {
        assert!(parse_appointment_row(&["A-1"], chrono_tz::UTC, today()).is_err());
    }
}
