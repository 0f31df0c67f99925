//! Field-level validation. Every message is in the words a person would use,
//! and names the field it belongs to, so a form can show it beside the input.

use chrono::NaiveDate;
use std::collections::BTreeMap;

pub const REQUIRED: &str = "Required field missing";
pub const EMAIL_INVALID: &str = "Email address invalid";
pub const PHONE_INVALID: &str = "Phone number invalid";
pub const WEBSITE_INVALID: &str = "Website address invalid";
pub const DOB_FUTURE: &str = "Date of birth is in the future";
pub const DOB_UNREADABLE: &str = "Date of birth not understood; write it as YYYY-MM-DD";
pub const DOB_TOO_OLD: &str = "Date of birth is more than 130 years ago";
pub const TOO_LONG: &str = "Too long (at most 100 characters)";
pub const CONTROL_CHARS: &str = "Contains characters that cannot be shown";

/// Field name → message. Empty means the input was fine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        // The first problem with a field is the one worth telling.
        self.0
            .entry(field.to_string())
            .or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Collect the result of one field's check.
    pub fn check<T>(&mut self, field: &str, result: Result<T, &'static str>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// `Ok(value)` when nothing was wrong.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// Collapse runs of whitespace and trim; `None` when nothing is left.
pub fn tidy(input: &str) -> Option<String> {
    let s: Vec<&str> = input.split_whitespace().collect();
    if s.is_empty() {
        None
    } else {
        Some(s.join(" "))
    }
}

/// A person's name or similar short text: required, at most 100 characters,
/// no control characters.
pub fn required_text(input: &str) -> Result<String, &'static str> {
    let text = tidy(input).ok_or(REQUIRED)?;
    short_text(text)
}

/// Like [`required_text`], but empty is fine.
pub fn optional_text(input: &str) -> Result<Option<String>, &'static str> {
    match tidy(input) {
        None => Ok(None),
        Some(text) => short_text(text).map(Some),
    }
}

fn short_text(text: String) -> Result<String, &'static str> {
    if text.chars().count() > 100 {
        return Err(TOO_LONG);
    }
    if text.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Err(CONTROL_CHARS);
    }
    Ok(text)
}

/// Invisible characters that can disguise a name. The zero-width joiner and
/// non-joiner (U+200C, U+200D) are allowed: Persian, Indic scripts and emoji
/// need them.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// A date of birth, `YYYY-MM-DD`, not in the future and not absurdly old.
pub fn date_of_birth(input: &str, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return Err(REQUIRED);
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| DOB_UNREADABLE)?;
    if date > today {
        return Err(DOB_FUTURE);
    }
    if today.years_since(date).is_some_and(|y| y > 130) {
        return Err(DOB_TOO_OLD);
    }
    Ok(date)
}

/// An email address: one `@`, a local part, a domain with a dot, no spaces.
pub fn email(input: &str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return Err(REQUIRED);
    }
    let valid = text.len() <= 254
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && match text.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
                    && domain
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
            }
            None => false,
        };
    if valid {
        Ok(text.to_string())
    } else {
        Err(EMAIL_INVALID)
    }
}

/// A phone number: digits with optional `+`, spaces, dashes, dots and brackets;
/// 7 to 15 digits.
pub fn phone(input: &str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return Err(REQUIRED);
    }
    let allowed = text
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " -.()".contains(c) || (c == '+' && i == 0));
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if allowed && (7..=15).contains(&digits) {
        Ok(text.to_string())
    } else {
        Err(PHONE_INVALID)
    }
}

/// A web address: `http://` or `https://`, a host with a dot (or localhost), no spaces.
pub fn website(input: &str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return Err(REQUIRED);
    }
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or(WEBSITE_INVALID)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            ""
        }
    });
    let host_ok = (host.contains('.') || host == "localhost")
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if host_ok && !text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(text.to_string())
    } else {
        Err(WEBSITE_INVALID)
    }
}

/// A short identifier such as a provider id `dr-lee` or location `main`:
/// lowercase letters, digits and dashes, 1 to 32 characters.
pub fn short_id(input: &str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return Err(REQUIRED);
    }
    if text.len() <= 32
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        Ok(text.to_string())
    } else {
        Err("Use lowercase letters, digits and dashes only (at most 32)")
    }
}

pub const USERNAME_CHARACTERS: &str =
    "Use only the letters a to z, digits, dots, dashes and underscores";
pub const USERNAME_TOO_LONG: &str = "Too long (at most 64 characters)";

