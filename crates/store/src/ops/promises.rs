//! Promises: the wait promise made at check-in and everything staff promise
//! (call-backs, refills, results, forms, referrals), kept, broken or
//! renegotiated.

use super::{audit, event, guarded, insert_id, ms, one, opt_at, parse_name, time_text};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::Timestamp;
use frontdesk_domain::timeline::EventKind;
use serde_json::json;

fn promise_from_row(r: &Row) -> Result<Promise> {
    Ok(Promise {
        id: r.int("id")?,
        location: r.text("location_id")?,
        visit_id: r.opt_int("visit_id")?,
        patient_id: r.opt_int("patient_id")?,
        kind: parse_name(&r.text("kind")?)?,
        made_by: r.text("made_by")?,
        owner: r.opt_text("owner")?,
        note: r.text("note")?,
        made_at: super::at(r.int("made_at")?)?,
        due_at: super::at(r.int("due_at")?)?,
        likely_at: opt_at(r.opt_int("likely_at")?)?,
        suggested_due_at: opt_at(r.opt_int("suggested_due_at")?)?,
        reason: r.text("reason")?,
        status: parse_name(&r.text("status")?)?,
        fulfilled_at: opt_at(r.opt_int("fulfilled_at")?)?,
        fulfilled_by: r.opt_text("fulfilled_by")?,
        replaced_by: r.opt_int("replaced_by")?,
    })
}

fn promises(rows: &[Row]) -> Result<Vec<Promise>> {
    rows.iter().map(promise_from_row).collect()
}

/// `promise:ID`, as the audit log names a promise.
fn subject(id: i64) -> String {
    format!("promise:{id}")
}

