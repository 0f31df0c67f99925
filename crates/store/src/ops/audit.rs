//! The audit log: one row for every read or change of patient data. Rows are
//! only ever added, and each is linked to the one before it by a hash chain,
//! so a row changed or deleted afterwards shows.
//!
//! Each row carries `prev_hash` (the hash of the row before it; 64 zeros for
//! the first) and `hash`, the SHA-256 of a canonical encoding of every column,
//! `prev_hash` included (see [`row_hash`]). The one-row table `audit_chain`
//! holds the head: the last row's id and hash, updated in the same
//! transaction as the rows, so deleting the last rows shows too.
//!
//! An operation's audit rows are drafts until its transaction ends
//! ([`write`] only notes them); [`seal`], run by each backend's `write_op!`
//! just before the commit, takes the head row first, which on PostgreSQL locks
//! it until the commit. Two servers writing at once therefore link their rows
//! one after the other, never both onto the same head; and the lock is taken
//! last in every transaction and held only for a few statements, so it adds
//! no lock-order deadlocks with the rows an operation changes. The rows' ids
//! are given under that lock (the head's id plus one), so id order is chain
//! order. On SQLite the single writer serialises anyway, and runs many
//! operations in one transaction: it reads the head once per batch, keeps it
//! between operations (restoring it when one rolls back) and stores it once
//! before the commit.
//!
//! Rows written before the chain existed (migration 0010) are linked once,
//! in id order, when the store opens ([`link_legacy`]).

use super::{at, ms, one};
use crate::db::{AuditDraft, ChainHead, Conn, params};
use crate::{Actor, AuditChainFault, AuditChainReport, AuditEntry, Result, StoreError};
use frontdesk_domain::Timestamp;
use sha2::{Digest, Sha256};

/// What the first row's `prev_hash` is.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows read at a time when linking or checking the chain.
const PAGE: i64 = 1000;

/// Record an audit row in the current transaction. It is linked into the
/// chain and inserted when the transaction ends.
pub async fn write<C: Conn>(
    c: &mut C,
    actor: &Actor,
    action: &str,
    subject: &str,
    detail: &str,
    now: Timestamp,
) -> Result<()> {
    c.audit_drafts().push(AuditDraft {
        at: ms(now),
        actor: actor.as_str().to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        detail: detail.to_string(),
    });
    Ok(())
}

/// One row's columns, as hashed.
struct Columns<'a> {
    id: i64,
    at: i64,
    actor: &'a str,
    action: &'a str,
    subject: &'a str,
    detail: &'a str,
    prev_hash: &'a str,
}

