//! Complaints: recorded verbatim, then acknowledged, assigned, paused and
//! resumed, replied to, escalated and resolved, each change checked against
//! the domain's rules and guarded by the complaint's revision.

use super::{at, audit, event, guarded, insert_id, ms, one, opt_at, parse_name};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::timeline::{ComplaintEventKind, EventKind};
use frontdesk_domain::{FieldErrors, Timestamp};
use serde_json::json;
use std::collections::HashMap;

fn complaint_from_row(r: &Row, pauses: Vec<Pause>) -> Result<Complaint> {
    let resolution = match (
        r.opt_text("contact_person")?,
        r.opt_text("steps")?,
        r.opt_text("result")?,
    ) {
        (Some(contact_person), Some(steps), Some(result)) => Some(Resolution {
            contact_person,
            steps,
            result,
        }),
        _ => None,
    };
    Ok(Complaint {
        id: r.int("id")?,
        location: r.text("location_id")?,
        visit_id: r.opt_int("visit_id")?,
        text: r.text("text")?,
        channel: parse_name(&r.text("channel")?)?,
        category: parse_name(&r.text("category")?)?,
        severity: parse_name(&r.text("severity")?)?,
        contact_name: r.opt_text("contact_name")?,
        contact_email: r.opt_text("contact_email")?,
        contact_phone: r.opt_text("contact_phone")?,
        owner: r.opt_text("owner")?,
        owner_role: r
            .opt_text("owner_role")?
            .map(|t| parse_name(&t))
            .transpose()?,
        status: parse_name(&r.text("status")?)?,
        received_by: r.text("received_by")?,
        received_at: at(r.int("received_at")?)?,
        acknowledged_by: r.opt_text("acknowledged_by")?,
        acknowledged_at: opt_at(r.opt_int("acknowledged_at")?)?,
        paused_since: opt_at(r.opt_int("paused_since")?)?,
        pauses,
        resolved_by: r.opt_text("resolved_by")?,
        resolved_at: opt_at(r.opt_int("resolved_at")?)?,
        resolution,
        escalation_level: parse_name(&r.text("escalation_level")?)?,
        revision: r.int("revision")?,
    })
}

/// Pauses from `(complaint_id, kind, at)` rows of paused/resumed events, in order.
fn pauses_by_complaint(rows: &[Row]) -> Result<HashMap<i64, Vec<Pause>>> {
    let mut out: HashMap<i64, Vec<Pause>> = HashMap::new();
    for r in rows {
        let list = out.entry(r.int("complaint_id")?).or_default();
        let when = at(r.int("at")?)?;
        if parse_name::<ComplaintEventKind>(&r.text("kind")?)? == ComplaintEventKind::Paused {
            list.push(Pause {
                from: when,
                until: None,
            });
        } else if let Some(open) = list.last_mut().filter(|p| p.until.is_none()) {
            open.until = Some(when);
        }
    }
    Ok(out)
}

fn subject(id: i64) -> String {
    format!("complaint:{id}")
}

async fn complaint_event<C: Conn>(
    c: &mut C,
    id: i64,
    kind: ComplaintEventKind,
    actor: &Actor,
    detail: &str,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "INSERT INTO complaint_event (complaint_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5)",
        params![id, ms(now), kind.as_str(), actor.as_str(), detail],
    )
    .await?;
    Ok(())
}