/// A staff member's username, as the CLI, the API, the users page and the
/// sign-in form all read it: trimmed and kept in lowercase, so `Maria` and
/// `maria` are one person; the letters a to z, digits, dots, dashes and
/// underscores; 1 to 64 characters.
pub fn username(input: &str) -> Result<String, &'static str> {
    let text = input.trim();
    if text.is_empty() {
        return Err(REQUIRED);
    }
    // Checked before lowercasing, so no other letter (such as the Kelvin
    // sign, whose lowercase is `k`) can pass for one of a to z.
    if !text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(USERNAME_CHARACTERS);
    }
    if text.len() > 64 {
        return Err(USERNAME_TOO_LONG);
    }
    Ok(text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn names_are_required_and_tidied() {
        assert_eq!(required_text("  Ana   María "), Ok("Ana María".to_string()));
        assert_eq!(required_text("   "), Err(REQUIRED));
        assert_eq!(required_text(&"x".repeat(101)), Err(TOO_LONG));
        assert_eq!(required_text("Ana\u{200B}"), Err(CONTROL_CHARS));
        assert!(
            required_text("نیک\u{200C}نام").is_ok(),
            "Persian names need the zero-width non-joiner"
        );
        // Markup is just text here; escaping happens when it is shown.
        assert_eq!(
            required_text("<script>x</script>"),
            Ok("<script>x</script>".to_string())
        );
    }

    #[test]
    fn date_of_birth_rules() {
        let today = day(2026, 3, 5);
        assert_eq!(date_of_birth("1980-02-29", today), Ok(day(1980, 2, 29)));
        assert_eq!(date_of_birth("2026-03-05", today), Ok(today));
        assert_eq!(date_of_birth("2026-03-06", today), Err(DOB_FUTURE));
        assert_eq!(date_of_birth("1981-02-29", today), Err(DOB_UNREADABLE));
        assert_eq!(date_of_birth("05/03/1980", today), Err(DOB_UNREADABLE));
        assert_eq!(date_of_birth("1850-01-01", today), Err(DOB_TOO_OLD));
        assert_eq!(date_of_birth("", today), Err(REQUIRED));
    }

    #[test]
    fn email_rules() {
        assert!(email("ana@example.org").is_ok());
        assert!(email("a.b+c@mail.example.co").is_ok());
        for bad in [
            "ana",
            "ana@",
            "@x.org",
            "ana@example",
            "a b@x.org",
            "a@@x.org",
            "a@x..org",
            "a@.x.org",
        ] {
            assert_eq!(email(bad), Err(EMAIL_INVALID), "{bad}");
        }
    }

    #[test]
    fn phone_rules() {
        assert!(phone("+1 (555) 010-2030").is_ok());
        assert!(phone("0301234567").is_ok());
        assert_eq!(phone("12345"), Err(PHONE_INVALID));
        assert_eq!(phone("call me"), Err(PHONE_INVALID));
        assert_eq!(phone("555+1234567"), Err(PHONE_INVALID));
    }

    #[test]
    fn website_rules() {
        assert!(website("https://clinic.example.org/about").is_ok());
        assert!(website("http://localhost:8080").is_ok());
        for bad in [
            "clinic.example.org",
            "https://",
            "https://exa mple.org",
            "ftp://x.org",
            "https://x:y",
        ] {
            assert_eq!(website(bad), Err(WEBSITE_INVALID), "{bad}");
        }
    }

    #[test]
    fn short_ids() {
        assert!(short_id("dr-lee").is_ok());
        assert!(short_id("Dr Lee").is_err());
        assert_eq!(short_id(""), Err(REQUIRED));
    }

    #[test]
    fn usernames_are_trimmed_and_kept_in_lowercase() {
        assert_eq!(username("maria"), Ok("maria".to_string()));
        assert_eq!(username("  Maria "), Ok("maria".to_string()));
        assert_eq!(username("MARIA"), username("maria"));
        assert_eq!(username("dr.lee_2-b"), Ok("dr.lee_2-b".to_string()));
        assert_eq!(username(&"a".repeat(64)), Ok("a".repeat(64)));
    }

    #[test]
    fn a_bad_username_says_what_to_use() {
        assert_eq!(username(""), Err(REQUIRED));
        assert_eq!(username("   "), Err(REQUIRED));
        assert_eq!(username(&"a".repeat(65)), Err(USERNAME_TOO_LONG));
        for bad in [
            "maria lopez",
            "maria@clinic",
            "maría",
            "\u{212A}im",
            "ma\u{200B}ria",
            "../admin",
            "a/b",
        ] {
            assert_eq!(username(bad), Err(USERNAME_CHARACTERS), "{bad}");
        }
    }

    #[test]
    fn field_errors_keep_the_first_message_per_field() {
        let mut e = FieldErrors::new();
        e.add("email", EMAIL_INVALID);
        e.add("email", REQUIRED);
        assert_eq!(e.get("email"), Some(EMAIL_INVALID));
        assert!(e.into_result(|| ()).is_err());
    }
}

/// Rules for a new staff password: at least 12 characters, at most 1024.
pub fn new_password(input: &str) -> Result<&str, &'static str> {
    let n = input.chars().count();
    if n == 0 {
        Err(REQUIRED)
    } else if n < 12 {
        Err("Password must be at least 12 characters")
    } else if n > 1024 {
        Err("Password must be at most 1024 characters")
    } else if input.trim().is_empty() {
        Err("Password cannot be only spaces")
    } else if input.chars().any(char::is_control) {
        Err("Password cannot contain line breaks or control characters")
    } else {
        Ok(input)
    }
}

#[cfg(test)]
mod password_tests {
    #[test]
    fn passwords_need_twelve_characters() {
        assert!(super::new_password("short-pass1").is_err());
        assert!(super::new_password("long enough pw").is_ok());
        assert_eq!(super::new_password(""), Err(super::REQUIRED));
        assert!(super::new_password("            ").is_err());
        assert!(super::new_password("pass\nword-twelve").is_err());
    }
}
