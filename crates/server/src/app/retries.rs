//! Safe retries. A creating request sent with an `Idempotency-Key` (the API)
//! or a one-time form id (staff pages) is answered once: the key is claimed
//! in the transaction that creates the thing, and the answer kept beside it
//! for 24 hours. The same key again — a retry after a timeout, a second
//! click, another server behind the proxy — gets the first answer and
//! creates nothing; the same key with another request is refused.

use crate::error::ApiError;
use crate::state::AppState;
use frontdesk_store::{IdempotencyClaim, StoreError};

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
pub async fn earlier(
    state: &AppState,
    claim: &IdempotencyClaim,
) -> Result<Option<Replay>, ApiError> {
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
    match found.answer {
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
    claim: Option<&IdempotencyClaim>,
    made: Result<T, ApiError>,
) -> Result<Result<T, Replay>, ApiError> {
    match (made, claim) {
        (Ok(v), _) => Ok(Ok(v)),
        (Err(ApiError::Conflict(why)), Some(claim)) => match earlier(state, claim).await? {
            Some(replay) => Ok(Err(replay)),
            None => Err(ApiError::Conflict(why)),
        },
        (Err(e), _) => Err(e),
    }
}

/// Keep the answer for the claimed key. The thing is made and its key
/// claimed already, so a failure here only costs a later retry its replay
/// (it is told what was made instead): logged, never the caller's error.
pub async fn keep(state: &AppState, claim: Option<&IdempotencyClaim>, status: u16, body: &str) {
    if let Some(claim) = claim
        && let Err(e) = state
            .store
            .keep_idempotent_answer(claim, status, body)
            .await
    {
        let level_note = matches!(e, StoreError::Unavailable(_));
        tracing::warn!(error = %e, unavailable = level_note, "could not keep an idempotent answer");
    }
}
