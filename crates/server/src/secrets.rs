//! Passwords and tokens: argon2id hashes, 256-bit random tokens, and the
//! SHA-256 under which sessions and patients' links are stored.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Hash a password with argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash that no password matches, checked when the username is unknown so
/// that a wrong name takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("frontdesk-dummy-password").unwrap_or_default())
}

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Sessions and patients' links are stored by the SHA-256 of their token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A short tag for text that must not reach the logs, such as a name typed
/// at sign-in that names no account (often a password typed into the wrong
/// field): 8 hex digits of the SHA-256 of the text keyed with a random secret
/// of this process. The same text gets the same tag until the server
/// restarts, so repeated attempts can be told apart, but nobody can check a
/// guess of the text against a tag.
pub fn log_tag(text: &str) -> String {
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    let key = KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        key
    });
    let digest = Sha256::new()
        .chain_update(key)
        .chain_update(text.as_bytes())
        .finalize();
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// A token derived from another for a second purpose: 256 bits of the
/// SHA-256 of the purpose and the token, URL-safe. Whoever holds the first
/// can make the second; the second (or its hash, which is all that is
/// stored) tells nothing of the first.
pub fn derived_token(token: &str, purpose: &str) -> String {
    let digest = Sha256::new()
        .chain_update(purpose.as_bytes())
        .chain_update([0u8])
        .chain_update(token.as_bytes())
        .finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Constant-time comparison of two secrets (a submitted CSRF token).
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn log_tags_are_short_stable_and_not_the_text() {
        let tag = log_tag("hunter2-password");
        assert_eq!(tag.len(), 8);
        assert_eq!(tag, log_tag("hunter2-password"));
        assert_ne!(tag, log_tag("hunter3-password"));
        assert!(!token_hash("hunter2-password").starts_with(&tag), "keyed");
    }

    #[test]
    fn derived_tokens_are_as_long_fixed_and_apart() {
        let a = random_token();
        let d = derived_token(&a, "status");
        assert_eq!(d.len(), 43);
        assert_eq!(d, derived_token(&a, "status"));
        assert_ne!(d, derived_token(&a, "other"));
        assert_ne!(d, derived_token(&random_token(), "status"));
        assert_ne!(d, a);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd") && !same("abc", "ab") && !same("", "a"));
    }
}
