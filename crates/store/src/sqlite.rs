//! SQLite, the embedded default: one file in the data directory, WAL mode.
//!
//! One writer thread owns the only writing connection. Writes queue on a
//! channel; the writer takes everything queued, runs each operation inside
//! its own savepoint of one transaction, commits once, and only then answers
//! each caller (group commit). A failed operation rolls back to its savepoint
//! and leaves the others alone. Reads run on a few reader threads with
//! read-only connections, which in WAL mode never wait for the writer.
//!
//! The writer does not copy the WAL back into the database file itself: a
//! checkpointer thread with its own connection does, every 50 ms while
//! writes come in (`PRAGMA wal_checkpoint(PASSIVE)`, which never blocks the
//! writer or the readers). A checkpoint is where SQLite waits for the disk
//! (an fsync of the WAL, then of the database); done on the writer, it held
//! every queued check-in for 15–20 ms each time the WAL filled, and done
//! rarely, its large fsync slowed the commits running beside it.
//!
//! `synchronous=NORMAL` in WAL mode loses nothing a committed transaction
//! wrote when the process is killed; only a power cut can cost the last ones.

use crate::db::{ChainHead, DbError, Row, Value};
use crate::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// What the writer does with one operation: run it, say whether it failed,
/// and hand back how to answer the caller once the commit is known.
/// `None`: the transaction could not begin, so the operation does not run.
type WriteJob = Box<dyn FnOnce(Option<&mut SqliteConn<'_>>) -> (bool, Answer) + Send>;
/// Tells one caller how its write ended, once the commit's outcome is known.
type Answer = Box<dyn FnOnce(Option<&DbError>) + Send>;
type ReadJob = Box<dyn FnOnce(&mut SqliteConn<'_>) + Send>;

/// Most operations committed together in one transaction.
const MAX_BATCH: usize = 256;
const READERS: usize = 3;

pub struct SqliteStore {
    writer: mpsc::Sender<WriteJob>,
    readers: mpsc::Sender<ReadJob>,
}

pub struct SqliteConn<'a> {
    conn: &'a mut Connection,
    audit: Vec<crate::db::AuditDraft>,
    /// The writer's batch keeps the audit chain's head here (see `run_writer`).
    head: Option<&'a mut Option<ChainHead>>,
}

impl<'a> SqliteConn<'a> {
    fn new(conn: &'a mut Connection) -> Self {
        SqliteConn {
            conn,
            audit: Vec::new(),
            head: None,
        }
    }

    fn in_batch(conn: &'a mut Connection, head: &'a mut Option<ChainHead>) -> Self {
        SqliteConn {
            conn,
            audit: Vec::new(),
            head: Some(head),
        }
    }
}

fn db_error(e: rusqlite::Error) -> DbError {
    if let rusqlite::Error::SqliteFailure(code, _) = &e {
        if matches!(code.extended_code, 2067 | 1555) {
            return DbError::Unique(e.to_string());
        }
        // Not now rather than wrong: locked past the busy timeout, the disk
        // full, an I/O error, the file unopenable.
        use rusqlite::ErrorCode as E;
        if matches!(
            code.code,
            E::DatabaseBusy
                | E::DatabaseLocked
                | E::DiskFull
                | E::SystemIoFailure
                | E::CannotOpen
                | E::OutOfMemory
        ) {
            return DbError::Unavailable(e.to_string());
        }
    }
    DbError::Other(e.to_string())
}

thread_local! {
    /// `$1` → `?1`: SQLite numbers `?NNN` parameters exactly, whatever their order.
    static SQL: RefCell<HashMap<&'static str, &'static str>> = RefCell::new(HashMap::new());
}

fn sqlite_sql(sql: &'static str) -> &'static str {
    SQL.with(|cache| {
        *cache
            .borrow_mut()
            .entry(sql)
            // A handful of fixed statements, converted once per thread.
            .or_insert_with(|| Box::leak(sql.replace('$', "?").into_boxed_str()))
    })
}

fn to_sql(params: &[Value]) -> Vec<rusqlite::types::Value> {
    params
        .iter()
        .map(|v| match v {
            Value::Int(i) => rusqlite::types::Value::Integer(*i),
            Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
            Value::NullInt | Value::NullText => rusqlite::types::Value::Null,
        })
        .collect()
}

impl SqliteConn<'_> {
    fn exec_now(&mut self, sql: &'static str, params: &[Value]) -> Result<u64, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(sqlite_sql(sql))
            .map_err(db_error)?;
        let n = stmt
            .execute(rusqlite::params_from_iter(to_sql(params)))
            .map_err(db_error)?;
        Ok(n as u64)
    }

    fn query_now(&mut self, sql: &'static str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(sqlite_sql(sql))
            .map_err(db_error)?;
        let names: Arc<[String]> = stmt.column_names().iter().map(|n| n.to_string()).collect();
        let width = names.len();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(to_sql(params)))
            .map_err(db_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db_error)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(match row.get_ref(i).map_err(db_error)? {
                    rusqlite::types::ValueRef::Integer(v) => Value::Int(v),
                    rusqlite::types::ValueRef::Text(t) => {
                        Value::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Null => Value::NullText,
                    other => return Err(DbError::Other(format!("unexpected value {other:?}"))),
                });
            }
            out.push(Row {
                names: names.clone(),
                values,
            });
        }
        Ok(out)
    }
}

