//! How values are written as text: times in the API, free text in logs,
//! paths in URLs.

use chrono::SecondsFormat;
use frontdesk_domain::Timestamp;

/// ISO 8601 in UTC, as every API time is written.
pub fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A clock time in a location's zone, as the board and messages show it: `14:30`.
pub fn local_time(t: Timestamp, zone: chrono_tz::Tz) -> String {
    t.with_timezone(&zone).format("%H:%M").to_string()
}

/// Usernames and other free text are written to logs with control characters
/// escaped, so nobody can forge log lines.
pub fn log_safe(text: &str) -> String {
    text.chars()
        .take(64)
        .flat_map(char::escape_default)
        .collect()
}

/// Percent-encode everything but unreserved characters and `/`.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
