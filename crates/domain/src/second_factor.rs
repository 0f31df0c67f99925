//! The second factor: time-based one-time codes (TOTP, RFC 6238) from an
//! authenticator app, and one-time recovery codes for a lost phone.
//!
//! A code is HMAC-SHA1 of the number of 30-second steps since the Unix epoch,
//! cut down to 6 digits (RFC 4226's dynamic truncation). A code is accepted
//! one step either side of now (a phone's clock is rarely exact), and each
//! step once: a code that signed someone in never signs anyone in again.
//! Too many wrong codes in a row stop the account taking codes for a while.
//!
//! No I/O and no clock: the caller passes the time and, for new secrets and
//! recovery codes, the random bytes.

use crate::Timestamp;
use hmac::{Hmac, Mac};

/// Seconds per step: a code changes every 30 seconds.
pub const STEP_SECONDS: i64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Steps either side of now that are still accepted.
pub const WINDOW_STEPS: i64 = 1;
/// Bytes of a new secret: 160 bits, as RFC 4226 recommends for HMAC-SHA1.
pub const SECRET_BYTES: usize = 20;
/// Bytes of a recovery code: 80 bits, 16 characters.
pub const RECOVERY_CODE_BYTES: usize = 10;
/// Recovery codes given when the second factor is turned on.
pub const RECOVERY_CODES: usize = 10;
/// Wrong codes in a row after which an account takes no codes for [`LOCK_MINUTES`].
pub const MAX_FAILURES: i64 = 5;
pub const LOCK_MINUTES: i64 = 15;
/// The name authenticator apps show above the account.
pub const ISSUER: &str = "Frontdesk";

pub const CODE_FORMAT: &str = "Enter the 6-digit code from your authenticator app";
pub const ATTEMPT_FORMAT: &str =
    "Enter the 6-digit code from your authenticator app, or one of your recovery codes";
pub const CODE_WRONG: &str = "This code is not right; check that your phone's clock is set automatically, then try the newest code";
pub const CODE_REUSED: &str =
    "This code was already used; wait for the next one (at most 30 seconds)";
pub const RECOVERY_WRONG: &str = "This recovery code is not right or was already used";

/// An HOTP value (RFC 4226): HMAC-SHA1 of the counter, dynamically
/// truncated to 31 bits, then its last `digits` decimal digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = match Hmac::<sha1::Sha1>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The step a moment falls in (30-second steps since the Unix epoch).
pub fn step_at(at: Timestamp) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// The 6-digit code of one step, as an app shows it (leading zeros kept).
pub fn code_for_step(key: &[u8], step: i64) -> String {
    match u64::try_from(step) {
        Ok(counter) => format!(
            "{:0width$}",
            hotp(key, counter, DIGITS),
            width = DIGITS as usize
        ),
        // Before 1970 there are no codes; nothing matches this.
        Err(_) => String::new(),
    }
}

/// The code an app shows at a moment.
pub fn code_at(key: &[u8], at: Timestamp) -> String {
    code_for_step(key, step_at(at))
}

/// What was typed where a code is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Six digits from the app.
    Code(u32),
    /// A recovery code, in its normal form (16 lowercase characters, no dashes).
    Recovery(String),
}

/// Read six digits (spaces between them allowed, as apps show `123 456`).
pub fn parse_code(text: &str) -> Result<u32, &'static str> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() {
        return Err(crate::fields::REQUIRED);
    }
    if digits.len() == DIGITS as usize && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().map_err(|_| CODE_FORMAT)
    } else {
        Err(CODE_FORMAT)
    }
}

/// Read a code or a recovery code.
pub fn parse_attempt(text: &str) -> Result<Attempt, &'static str> {
    if let Ok(code) = parse_code(text) {
        return Ok(Attempt::Code(code));
    }
    if text.trim().is_empty() {
        return Err(crate::fields::REQUIRED);
    }
    normal_recovery_code(text)
        .map(Attempt::Recovery)
        .ok_or(ATTEMPT_FORMAT)
}

/// A recovery code as typed (any case, with or without dashes and spaces)
/// in its one normal form, or `None` when it cannot be one.
pub fn normal_recovery_code(text: &str) -> Option<String> {
    let plain: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let ok = plain.len() == RECOVERY_CODE_BYTES * 8 / 5
        && plain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
    ok.then_some(plain)
}

/// A recovery code made from random bytes, as shown once: `abcd-efgh-ijkl-mnop`.
pub fn recovery_code(bytes: &[u8; RECOVERY_CODE_BYTES]) -> String {
    let plain = base32(bytes).to_ascii_lowercase();
    let groups: Vec<&str> = plain
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    groups.join("-")
}

