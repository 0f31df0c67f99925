//! Safe retries. A creating request sent with an `Idempotency-Key` (the API)
//! or a one-time form id (staff pages) is answered once: the key is claimed
//! in the transaction that creates the thing, and the answer kept beside it
//! for 24 hours. The same key again — a retry after a timeout, a second
//! click, another server behind the proxy — gets the first answer and
//! creates nothing; the same key with another request is refused.
//!
//! The first answer can hold a patient's private status link, which the
//! database otherwise keeps only as a hash. So the database keeps the key
//! only as its SHA-256, and the answer sealed with ChaCha20-Poly1305 (an
//! AEAD, RustCrypto's `chacha20poly1305`) under a key derived from the retry
//! key itself with the caller and route, and a random nonce kept beside it:
//! whoever reads the database without the client's key cannot read the
//! answer, and an answer changed in the database is refused, not replayed.
//! (Answers kept by earlier versions were sealed with SHA-256 in counter mode,
//! `v1:`; they are still opened for the 24 hours they are kept.)

use crate::error::ApiError;
use crate::state::AppState;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use frontdesk_store::{IdempotencyClaim, StoreError};
use sha2::{Digest, Sha256};

/// A request's retry key, as the store keeps it (`claim`, with the key's
/// hash), and the secret its answer is kept under.
#[derive(Clone)]
pub struct Once {
    pub claim: IdempotencyClaim,
    secret: [u8; 32],
}

impl Once {
    /// `key` as the client sent it; `request_hash`, of what it asked.
    pub fn new(caller: &str, route: &str, key: &str, request_hash: &str) -> Once {
        let hashed = crate::secrets::token_hash(key);
        // Bound to whose key it is and where it was sent, so two callers who
        // happen to send the same key never share a keystream.
        let mut secret = Sha256::new();
        secret.update(b"frontdesk retry answer\0");
        for part in [caller, route, key] {
            secret.update((part.len() as u64).to_be_bytes());
            secret.update(part.as_bytes());
        }
        Once {
            claim: IdempotencyClaim {
                caller: caller.to_string(),
                route: route.to_string(),
                key: hashed,
                request_hash: request_hash.to_string(),
            },
            secret: secret.finalize().into(),
        }
    }

    /// The legacy `v1:` keystream: XOR with SHA-256(secret ‖ block number).
    /// Only to open answers kept before `v2:`; nothing is sealed with it.
    fn legacy_stream(&self, bytes: &mut [u8]) {
        for (n, chunk) in bytes.chunks_mut(32).enumerate() {
            let mut block = Sha256::new();
            block.update(self.secret);
            block.update((n as u64).to_be_bytes());
            for (b, k) in chunk.iter_mut().zip(block.finalize()) {
                *b ^= k;
            }
        }
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.secret))
    }

    /// `v2:` and, in base64 (standard, unpadded), a random 96-bit nonce and the
    /// answer encrypted with its 128-bit tag. A random nonce per answer: the
    /// same key sent again after its 24 hours gets a new nonce, so no
    /// key-nonce pair is ever used twice.
    fn seal(&self, body: &str) -> String {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: body.as_bytes(),
                    aad: AAD,
                },
            )
            // Only fails for a message over 256 GB.
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!(
            "v2:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
        )
    }

    /// The answer, when `sealed` was sealed under this key and not changed.
    fn open(&self, sealed: &str) -> Option<String> {
        let decode = |b64: &str| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(b64)
                .ok()
        };
        if let Some(b64) = sealed.strip_prefix("v2:") {
            let bytes = decode(b64)?;
            if bytes.len() < NONCE_BYTES {
                return None;
            }
            let (nonce, message) = bytes.split_at(NONCE_BYTES);
            let plain = self
                .cipher()
                .decrypt(
                    Nonce::from_slice(nonce),
                    Payload {
                        msg: message,
                        aad: AAD,
                    },
                )
                .ok()?;
            return String::from_utf8(plain).ok();
        }
        let mut bytes = decode(sealed.strip_prefix("v1:")?)?;
        self.legacy_stream(&mut bytes);
        String::from_utf8(bytes).ok()
    }
}

/// What every sealed answer is bound to besides its key.
const AAD: &[u8] = b"frontdesk retry answer v2";
const NONCE_BYTES: usize = 12;

/// The claim of a retry key, if there is one.
pub fn claim(once: Option<&Once>) -> Option<&IdempotencyClaim> {
    once.map(|o| &o.claim)
}

/// The field a refused key is reported under.
pub const KEY_FIELD: &str = "Idempotency-Key";

/// The first answer, to send again.
#[derive(Debug, Clone)]
pub struct Replay {
    pub status: u16,
    pub body: String,
}

