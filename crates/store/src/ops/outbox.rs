//! The outbox: messages to patients (their status link, replies to
//! complaints) waiting to be delivered by SMTP or a webhook, claimed by one
//! server at a time, retried with back-off, emptied of the private link
//! once delivered or given up on, and of the full address some time later.

use super::{at, audit, insert_id, ms, one, opt_at, parse_name};
use crate::db::{Conn, Row, params};
use crate::*;
use frontdesk_domain::Timestamp;

fn message_from_row(r: &Row) -> Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.int("id")?,
        location: r.text("location_id")?,
        visit_id: r.opt_int("visit_id")?,
        channel: parse_name(&r.text("channel")?)?,
        recipient: r.text("recipient")?,
        subject: r.text("subject")?,
        body: r.text("body")?,
        created_at: at(r.int("created_at")?)?,
        status: parse_name(&r.text("status")?)?,
        attempts: r.int("attempts")?,
        next_attempt_at: at(r.int("next_attempt_at")?)?,
        last_error: r.opt_text("last_error")?,
        sent_at: opt_at(r.opt_int("sent_at")?)?,
    })
}

async fn message<C: Conn>(c: &mut C, id: i64) -> Result<OutboxMessage> {
    let row = one(c, "SELECT * FROM outbox WHERE id = $1", params![id])
        .await?
        .ok_or(StoreError::NotFound)?;
    message_from_row(&row)
}

/// What the audit log names a message by: its visit when it has one.
fn message_subject(m: &OutboxMessage) -> String {
    match m.visit_id {
        Some(v) => format!("visit:{v}"),
        None => format!("outbox:{}", m.id),
    }
}

pub async fn enqueue<C: Conn>(
    c: &mut C,
    m: &NewOutboxMessage,
    actor: &Actor,
    now: Timestamp,
) -> Result<OutboxMessage> {
    let id = insert_id(
        c,
        "INSERT INTO outbox (location_id, visit_id, channel, recipient, subject, body, created_at, status, \
                             attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $7) RETURNING id",
        params![
            m.location.as_str(),
            m.visit_id,
            m.channel.as_str(),
            m.recipient.as_str(),
            m.subject.as_str(),
            m.body.as_str(),
            ms(now)
        ],
    )
    .await?;
    let saved = message(c, id).await?;
    // The channel only: the address is personal data and stays in its table.
    audit::write(
        c,
        actor,
        "outbox.enqueue",
        &message_subject(&saved),
        m.channel.as_str(),
        now,
    )
    .await?;
    Ok(saved)
}

pub async fn claim_due<C: Conn>(
    c: &mut C,
    now: Timestamp,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<OutboxMessage>> {
    let rows = c
        .query(
            "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             ORDER BY created_at, id LIMIT $2",
            params![ms(now), limit.max(0)],
        )
        .await?;
    let until = now + lease;
    let mut claimed = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut m = message_from_row(r)?;
        // Another server may have claimed it since the read; then it is theirs.
        let changed = c
            .exec(
                "UPDATE outbox SET next_attempt_at = $1 \
                 WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3",
                params![ms(until), m.id, ms(now)],
            )
            .await?;
        if changed == 1 {
            m.next_attempt_at = until;
            claimed.push(m);
        }
    }
    Ok(claimed)
}

pub async fn message_sent<C: Conn>(c: &mut C, id: i64, now: Timestamp) -> Result<OutboxMessage> {
    let changed = c
        .exec(
            "UPDATE outbox SET status = 'sent', sent_at = $1, settled_at = $1, attempts = attempts + 1, \
                               body = $2 \
             WHERE id = $3 AND status = 'pending'",
            params![ms(now), frontdesk_domain::outbox::BODY_AFTER_DELIVERY, id],
        )
        .await?;
    let m = message(c, id).await?;
    if changed != 1 {
        return Err(StoreError::Refused(format!(
            "message {id} is {}, not pending",
            m.status.as_str()
        )));
    }
    audit::write(
        c,
        &Actor::system(),
        "outbox.sent",
        &message_subject(&m),
        m.channel.as_str(),
        now,
    )
    .await?;
    Ok(m)
}

pub async fn message_failed<C: Conn>(
    c: &mut C,
    id: i64,
    error: &str,
    permanent: bool,
    now: Timestamp,
) -> Result<OutboxMessage> {
    use frontdesk_domain::outbox::{BODY_AFTER_FAILURE, retry_delay};
    let m = message(c, id).await?;
    if m.status != MessageStatus::Pending {
        return Err(StoreError::Refused(format!(
            "message {id} is {}, not pending",
            m.status.as_str()
        )));
    }
    let attempts = m.attempts + 1;
    let error: String = error.chars().take(300).collect();
    match retry_delay(attempts, permanent) {
        Some(wait) => {
            let changed = c
                .exec(
                    "UPDATE outbox SET attempts = $1, next_attempt_at = $2, last_error = $3 \
                     WHERE id = $4 AND status = 'pending' AND attempts = $5",
                    params![attempts, ms(now + wait), error.as_str(), id, m.attempts],
                )
                .await?;
            super::guarded(changed, "message")?;
        }
        None => {
            let changed = c
                .exec(
                    "UPDATE outbox SET status = 'failed', attempts = $1, last_error = $2, body = $3, \
                                       settled_at = $6 \
                     WHERE id = $4 AND status = 'pending' AND attempts = $5",
                    params![
                        attempts,
                        error.as_str(),
                        BODY_AFTER_FAILURE,
                        id,
                        m.attempts,
                        ms(now)
                    ],
                )
                .await?;
            super::guarded(changed, "message")?;
            audit::write(
                c,
                &Actor::system(),
                "outbox.failed",
                &message_subject(&m),
                m.channel.as_str(),
                now,
            )
            .await?;
        }
    }
    message(c, id).await
}

pub async fn recent<C: Conn>(c: &mut C, limit: i64) -> Result<Vec<OutboxMessage>> {
    c.query(
        "SELECT * FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1",
        params![limit.max(0)],
    )
    .await?
    .iter()
    .map(message_from_row)
    .collect()
}

/// Replace the recipient of every message settled (sent or given up on) at
/// or before `settled_by` with its masked form, as staff see it. The count.
pub async fn scrub_recipients<C: Conn>(c: &mut C, settled_by: Timestamp) -> Result<u64> {
    use frontdesk_domain::outbox::mask_recipient;
    let mut scrubbed = 0;
    loop {
        let rows = c
            .query(
                "SELECT id, channel, recipient FROM outbox \
                 WHERE recipient_scrubbed = 0 AND settled_at <= $1 ORDER BY id LIMIT 500",
                params![ms(settled_by)],
            )
            .await?;
        if rows.is_empty() {
            return Ok(scrubbed);
        }
        for r in &rows {
            let channel: MessageChannel = parse_name(&r.text("channel")?)?;
            let masked = mask_recipient(channel, &r.text("recipient")?);
            scrubbed += c
                .exec(
                    "UPDATE outbox SET recipient = $1, recipient_scrubbed = 1 \
                     WHERE id = $2 AND recipient_scrubbed = 0",
                    params![masked, r.int("id")?],
                )
                .await?;
        }
    }
}
