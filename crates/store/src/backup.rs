//! Backup and restore of a SQLite database, for `frontdesk backup` and
//! `frontdesk restore`. (PostgreSQL has `pg_dump` and `pg_restore`.)
//!
//! A backup is SQLite's online backup API copying every page in one step, so
//! it is one read transaction: a consistent snapshot of the moment it began,
//! taken while the server goes on writing (in WAL mode readers never block
//! the writer). It is written beside the destination and renamed into place
//! only once complete and checked.
//!
//! A restore replaces the database at the configured path, and only when no
//! other process has it open: the restore takes SQLite's exclusive lock
//! first (a running server's idle connections are enough to refuse it) and
//! holds it to the end, so no server can start on a half-restored file.
//! The database being replaced is kept beside it first.

use crate::sqlite::SCHEMA_VERSION;
use crate::{Result, StoreError};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Database pages copied, and the file's size afterwards.
    pub pages: i64,
    pub bytes: u64,
    /// The schema version (migrations applied) of the copy.
    pub schema_version: i64,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub copied: Copied,
    /// Where the database that was replaced is kept, if there was one.
    pub kept: Option<PathBuf>,
}

fn failed(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(format!("{what}: {e}"))
}

/// Copy every page from `from` into `to` in one step (one snapshot),
/// waiting out a moment's lock.
fn copy(from: &Connection, to: &mut Connection) -> Result<()> {
    let backup = Backup::new(from, to).map_err(|e| failed("cannot start the copy", e))?;
    for _ in 0..600 {
        match backup.step(-1).map_err(|e| failed("copy failed", e))? {
            StepResult::Done => return Ok(()),
            // More to copy (the source changed), or locked a moment.
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    Err(StoreError::Unavailable(
        "the database stayed locked for a minute; nothing was copied".into(),
    ))
}

/// `PRAGMA integrity_check` and the schema version of a database file; an
/// error unless it is intact and a Frontdesk database this version can run.
pub fn check(path: &Path) -> Result<Copied> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| failed(&format!("cannot open {}", path.display()), e))?;
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| failed(&format!("{} is not a readable database", path.display()), e))?;
    if verdict != "ok" {
        return Err(StoreError::Corrupt(format!(
            "{} failed its integrity check: {verdict}",
            path.display()
        )));
    }
    let schema_version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| failed("cannot read the schema version", e))?;
    let has_visits: bool = conn
        .query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'visit'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| failed("cannot read the schema", e))?;
    if schema_version < 1 || !has_visits {
        return Err(StoreError::Corrupt(format!(
            "{} is not a Frontdesk database",
            path.display()
        )));
    }
    if schema_version > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "{} was written by a newer Frontdesk (schema {schema_version}; this one knows {SCHEMA_VERSION})",
            path.display()
        )));
    }
    let pages: i64 = conn
        .pragma_query_value(None, "page_count", |r| r.get(0))
        .map_err(|e| failed("cannot count pages", e))?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(Copied {
        pages,
        bytes,
        schema_version,
    })
}

/// Back up the database at `source` (which a server may be writing) to
/// `dest`. An existing `dest` is refused unless `overwrite`.
pub fn backup(source: &Path, dest: &Path, overwrite: bool) -> Result<Copied> {
    if !source.exists() {
        return Err(StoreError::NotFound);
    }
    if dest.exists() && !overwrite {
        return Err(StoreError::Conflict(format!(
            "{} exists already (give --force to replace it)",
            dest.display()
        )));
    }
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| failed(&format!("cannot open {}", source.display()), e))?;
    from.busy_timeout(Duration::from_secs(10))
        .map_err(|e| failed("cannot set the busy timeout", e))?;
    let mut partial = dest.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let outcome = (|| {
        let mut to = Connection::open(&partial)
            .map_err(|e| failed(&format!("cannot create {}", partial.display()), e))?;
        copy(&from, &mut to)?;
        // One self-contained file: no WAL beside it.
        to.pragma_update(None, "journal_mode", "DELETE")
            .map_err(|e| failed("cannot finish the copy", e))?;
        drop(to);
        let copied = check(&partial)?;
        std::fs::rename(&partial, dest)
            .map_err(|e| failed(&format!("cannot write {}", dest.display()), e))?;
        // A rename keeps the size `check` measured.
        Ok(copied)
    })();
    if outcome.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    outcome
}

/// Replace the database at `target` with the backup at `source`, checked
/// first. Refused while any other process (a running server) has `target`
/// open. The database replaced is kept as `TARGET.before-restore-STAMP`.
pub fn restore(source: &Path, target: &Path, stamp: &str) -> Result<Restored> {
    check(source)?;
    if let Some(dir) = target.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| failed(&format!("cannot create {}", dir.display()), e))?;
    }
    let existed = target.exists();
    let mut to = Connection::open(target)
        .map_err(|e| failed(&format!("cannot open {}", target.display()), e))?;
    to.busy_timeout(Duration::from_secs(1))
        .map_err(|e| failed("cannot set the busy timeout", e))?;
    // Exclusive, and kept so until this connection closes: refused at once
    // when another process has the database open; no server starts meanwhile.
    let locked = to
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .and_then(|()| to.execute_batch("BEGIN EXCLUSIVE; COMMIT;"));
    if let Err(e) = locked {
        return Err(StoreError::Conflict(format!(
            "{} is in use ({e}): stop every Frontdesk server (and any other program) using it, then restore",
            target.display()
        )));
    }
    let kept = if existed {
        let mut keep = target.as_os_str().to_owned();
        keep.push(format!(".before-restore-{stamp}"));
        let keep = PathBuf::from(keep);
        let mut copy_of_old = Connection::open(&keep)
            .map_err(|e| failed(&format!("cannot create {}", keep.display()), e))?;
        copy(&to, &mut copy_of_old)?;
        copy_of_old
            .pragma_update(None, "journal_mode", "DELETE")
            .map_err(|e| failed("cannot finish keeping the old database", e))?;
        Some(keep)
    } else {
        None
    };
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| failed(&format!("cannot open {}", source.display()), e))?;
    copy(&from, &mut to)?;
    drop(to);
    let copied = check(target)?;
    Ok(Restored { copied, kept })
}
