//! Visit history: one row per visit, as exported, imported and backtested.
//!
//! `visit_id,location,provider,visit_type,priority,scheduled_at,arrived_at,seen_at,done_at,outcome`
//! — `provider` empty for a pooled queue; `priority` empty or an integer (1 is
//! most urgent); `scheduled_at` empty for walk-ins; `seen_at` is when the
//! patient was first with the provider; `outcome` is `seen`, `left`,
//! `no_show` or `cancelled`. Times are ISO 8601, with or without an offset;
//! without one they are read in the location's zone.

use crate::Timestamp;
use crate::appointment::RowError;
use crate::fields::FieldErrors;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

pub const HISTORY_CSV_HEADER: [&str; 10] = [
    "visit_id",
    "location",
    "provider",
    "visit_type",
    "priority",
    "scheduled_at",
    "arrived_at",
    "seen_at",
    "done_at",
    "outcome",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Seen,
    Left,
    NoShow,
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Seen => "seen",
            Outcome::Left => "left",
            Outcome::NoShow => "no_show",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// How a time was written, so answers can be written the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeForm {
    /// No offset: local time in the zone.
    Local(Tz),
    /// With this offset.
    Offset(FixedOffset),
}

impl TimeForm {
    /// Write a time in this form, to the second.
    pub fn format(&self, t: Timestamp) -> String {
        match self {
            TimeForm::Local(zone) => t
                .with_timezone(zone)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string(),
            TimeForm::Offset(offset) => {
                let local = t.with_timezone(offset);
                if offset.local_minus_utc() == 0 {
                    local.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                } else {
                    local.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
                }
            }
        }
    }
}

/// Parse an ISO 8601 time, remembering its form.
pub fn parse_time(text: &str, zone: Tz) -> Option<(Timestamp, TimeForm)> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some((
            t.with_timezone(&chrono::Utc),
            TimeForm::Offset(t.offset().fix()),
        ));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some((
                t.with_timezone(&chrono::Utc),
                TimeForm::Offset(t.offset().fix()),
            ));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return zone
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| (t.with_timezone(&chrono::Utc), TimeForm::Local(zone)));
        }
    }
    None
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryVisit {
    pub visit_id: String,
    pub location: String,
    /// `None` for a pooled queue.
    pub provider: Option<String>,
    pub visit_type: Option<String>,
    /// 1 is most urgent; `None` when not triaged.
    pub priority: Option<u32>,
    pub scheduled_at: Option<Timestamp>,
    pub arrived_at: Option<Timestamp>,
    /// `arrived_at` exactly as written in the file.
    pub arrived_text: String,
    /// The form `arrived_at` was written in.
    pub time_form: TimeForm,
    pub seen_at: Option<Timestamp>,
    pub done_at: Option<Timestamp>,
    pub outcome: Outcome,
    /// Line in the file (header is line 1).
    pub line: u64,
}

#[derive(Debug, Clone, Default)]
pub struct ParsedHistory {
    pub visits: Vec<HistoryVisit>,
    pub bad_rows: Vec<RowError>,
}

fn time_field(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    zone: Tz,
) -> Option<(Timestamp, TimeForm)> {
    if text.is_empty() {
        return None;
    }
    let parsed = parse_time(text, zone);
    if parsed.is_none() {
        errors.add(
            field,
            "Time not understood; write it like 2024-03-05T09:41:00",
        );
    }
    parsed
}

fn parse_row(fields: &[&str], zone: Tz, line: u64) -> Result<HistoryVisit, FieldErrors> {
    let mut errors = FieldErrors::new();
    if fields.len() != HISTORY_CSV_HEADER.len() {
        errors.add(
            "row",
            format!(
                "Expected {} columns, found {}",
                HISTORY_CSV_HEADER.len(),
                fields.len()
            ),
        );
        return Err(errors);
    }
    let get = |i: usize| fields[i].trim();
    let opt = |i: usize| Some(get(i).to_string()).filter(|s| !s.is_empty());
    if get(0).is_empty() {
        errors.add("visit_id", crate::fields::REQUIRED);
    }
    let priority = match get(4) {
        "" => None,
        p => match p.parse::<u32>() {
            Ok(v) if v >= 1 => Some(v),
            _ => {
                errors.add("priority", "Priority must be a whole number, 1 most urgent");
                None
            }
        },
    };
    let scheduled = time_field(&mut errors, "scheduled_at", get(5), zone);
    let arrived = time_field(&mut errors, "arrived_at", get(6), zone);
    let seen = time_field(&mut errors, "seen_at", get(7), zone);
    let done = time_field(&mut errors, "done_at", get(8), zone);
    let outcome = match get(9) {
        "seen" => Some(Outcome::Seen),
        "left" => Some(Outcome::Left),
        "no_show" => Some(Outcome::NoShow),
        "cancelled" => Some(Outcome::Cancelled),
        "" => {
            errors.add("outcome", crate::fields::REQUIRED);
            None
        }
        _ => {
            errors.add(
                "outcome",
                "Outcome must be seen, left, no_show or cancelled",
            );
            None
        }
    };
    if let (Some((a, _)), Some((s, _))) = (arrived, seen)
        && s < a
    {
        errors.add("seen_at", "Seen before arriving");
    }
    if let (Some((s, _)), Some((d, _))) = (seen, done)
        && d < s
    {
        errors.add("done_at", "Done before being seen");
    }
    if let (Some((a, _)), Some((d, _))) = (arrived, done)
        && d < a
    {
        errors.add("done_at", "Done before arriving");
    }
    if outcome == Some(Outcome::Seen) {
        if arrived.is_none() {
            errors.add("arrived_at", "A seen visit needs its arrival time");
        }
        if seen.is_none() {
            errors.add("seen_at", "A seen visit needs the time it was seen");
        }
    }
    if outcome == Some(Outcome::Left) && arrived.is_none() {
        errors.add("arrived_at", "A visit that left needs its arrival time");
    }
    let Some(outcome) = outcome else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(HistoryVisit {
        visit_id: get(0).to_string(),
        location: opt(1).unwrap_or_else(|| "main".into()),
        provider: opt(2),
        visit_type: opt(3),
        priority,
        scheduled_at: scheduled.map(|(t, _)| t),
        arrived_at: arrived.map(|(t, _)| t),
        arrived_text: get(6).to_string(),
        time_form: arrived.map_or(TimeForm::Local(zone), |(_, f)| f),
        seen_at: seen.map(|(t, _)| t),
        done_at: done.map(|(t, _)| t),
        outcome,
        line,
    })
}