/// SHA-256 (lowercase hex) of the row's canonical encoding: a version tag,
/// then every column in a fixed order (id, at, actor, action, subject,
/// detail, prev_hash), each as its length in bytes (8 bytes, big-endian) and
/// its UTF-8 bytes; integers as decimal text. The lengths make the encoding
/// unambiguous: no two different rows encode alike.
fn row_hash(r: &Columns<'_>) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut h = Sha256::new();
    h.update(b"frontdesk audit_log v1\n");
    let (id, at) = (r.id.to_string(), r.at.to_string());
    for field in [
        id.as_str(),
        at.as_str(),
        r.actor,
        r.action,
        r.subject,
        r.detail,
        r.prev_hash,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    let mut out = String::with_capacity(64);
    for b in h.finalize() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// Link this transaction's audit rows into the chain and insert them. Run
/// by the backends just before a write commits; nothing when the operation
/// wrote no audit row.
pub(crate) async fn seal<C: Conn>(c: &mut C) -> Result<()> {
    if c.audit_drafts().is_empty() {
        return Ok(());
    }
    let drafts = std::mem::take(c.audit_drafts());
    let n = drafts.len() as i64;
    let missing = || StoreError::Corrupt("the audit chain's head is missing".into());
    let batch_head = c.chain_head().map(|h| h.clone());
    let (mut id, mut prev) = match batch_head {
        // SQLite's writer: the batch's head, or read once for the batch.
        Some(Some(head)) => (head.id, head.hash),
        Some(None) => {
            let head = one(
                c,
                "SELECT last_id, last_hash FROM audit_chain WHERE id = 1",
                &[],
            )
            .await?
            .ok_or_else(missing)?;
            (head.int("last_id")?, head.text("last_hash")?)
        }
        // Updating the head first takes its lock (PostgreSQL) until the
        // commit; the head's old hash is unchanged by this statement.
        None => {
            let head = one(
                c,
                "UPDATE audit_chain SET last_id = last_id + $1 WHERE id = 1 \
                 RETURNING last_id, last_hash",
                params![n],
            )
            .await?
            .ok_or_else(missing)?;
            (head.int("last_id")? - n, head.text("last_hash")?)
        }
    };
    for d in &drafts {
        id += 1;
        let hash = row_hash(&Columns {
            id,
            at: d.at,
            actor: &d.actor,
            action: &d.action,
            subject: &d.subject,
            detail: &d.detail,
            prev_hash: &prev,
        });
        c.exec(
            "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            params![
                id,
                d.at,
                d.actor.as_str(),
                d.action.as_str(),
                d.subject.as_str(),
                d.detail.as_str(),
                prev.as_str(),
                hash.as_str()
            ],
        )
        .await?;
        prev = hash;
    }
    match c.chain_head() {
        // Stored by the writer before its commit.
        Some(head) => *head = Some(ChainHead { id, hash: prev }),
        None => {
            c.exec(
                "UPDATE audit_chain SET last_hash = $1 WHERE id = 1",
                params![prev],
            )
            .await?;
        }
    }
    Ok(())
}

/// An operation's result, after linking its audit rows when it succeeded (a
/// failed operation's rows go with its rolled-back transaction).
pub(crate) async fn seal_after<C: Conn, R>(c: &mut C, result: Result<R>) -> Result<R> {
    let value = result?;
    seal(c).await?;
    Ok(value)
}

/// A read must not write audit rows: they would never be linked or kept.
pub(crate) fn nothing_to_seal<C: Conn, R>(c: &mut C, result: Result<R>) -> Result<R> {
    if !c.audit_drafts().is_empty() {
        return Err(StoreError::Database(
            "an audit row was written outside a write transaction".into(),
        ));
    }
    result
}

/// Link the rows written before the chain existed (up to the head's
/// `legacy_through`, set by migration 0010), in id order. Once: afterwards
/// the head is past them and this only reads the head.
pub(crate) async fn link_legacy<C: Conn>(c: &mut C) -> Result<()> {
    // The no-op update takes the head's lock: a second server starting at
    // the same time waits, then finds the work done.
    let head = one(
        c,
        "UPDATE audit_chain SET last_id = last_id WHERE id = 1 \
         RETURNING last_id, last_hash, legacy_through",
        &[],
    )
    .await?
    .ok_or_else(|| StoreError::Corrupt("the audit chain's head is missing".into()))?;
    let (mut last_id, mut prev) = (head.int("last_id")?, head.text("last_hash")?);
    let legacy_through = head.int("legacy_through")?;
    if last_id >= legacy_through {
        return Ok(());
    }
    loop {
        let rows = c
            .query(
                "SELECT id, at, actor, action, subject, detail FROM audit_log \
                 WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
                params![last_id, legacy_through, PAGE],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let (id, actor, action) = (r.int("id")?, r.text("actor")?, r.text("action")?);
            let (subject, detail) = (r.text("subject")?, r.text("detail")?);
            let hash = row_hash(&Columns {
                id,
                at: r.int("at")?,
                actor: &actor,
                action: &action,
                subject: &subject,
                detail: &detail,
                prev_hash: &prev,
            });
            c.exec(
                "UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3",
                params![prev.as_str(), hash.as_str(), id],
            )
            .await?;
            (last_id, prev) = (id, hash);
        }
    }
    c.exec(
        "UPDATE audit_chain SET last_id = $1, last_hash = $2 WHERE id = 1",
        params![last_id.max(legacy_through), prev.as_str()],
    )
    .await?;
    Ok(())
}

/// Check the chain, oldest row first, and report the first row that does not
/// match: the whole log, or only its `newest` rows (trusting the link into the
/// first of them; for the audit page). Rows added by other writers while it
/// runs are left for the next check.
pub async fn verify<C: Conn>(c: &mut C, newest: Option<i64>) -> Result<AuditChainReport> {
    let head_sql = "SELECT last_id, last_hash FROM audit_chain WHERE id = 1";
    let Some(head) = one(c, head_sql, &[]).await? else {
        return Ok(AuditChainReport {
            rows: 0,
            head_id: 0,
            head_hash: String::new(),
            fault: Some(AuditChainFault::HeadMissing),
        });
    };
    let (head_id, head_hash) = (head.int("last_id")?, head.text("last_hash")?);
    let mut report = AuditChainReport {
        rows: 0,
        head_id,
        head_hash: head_hash.clone(),
        fault: None,
    };
    let mut expected = GENESIS.to_string();
    let mut last: Option<i64> = None;
    let mut from = i64::MIN;
    if let Some(n) = newest {
        let first = one(
            c,
            "SELECT id, prev_hash FROM audit_log WHERE id <= $1 ORDER BY id DESC LIMIT 1 OFFSET $2",
            params![head_id, (n - 1).max(0)],
        )
        .await?;
        if let Some(first) = first {
            from = first.int("id")? - 1;
            expected = first.opt_text("prev_hash")?.unwrap_or_default();
        }
    }
    loop {
        let rows = c
            .query(
                "SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
                 WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
                params![last.unwrap_or(from), head_id, PAGE],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id = r.int("id")?;
            let (Some(prev_hash), Some(hash)) = (r.opt_text("prev_hash")?, r.opt_text("hash")?)
            else {
                report.fault = Some(AuditChainFault::Unsealed { row: id });
                return Ok(report);
            };
            let (actor, action) = (r.text("actor")?, r.text("action")?);
            let (subject, detail) = (r.text("subject")?, r.text("detail")?);
            let computed = row_hash(&Columns {
                id,
                at: r.int("at")?,
                actor: &actor,
                action: &action,
                subject: &subject,
                detail: &detail,
                prev_hash: &prev_hash,
            });
            if computed != hash {
                report.fault = Some(AuditChainFault::Changed { row: id });
                return Ok(report);
            }
            if prev_hash != expected {
                report.fault = Some(AuditChainFault::Unlinked {
                    row: id,
                    after: last,
                });
                return Ok(report);
            }
            report.rows += 1;
            (expected, last) = (hash, Some(id));
        }
    }
    if head_id != 0 && last.is_none_or(|l| l < head_id) {
        report.fault = Some(AuditChainFault::TailMissing { row: head_id, last });
        return Ok(report);
    }
    if expected != head_hash {
        report.fault = Some(AuditChainFault::HeadMismatch { row: head_id });
        return Ok(report);
    }
    // A row past the head is fine only when the head has moved on to it
    // meanwhile (another writer); read the row first, then the head again.
    let after = one(
        c,
        "SELECT MIN(id) AS id FROM audit_log WHERE id > $1",
        params![head_id],
    )
    .await?
    .map(|r| r.opt_int("id"))
    .transpose()?
    .flatten();
    if let Some(row) = after {
        let now_head = one(c, head_sql, &[]).await?;
        let moved_to = now_head.map(|h| h.int("last_id")).transpose()?;
        if moved_to.is_none_or(|h| h < row) {
            report.fault = Some(AuditChainFault::AfterHead { row });
        }
    }
    Ok(report)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn columns<'a>(detail: &'a str, prev_hash: &'a str) -> Columns<'a> {
        Columns {
            id: 7,
            at: 1_772_719_200_000,
            actor: "maria",
            action: "visit.read",
            subject: "visit:12",
            detail,
            prev_hash,
        }
    }

    #[test]
    fn the_hash_covers_every_column_and_no_two_rows_encode_alike() {
        let base = row_hash(&columns("", GENESIS));
        assert_eq!(base.len(), 64);
        assert_eq!(base, row_hash(&columns("", GENESIS)), "stable");
        assert_ne!(base, row_hash(&columns("x", GENESIS)));
        assert_ne!(base, row_hash(&columns("", &"1".repeat(64))));
        let moved = Columns {
            id: 8,
            ..columns("", GENESIS)
        };
        assert_ne!(base, row_hash(&moved));
        // Text moved from one column to the next is a different row.
        let a = Columns {
            subject: "visit:1",
            detail: "2",
            ..columns("", GENESIS)
        };
        let b = Columns {
            subject: "visit:",
            detail: "12",
            ..columns("", GENESIS)
        };
        assert_ne!(row_hash(&a), row_hash(&b));
    }
}
