//! Safe retries: the first answer to a request sent with an
//! `Idempotency-Key`. The key is claimed in the transaction of what the
//! request creates (see the `*_once` operations), so a request that created
//! nothing leaves no key behind and may simply be sent again; two requests
//! with one key at the same moment (on one server or two) meet at the
//! primary key, and the second's whole transaction rolls back.
//!
//! The server (`app::retries`) hands the store the key's SHA-256, not the key,
//! and the answer sealed under a secret derived from the key: a check-in's
//! answer holds the patient's private status link.

use super::{at, complaints, concerns, ms, promises, visits};
use crate::db::{Conn, params};
use crate::{
    Actor, Arrived, CheckIn, Complaint, Concern, IDEMPOTENCY_WINDOW, IdempotencyClaim,
    IdempotentAnswer, NewComplaintRecord, NewConcern, NewPromise, Promise, Result, StoreError,
};
use frontdesk_domain::Timestamp;

/// Claim the key for what this transaction made (`visit:12`). A key kept
/// longer than the window is forgotten first, as if purged.
async fn claim<C: Conn>(
    c: &mut C,
    claim: &IdempotencyClaim,
    made: &str,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "DELETE FROM idempotency_key WHERE caller = $1 AND route = $2 AND key = $3 AND created_at <= $4",
        params![
            claim.caller.as_str(),
            claim.route.as_str(),
            claim.key.as_str(),
            ms(now - IDEMPOTENCY_WINDOW)
        ],
    )
    .await?;
    c.exec(
        "INSERT INTO idempotency_key (caller, route, key, request_hash, made, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![
            claim.caller.as_str(),
            claim.route.as_str(),
            claim.key.as_str(),
            claim.request_hash.as_str(),
            made,
            ms(now)
        ],
    )
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => {
            StoreError::Conflict("a request with this Idempotency-Key was made meanwhile".into())
        }
        other => other,
    })?;
    Ok(())
}

pub async fn answer<C: Conn>(
    c: &mut C,
    caller: &str,
    route: &str,
    key: &str,
    now: Timestamp,
) -> Result<Option<IdempotentAnswer>> {
    let row = super::one(
        c,
        "SELECT request_hash, made, status, body, created_at FROM idempotency_key \
         WHERE caller = $1 AND route = $2 AND key = $3 AND created_at > $4",
        params![caller, route, key, ms(now - IDEMPOTENCY_WINDOW)],
    )
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let answer = match (row.opt_int("status")?, row.opt_text("body")?) {
        (Some(status), Some(body)) => Some((
            u16::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("status {status} out of range")))?,
            body,
        )),
        _ => None,
    };
    Ok(Some(IdempotentAnswer {
        request_hash: row.text("request_hash")?,
        made: row.text("made")?,
        answer,
        created_at: at(row.int("created_at")?)?,
    }))
}

pub async fn keep<C: Conn>(
    c: &mut C,
    claim: &IdempotencyClaim,
    status: u16,
    body: &str,
) -> Result<()> {
    c.exec(
        "UPDATE idempotency_key SET status = $1, body = $2 \
         WHERE caller = $3 AND route = $4 AND key = $5 AND request_hash = $6 AND status IS NULL",
        params![
            i64::from(status),
            body,
            claim.caller.as_str(),
            claim.route.as_str(),
            claim.key.as_str(),
            claim.request_hash.as_str()
        ],
    )
    .await?;
    Ok(())
}

/// Keys older than the window (the daily purge).
pub async fn delete_expired<C: Conn>(c: &mut C, now: Timestamp) -> Result<u64> {
    Ok(c.exec(
        "DELETE FROM idempotency_key WHERE created_at <= $1",
        params![ms(now - IDEMPOTENCY_WINDOW)],
    )
    .await?)
}

pub async fn check_in<C: Conn>(
    c: &mut C,
    key: &IdempotencyClaim,
    check_in: &CheckIn,
    actor: &Actor,
    now: Timestamp,
) -> Result<Arrived> {
    let arrived = visits::check_in(c, check_in, actor, now).await?;
    claim(c, key, &format!("visit:{}", arrived.visit.id), now).await?;
    Ok(arrived)
}

pub async fn raise_concern<C: Conn>(
    c: &mut C,
    key: &IdempotencyClaim,
    concern: &NewConcern,
    actor: &Actor,
    now: Timestamp,
) -> Result<Concern> {
    let raised = concerns::raise(c, concern, actor, now).await?;
    claim(c, key, &format!("concern:{}", raised.id), now).await?;
    Ok(raised)
}

pub async fn create_complaint<C: Conn>(
    c: &mut C,
    key: &IdempotencyClaim,
    complaint: &NewComplaintRecord,
    actor: &Actor,
    now: Timestamp,
) -> Result<Complaint> {
    let made = complaints::create(c, complaint, actor, now).await?;
    claim(c, key, &format!("complaint:{}", made.id), now).await?;
    Ok(made)
}

pub async fn create_promise<C: Conn>(
    c: &mut C,
    key: &IdempotencyClaim,
    promise: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<Promise> {
    let made = promises::create(c, promise, actor, now).await?;
    claim(c, key, &format!("promise:{}", made.id), now).await?;
    Ok(made)
}