/// What checking a code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code of this step, not used before: remember the step.
    Accepted {
        step: i64,
    },
    /// The code of a step already used (a replay, or a second sign-in too soon).
    Reused,
    Wrong,
}

/// Check a code typed at `at` against the secret, one step either side,
/// refusing steps up to `last_used_step` (the newest step accepted before).
pub fn check_code(key: &[u8], code: u32, at: Timestamp, last_used_step: Option<i64>) -> CodeCheck {
    let now = step_at(at);
    let last = last_used_step.unwrap_or(i64::MIN);
    let mut reused = false;
    for step in now - WINDOW_STEPS..=now + WINDOW_STEPS {
        let Ok(counter) = u64::try_from(step) else {
            continue;
        };
        if hotp(key, counter, DIGITS) != code {
            continue;
        }
        if step > last {
            return CodeCheck::Accepted { step };
        }
        reused = true;
    }
    if reused {
        CodeCheck::Reused
    } else {
        CodeCheck::Wrong
    }
}

/// Whether an account stops taking codes: [`MAX_FAILURES`] wrong ones in a
/// row, the last less than [`LOCK_MINUTES`] ago.
pub fn locked(failures: i64, last_failed_at: Option<Timestamp>, at: Timestamp) -> bool {
    failures >= MAX_FAILURES
        && last_failed_at.is_some_and(|t| at - t < chrono::Duration::minutes(LOCK_MINUTES))
}

/// The count of wrong codes in a row after one more: a run older than the
/// lock starts again at one.
pub fn failures_after_another(
    failures: i64,
    last_failed_at: Option<Timestamp>,
    at: Timestamp,
) -> i64 {
    match last_failed_at {
        Some(t) if at - t < chrono::Duration::minutes(LOCK_MINUTES) => failures + 1,
        _ => 1,
    }
}

/// A new secret from random bytes, as stored and shown: base32 (RFC 4648,
/// uppercase, no padding), the form authenticator apps read.
pub fn secret_text(bytes: &[u8; SECRET_BYTES]) -> String {
    base32(bytes)
}

/// The key of a secret written in base32 (case, spaces and padding ignored).
pub fn secret_key(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut held = 0u32;
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32
            .iter()
            .position(|a| char::from(*a) == c.to_ascii_uppercase())?;
        bits = (bits << 5) | value as u64;
        held += 5;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    (!out.is_empty()).then_some(out)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut bits: u32 = 0;
    let mut held = 0u32;
    for b in bytes {
        bits = (bits << 8) | u32::from(*b);
        held += 8;
        while held >= 5 {
            held -= 5;
            out.push(char::from(BASE32[((bits >> held) & 31) as usize]));
        }
        bits &= (1 << held) - 1;
    }
    if held > 0 {
        out.push(char::from(BASE32[((bits << (5 - held)) & 31) as usize]));
    }
    out
}

