//! Concerns: a patient's question in their own words, answered by staff and
//! confirmed (or reopened) by the patient, or turned into a follow-up promise.

use super::{
    AuditRow, at, guarded, insert_id, ms, one, opt_at, parse_name, promises, record, time_text,
};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::Timestamp;
use frontdesk_domain::timeline::EventKind;
use serde_json::json;

/// `SELECT` of a concern with its patient's name, followed by the given clause.
macro_rules! concern_select {
    ($rest:literal) => {
        concat!(
            "SELECT c.*, p.given_name || ' ' || p.family_name AS patient_name ",
            "FROM concern c JOIN visit v ON v.id = c.visit_id JOIN patient p ON p.id = v.patient_id ",
            $rest
        )
    };
}

fn concern_from_row(r: &Row) -> Result<Concern> {
    Ok(Concern {
        id: r.int("id")?,
        location: r.text("location_id")?,
        visit_id: r.int("visit_id")?,
        patient_name: r.text("patient_name")?,
        text: r.text("text")?,
        source: parse_name(&r.text("source")?)?,
        raised_by: r.text("raised_by")?,
        raised_at: at(r.int("raised_at")?)?,
        owner: r.opt_text("owner")?,
        status: parse_name(&r.text("status")?)?,
        answer: r.opt_text("answer")?,
        answered_by: r.opt_text("answered_by")?,
        answered_at: opt_at(r.opt_int("answered_at")?)?,
        first_answered_at: opt_at(r.opt_int("first_answered_at")?)?,
        tone_flags: r.text("tone_flags")?,
        responded_at: opt_at(r.opt_int("responded_at")?)?,
        patient_note: r.opt_text("patient_note")?,
        promise_id: r.opt_int("promise_id")?,
    })
}

/// Needing an answer first (reopened before open), then oldest first.
fn in_order(rows: &[Row]) -> Result<Vec<Concern>> {
    let mut list = rows
        .iter()
        .map(concern_from_row)
        .collect::<Result<Vec<_>>>()?;
    list.sort_by_key(|c| {
        (
            frontdesk_domain::concern::display_rank(c.status),
            c.raised_at,
            c.id,
        )
    });
    Ok(list)
}

fn subject(id: i64) -> String {
    format!("concern:{id}")
}

fn refused(e: frontdesk_domain::concern::ConcernError) -> StoreError {
    StoreError::Refused(e.to_string())
}