/// The promise row alone, open; its id.
async fn insert_row<C: Conn>(
    c: &mut C,
    p: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<i64> {
    insert_id(
        c,
        "INSERT INTO promise (location_id, visit_id, patient_id, kind, made_by, owner, note, made_at, due_at, likely_at, \
                              suggested_due_at, reason, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open') RETURNING id",
        params![
            p.location.as_str(),
            p.visit_id,
            p.patient_id,
            p.kind.as_str(),
            actor.as_str(),
            &p.owner,
            p.note.as_str(),
            ms(now),
            ms(p.due_at),
            p.likely_at.map(ms),
            p.suggested_due_at.map(ms),
            p.reason.as_str()
        ],
    )
    .await
}

/// Insert a promise; on a visit, its timeline says so.
pub async fn insert<C: Conn>(
    c: &mut C,
    p: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<Promise> {
    let id = insert_row(c, p, actor, now).await?;
    if let Some(visit_id) = p.visit_id {
        let detail =
            json!({"kind": p.kind.as_str(), "due_at": time_text(p.due_at), "promise_id": id});
        event(c, visit_id, EventKind::Promised, Some(actor), &detail, now).await?;
    }
    promise(c, id).await
}

/// A promise made by hand (the ledger), with its audit row.
pub async fn create<C: Conn>(
    c: &mut C,
    p: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<Promise> {
    let made = insert(c, p, actor, now).await?;
    audit::write(
        c,
        actor,
        "promise.create",
        &subject(made.id),
        p.kind.as_str(),
        now,
    )
    .await?;
    Ok(made)
}

pub async fn promise<C: Conn>(c: &mut C, id: i64) -> Result<Promise> {
    let row = one(c, "SELECT * FROM promise WHERE id = $1", params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    promise_from_row(&row)
}

/// The visit's current wait promise (the newest `seen_by`).
pub async fn of_visit<C: Conn>(c: &mut C, visit_id: i64) -> Result<Option<Promise>> {
    one(
        c,
        "SELECT * FROM promise WHERE visit_id = $1 AND kind = 'seen_by' ORDER BY id DESC LIMIT 1",
        params![visit_id],
    )
    .await?
    .map(|r| promise_from_row(&r))
    .transpose()
}

/// Refused unless the promise is still open.
fn must_be_open(p: &Promise) -> Result<()> {
    if p.status == PromiseStatus::Open {
        Ok(())
    } else {
        Err(StoreError::Refused(format!(
            "this promise is already {}",
            p.status
        )))
    }
}

/// Close an open promise as kept, broken or withdrawn (guarded: settled at
/// most once), on its visit's timeline when it has one.
pub(crate) async fn settle<C: Conn>(
    c: &mut C,
    p: &Promise,
    status: PromiseStatus,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE promise SET status = $1, fulfilled_at = $2, fulfilled_by = $3 WHERE id = $4 AND status = 'open'",
            params![status.as_str(), ms(now), actor.as_str(), p.id],
        )
        .await?;
    guarded(changed, "promise")?;
    if let Some(visit_id) = p.visit_id {
        let detail = json!({"promise_id": p.id, "status": status.as_str()});
        event(
            c,
            visit_id,
            EventKind::PromiseSettled,
            Some(actor),
            &detail,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Staff mark a promise done: kept if on time, broken if late.
pub async fn fulfil<C: Conn>(c: &mut C, id: i64, actor: &Actor, now: Timestamp) -> Result<Promise> {
    let p = promise(c, id).await?;
    must_be_open(&p)?;
    let status = frontdesk_domain::promise::settled_status(p.due_at, now);
    settle(c, &p, status, actor, now).await?;
    audit::write(
        c,
        actor,
        "promise.fulfil",
        &subject(id),
        status.as_str(),
        now,
    )
    .await?;
    promise(c, id).await
}

/// Replace an open promise with a new one before it breaks; the old one stays
/// on record as renegotiated.
pub async fn renegotiate<C: Conn>(
    c: &mut C,
    old_id: i64,
    new: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<Promise> {
    let old = promise(c, old_id).await?;
    must_be_open(&old)?;
    // The same promise (to whom, about what) with the new time and reason.
    let replacement = NewPromise {
        location: old.location.clone(),
        visit_id: old.visit_id,
        patient_id: old.patient_id,
        kind: old.kind,
        owner: old.owner.clone(),
        note: old.note.clone(),
        due_at: new.due_at,
        likely_at: new.likely_at,
        suggested_due_at: new.suggested_due_at,
        reason: new.reason.clone(),
    };
    let id = insert_row(c, &replacement, actor, now).await?;
    let changed = c
        .exec(
            "UPDATE promise SET status = 'renegotiated', replaced_by = $1 WHERE id = $2 AND status = 'open'",
            params![id, old_id],
        )
        .await?;
    guarded(changed, "promise")?;
    if let Some(visit_id) = old.visit_id {
        let detail = json!({"promise_id": id, "due_at": time_text(new.due_at), "was": time_text(old.due_at)});
        event(c, visit_id, EventKind::Requoted, Some(actor), &detail, now).await?;
    }
    let detail = format!("replaced by {id}");
    audit::write(
        c,
        actor,
        "promise.renegotiate",
        &subject(old_id),
        &detail,
        now,
    )
    .await?;
    promise(c, id).await
}

/// A wait promise that broke with the patient still waiting: recorded as
/// broken, and a new one made, together.
pub async fn replace_broken<C: Conn>(
    c: &mut C,
    old_id: i64,
    new: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<Promise> {
    fulfil(c, old_id, actor, now).await?;
    create(c, new, actor, now).await
}

/// Open wait promises of patients still waiting (for the watcher).
pub async fn open_waits<C: Conn>(c: &mut C) -> Result<Vec<Promise>> {
    let rows = c
        .query(
            "SELECT p.* FROM promise p JOIN visit v ON v.id = p.visit_id \
             WHERE p.kind = 'seen_by' AND p.status = 'open' AND v.state IN ('waiting', 'roomed') ORDER BY p.id",
            &[],
        )
        .await?;
    promises(&rows)
}

/// Open wait promises of patients still waiting at one location (its board).
pub async fn open_waits_at<C: Conn>(c: &mut C, location: &str) -> Result<Vec<Promise>> {
    let rows = c
        .query(
            "SELECT p.* FROM promise p JOIN visit v ON v.id = p.visit_id \
             WHERE p.location_id = $1 AND p.kind = 'seen_by' AND p.status = 'open' AND v.state IN ('waiting', 'roomed') \
             ORDER BY p.id",
            params![location],
        )
        .await?;
    promises(&rows)
}

/// The watcher's share of the open wait promises on a tick: those of visits
/// whose id is `part` modulo `parts`, and every one due by `due_by`.
pub async fn waits_to_check<C: Conn>(
    c: &mut C,
    parts: i64,
    part: i64,
    due_by: Timestamp,
) -> Result<Vec<Promise>> {
    let rows = c
        .query(
            "SELECT p.* FROM promise p JOIN visit v ON v.id = p.visit_id \
             WHERE p.kind = 'seen_by' AND p.status = 'open' AND (p.visit_id % $1 = $2 OR p.due_at <= $3) \
             AND v.state IN ('waiting', 'roomed') ORDER BY p.id",
            params![parts, part, ms(due_by)],
        )
        .await?;
    promises(&rows)
}

/// Open promises at a location, soonest due first.
pub async fn open<C: Conn>(c: &mut C, location: &str) -> Result<Vec<Promise>> {
    let rows = c
        .query(
            "SELECT * FROM promise WHERE location_id = $1 AND status = 'open' AND kind <> 'seen_by' ORDER BY due_at, id",
            params![location],
        )
        .await?;
    promises(&rows)
}

/// Promises other than waits settled (kept or broken) since `since`, newest first.
pub async fn settled<C: Conn>(c: &mut C, location: &str, since: Timestamp) -> Result<Vec<Promise>> {
    let rows = c
        .query(
            "SELECT * FROM promise WHERE location_id = $1 AND kind <> 'seen_by' AND fulfilled_at >= $2 \
             AND status IN ('kept', 'broken') ORDER BY fulfilled_at DESC, id DESC LIMIT 200",
            params![location, ms(since)],
        )
        .await?;
    promises(&rows)
}

/// How long recent promises of a kind took to fulfil, in minutes.
pub async fn fulfilment_history<C: Conn>(
    c: &mut C,
    location: &str,
    kind: PromiseKind,
) -> Result<FulfilmentHistory> {
    let rows = c
        .query(
            "SELECT made_at, fulfilled_at FROM promise \
             WHERE location_id = $1 AND kind = $2 AND status IN ('kept', 'broken') AND fulfilled_at IS NOT NULL \
             ORDER BY id DESC LIMIT 500",
            params![location, kind.as_str()],
        )
        .await?;
    let mut minutes = Vec::with_capacity(rows.len());
    for r in &rows {
        minutes.push((r.int("fulfilled_at")? - r.int("made_at")?) as f64 / 60_000.0);
    }
    Ok(FulfilmentHistory { minutes })
}
