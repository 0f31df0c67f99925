//! Durations as people write them in settings and environment variables:
//! `90s`, `2m`, `1h30m`, `15 min`, or a bare number of seconds.

use chrono::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("Required field missing")]
    Empty,
    #[error("Duration not understood; write it like 90s, 2m or 1h30m")]
    Unreadable,
    #[error("Duration must be more than zero")]
    Zero,
    #[error("Duration must be at most 24 hours")]
    TooLong,
}

/// Parse `90s`, `2m`, `2 min`, `1h30m`, `45` (seconds).
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let text: String = input
        .trim()
        .to_ascii_lowercase()
        .split_whitespace()
        .collect();
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    if let Ok(secs) = text.parse::<i64>() {
        // Range-check before building a duration: huge numbers must not panic.
        return match secs {
            s if s <= 0 => Err(DurationError::Zero),
            s if s > 86_400 => Err(DurationError::TooLong),
            s => check(Duration::seconds(s)),
        };
    }
    if text.starts_with('-') {
        return Err(DurationError::Zero);
    }
    let mut total = Duration::zero();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 6 {
            return Err(DurationError::Unreadable);
        }
        let number: i64 = rest[..digits]
            .parse()
            .map_err(|_| DurationError::Unreadable)?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let seconds = match unit {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            _ => return Err(DurationError::Unreadable),
        };
        total += Duration::seconds(number * seconds);
    }
    check(total)
}

fn check(d: Duration) -> Result<Duration, DurationError> {
    if d <= Duration::zero() {
        Err(DurationError::Zero)
    } else if d > Duration::hours(24) {
        Err(DurationError::TooLong)
    } else {
        Ok(d)
    }
}

/// The short form used in settings and `frontdesk config`: `2m`, `90s`, `1h30m`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.num_seconds();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_staff_write() {
        assert_eq!(parse_duration("90s"), Ok(Duration::seconds(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::minutes(2)));
        assert_eq!(parse_duration(" 2 min "), Ok(Duration::minutes(2)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("15 minutes"), Ok(Duration::minutes(15)));
        assert_eq!(parse_duration("45"), Ok(Duration::seconds(45)));
        assert_eq!(parse_duration("2M"), Ok(Duration::minutes(2)));
    }

    #[test]
    fn refuses_nonsense_with_a_reason() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert_eq!(parse_duration("soon"), Err(DurationError::Unreadable));
        assert_eq!(
            parse_duration("5 fortnights"),
            Err(DurationError::Unreadable)
        );
        assert_eq!(parse_duration("0m"), Err(DurationError::Zero));
        assert_eq!(parse_duration("-5"), Err(DurationError::Zero));
        assert_eq!(parse_duration("25h"), Err(DurationError::TooLong));
        assert_eq!(
            parse_duration("99999999999m"),
            Err(DurationError::Unreadable)
        );
    }

    #[test]
    fn formats_back_to_what_it_reads() {
        for text in ["2m", "90s", "1h30m", "15m", "1h", "1m30s"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }
        assert_eq!(format_duration(Duration::seconds(90)), "1m30s");
    }
}
