//! The watcher's marks: each alert, reminder or escalation it raises is
//! written with a row in `watch_mark` under a key that names it, inserted
//! only when new, in the same transaction as the timeline event and audit
//! row. On PostgreSQL a second server inserting the same key waits for the
//! first's commit and then finds it taken; a rolled-back raise leaves no
//! mark, so it is raised again later.

use super::{audit, event, ms};
use crate::db::{Conn, params};
use crate::{Actor, Result, WatchAlert};
use frontdesk_domain::Timestamp;

/// How long marks are kept: far longer than any clock runs.
pub fn keep() -> chrono::Duration {
    chrono::Duration::days(30)
}

pub async fn raise_once<C: Conn>(c: &mut C, alert: &WatchAlert, now: Timestamp) -> Result<bool> {
    let new = c
        .exec(
            "INSERT INTO watch_mark (key, raised_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            params![alert.key.as_str(), ms(now)],
        )
        .await?;
    if new == 0 {
        return Ok(false);
    }
    if let Some(visit_id) = alert.visit_id {
        event(c, visit_id, alert.kind, None, &alert.detail, now).await?;
    }
    audit::write(c, &Actor::system(), &alert.action, &alert.subject, "", now).await?;
    Ok(true)
}

/// Forget marks older than [`keep`] (the daily purge).
pub async fn delete_old<C: Conn>(c: &mut C, now: Timestamp) -> Result<u64> {
    Ok(c.exec(
        "DELETE FROM watch_mark WHERE raised_at < $1",
        params![ms(now - keep())],
    )
    .await?)
}
