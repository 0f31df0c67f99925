//! Arrival links: a private link for one appointment (only its token's hash
//! kept, working on the appointment's day), made by staff or sent with the
//! reminder before the visit (exactly once per appointment: `reminded_at` is
//! set in the transaction that queues the messages, only while still empty),
//! and what the patient tells the desk on it ("running late", "can't come").
//! "I'm here" is the check-in itself (`visits::check_in`, which marks the
//! link used in its transaction).

use super::visits::{self, subject};
use super::{AuditRow, at, ms, one, opt_at, record, time_text};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::Timestamp;
use frontdesk_domain::arrival::{CANT_COME, late_notice_allowed};
use frontdesk_domain::timeline::EventKind;
use serde_json::json;

fn link_from_row(r: &Row) -> Result<ArrivalLink> {
    Ok(ArrivalLink {
        visit_id: r.int("visit_id")?,
        location: r.text("location_id")?,
        created_at: at(r.int("created_at")?)?,
        created_by: r.text("created_by")?,
        valid_from: at(r.int("valid_from")?)?,
        expires_at: at(r.int("expires_at")?)?,
        used_at: opt_at(r.opt_int("used_at")?)?,
    })
}

/// The link a token's hash names, when it works at `now`.
pub async fn working<C: Conn>(
    c: &mut C,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<ArrivalLink>> {
    one(
        c,
        "SELECT visit_id, location_id, created_at, created_by, valid_from, expires_at, used_at \
         FROM arrival_link WHERE token_hash = $1 AND valid_from <= $2 AND expires_at > $2",
        params![token_hash, ms(now)],
    )
    .await?
    .map(|r| link_from_row(&r))
    .transpose()
}

/// A visit's arrival links, newest first.
pub async fn of_visit<C: Conn>(c: &mut C, visit_id: i64) -> Result<Vec<ArrivalLink>> {
    c.query(
        "SELECT visit_id, location_id, created_at, created_by, valid_from, expires_at, used_at \
         FROM arrival_link WHERE visit_id = $1 ORDER BY created_at DESC, token_hash",
        params![visit_id],
    )
    .await?
    .iter()
    .map(link_from_row)
    .collect()
}

/// The addresses on a visit's patient record.
pub async fn contacts<C: Conn>(c: &mut C, visit_id: i64) -> Result<PatientContacts> {
    let row = one(
        c,
        "SELECT p.email, p.phone FROM visit v JOIN patient p ON p.id = v.patient_id WHERE v.id = $1",
        params![visit_id],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let present = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    Ok(PatientContacts {
        email: present(row.opt_text("email")?),
        phone: present(row.opt_text("phone")?),
    })
}

/// Expected appointments at a location scheduled in `(after, until]`, not
/// reminded yet, whose patient has an address on a channel that can be
/// sent (`email`, `sms`); soonest first, at most `limit`.
pub async fn reminders_due<C: Conn>(
    c: &mut C,
    location: &str,
    after: Timestamp,
    until: Timestamp,
    email: bool,
    sms: bool,
    limit: i64,
) -> Result<Vec<ReminderDue>> {
    if !email && !sms {
        return Ok(Vec::new());
    }
    let rows = c
        .query(
            "SELECT v.id AS id FROM visit v JOIN patient p ON p.id = v.patient_id \
             WHERE v.location_id = $1 AND v.state = 'expected' AND v.reminded_at IS NULL \
               AND v.scheduled_at > $2 AND v.scheduled_at <= $3 \
               AND (($4 = 1 AND TRIM(COALESCE(p.email, '')) <> '') OR ($5 = 1 AND TRIM(COALESCE(p.phone, '')) <> '')) \
             ORDER BY v.scheduled_at, v.id LIMIT $6",
            params![
                location,
                ms(after),
                ms(until),
                i64::from(email),
                i64::from(sms),
                limit.max(0)
            ],
        )
        .await?;
    let mut due = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.int("id")?;
        due.push(ReminderDue {
            visit: visits::by_id(c, id).await?,
            contacts: contacts(c, id).await?,
        });
    }
    Ok(due)
}

/// Record a link and queue its messages, on the timeline and in the audit log.
async fn insert<C: Conn>(
    c: &mut C,
    visit: &Visit,
    issue: &IssueArrivalLink,
    reminder: bool,
    actor: &Actor,
    now: Timestamp,
) -> Result<ArrivalLink> {
    let link = &issue.link;
    c.exec(
        "INSERT INTO arrival_link (token_hash, visit_id, location_id, created_at, created_by, valid_from, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            link.token_hash.as_str(),
            visit.id,
            visit.location.as_str(),
            ms(now),
            actor.as_str(),
            ms(link.valid_from),
            ms(link.expires_at)
        ],
    )
    .await?;
    let mut channels = Vec::new();
    for m in &issue.messages {
        let m = NewOutboxMessage {
            visit_id: Some(visit.id),
            location: visit.location.clone(),
            ..m.clone()
        };
        super::outbox::enqueue(c, &m, actor, now).await?;
        channels.push(m.channel.as_str());
    }
    let detail = json!({
        "reminder": reminder,
        "sent_by": channels,
        "expires_at": time_text(link.expires_at),
    });
    record(
        c,
        visit.id,
        EventKind::ArrivalLink,
        actor,
        &detail,
        AuditRow {
            action: "arrival_link.create",
            subject: subject(visit.id),
            detail: if reminder {
                format!("reminder; {}", channels.join(", "))
            } else {
                channels.join(", ")
            },
        },
        now,
    )
    .await?;
    Ok(ArrivalLink {
        visit_id: visit.id,
        location: visit.location.clone(),
        created_at: at(ms(now))?,
        created_by: actor.as_str().to_string(),
        valid_from: at(ms(link.valid_from))?,
        expires_at: at(ms(link.expires_at))?,
        used_at: None,
    })
}

