//! The audit log: one row for every read or change of patient data. Rows are
//! only ever added.

use super::{at, ms};
use crate::db::{Conn, params};
use crate::{Actor, AuditEntry, Result};
use frontdesk_domain::Timestamp;

pub async fn write<C: Conn>(
    c: &mut C,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &str,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
        params![ms(now), actor.as_str(), action, subject, detail],
    )
    .await?;
    Ok(())
}

pub async fn log<C: Conn>(c: &mut C, limit: i64) -> Result<Vec<AuditEntry>> {
    c.query(
        "SELECT id, at, actor, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT $1",
        params![limit],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(AuditEntry {
            id: r.int("id")?,
            at: at(r.int("at")?)?,
            actor: r.text("actor")?,
            action: r.text("action")?,
            subject: r.text("subject")?,
            detail: r.text("detail")?,
        })
    })
    .collect()
}
