//! The day's schedule as a practice-management system exports it.
//! Parsing of the CSV text into rows happens at the edge; the rules for one row
//! live here.

use crate::Timestamp;
use crate::fields::{self, FieldErrors};
use chrono::NaiveDate;
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
    crate::history::parse_time(text, zone).map(|(t, _)| t)
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

/// A row of an import file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line in the file; the header is line 1.
    pub line: u64,
    pub errors: FieldErrors,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.errors)
    }
}

/// The outcome of reading an appointment CSV: the good rows and every bad one.
#[derive(Debug, Clone, Default)]
pub struct ParsedSchedule {
    pub appointments: Vec<Appointment>,
    pub bad_rows: Vec<RowError>,
}

/// Read an appointment CSV (text already in memory). A missing or wrong header
/// is an error for the whole file; each bad row is reported by line number.
/// `zone_of` gives the time zone of a location id, or `None` when the location
/// is unknown. `progress` is called with the number of rows read so far.
pub fn parse_appointments_csv(
    text: &[u8],
    zone_of: &dyn Fn(&str) -> Option<Tz>,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64),
) -> Result<ParsedSchedule, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text);
    let header = reader
        .headers()
        .map_err(|e| format!("line 1: the header could not be read ({e})"))?;
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    if names != APPOINTMENT_CSV_HEADER {
        return Err(format!(
            "line 1: the header must be exactly {} (found {})",
            APPOINTMENT_CSV_HEADER.join(","),
            names.join(",")
        ));
    }
    let mut parsed = ParsedSchedule::default();
    let mut seen_ids = std::collections::HashSet::new();
    for (n, record) in reader.records().enumerate() {
        progress(n as u64 + 1);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let mut errors = FieldErrors::new();
                errors.add("row", format!("Not readable as CSV ({e})"));
                parsed.bad_rows.push(RowError { line, errors });
                continue;
            }
        };
        let line = record.position().map_or(n as u64 + 2, |p| p.line());
        let fields: Vec<&str> = record.iter().collect();
        let location = fields
            .get(1)
            .map(|l| if l.is_empty() { "main" } else { l })
            .unwrap_or("main");
        let zone = zone_of(location);
        match parse_appointment_row(&fields, zone.unwrap_or(chrono_tz::UTC), today) {
            Ok(a) if zone.is_none() => {
                let mut errors = FieldErrors::new();
                errors.add("location", format!("Unknown location {:?}", a.location));
                parsed.bad_rows.push(RowError { line, errors });
            }
            Ok(a) if !seen_ids.insert((a.location.clone(), a.appointment_id.clone())) => {
                let mut errors = FieldErrors::new();
                errors.add("appointment_id", "Appears twice in this file");
                parsed.bad_rows.push(RowError { line, errors });
            }
            Ok(a) => parsed.appointments.push(a),
            Err(errors) => parsed.bad_rows.push(RowError { line, errors }),
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    fn zones(l: &str) -> Option<Tz> {
        (l == "main").then_some(chrono_tz::UTC)
    }

    #[test]
    fn reads_good_rows_and_names_bad_ones_by_line() {
        let text = "appointment_id,location,provider,visit_type,scheduled_at,duration_min,given_name,family_name,date_of_birth,phone,email\n\
            A-1,main,dr-lee,follow-up,2026-03-05T09:00,15,Ana,Moreno,1980-01-01,,\n\
            A-2,main,dr-lee,,2026-03-05T09:20,,,Ruiz,,,bad@\n\
            A-3,elsewhere,dr-lee,,2026-03-05T09:40,,Bea,Ruiz,,,\n\
            A-1,main,dr-lee,,2026-03-05T10:00,,Cy,Lo,,,\n\
            \"A-5\",main,dr-kim,\"sick, urgent\",2026-03-05T10:20,20,Dan,\"O'Neil\",,,\n";
        let mut calls = 0;
        let p = parse_appointments_csv(
            text.as_bytes(),
            &zones,
            NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
            &mut |_| calls += 1,
        )
        .unwrap();
        assert_eq!(p.appointments.len(), 2);
        assert_eq!(
            p.appointments[1].visit_type.as_deref(),
            Some("sick, urgent")
        );
        let lines: Vec<u64> = p.bad_rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5]);
        assert_eq!(
            p.bad_rows[0].errors.get("given_name"),
            Some(crate::fields::REQUIRED)
        );
        assert_eq!(
            p.bad_rows[0].errors.get("email"),
            Some(crate::fields::EMAIL_INVALID)
        );
        assert!(p.bad_rows[1].to_string().contains("Unknown location"));
        assert_eq!(calls, 5);
    }

    #[test]
    fn a_wrong_header_refuses_the_file() {
        let e = parse_appointments_csv(
            b"id,name\n1,Ana\n",
            &zones,
            NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(e.starts_with("line 1:"), "{e}");
    }
}