/// The reminder: the link and its messages, only if the appointment is
/// still expected and was not reminded yet (`false` otherwise: another
/// server, or an earlier run, did it). The guard is the `UPDATE` itself, so
/// two servers racing for the same appointment write one reminder.
pub async fn remind<C: Conn>(c: &mut C, issue: &IssueArrivalLink, now: Timestamp) -> Result<bool> {
    let changed = c
        .exec(
            "UPDATE visit SET reminded_at = $1 \
             WHERE id = $2 AND state = 'expected' AND reminded_at IS NULL AND scheduled_at > $1",
            params![ms(now), issue.visit_id],
        )
        .await?;
    if changed != 1 {
        return Ok(false);
    }
    let visit = visits::by_id(c, issue.visit_id).await?;
    insert(c, &visit, issue, true, &Actor::system(), now).await?;
    Ok(true)
}

/// A link staff made (shown to hand over, or sent to the patient): only for
/// an appointment still expected. Sending counts as the reminder, so the
/// watcher does not send another.
pub async fn issue<C: Conn>(
    c: &mut C,
    issue: &IssueArrivalLink,
    actor: &Actor,
    now: Timestamp,
) -> Result<ArrivalLink> {
    let visit = visits::by_id(c, issue.visit_id).await?;
    if visit.state != frontdesk_domain::VisitState::Expected {
        return Err(StoreError::Refused(format!(
            "an arrival link is for an appointment still expected; this visit is {}",
            visit.state.label().to_lowercase()
        )));
    }
    if !issue.messages.is_empty() {
        c.exec(
            "UPDATE visit SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL",
            params![ms(now), visit.id],
        )
        .await?;
    }
    insert(c, &visit, issue, false, actor, now).await
}

