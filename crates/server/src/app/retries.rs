//! Safe retries. A creating request sent with an `Idempotency-Key` (the API)
//! or a one-time form id (staff pages) is answered once: the key is claimed
//! in the transaction that creates the thing, and the answer kept beside it
//! for 24 hours. The same key again — a retry after a timeout, a second
//! click, another server behind the proxy — gets the first answer and
//! creates nothing; the same key with another request is refused.
//!
//! The first answer can hold a patient's private status link, which the
//! database otherwise keeps only as a hash. So the database keeps the key
//! only as its SHA-256, and the answer encrypted under a key derived from
//! the retry key itself, with the caller and route (SHA-256 as a PRF in
//! counter mode: each derived key seals one answer, so no keystream is used
//! twice): whoever reads the database without the client's key cannot read
//! the answer.

use crate::error::ApiError;
use crate::state::AppState;
use base64::Engine;
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
        let hashed: String = Sha256::digest(key.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
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

    /// XOR with SHA-256(secret ‖ block number): each key seals one answer.
    fn stream(&self, bytes: &mut [u8]) {
        for (n, chunk) in bytes.chunks_mut(32).enumerate() {
            let mut block = Sha256::new();
            block.update(self.secret);
            block.update((n as u64).to_be_bytes());
            for (b, k) in chunk.iter_mut().zip(block.finalize()) {
                *b ^= k;
            }
        }
    }

    fn seal(&self, body: &str) -> String {
        let mut bytes = body.as_bytes().to_vec();
        self.stream(&mut bytes);
        format!(
            "v1:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
        )
    }

    fn open(&self, sealed: &str) -> Option<String> {
        let mut bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(sealed.strip_prefix("v1:")?)
            .ok()?;
        self.stream(&mut bytes);
        String::from_utf8(bytes).ok()
    }
}

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
        assert_ne!(other.open(&sealed).as_deref(), Some(body));
        assert_eq!(once.open("not sealed"), None);
    }
}
