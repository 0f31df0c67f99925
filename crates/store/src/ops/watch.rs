//! The watcher's marks: each alert, reminder or escalation it raises is
//! written with a row in `watch_mark` under a key that names it, inserted
//! only when new, in the same transaction as the timeline event and audit
//! row. On PostgreSQL a second server inserting the same key waits for the
//! first's commit and then finds it taken; a rolled-back raise leaves no
//! mark, so it is raised again later.

use super::{audit, complaints, event, ms};
use crate::db::{Conn, params};
use crate::{Actor, Complaint, ComplaintChange, Level, Result, WatchAlert};
use frontdesk_domain::Timestamp;

/// How long marks are kept: far longer than any clock runs.
pub fn keep() -> chrono::Duration {
    chrono::Duration::days(30)
}

/// Set a mark; `false` when it was set before.
async fn mark<C: Conn>(c: &mut C, key: &str, now: Timestamp) -> Result<bool> {
    let new = c
        .exec(
            "INSERT INTO watch_mark (key, raised_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            params![key, ms(now)],
        )
        .await?;
    Ok(new == 1)
}

pub async fn raise_once<C: Conn>(c: &mut C, alert: &WatchAlert, now: Timestamp) -> Result<bool> {
    if !mark(c, &alert.key, now).await? {
        return Ok(false);
    }
    if let Some(visit_id) = alert.visit_id {
        event(c, visit_id, alert.kind, None, &alert.detail, now).await?;
    }
    audit::write(c, &Actor::system(), &alert.action, &alert.subject, "", now).await?;
    Ok(true)
}

/// Move a complaint up to `level` with its mark
/// (`complaint_escalated:complaint:ID:LEVEL`), as `system`: `None` when it
/// was escalated to that level before.
pub async fn escalate_complaint<C: Conn>(
    c: &mut C,
    id: i64,
    level: Level,
    now: Timestamp,
) -> Result<Option<Complaint>> {
    let key = format!("complaint_escalated:complaint:{id}:{}", level.as_str());
    if !mark(c, &key, now).await? {
        return Ok(None);
    }
    if level <= complaints::complaint(c, id).await?.escalation_level {
        return Ok(None);
    }
    let changes = [ComplaintChange::Escalate(level)];
    complaints::change(c, id, &changes, &Actor::system(), now)
        .await
        .map(Some)
}

/// Forget marks older than [`keep`] (the daily purge).
pub async fn delete_old<C: Conn>(c: &mut C, now: Timestamp) -> Result<u64> {
    Ok(c.exec(
        "DELETE FROM watch_mark WHERE raised_at < $1",
        params![ms(now - keep())],
    )
    .await?)
}