/// "I'm here" through a link: mark it used, in the check-in's transaction.
/// Refused (a conflict) unless it is this visit's, works now and is unused.
pub async fn mark_used<C: Conn>(
    c: &mut C,
    token_hash: &str,
    visit_id: i64,
    now: Timestamp,
) -> Result<()> {
    let changed = c
        .exec(
            "UPDATE arrival_link SET used_at = $1 \
             WHERE token_hash = $2 AND visit_id = $3 AND used_at IS NULL AND valid_from <= $1 AND expires_at > $1",
            params![ms(now), token_hash, visit_id],
        )
        .await?;
    super::guarded(changed, "arrival link")
}

/// What the patient tells the desk on a working link: "running late" (at
/// most `MAX_LATE_NOTICES` times a visit) or "can't come" (the visit is
/// cancelled, by the usual guarded move). Only while the visit is expected.
pub async fn notice<C: Conn>(
    c: &mut C,
    token_hash: &str,
    notice: &ArrivalNotice,
    now: Timestamp,
) -> Result<NoticeOutcome> {
    let link = working(c, token_hash, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    let visit = visits::by_id(c, link.visit_id).await?;
    if visit.state != frontdesk_domain::VisitState::Expected {
        return Ok(NoticeOutcome::NotExpected(visit));
    }
    let actor = Actor::arrival_link();
    match notice {
        ArrivalNotice::RunningLate {
            minutes,
            expected_at,
        } => {
            let so_far = one(
                c,
                "SELECT COUNT(*) AS n FROM visit_event WHERE visit_id = $1 AND kind = 'running_late'",
                params![visit.id],
            )
            .await?
            .map(|r| r.int("n"))
            .transpose()?
            .unwrap_or(0);
            if !late_notice_allowed(so_far) {
                return Ok(NoticeOutcome::TooMany(visit));
            }
            let detail = json!({"minutes": minutes, "expected_at": time_text(*expected_at)});
            record(
                c,
                visit.id,
                EventKind::RunningLate,
                &actor,
                &detail,
                AuditRow {
                    action: "arrival.running_late",
                    subject: subject(visit.id),
                    detail: format!("{minutes} min"),
                },
                now,
            )
            .await?;
            Ok(NoticeOutcome::Recorded(visit))
        }
        ArrivalNotice::CantCome => {
            let moved = visits::transition(c, visit.id, CANT_COME, None, &actor, now).await?;
            record(
                c,
                visit.id,
                EventKind::CantCome,
                &actor,
                &json!({}),
                AuditRow {
                    action: "arrival.cant_come",
                    subject: subject(visit.id),
                    detail: String::new(),
                },
                now,
            )
            .await?;
            Ok(NoticeOutcome::Recorded(moved))
        }
    }
}

/// The status link a checked-in patient's arrival link leads to, recorded
/// if it is not there yet (by the hash of the token the server derives from
/// the arrival link's). Only for a working link whose visit has arrived.
pub async fn status_link<C: Conn>(
    c: &mut C,
    token_hash: &str,
    status: &NewStatusLink,
    now: Timestamp,
) -> Result<Option<i64>> {
    let Some(link) = working(c, token_hash, now).await? else {
        return Ok(None);
    };
    let visit = visits::by_id(c, link.visit_id).await?;
    if visit.arrived_at.is_none() {
        return Ok(None);
    }
    let added = c
        .exec(
            "INSERT INTO status_link (token_hash, visit_id, created_at, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (token_hash) DO NOTHING",
            params![status.token_hash.as_str(), visit.id, ms(now), ms(status.expires_at)],
        )
        .await?;
    if added == 1 {
        super::audit::write(
            c,
            &Actor::arrival_link(),
            "status_link.create",
            &subject(visit.id),
            "from the arrival link",
            now,
        )
        .await?;
    }
    Ok(Some(visit.id))
}

/// Delete links past their day (for the daily purge). The count.
pub async fn delete_expired<C: Conn>(c: &mut C, now: Timestamp) -> Result<u64> {
    Ok(c.exec(
        "DELETE FROM arrival_link WHERE expires_at <= $1",
        params![ms(now)],
    )
    .await?)
}