pub async fn complaint<C: Conn>(c: &mut C, id: i64) -> Result<Complaint> {
    let row = one(c, "SELECT * FROM complaint WHERE id = $1", params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    let rows = c
        .query(
            "SELECT complaint_id, kind, at FROM complaint_event \
             WHERE complaint_id = $1 AND kind IN ('paused', 'resumed') ORDER BY id",
            params![id],
        )
        .await?;
    let pauses = pauses_by_complaint(&rows)?.remove(&id).unwrap_or_default();
    complaint_from_row(&row, pauses)
}

pub async fn with_events<C: Conn>(c: &mut C, id: i64) -> Result<(Complaint, Vec<ComplaintEvent>)> {
    let found = complaint(c, id).await?;
    let events = c
        .query(
            "SELECT at, kind, actor, detail FROM complaint_event WHERE complaint_id = $1 ORDER BY id",
            params![id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(ComplaintEvent {
                at: at(r.int("at")?)?,
                kind: parse_name(&r.text("kind")?)?,
                actor: r.text("actor")?,
                detail: r.text("detail")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((found, events))
}

/// A location's complaints (unresolved, or resolved since `since`), or with
/// no location every unresolved complaint; newest first.
pub async fn list<C: Conn>(c: &mut C, location: &str, since: Timestamp) -> Result<Vec<Complaint>> {
    let rows = c
        .query(
            "SELECT * FROM complaint WHERE location_id = $1 AND (status <> 'resolved' OR resolved_at >= $2) \
             ORDER BY received_at DESC, id DESC LIMIT 1000",
            params![location, ms(since)],
        )
        .await?;
    let pause_rows = c
        .query(
            "SELECT e.complaint_id, e.kind, e.at FROM complaint_event e JOIN complaint k ON k.id = e.complaint_id \
             WHERE k.location_id = $1 AND (k.status <> 'resolved' OR k.resolved_at >= $2) \
             AND e.kind IN ('paused', 'resumed') ORDER BY e.id",
            params![location, ms(since)],
        )
        .await?;
    with_pauses(&rows, &pause_rows)
}

/// Up to `limit` unresolved complaints of every location with ids above
/// `after`, by id: the watcher walks them a batch at a time.
pub async fn unresolved<C: Conn>(c: &mut C, after: i64, limit: i64) -> Result<Vec<Complaint>> {
    let rows = c
        .query(
            "SELECT * FROM complaint WHERE status <> 'resolved' AND id > $1 ORDER BY id LIMIT $2",
            params![after, limit],
        )
        .await?;
    let Some(last) = rows.last().map(|r| r.int("id")).transpose()? else {
        return Ok(Vec::new());
    };
    let pause_rows = c
        .query(
            "SELECT e.complaint_id, e.kind, e.at FROM complaint_event e \
             WHERE e.complaint_id > $1 AND e.complaint_id <= $2 \
             AND e.kind IN ('paused', 'resumed') ORDER BY e.id",
            params![after, last],
        )
        .await?;
    with_pauses(&rows, &pause_rows)
}

pub(crate) fn with_pauses(rows: &[Row], pause_rows: &[Row]) -> Result<Vec<Complaint>> {
    let mut pauses = pauses_by_complaint(pause_rows)?;
    rows.iter()
        .map(|r| {
            let id = r.int("id")?;
            complaint_from_row(r, pauses.remove(&id).unwrap_or_default())
        })
        .collect()
}

pub async fn create<C: Conn>(
    c: &mut C,
    new: &NewComplaintRecord,
    actor: &Actor,
    now: Timestamp,
) -> Result<Complaint> {
    if let Some(visit_id) = new.visit_id
        && one(c, "SELECT id FROM visit WHERE id = $1", params![visit_id])
            .await?
            .is_none()
    {
        let mut e = FieldErrors::new();
        e.add("visit_id", "No visit with this id");
        return Err(StoreError::Invalid(e));
    }
    super::locations::must_exist(c, &new.location, "location").await?;
    let k = &new.complaint;
    let id = insert_id(
        c,
        "INSERT INTO complaint (location_id, visit_id, text, channel, category, severity, contact_name, contact_email, \
                                contact_phone, owner, owner_role, status, received_by, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'received', $12, $13) RETURNING id",
        params![
            new.location.as_str(),
            new.visit_id,
            k.text.as_str(),
            k.channel.as_str(),
            k.category.as_str(),
            k.severity.as_str(),
            &k.contact_name,
            &k.contact_email,
            &k.contact_phone,
            new.owner.as_ref().map(|(o, _)| o.clone()),
            new.owner.as_ref().map(|(_, r)| r.as_str().to_string()),
            actor.as_str(),
            ms(now)
        ],
    )
    .await?;
    let detail = json!({"channel": k.channel.as_str()}).to_string();
    complaint_event(c, id, ComplaintEventKind::Received, actor, &detail, now).await?;
    if let Some(visit_id) = new.visit_id {
        let detail = json!({"complaint_id": id, "channel": k.channel.as_str()});
        event(
            c,
            visit_id,
            EventKind::ComplaintReceived,
            Some(actor),
            &detail,
            now,
        )
        .await?;
        if let Some(detail) = &new.upset {
            event(c, visit_id, EventKind::Upset, None, detail, now).await?;
        }
    }
    audit::write(
        c,
        actor,
        "complaint.create",
        &subject(id),
        k.channel.as_str(),
        now,
    )
    .await?;
    complaint(c, id).await
}

/// Apply changes in order, in one transaction: all or none.
pub async fn change<C: Conn>(
    c: &mut C,
    id: i64,
    changes: &[ComplaintChange],
    actor: &Actor,
    now: Timestamp,
) -> Result<Complaint> {
    let mut k = complaint(c, id).await?;
    for one_change in changes {
        apply(c, &k, one_change, actor, now).await?;
        k = complaint(c, id).await?;
    }
    Ok(k)
}

/// One change: the rules asked, the row written on the revision read, the
/// complaint's event, the visit's timeline when linked, and the audit row.
async fn apply<C: Conn>(
    c: &mut C,
    k: &Complaint,
    change: &ComplaintChange,
    actor: &Actor,
    now: Timestamp,
) -> Result<()> {
    use ComplaintEventKind as Kind;
    use frontdesk_domain::complaint::{ComplaintAction as A, check_acknowledge, check_action};
    let id = k.id;
    let paused = k.paused_since.is_some();
    let rev = k.revision;
    let refuse =
        |e: frontdesk_domain::complaint::ComplaintError| StoreError::Refused(e.to_string());
    let (kind, detail, changed) = match change {
        ComplaintChange::Acknowledge => {
            check_acknowledge(k.status, paused, actor.as_str()).map_err(refuse)?;
            let changed = c
                .exec(
                    "UPDATE complaint SET status = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2, \
                     revision = revision + 1 WHERE id = $3 AND revision = $4",
                    params![actor.as_str(), ms(now), id, rev],
                )
                .await?;
            (Kind::Acknowledged, String::new(), changed)
        }
        ComplaintChange::Pause { reason } => {
            check_action(k.status, paused, A::Pause).map_err(refuse)?;
            let changed = c
                .exec(
                    "UPDATE complaint SET paused_since = $1, revision = revision + 1 WHERE id = $2 AND revision = $3",
                    params![ms(now), id, rev],
                )
                .await?;
            (Kind::Paused, reason.clone(), changed)
        }
        ComplaintChange::Resume => {
            check_action(k.status, paused, A::Resume).map_err(refuse)?;
            let changed = c
                .exec(
                    "UPDATE complaint SET paused_since = NULL, revision = revision + 1 WHERE id = $1 AND revision = $2",
                    params![id, rev],
                )
                .await?;
            (Kind::Resumed, String::new(), changed)
        }
        ComplaintChange::Assign { owner, role } => {
            check_action(k.status, paused, A::Assign).map_err(refuse)?;
            let changed = c
                .exec(
                    "UPDATE complaint SET owner = $1, owner_role = $2, revision = revision + 1 \
                     WHERE id = $3 AND revision = $4",
                    params![owner.as_str(), role.as_str(), id, rev],
                )
                .await?;
            (Kind::Assigned, owner.clone(), changed)
        }
        ComplaintChange::Reply {
            text,
            sent_anyway_flags,
            message,
        } => {
            check_action(k.status, paused, A::Reply).map_err(refuse)?;
            let changed = c
                .exec(
                    "UPDATE complaint SET revision = revision + 1 WHERE id = $1 AND revision = $2",
                    params![id, rev],
                )
                .await?;
            if let Some(m) = message {
                super::outbox::enqueue(c, m, actor, now).await?;
            }
            let sent_by = message.as_ref().map(|m| m.channel.as_str());
            let detail =
                json!({"text": text, "sent_anyway": sent_anyway_flags, "sent_by": sent_by});
            (Kind::Reply, detail.to_string(), changed)
        }
        ComplaintChange::Resolve(r) => {
            check_action(k.status, paused, A::Resolve).map_err(refuse)?;
            // A pause ends when the complaint is resolved.
            if paused {
                complaint_event(c, id, Kind::Resumed, actor, "resolved", now).await?;
            }
            let changed = c
                .exec(
                    "UPDATE complaint SET status = 'resolved', resolved_by = $1, resolved_at = $2, contact_person = $3, \
                     steps = $4, result = $5, paused_since = NULL, revision = revision + 1 \
                     WHERE id = $6 AND revision = $7",
                    params![
                        actor.as_str(),
                        ms(now),
                        r.contact_person.as_str(),
                        r.steps.as_str(),
                        r.result.as_str(),
                        id,
                        rev
                    ],
                )
                .await?;
            (Kind::Resolved, String::new(), changed)
        }
        ComplaintChange::Escalate(level) => {
            if *level <= k.escalation_level {
                // Already announced at this level: nothing to do.
                return Ok(());
            }
            let changed = c
                .exec(
                    "UPDATE complaint SET escalation_level = $1, revision = revision + 1 WHERE id = $2 AND revision = $3",
                    params![level.as_str(), id, rev],
                )
                .await?;
            (Kind::Escalated, level.as_str().to_string(), changed)
        }
    };
    guarded(changed, "complaint")?;
    complaint_event(c, id, kind, actor, &detail, now).await?;
    if let Some(visit_id) = k.visit_id
        && matches!(kind, Kind::Acknowledged | Kind::Resolved | Kind::Escalated)
    {
        let detail = json!({"complaint_id": id, "what": kind.as_str()});
        event(
            c,
            visit_id,
            EventKind::ComplaintUpdated,
            Some(actor),
            &detail,
            now,
        )
        .await?;
    }
    audit::write(
        c,
        actor,
        &format!("complaint.{kind}"),
        &subject(id),
        "",
        now,
    )
    .await
}
