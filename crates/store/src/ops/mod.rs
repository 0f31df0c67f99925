//! Every storage operation, written once against [`Conn`], one module per
//! aggregate. A write runs inside one transaction opened by the backend: the
//! change, its timeline event and its audit row commit together or not at
//! all. The rules of the practice (may this visit move there?) are asked of
//! the domain crate.
//!
//! Every change of state is guarded like a visit's transition: the `UPDATE`
//! names the state it read, and a change that finds the row moved on is a
//! [`StoreError::Conflict`] ("changed meanwhile; try again"), never a silent
//! overwrite.

pub mod arrivals;
pub mod audit;
pub mod complaints;
pub mod concerns;
pub mod figures;
pub mod idempotency;
pub mod kiosks;
pub mod locations;
pub mod outbox;
pub mod promises;
pub mod retention;
pub mod schedule;
pub mod scorecard;
pub mod staff;
pub mod surveys;
pub mod visits;
pub mod watch;

use crate::db::{self, Conn, Row, params};
use crate::{Actor, Result, StoreError};
use frontdesk_domain::Timestamp;
use frontdesk_domain::timeline::EventKind;

pub(crate) fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn at(ms: i64) -> Result<Timestamp> {
    chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("time {ms} out of range")))
}

pub(crate) fn opt_at(ms: Option<i64>) -> Result<Option<Timestamp>> {
    ms.map(at).transpose()
}

/// A time as the API and timeline details write it (RFC 3339, UTC, seconds).
pub(crate) fn time_text(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A stored name (a status, a kind, a role) read back; anything else means
/// the database holds something this version never wrote.
pub(crate) fn parse_name<T: std::str::FromStr>(text: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e: T::Err| StoreError::Corrupt(e.to_string()))
}

pub(crate) async fn one<C: Conn>(
    c: &mut C,
    sql: &'static str,
    params: &[db::Value],
) -> Result<Option<Row>> {
    Ok(c.query(sql, params).await?.into_iter().next())
}

pub(crate) async fn insert_id<C: Conn>(
    c: &mut C,
    sql: &'static str,
    params: &[db::Value],
) -> Result<i64> {
    let row = one(c, sql, params)
        .await?
        .ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))?;
    Ok(row.int("id")?)
}

pub(crate) async fn exists<C: Conn>(c: &mut C, sql: &'static str, id: &str) -> Result<bool> {
    Ok(one(c, sql, params![id]).await?.is_some())
}

/// An optimistic guard's outcome: exactly one row changed, or somebody else
/// changed it first.
pub(crate) fn guarded(changed: u64, what: &str) -> Result<()> {
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "the {what} changed meanwhile; try again"
        )))
    }
}

/// Append an event to a visit's timeline (`actor` is `None` for the
/// server's own events, such as an overdue clock).
pub(crate) async fn event<C: Conn>(
    c: &mut C,
    visit_id: i64,
    kind: EventKind,
    actor: Option<&Actor>,
    detail: &serde_json::Value,
    now: Timestamp,
) -> Result<()> {
    c.exec(
        "INSERT INTO visit_event (visit_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5)",
        params![
            visit_id,
            ms(now),
            kind.as_str(),
            actor.map(Actor::as_str),
            detail.to_string()
        ],
    )
    .await?;
    Ok(())
}

/// What the audit log says of a change: the action, what it was done to
/// (`visit:12`, `complaint:3`) and a short detail without personal data.
pub(crate) struct AuditRow<'a> {
    pub action: &'a str,
    pub subject: String,
    pub detail: String,
}

/// A change on a visit's timeline and its audit row, written together: the
/// one way a change to a visit is recorded.
pub(crate) async fn record<C: Conn>(
    c: &mut C,
    visit_id: i64,
    kind: EventKind,
    actor: &Actor,
    detail: &serde_json::Value,
    audit_row: AuditRow<'_>,
    now: Timestamp,
) -> Result<()> {
    event(c, visit_id, kind, Some(actor), detail, now).await?;
    audit::write(
        c,
        actor,
        audit_row.action,
        &audit_row.subject,
        &audit_row.detail,
        now,
    )
    .await
}