pub async fn concern<C: Conn>(c: &mut C, id: i64) -> Result<Concern> {
    let row = one(c, concern_select!("WHERE c.id = $1"), params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    concern_from_row(&row)
}

pub async fn of_visit<C: Conn>(c: &mut C, visit_id: i64) -> Result<Vec<Concern>> {
    let rows = c
        .query(concern_select!("WHERE c.visit_id = $1"), params![visit_id])
        .await?;
    in_order(&rows)
}

pub async fn at_location<C: Conn>(
    c: &mut C,
    location: &str,
    since: Timestamp,
) -> Result<Vec<Concern>> {
    let rows = c
        .query(
            concern_select!("WHERE c.location_id = $1 AND c.raised_at >= $2"),
            params![location, ms(since)],
        )
        .await?;
    in_order(&rows)
}

pub async fn raise<C: Conn>(
    c: &mut C,
    new: &NewConcern,
    actor: &Actor,
    now: Timestamp,
) -> Result<Concern> {
    let visit = super::visits::by_id(c, new.visit_id).await?;
    let id = insert_id(
        c,
        "INSERT INTO concern (location_id, visit_id, text, source, raised_by, raised_at, owner, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') RETURNING id",
        params![
            visit.location.as_str(),
            new.visit_id,
            new.text.as_str(),
            new.source.as_str(),
            actor.as_str(),
            ms(now),
            &new.owner
        ],
    )
    .await?;
    let detail = json!({"concern_id": id, "text": new.text, "source": new.source.as_str()});
    record(
        c,
        new.visit_id,
        EventKind::ConcernRaised,
        actor,
        &detail,
        AuditRow {
            action: "concern.raise",
            subject: super::visits::subject(new.visit_id),
            detail: subject(id),
        },
        now,
    )
    .await?;
    if let Some(detail) = &new.upset {
        super::event(c, new.visit_id, EventKind::Upset, None, detail, now).await?;
    }
    concern(c, id).await
}

pub async fn answer<C: Conn>(
    c: &mut C,
    id: i64,
    answer: &ConcernAnswer,
    actor: &Actor,
    now: Timestamp,
) -> Result<Concern> {
    let before = concern(c, id).await?;
    before.status.can_answer().map_err(refused)?;
    let changed = c
        .exec(
            "UPDATE concern SET status = 'answered', answer = $1, answered_by = $2, answered_at = $3, \
             first_answered_at = COALESCE(first_answered_at, $3), tone_flags = $4 \
             WHERE id = $5 AND status = $6",
            params![
                answer.text.as_str(),
                actor.as_str(),
                ms(now),
                answer.sent_anyway_flags.join(","),
                id,
                before.status.as_str()
            ],
        )
        .await?;
    guarded(changed, "concern")?;
    let detail =
        json!({"concern_id": id, "text": answer.text, "sent_anyway": answer.sent_anyway_flags});
    let audit_detail = if answer.sent_anyway_flags.is_empty() {
        String::new()
    } else {
        format!("sent anyway: {}", answer.sent_anyway_flags.join(","))
    };
    record(
        c,
        before.visit_id,
        EventKind::ConcernAnswered,
        actor,
        &detail,
        AuditRow {
            action: "concern.answer",
            subject: subject(id),
            detail: audit_detail,
        },
        now,
    )
    .await?;
    concern(c, id).await
}

pub async fn respond<C: Conn>(
    c: &mut C,
    id: i64,
    confirmed: bool,
    note: &str,
    upset: Option<&serde_json::Value>,
    now: Timestamp,
) -> Result<Concern> {
    let before = concern(c, id).await?;
    before.status.can_respond().map_err(refused)?;
    let (status, kind, action) = if confirmed {
        (
            ConcernStatus::Confirmed,
            EventKind::ConcernConfirmed,
            "concern.confirm",
        )
    } else {
        (
            ConcernStatus::Reopened,
            EventKind::ConcernReopened,
            "concern.reopen",
        )
    };
    let note = Some(note.trim()).filter(|n| !n.is_empty());
    let changed = c
        .exec(
            "UPDATE concern SET status = $1, responded_at = $2, patient_note = $3 WHERE id = $4 AND status = 'answered'",
            params![status.as_str(), ms(now), note, id],
        )
        .await?;
    guarded(changed, "concern")?;
    let detail = json!({"concern_id": id, "note": note.unwrap_or("")});
    record(
        c,
        before.visit_id,
        kind,
        &Actor::patient_link(),
        &detail,
        AuditRow {
            action,
            subject: subject(id),
            detail: String::new(),
        },
        now,
    )
    .await?;
    if let Some(detail) = upset {
        super::event(c, before.visit_id, EventKind::Upset, None, detail, now).await?;
    }
    concern(c, id).await
}

pub async fn follow_up<C: Conn>(
    c: &mut C,
    id: i64,
    promise: &NewPromise,
    actor: &Actor,
    now: Timestamp,
) -> Result<(Concern, Promise)> {
    let before = concern(c, id).await?;
    before.status.can_follow_up().map_err(refused)?;
    let p = promises::insert(c, promise, actor, now).await?;
    let changed = c
        .exec(
            "UPDATE concern SET status = 'follow_up', promise_id = $1 WHERE id = $2 AND status = $3",
            params![p.id, id, before.status.as_str()],
        )
        .await?;
    guarded(changed, "concern")?;
    let detail = json!({"concern_id": id, "promise_id": p.id, "due_at": time_text(p.due_at)});
    record(
        c,
        before.visit_id,
        EventKind::ConcernFollowUp,
        actor,
        &detail,
        AuditRow {
            action: "concern.follow_up",
            subject: subject(id),
            detail: format!("promise:{}", p.id),
        },
        now,
    )
    .await?;
    Ok((concern(c, id).await?, p))
}