impl crate::db::Conn for SqliteConn<'_> {
    async fn exec(&mut self, sql: &'static str, params: &[Value]) -> Result<u64, DbError> {
        self.exec_now(sql, params)
    }
    async fn query(&mut self, sql: &'static str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        self.query_now(sql, params)
    }
    fn audit_drafts(&mut self) -> &mut Vec<crate::db::AuditDraft> {
        &mut self.audit
    }
    fn chain_head(&mut self) -> Option<&mut Option<ChainHead>> {
        self.head.as_deref_mut()
    }
}

/// How long a connection waits for a lock another process holds before
/// giving up (the writer then answers every queued caller "unavailable").
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn open_connection(
    path: &Path,
    read_only: bool,
    busy: std::time::Duration,
) -> Result<Connection, DbError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(db_error)?;
    conn.busy_timeout(busy).map_err(db_error)?;
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_error)?;
        // Checkpoints are the checkpointer thread's (see `run_checkpointer`):
        // no connection runs one on its own when a commit grows the WAL.
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(db_error)?;
    }
    // A bigger page cache (32 MB) and temporary data in memory.
    conn.pragma_update(None, "cache_size", -32_000)
        .map_err(db_error)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(db_error)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(db_error)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Schema versions, applied in order; `PRAGMA user_version` records the last.
const MIGRATIONS: [&str; 19] = [
    include_str!("../migrations/sqlite/0001_foundation.sql"),
    include_str!("../migrations/sqlite/0002_promises.sql"),
    include_str!("../migrations/sqlite/0003_status_links.sql"),
    include_str!("../migrations/sqlite/0004_concerns.sql"),
    include_str!("../migrations/sqlite/0005_complaints.sql"),
    include_str!("../migrations/sqlite/0006_quote_quantile.sql"),
    include_str!("../migrations/sqlite/0007_outbox.sql"),
    include_str!("../migrations/sqlite/0008_complaint_revision.sql"),
    include_str!("../migrations/sqlite/0009_second_factor.sql"),
    include_str!("../migrations/sqlite/0010_audit_chain.sql"),
    include_str!("../migrations/sqlite/0011_staff_locations.sql"),
    include_str!("../migrations/sqlite/0012_kiosks.sql"),
    include_str!("../migrations/sqlite/0013_arrival_links.sql"),
    include_str!("../migrations/sqlite/0014_watch_marks.sql"),
    include_str!("../migrations/sqlite/0015_idempotency.sql"),
    include_str!("../migrations/sqlite/0016_surveys.sql"),
    include_str!("../migrations/sqlite/0017_big_lobbies.sql"),
    include_str!("../migrations/sqlite/0018_appointment_source.sql"),
    include_str!("../migrations/sqlite/0019_open_promises_by_location.sql"),
];

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(db_error)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let tx = conn.transaction().map_err(db_error)?;
        tx.execute_batch(sql).map_err(db_error)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(db_error)?;
        tx.commit().map_err(db_error)?;
    }
    Ok(())
}