/// Before doing the work: the first answer when this key was used already
/// for this request; a 422 when it was used for another request; a 409
/// while the first request is still being answered.
pub async fn earlier(state: &AppState, once: &Once) -> Result<Option<Replay>, ApiError> {
    let claim = &once.claim;
    let Some(found) = state
        .store
        .idempotent_answer(&claim.caller, &claim.route, &claim.key, state.now())
        .await?
    else {
        return Ok(None);
    };
    if found.request_hash != claim.request_hash {
        return Err(ApiError::field(
            KEY_FIELD,
            "This key was already used for a different request; use a new key for a new request",
        ));
    }
    match found
        .answer
        .and_then(|(status, sealed)| Some((status, once.open(&sealed)?)))
    {
        Some((status, body)) => Ok(Some(Replay { status, body })),
        None => Err(ApiError::Conflict(format!(
            "The first request with this Idempotency-Key is still being answered (it made {}); try again in a moment",
            found.made
        ))),
    }
}

/// After the work failed: when it failed because a request with the same key
/// got there first (two at the same moment), the first one's answer.
pub async fn after_failure<T>(
    state: &AppState,
    once: Option<&Once>,
    made: Result<T, ApiError>,
) -> Result<Result<T, Replay>, ApiError> {
    match (made, once) {
        (Ok(v), _) => Ok(Ok(v)),
        (Err(ApiError::Conflict(why)), Some(once)) => match earlier(state, once).await? {
            Some(replay) => Ok(Err(replay)),
            None => Err(ApiError::Conflict(why)),
        },
        (Err(e), _) => Err(e),
    }
}

/// Keep the answer for the claimed key. The thing is made and its key
/// claimed already, so a failure here only costs a later retry its replay
/// (it is told what was made instead): logged, never the caller's error.
pub async fn keep(state: &AppState, once: Option<&Once>, status: u16, body: &str) {
    if let Some(once) = once
        && let Err(e) = state
            .store
            .keep_idempotent_answer(&once.claim, status, &once.seal(body))
            .await
    {
        let unavailable = matches!(e, StoreError::Unavailable(_));
        tracing::warn!(error = %e, unavailable, "could not keep the answer to a retry key");
    }
}

#[cfg(test)]
mod tests {
    use super::Once;

    #[test]
    fn an_answer_is_kept_sealed_and_opens_only_with_its_key() {
        let once = Once::new("maria", "POST /api/v1/visits", "3f1c7a52", "h");
        assert_eq!(once.claim.key.len(), 64, "only the key's hash is stored");
        assert!(!once.claim.key.contains("3f1c7a52"));
        let body = r#"{"id":12,"status_url":"/s/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}"#;
        let sealed = once.seal(body);
        assert!(!sealed.contains("status_url") && !sealed.contains("abcdefghij"));
        assert_eq!(once.open(&sealed).as_deref(), Some(body));
        let other = Once::new("maria", "POST /api/v1/visits", "3f1c7a53", "h");
        assert_eq!(other.open(&sealed), None, "another key cannot open it");
        let elsewhere = Once::new("maria", "POST /api/v1/concerns", "3f1c7a52", "h");
        assert_eq!(
            elsewhere.open(&sealed),
            None,
            "nor the key on another route"
        );
        assert_eq!(once.open("not sealed"), None);
        // Sealed twice, two different texts (a new nonce each time).
        assert_ne!(once.seal(body), sealed);
    }

    #[test]
    fn an_answer_changed_in_the_database_is_refused() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
        let once = Once::new("maria", "POST /api/v1/visits", "3f1c7a52", "h");
        let sealed = once.seal(r#"{"id":12}"#);
        let mut bytes = b64.decode(sealed.strip_prefix("v2:").unwrap()).unwrap();
        // Flip one bit of the encrypted answer: with a keystream alone this
        // would open as {"id":13}; the tag refuses it.
        let last_digit = 12 + 7;
        bytes[last_digit] ^= 0x01;
        let changed = format!("v2:{}", b64.encode(&bytes));
        assert_eq!(once.open(&changed), None);
        // Cut short, or only a nonce: refused, not a panic.
        assert_eq!(once.open(&format!("v2:{}", b64.encode(&bytes[..20]))), None);
        assert_eq!(once.open(&format!("v2:{}", b64.encode(&bytes[..5]))), None);
    }

    #[test]
    fn answers_kept_before_the_aead_still_open() {
        use base64::Engine;
        let once = Once::new("maria", "POST /api/v1/visits", "3f1c7a52", "h");
        let body = r#"{"id":12}"#;
        let mut bytes = body.as_bytes().to_vec();
        once.legacy_stream(&mut bytes);
        let v1 = format!(
            "v1:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
        );
        assert_eq!(once.open(&v1).as_deref(), Some(body));
    }
}
