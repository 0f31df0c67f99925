//! The small seam between the store's operations and a database connection.
//!
//! Every operation in [`ops`](crate::ops) is written once, against [`Conn`];
//! SQLite (rusqlite, on its own threads) and PostgreSQL (sqlx) each implement
//! it. Values are limited to what the schema uses: 64-bit integers and text,
//! with typed nulls because PostgreSQL wants to know what a null is.

use std::future::Future;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::NullInt, Value::Int)
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map_or(Value::NullText, Value::Text)
    }
}
impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Self {
        v.clone().into()
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        v.map(str::to_string).into()
    }
}

/// Build a parameter list: `params![a, b, c]`.
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Value::from($v)),*] };
}
pub(crate) use params;

/// What went wrong in the database itself.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DbError {
    #[error("unique constraint: {0}")]
    Unique(String),
    /// The database cannot take the work now (locked past the busy timeout,
    /// out of disk space, unreachable): nothing was saved; try again.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Other(String),
}

/// One result row; columns by name.
#[derive(Debug, Clone)]
pub struct Row {
    pub names: Arc<[String]>,
    pub values: Vec<Value>,
}

impl Row {
    fn get(&self, name: &str) -> Result<&Value, DbError> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.values[i])
            .ok_or_else(|| DbError::Other(format!("no column {name}")))
    }

    pub fn int(&self, name: &str) -> Result<i64, DbError> {
        match self.get(name)? {
            Value::Int(v) => Ok(*v),
            other => Err(DbError::Other(format!(
                "column {name}: expected an integer, got {other:?}"
            ))),
        }
    }

    pub fn opt_int(&self, name: &str) -> Result<Option<i64>, DbError> {
        match self.get(name)? {
            Value::Int(v) => Ok(Some(*v)),
            Value::NullInt | Value::NullText => Ok(None),
            other => Err(DbError::Other(format!(
                "column {name}: expected an integer, got {other:?}"
            ))),
        }
    }

    pub fn text(&self, name: &str) -> Result<String, DbError> {
        match self.get(name)? {
            Value::Text(v) => Ok(v.clone()),
            other => Err(DbError::Other(format!(
                "column {name}: expected text, got {other:?}"
            ))),
        }
    }

    pub fn opt_text(&self, name: &str) -> Result<Option<String>, DbError> {
        match self.get(name)? {
            Value::Text(v) => Ok(Some(v.clone())),
            Value::NullInt | Value::NullText => Ok(None),
            other => Err(DbError::Other(format!(
                "column {name}: expected text, got {other:?}"
            ))),
        }
    }
}

/// An audit row written during a transaction, waiting to be linked into the
/// audit log's hash chain when the transaction ends (see `ops::audit`).
#[derive(Debug, Clone)]
pub struct AuditDraft {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// A connection (inside a transaction, for writes). SQL uses `$1`, `$2`, …
pub trait Conn: Send {
    /// Run a statement; the number of rows it changed.
    fn exec(
        &mut self,
        sql: &'static str,
        params: &[Value],
    ) -> impl Future<Output = Result<u64, DbError>> + Send;
    /// Run a query; every row.
    fn query(
        &mut self,
        sql: &'static str,
        params: &[Value],
    ) -> impl Future<Output = Result<Vec<Row>, DbError>> + Send;
    /// The audit rows this transaction has written so far; `ops::audit::seal`
    /// links them into the chain just before the commit.
    fn audit_drafts(&mut self) -> &mut Vec<AuditDraft>;
    /// Where a backend that runs many operations in one transaction keeps the
    /// audit chain's head between them (SQLite's writer: read once, stored
    /// once per batch). `None`: read and store it in each operation.
    fn chain_head(&mut self) -> Option<&mut Option<ChainHead>> {
        None
    }
}

/// The audit chain's head: the last row's id and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub id: i64,
    pub hash: String,
}

/// Run a future that never waits (an operation on a SQLite connection, whose
/// calls all complete at once) to its end on the current thread.
pub fn block_on_ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        // Only futures built from SqliteConn calls run here, and those are
        // always ready; waiting would mean a programming error.
        std::task::Poll::Pending => unreachable!("a SQLite operation tried to wait"),
    }
}