/// Read a visit history CSV held in memory. A missing or wrong header refuses
/// the whole file; each bad row is reported by its line (header = line 1).
pub fn parse_history_csv(
    text: &[u8],
    zone: Tz,
    progress: &mut dyn FnMut(u64),
) -> Result<ParsedHistory, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text);
    let header = reader
        .headers()
        .map_err(|e| format!("line 1: the header could not be read ({e})"))?;
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    if names != HISTORY_CSV_HEADER {
        return Err(format!(
            "line 1: the header must be exactly {} (found {})",
            HISTORY_CSV_HEADER.join(","),
            names.join(",")
        ));
    }
    let mut parsed = ParsedHistory::default();
    let mut record = csv::StringRecord::new();
    let mut n = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                n += 1;
                if n.is_multiple_of(1024) {
                    progress(n);
                }
                let line = record.position().map_or(n + 1, |p| p.line());
                let fields: Vec<&str> = record.iter().collect();
                match parse_row(&fields, zone, line) {
                    Ok(v) => parsed.visits.push(v),
                    Err(errors) => parsed.bad_rows.push(RowError { line, errors }),
                }
            }
            Err(e) => {
                n += 1;
                let line = e.position().map_or(n + 1, |p| p.line());
                let mut errors = FieldErrors::new();
                errors.add("row", format!("Not readable as CSV ({e})"));
                parsed.bad_rows.push(RowError { line, errors });
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                ) {
                    break;
                }
            }
        }
    }
    progress(n);
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "visit_id,location,provider,visit_type,priority,scheduled_at,arrived_at,seen_at,done_at,outcome\n";

    #[test]
    fn reads_good_rows_and_keeps_the_time_form() {
        let text = format!(
            "{HEADER}v1,main,,anchor,,,2024-03-05T09:41:00,2024-03-05T10:00:00,,seen\n\
             v2,main,dr-lee,,2,2024-03-05T10:00:00-05:00,2024-03-05T09:50:00-05:00,,,left\n"
        );
        let p = parse_history_csv(text.as_bytes(), chrono_tz::UTC, &mut |_| {}).unwrap();
        assert!(p.bad_rows.is_empty(), "{:?}", p.bad_rows);
        assert_eq!(p.visits.len(), 2);
        assert_eq!(p.visits[0].provider, None);
        assert_eq!(
            p.visits[0]
                .time_form
                .format(p.visits[0].arrived_at.unwrap()),
            "2024-03-05T09:41:00"
        );
        assert_eq!(p.visits[1].priority, Some(2));
        assert_eq!(
            p.visits[1]
                .time_form
                .format(p.visits[1].arrived_at.unwrap()),
            "2024-03-05T09:50:00-05:00"
        );
        assert_eq!(p.visits[1].outcome, Outcome::Left);
    }

    #[test]
    fn bad_rows_are_reported_by_line() {
        let text = format!(
            "{HEADER}v1,main,,,,,2024-03-05T09:41:00,2024-03-05T09:00:00,,seen\n\
             v2,main,,,,,yesterday,,,seen\n\
             v3,main,,,,\n\
             v4,main,,,x,,2024-03-05T09:41:00,,,maybe\n\
             v5,main,,,,,2024-03-05T09:41:00,2024-03-05T09:50:00,,seen\n"
        );
        let p = parse_history_csv(text.as_bytes(), chrono_tz::UTC, &mut |_| {}).unwrap();
        let lines: Vec<u64> = p.bad_rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert_eq!(
            p.bad_rows[0].errors.get("seen_at"),
            Some("Seen before arriving")
        );
        assert!(p.bad_rows[1].errors.get("arrived_at").is_some());
        assert!(p.bad_rows[2].errors.get("row").is_some());
        assert!(p.bad_rows[3].errors.get("priority").is_some());
        assert!(p.bad_rows[3].errors.get("outcome").is_some());
        assert_eq!(p.visits.len(), 1);
        assert_eq!(p.visits[0].line, 6);
    }

    #[test]
    fn a_wrong_header_refuses_the_file() {
        assert!(
            parse_history_csv(b"a,b\n1,2\n", chrono_tz::UTC, &mut |_| {})
                .unwrap_err()
                .starts_with("line 1:")
        );
    }
}
