//! How values are written as text: times in the API, free text in logs,
//! paths in URLs.

use chrono::SecondsFormat;
use frontdesk_domain::Timestamp;

/// ISO 8601 in UTC, as every API time is written.
pub fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A wait as people say it, never shorter than it is: "30 seconds", "a
/// minute", "15 minutes", "an hour".
pub fn wait_text(wait: chrono::Duration) -> String {
    let up = |n: i64, d: i64| (n + d - 1) / d;
    let s = up(wait.num_milliseconds().max(1), 1000);
    match s {
        1 => "a second".into(),
        2..=59 => format!("{s} seconds"),
        60 => "a minute".into(),
        61..=3599 => format!("{} minutes", up(s, 60)),
        3600 => "an hour".into(),
        _ => format!("{} hours", up(s, 3600)),
    }
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

#[cfg(test)]
mod tests {
    use super::wait_text;
    use chrono::Duration;

    #[test]
    fn a_wait_is_said_plainly_and_never_shorter_than_it_is() {
        assert_eq!(wait_text(Duration::milliseconds(200)), "a second");
        assert_eq!(wait_text(Duration::milliseconds(29_001)), "30 seconds");
        assert_eq!(wait_text(Duration::seconds(60)), "a minute");
        assert_eq!(wait_text(Duration::seconds(61)), "2 minutes");
        assert_eq!(wait_text(Duration::minutes(15)), "15 minutes");
        assert_eq!(wait_text(Duration::hours(1)), "an hour");
    }
}