/// The `otpauth://` address an authenticator app reads from the QR code:
/// the issuer and the account's name, the secret, and the code's shape.
pub fn otpauth_uri(account: &str, secret: &str) -> String {
    let (issuer, account) = (uri_part(ISSUER), uri_part(account));
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

/// Percent-encode all but the unreserved characters (RFC 3986).
fn uri_part(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    /// The RFC's SHA1 seed: the ASCII digits "1234567890" twice.
    const SEED: &[u8] = b"12345678901234567890";

    fn at(unix: i64) -> Timestamp {
        Utc.timestamp_opt(unix, 0).unwrap()
    }

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, want) in expected.iter().enumerate() {
            assert_eq!(hotp(SEED, counter as u64, 6), *want, "counter {counter}");
        }
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_sha1() {
        // (Unix time, the RFC's 8-digit SHA1 value). A 6-digit code is the
        // same truncated number modulo 10^6: its last six digits.
        let table = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ];
        for (unix, eight) in table {
            let step = step_at(at(unix));
            assert_eq!(
                format!("{:08}", hotp(SEED, step as u64, 8)),
                eight,
                "time {unix}"
            );
            assert_eq!(code_at(SEED, at(unix)), &eight[2..], "time {unix}");
        }
    }

    #[test]
    fn codes_keep_leading_zeros_and_change_every_thirty_seconds() {
        // 1111111109 is "07081804" in the RFC: six digits "081804".
        assert_eq!(code_at(SEED, at(1111111109)), "081804");
        assert_eq!(step_at(at(59)), 1);
        assert_eq!(step_at(at(60)), 2);
        assert_eq!(code_at(SEED, at(60)), code_at(SEED, at(89)));
        assert_ne!(code_at(SEED, at(89)), code_at(SEED, at(90)));
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_each_step_once() {
        let now = at(1234567890);
        let step = step_at(now);
        let code = |s: i64| parse_code(&code_for_step(SEED, s)).unwrap();
        assert_eq!(
            check_code(SEED, code(step), now, None),
            CodeCheck::Accepted { step }
        );
        // A phone 30 s slow or fast still signs in.
        for s in [step - 1, step + 1] {
            assert_eq!(
                check_code(SEED, code(s), now, None),
                CodeCheck::Accepted { step: s }
            );
        }
        // Two steps away is too far.
        for s in [step - 2, step + 2] {
            assert_eq!(check_code(SEED, code(s), now, None), CodeCheck::Wrong);
        }
        // A step used once is not accepted again, nor an older one.
        assert_eq!(
            check_code(SEED, code(step), now, Some(step)),
            CodeCheck::Reused
        );
        assert_eq!(
            check_code(SEED, code(step - 1), now, Some(step)),
            CodeCheck::Reused
        );
        // The next step still is.
        assert_eq!(
            check_code(SEED, code(step + 1), now, Some(step)),
            CodeCheck::Accepted { step: step + 1 }
        );
        // After the clock moves on, the once-used code is simply too old.
        let later = now + Duration::seconds(90);
        assert_eq!(
            check_code(SEED, code(step), later, Some(step)),
            CodeCheck::Wrong
        );
        assert_eq!(check_code(SEED, 0, now, None), CodeCheck::Wrong);
    }

    #[test]
    fn typed_codes_are_read_forgivingly_and_refused_clearly() {
        assert_eq!(parse_code("123456"), Ok(123456));
        assert_eq!(parse_code(" 012 345 "), Ok(12345));
        assert_eq!(parse_code(""), Err(crate::fields::REQUIRED));
        for bad in ["12345", "1234567", "12345a", "١٢٣٤٥٦"] {
            assert_eq!(parse_code(bad), Err(CODE_FORMAT), "{bad}");
        }
        assert_eq!(parse_attempt("123 456"), Ok(Attempt::Code(123456)));
        assert_eq!(
            parse_attempt("ABCD-EFGH-2345-67AB"),
            Ok(Attempt::Recovery("abcdefgh234567ab".into()))
        );
        assert_eq!(parse_attempt("   "), Err(crate::fields::REQUIRED));
        for bad in [
            "12345",
            "abcd-efgh",
            "abcd-efgh-ijkl-mno1",
            "x".repeat(200).as_str(),
        ] {
            assert_eq!(parse_attempt(bad), Err(ATTEMPT_FORMAT), "{bad}");
        }
    }

    #[test]
    fn recovery_codes_are_sixteen_characters_in_four_groups() {
        let code = recovery_code(&[0, 1, 2, 3, 4, 250, 251, 252, 253, 254]);
        assert_eq!(code.len(), 19);
        assert_eq!(code.split('-').count(), 4);
        assert_eq!(
            normal_recovery_code(&code.to_uppercase()),
            Some(code.replace('-', ""))
        );
        assert_ne!(recovery_code(&[0; 10]), recovery_code(&[1; 10]));
    }

    #[test]
    fn base32_matches_rfc_4648_and_reads_back() {
        // RFC 4648 section 10, without padding.
        for (plain, coded) in [
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(plain.as_bytes()), coded);
            assert_eq!(secret_key(coded).unwrap(), plain.as_bytes());
            assert_eq!(
                secret_key(&format!("{}===", coded.to_lowercase())).unwrap(),
                plain.as_bytes()
            );
        }
        let secret = secret_text(SEED.try_into().unwrap());
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(secret_key(&secret).unwrap(), SEED);
        assert_eq!(secret_key("not base32!"), None);
        assert_eq!(secret_key(""), None);
    }

    #[test]
    fn the_app_address_names_the_issuer_account_and_code_shape() {
        assert_eq!(
            otpauth_uri("maria o'neil", "GEZDGNBV"),
            "otpauth://totp/Frontdesk:maria%20o%27neil?secret=GEZDGNBV&issuer=Frontdesk&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn five_wrong_codes_in_a_row_stop_codes_for_fifteen_minutes() {
        let t = at(1_700_000_000);
        let mut failures = 0;
        let mut last = None;
        for _ in 0..MAX_FAILURES {
            assert!(!locked(failures, last, t));
            failures = failures_after_another(failures, last, t);
            last = Some(t);
        }
        assert!(locked(failures, last, t + Duration::minutes(14)));
        assert!(!locked(failures, last, t + Duration::minutes(15)));
        // A wrong code after the lock starts a new run.
        assert_eq!(
            failures_after_another(failures, last, t + Duration::minutes(16)),
            1
        );
    }
}