/// Link audit rows written before the hash chain existed (once, after
/// migration 0010), before any new row is written.
fn link_legacy_audit_rows(conn: &mut Connection) -> Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
    let linked =
        crate::db::block_on_ready(crate::ops::audit::link_legacy(&mut SqliteConn::new(conn)));
    match linked {
        Ok(()) => conn.execute_batch("COMMIT").map_err(db_error)?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}

/// Store the audit chain's head as the batch left it (nothing when no
/// operation wrote audit rows).
fn store_head(conn: &Connection, head: Option<&ChainHead>) -> Result<(), DbError> {
    let Some(head) = head else {
        return Ok(());
    };
    conn.prepare_cached("UPDATE audit_chain SET last_id = ?1, last_hash = ?2 WHERE id = 1")
        .and_then(|mut s| s.execute(rusqlite::params![head.id, head.hash]))
        .map(|_| ())
        .map_err(db_error)
}

/// Run a fixed statement through the statement cache (no parsing each time).
fn run_cached(conn: &Connection, sql: &str) -> Result<(), DbError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .map_err(db_error)
}

/// How often at most the checkpointer copies the WAL into the database
/// while writes come in: often, so each pass has little to flush (a pass
/// every 250 ms flushed 40 MB under heavy load, and commits beside its
/// fsync took 10–15 ms; every 50 ms, under 5 ms).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// WAL frames (pages, 4 KB each) at which the writer is asked to finish a
/// checkpoint itself, so the WAL starts again from its beginning (about
/// 256 MB; see [`run_checkpointer`]). Only a write load that never pauses
/// gets there: whenever commits pause for one checkpoint pass, the WAL is
/// all copied and the next write starts it again by itself (when no reader
/// is still on the old frames). The writer's
/// pass costs every queued write 7–15 ms (measured with 1,400 writes a
/// second), so it is kept rare: at that load once in two seconds.
const RESTART_FRAMES: i64 = 65_536;

/// Copy committed pages from the WAL into the database file after commits,
/// at most every [`CHECKPOINT_EVERY`], so no writer ever waits for the bulk
/// of it (two fsyncs and the copy). Passive: pages a reader still needs stay
/// for the next pass. Ends when the writer does (its signal sender dropped).
///
/// A passive checkpoint never catches up with a writer that keeps
/// committing, and SQLite reuses the WAL from its start only when a write
/// begins with every frame copied: when the WAL has grown past
/// [`RESTART_FRAMES`] the writer is asked (`finish`) to run one more pass
/// itself between two transactions. Nothing commits meanwhile, so that
/// pass copies only the few frames since this one's, and the next
/// transaction starts the WAL again, unless a reader is still reading from
/// the old frames at that moment: then the next pass asks again.
///
/// The WAL file keeps the size it grew to (SQLite writes over it from the
/// start, which is faster than growing it again); cutting it back while
/// writes come in stalled a check-in for 80 ms. So it is cut back to
/// nothing only after [`QUIET`] without a write, when it is over
/// [`KEEP_WAL_BYTES`].
fn run_checkpointer(
    conn: Connection,
    wal: std::path::PathBuf,
    commits: mpsc::Receiver<()>,
    finish: Arc<AtomicBool>,
) {
    loop {
        match commits.recv_timeout(QUIET) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let big = std::fs::metadata(&wal).is_ok_and(|m| m.len() > KEEP_WAL_BYTES);
                if big {
                    // This connection never waits for a lock (busy timeout 0):
                    // a TRUNCATE that waited for a long read would hold every
                    // write meanwhile. Busy now: tried again after the next
                    // quiet spell.
                    match conn
                        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                            r.get::<_, i64>(0)
                        })
                        .map_err(db_error)
                    {
                        Ok(0) => {}
                        Ok(_) => tracing::debug!("WAL not cut back: a reader or writer was busy"),
                        Err(e) => tracing::warn!(error = %e, "WAL truncation failed"),
                    }
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        std::thread::sleep(CHECKPOINT_EVERY);
        // Every commit signalled meanwhile is covered by this pass.
        while commits.try_recv().is_ok() {}
        match checkpoint(&conn) {
            Ok(frames) if frames >= RESTART_FRAMES => finish.store(true, Ordering::Relaxed),
            Ok(_) => {}
            // A full disk or an I/O error: the pages stay in the WAL (still
            // committed, still read from there) and the next pass tries again.
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
}

/// How long without a write before a big WAL file is cut back.
const QUIET: std::time::Duration = std::time::Duration::from_secs(10);
/// A WAL file up to this size is kept as it is (64 MB).
const KEEP_WAL_BYTES: u64 = 64 * 1024 * 1024;

/// A passive checkpoint; the frames in the WAL when it ran.
fn checkpoint(conn: &Connection) -> Result<i64, DbError> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1))
        .map_err(db_error)
}

