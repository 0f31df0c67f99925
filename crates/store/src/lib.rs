//! Storage for Frontdesk: one [`Store`] trait, with SQLite (the embedded
//! default) and PostgreSQL behind it.
//!
//! The operations are grouped by aggregate (locations, staff and sessions,
//! visits, arrival links, promises, concerns, complaints, outbox, audit; and
//! the daily purge, `Retention`): one trait each in
//! [`traits`], one module each in `ops`. Both backends run the same SQL:
//! every operation is written once against a small connection seam
//! (`db::Conn`) and stamped into the traits by `sql`. SQLite runs on rusqlite with one writer thread that commits queued
//! writes together (group commit); PostgreSQL runs on sqlx. Only connection
//! setup and migrations differ. The rules of the practice are
//! asked of `frontdesk-domain` (for example whether a transition is allowed),
//! never written into SQL.
//!
//! Every change to a visit writes its timeline event and its audit row in the
//! same transaction, so none can exist without the others.

pub mod backup;
mod db;
mod ops;
mod postgres;
pub mod shared;
mod sql;
mod sqlite;
pub mod traits;
mod types;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use types::*;

use frontdesk_domain::{FieldErrors, TransitionError};
use std::sync::Arc;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What can go wrong in storage. Kept small on purpose.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique name is taken, or a record changed under us.
    #[error("{0}")]
    Conflict(String),
    /// The rules refused a state change.
    #[error(transparent)]
    InvalidTransition(#[from] TransitionError),
    /// The request makes no sense for the visit as it stands (acknowledging a
    /// patient who has gone home).
    #[error("{0}")]
    Refused(String),
    /// A field refers to something that does not exist (an unknown provider).
    #[error("invalid fields: {0}")]
    Invalid(FieldErrors),
    /// A checkout was stopped: these concerns still need an answer.
    #[error("{} concern(s) still need an answer", .0.len())]
    OpenConcerns(Vec<Concern>),
    /// The database cannot take the work now: a lock held past the busy
    /// timeout, a full disk, an I/O error, PostgreSQL unreachable or every
    /// pooled connection busy. Nothing of the operation was saved; the same
    /// request may be tried again (the API answers 503 `unavailable`).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
}

impl From<db::DbError> for StoreError {
    fn from(e: db::DbError) -> Self {
        match e {
            db::DbError::Unique(m) => StoreError::Conflict(m),
            db::DbError::Unavailable(m) => StoreError::Unavailable(m),
            db::DbError::Other(m) => StoreError::Database(m),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        postgres::db_error(e).into()
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Database(format!("migration failed: {e}"))
    }
}

/// Who did something, as written to the timeline and audit log.
/// A staff username, or a fixed name such as `kiosk` or `system`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    pub fn staff(username: &str) -> Actor {
        Actor(username.to_string())
    }
    pub fn kiosk() -> Actor {
        Actor("kiosk".into())
    }
    pub fn system() -> Actor {
        Actor("system".into())
    }
    /// The patient, acting through their private status link.
    pub fn patient_link() -> Actor {
        Actor("patient-link".into())
    }
    /// The patient, acting through their arrival link.
    pub fn arrival_link() -> Actor {
        Actor(ARRIVAL_LINK_ACTOR.into())
    }
    /// The patient, acting through their survey link.
    pub fn survey_link() -> Actor {
        Actor("survey-link".into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything Frontdesk keeps: every aggregate's operations (see
/// [`traits`]). Handlers hold an `Arc<dyn Store>` and never know which
/// database is behind it.
pub trait Store:
    traits::Locations
    + traits::Arrivals
    + traits::Kiosks
    + traits::StaffAccounts
    + traits::Visits
    + traits::Promises
    + traits::Concerns
    + traits::Complaints
    + traits::Outbox
    + traits::Audit
    + traits::Idempotency
    + traits::Retention
    + traits::Surveys
    + traits::Scorecards
    + traits::Watch
    + traits::Schedule
{
    /// `sqlite` or `postgres`, for logs and `frontdesk config`.
    fn backend(&self) -> &'static str;
    /// What servers sharing this database share besides its tables: `None`
    /// on SQLite (one server).
    fn shared(&self) -> Option<&dyn shared::Shared>;
}

/// Open the database a URL names: `postgres://…` or `postgresql://…` for
/// PostgreSQL; `sqlite://PATH` or a plain file path for SQLite. Migrations run
/// before this returns.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    match sqlite_path(url) {
        None => Ok(Arc::new(PostgresStore::connect(url).await?)),
        Some(path) => Ok(Arc::new(SqliteStore::open(&path).await?)),
    }
}

/// The SQLite file a database URL names (`sqlite://PATH`, `sqlite:PATH` or a
/// plain path); `None` for PostgreSQL (`postgres://…`, `postgresql://…`).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    Some(std::path::PathBuf::from(path))
}

/// Hide the password in a database URL (`user:password@` and `?password=`),
/// for logs and `frontdesk config`.
pub fn mask_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = base.to_string();
    if let Some((scheme, rest)) = base.split_once("://")
        && let Some((userinfo, host)) = rest.rsplit_once('@')
        && let Some((user, _)) = userinfo.split_once(':')
    {
        out = format!("{scheme}://{user}:****@{host}");
    }
    if let Some(q) = query {
        let parts: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=****"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{out}?{}", parts.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_passwords_in_urls() {
        assert_eq!(
            super::mask_url("postgres://fd:secret@db:5432/fd"),
            "postgres://fd:****@db:5432/fd"
        );
        assert_eq!(
            super::mask_url("postgres://fd@db/fd"),
            "postgres://fd@db/fd"
        );
        assert_eq!(
            super::mask_url("/var/lib/frontdesk.db"),
            "/var/lib/frontdesk.db"
        );
        assert_eq!(
            super::mask_url("postgres://fd@db/fd?sslmode=require&password=hunter2"),
            "postgres://fd@db/fd?sslmode=require&password=****"
        );
    }
}