fn run_writer(
    mut conn: Connection,
    jobs: mpsc::Receiver<WriteJob>,
    committed: mpsc::SyncSender<()>,
    finish: Arc<AtomicBool>,
) {
    let mut checkpointer_gone = false;
    while let Ok(first) = jobs.recv() {
        if finish.swap(false, Ordering::Relaxed)
            && let Err(e) = checkpoint(&conn)
        {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut answers = Vec::with_capacity(batch.len());
        let begun = conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| {
            // Whatever stopped it (a lock held past the busy timeout, a disk
            // error), nothing runs: the callers may simply try again.
            let e = db_error(e);
            tracing::warn!(error = %e, jobs = batch.len(), "cannot begin a write transaction");
            DbError::Unavailable(format!("cannot begin a write transaction: {e}"))
        });
        // The audit chain's head, read by the first operation that writes
        // audit rows and stored once before the commit: in this transaction
        // nobody else writes.
        let mut head: Option<ChainHead> = None;
        for job in batch {
            if begun.is_err() {
                // No job runs outside a transaction (each statement would
                // commit on its own): every caller hears why below.
                answers.push(job(None).1);
                continue;
            }
            let head_before = head.clone();
            let saved = run_cached(&conn, "SAVEPOINT op");
            let (ok, answer) = job(Some(&mut SqliteConn::in_batch(&mut conn, &mut head)));
            let undone = if ok && saved.is_ok() {
                run_cached(&conn, "RELEASE op")
            } else {
                // The operation's audit rows are gone, and its links with them.
                head = head_before;
                conn.execute_batch("ROLLBACK TO op; RELEASE op")
                    .map_err(db_error)
            };
            if let Err(e) = undone {
                tracing::error!(error = %e, "savepoint failed");
            }
            answers.push(answer);
        }
        let outcome = match begun {
            Err(e) => Err(e),
            Ok(()) => store_head(&conn, head.as_ref())
                .and_then(|()| conn.execute_batch("COMMIT").map_err(db_error)),
        };
        let failure = outcome.err();
        if failure.is_some() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        if failure.is_none()
            // One signal pending is enough: the checkpointer is due anyway.
            && let Err(mpsc::TrySendError::Disconnected(())) = committed.try_send(())
            && !checkpointer_gone
        {
            // It ended (a panic): the WAL would grow without end.
            checkpointer_gone = true;
            tracing::error!("the WAL checkpointer has stopped; the WAL is no longer copied back");
        }
        for answer in answers {
            answer(failure.as_ref());
        }
    }
}

fn run_reader(mut conn: Connection, jobs: Arc<Mutex<mpsc::Receiver<ReadJob>>>) {
    loop {
        let job = {
            let guard = jobs.lock().unwrap_or_else(|p| p.into_inner());
            guard.recv()
        };
        match job {
            Ok(job) => job(&mut SqliteConn::new(&mut conn)),
            Err(_) => return,
        }
    }
}

impl SqliteStore {
    /// Open (or create) the database file and bring its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        Self::open_with_busy_timeout(path, BUSY_TIMEOUT).await
    }

    /// [`open`](Self::open), waiting at most `busy` for a lock another
    /// process holds (tests use a short one).
    pub async fn open_with_busy_timeout(
        path: &Path,
        busy: std::time::Duration,
    ) -> Result<SqliteStore> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path, busy))
            .await
            .map_err(|e| StoreError::Database(format!("cannot open the database: {e}")))?
    }

    fn open_blocking(path: &Path, busy: std::time::Duration) -> Result<SqliteStore> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Database(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut conn = open_connection(path, false, busy)?;
        migrate(&mut conn)?;
        link_legacy_audit_rows(&mut conn)?;
        let checkpoints = open_connection(path, false, busy)?;
        // The checkpointer never waits for a lock: PASSIVE never does, and
        // its TRUNCATE gives up at once rather than hold the writer.
        checkpoints
            .busy_timeout(std::time::Duration::ZERO)
            .map_err(db_error)?;
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let wal = std::path::PathBuf::from(wal);
        let (committed, commits) = mpsc::sync_channel::<()>(1);
        let finish = Arc::new(AtomicBool::new(false));
        let asked = finish.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpointer".into())
            .spawn(move || run_checkpointer(checkpoints, wal, commits, asked))
            .map_err(|e| StoreError::Database(format!("cannot start the checkpointer: {e}")))?;
        let (writer, write_jobs) = mpsc::channel::<WriteJob>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run_writer(conn, write_jobs, committed, finish))
            .map_err(|e| StoreError::Database(format!("cannot start the writer: {e}")))?;
        let (readers, read_jobs) = mpsc::channel::<ReadJob>();
        let read_jobs = Arc::new(Mutex::new(read_jobs));
        for i in 0..READERS {
            let conn = open_connection(path, true, busy)?;
            let jobs = read_jobs.clone();
            std::thread::Builder::new()
                .name(format!("sqlite-reader-{i}"))
                .spawn(move || run_reader(conn, jobs))
                .map_err(|e| StoreError::Database(format!("cannot start a reader: {e}")))?;
        }
        Ok(SqliteStore { writer, readers })
    }

    /// Run an operation in the writer's next transaction; answers after the commit.
    pub(crate) async fn write<R, F>(&self, op: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut SqliteConn<'_>) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: WriteJob = Box::new(move |conn| {
            let result = conn.map(op);
            let ok = matches!(result, Some(Ok(_)));
            let answer: Answer = Box::new(move |failure| {
                let _ = tx.send(match (failure, result) {
                    (None, Some(result)) => result,
                    // The batch did not commit: nothing of it was saved.
                    (Some(e), _) => Err(match e {
                        DbError::Unavailable(m) => StoreError::Unavailable(m.clone()),
                        other => StoreError::Database(format!("commit failed: {other}")),
                    }),
                    (None, None) => {
                        Err(StoreError::Unavailable("the operation did not run".into()))
                    }
                });
            });
            (ok, answer)
        });
        self.writer
            .send(job)
            .map_err(|_| StoreError::Database("the database writer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Database("the database writer has stopped".into()))?
    }

    /// One server per SQLite file: nothing is shared.
    fn shared_part(&self) -> Option<&dyn crate::shared::Shared> {
        None
    }

    pub(crate) async fn read<R, F>(&self, op: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut SqliteConn<'_>) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.readers
            .send(Box::new(move |conn| {
                let _ = tx.send(op(conn));
            }))
            .map_err(|_| StoreError::Database("the database readers have stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Database("the database readers have stopped".into()))?
    }
}

macro_rules! read_op {
    ($self:ident, $c:ident => $body:expr) => {
        $self
            .read(move |$c| {
                crate::db::block_on_ready(async move {
                    let result = $body;
                    crate::ops::audit::nothing_to_seal($c, result)
                })
            })
            .await
    };
}

/// The operation, then its audit rows linked into the chain, inside the
/// operation's savepoint.
macro_rules! write_op {
    ($self:ident, $c:ident => $body:expr) => {
        $self
            .write(move |$c| {
                crate::db::block_on_ready(async move {
                    let result = $body;
                    crate::ops::audit::seal_after($c, result).await
                })
            })
            .await
    };
}

crate::sql::store_impl!(SqliteStore, "sqlite");
