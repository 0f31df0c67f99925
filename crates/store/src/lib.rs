//! Storage for Frontdesk: one [`Store`] trait, with SQLite (the embedded
//! default) and PostgreSQL behind it.
//!
//! Both backends run the same SQL: every operation is written once in `ops`
//! against a small connection seam (`db::Conn`) and stamped into the trait by
//! `sql`. SQLite runs on rusqlite with one writer thread that commits queued
//! writes together (group commit); PostgreSQL runs on sqlx. Only connection
//! setup and migrations differ. The rules of the practice are
//! asked of `frontdesk-domain` (for example whether a transition is allowed),
//! never written into SQL.
//!
//! Every change to a visit writes its timeline event and its audit row in the
//! same transaction, so none can exist without the others.

mod db;
mod ops;
mod postgres;
mod sql;
mod sqlite;
mod types;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use types::*;

use async_trait::async_trait;
use frontdesk_domain::appointment::Appointment;
use frontdesk_domain::{AckPolicy, FieldErrors, Role, Timestamp, TransitionError, VisitState};
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
    #[error("database error: {0}")]
    Database(String),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
}

impl From<db::DbError> for StoreError {
    fn from(e: db::DbError) -> Self {
        match e {
            db::DbError::Unique(m) => StoreError::Conflict(m),
            db::DbError::Other(m) => StoreError::Database(m),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Database(e.to_string())
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
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything Frontdesk keeps. Handlers hold an `Arc<dyn Store>` and never
/// know which database is behind it.
#[async_trait]
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`, for logs and `frontdesk config`.
    fn backend(&self) -> &'static str;

    // --- locations and providers ---
    /// Create the location if it does not exist yet; leave it alone if it does.
    async fn ensure_location(&self, id: &str, name: &str, time_zone: &str) -> Result<Location>;
    async fn location(&self, id: &str) -> Result<Location>;
    async fn locations(&self) -> Result<Vec<Location>>;
    async fn save_ack_policy(
        &self,
        location: &str,
        policy: AckPolicy,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;
    /// Quote at this percentile at a location (50–99), or `None` for the server's default.
    async fn save_quote_quantile(
        &self,
        location: &str,
        percent: Option<i64>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;
    async fn upsert_provider(&self, provider: &Provider) -> Result<()>;
    async fn providers(&self) -> Result<Vec<Provider>>;

    // --- staff accounts and sessions ---
    /// Add a staff account; an existing username is a `Conflict`.
    async fn create_user(
        &self,
        username: &str,
        role: Role,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<StaffUser>;
    async fn user_credentials(&self, username: &str) -> Result<Option<Credentials>>;
    async fn users(&self) -> Result<Vec<StaffUser>>;
    /// Disable (signing the user out everywhere) or re-enable an account.
    async fn set_user_disabled(
        &self,
        username: &str,
        disabled: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;
    async fn create_session(&self, session: &NewSession) -> Result<()>;
    /// A session that is neither expired nor idle past `idle_cutoff`.
    async fn live_session(
        &self,
        token_hash: &str,
        now: Timestamp,
        idle_cutoff: Timestamp,
    ) -> Result<Option<Session>>;
    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    // --- visits ---
    /// A walk-in (or staff-entered) arrival: a new patient and a `waiting` visit.
    /// With a wait promise when one is given, in the same transaction.
    async fn check_in(
        &self,
        visit: &NewVisit,
        promise: Option<&NewPromise>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Visit>;
    /// Check in the `expected` visit made from an imported appointment.
    async fn check_in_appointment(
        &self,
        location: &str,
        appointment_id: &str,
        promise: Option<&NewPromise>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Visit>;
    async fn acknowledge(&self, visit_id: i64, actor: &Actor, now: Timestamp) -> Result<Visit>;
    async fn transition(
        &self,
        visit_id: i64,
        to: VisitState,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Visit>;
    /// Patients present at a location (arrived, not gone), oldest arrival
    /// first. Writes one audit row for the read when `audit` names a reader.
    async fn lobby(
        &self,
        location: &str,
        audit: Option<&Actor>,
        now: Timestamp,
    ) -> Result<Vec<Visit>>;
    /// Visits still expected between `from` and `to` (today's schedule).
    async fn expected_visits(
        &self,
        location: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Visit>>;
    /// One visit and its timeline, audited as a read.
    async fn visit(
        &self,
        visit_id: i64,
        reader: &Actor,
        now: Timestamp,
    ) -> Result<(Visit, Vec<TimelineEvent>)>;
    /// Every visit whose acknowledgement clock is running, at any location.
    /// For the server's clock watcher; not audited (no person reads it).
    async fn running_clocks(&self) -> Result<Vec<Visit>>;
    /// Latest `ack_overdue`/`ack_escalated` event time per running visit and kind.
    async fn running_alerts(&self) -> Result<Vec<(i64, String, Timestamp)>>;
    /// Append a system event (such as `ack_overdue`) to a visit's timeline.
    async fn record_event(
        &self,
        visit_id: i64,
        kind: &str,
        detail: &str,
        now: Timestamp,
    ) -> Result<()>;
    /// Import a day's schedule as `expected` visits, all in one transaction.
    /// Appointments already imported (same location and id) are left alone.
    async fn import_appointments(
        &self,
        appointments: &[Appointment],
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ImportSummary>;

    // --- promises ---
    async fn create_promise(
        &self,
        promise: &NewPromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Promise>;
    async fn promise(&self, id: i64) -> Result<Promise>;
    /// The visit's current wait promise (newest `seen_by`), if any.
    async fn visit_promise(&self, visit_id: i64) -> Result<Option<Promise>>;
    /// Mark an open promise done: kept when on time, broken when late.
    async fn fulfil_promise(&self, id: i64, actor: &Actor, now: Timestamp) -> Result<Promise>;
    /// Replace an open promise before it breaks; the old one is kept as renegotiated.
    async fn renegotiate(
        &self,
        old_id: i64,
        new: &NewPromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Promise>;
    /// Open wait promises of patients still waiting or roomed.
    async fn open_wait_promises(&self) -> Result<Vec<Promise>>;
    /// Open promises other than waits at a location, soonest due first.
    async fn open_promises(&self, location: &str) -> Result<Vec<Promise>>;
    /// Promises other than waits kept or broken since `since`, newest first.
    async fn settled_promises(&self, location: &str, since: Timestamp) -> Result<Vec<Promise>>;
    /// Minutes recent promises of a kind took to fulfil.
    async fn fulfilment_history(&self, location: &str, kind: &str) -> Result<FulfilmentHistory>;
    /// Visits that arrived since `since` (warming up the quote engine).
    async fn visits_since(&self, since: Timestamp) -> Result<Vec<Visit>>;

    // --- patient status links ---
    /// Record a private status link (by the hash of its token) for a visit.
    async fn create_status_link(
        &self,
        visit_id: i64,
        token_hash: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<()>;
    /// The visit an unexpired link belongs to.
    async fn status_link_visit(&self, token_hash: &str, now: Timestamp) -> Result<Option<i64>>;

    // --- concerns ---
    /// Raise a concern on a visit (timeline event and audit row with it).
    async fn raise_concern(
        &self,
        concern: &NewConcern,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Concern>;
    async fn concern(&self, id: i64) -> Result<Concern>;
    /// A visit's concerns, needing an answer first.
    async fn visit_concerns(&self, visit_id: i64) -> Result<Vec<Concern>>;
    /// Concerns raised at a location since `since`, needing an answer first.
    async fn location_concerns(&self, location: &str, since: Timestamp) -> Result<Vec<Concern>>;
    /// Concern statuses and upset marks for a location's board, since `since`.
    async fn lobby_marks(&self, location: &str, since: Timestamp) -> Result<LobbyMarks>;
    /// Answer (or improve the answer to) a concern; the patient is asked to confirm.
    async fn answer_concern(
        &self,
        id: i64,
        answer: &ConcernAnswer,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Concern>;
    /// The patient's reply on their status page: the answer covered it, or not.
    async fn respond_to_concern(
        &self,
        id: i64,
        confirmed: bool,
        note: &str,
        now: Timestamp,
    ) -> Result<Concern>;
    /// Turn a concern that still needs an answer into a follow-up promise.
    async fn follow_up_concern(
        &self,
        id: i64,
        promise: &NewPromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(Concern, Promise)>;

    // --- complaints ---
    /// Record a complaint (its `received` event, the visit's timeline when
    /// linked, and an audit row).
    async fn create_complaint(
        &self,
        complaint: &NewComplaintRecord,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Complaint>;
    /// One complaint and everything that happened to it (not audited here:
    /// the caller checks the reader's role first, then audits).
    async fn complaint(&self, id: i64) -> Result<(Complaint, Vec<ComplaintEvent>)>;
    /// A location's complaints: every unresolved one and those resolved since `since`, newest first.
    async fn complaints(&self, location: &str, since: Timestamp) -> Result<Vec<Complaint>>;
    /// Unresolved complaints at every location (for the escalation watcher).
    async fn unresolved_complaints(&self) -> Result<Vec<Complaint>>;
    /// Apply one change, refused when the rules do not allow it.
    async fn change_complaint(
        &self,
        id: i64,
        change: &ComplaintChange,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Complaint>;
    async fn complaint_settings(&self, location: &str) -> Result<ComplaintSettings>;
    async fn save_complaint_settings(
        &self,
        location: &str,
        settings: &ComplaintSettings,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()>;

    // --- outbox ---
    /// Put a message in the outbox, due at once (with an `outbox.enqueue`
    /// audit row naming the channel, never the address).
    async fn enqueue_message(
        &self,
        message: &NewOutboxMessage,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<OutboxMessage>;
    /// Pending messages due by `now`, oldest first, at most `limit`; each is
    /// claimed for `lease` (not due again meanwhile), so two servers never
    /// send the same message at once.
    async fn claim_due_messages(
        &self,
        now: Timestamp,
        lease: chrono::Duration,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>>;
    /// A message was delivered: marked sent, its body (the private link) replaced.
    async fn message_sent(&self, id: i64, now: Timestamp) -> Result<OutboxMessage>;
    /// A delivery attempt failed: due again after the domain's back-off, or
    /// `failed` (body replaced) after the last attempt or a permanent failure.
    /// `error` must hold no addresses or names.
    async fn message_failed(
        &self,
        id: i64,
        error: &str,
        permanent: bool,
        now: Timestamp,
    ) -> Result<OutboxMessage>;
    /// The newest messages first, for the admins' outbox page.
    async fn outbox_messages(&self, limit: i64) -> Result<Vec<OutboxMessage>>;

    // --- audit ---
    async fn audit(&self, actor: &Actor, action: &str, subject: &str, now: Timestamp)
    -> Result<()>;
    async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>>;
}

/// Open the database a URL names: `postgres://…` or `postgresql://…` for
/// PostgreSQL; `sqlite://PATH` or a plain file path for SQLite. Migrations run
/// before this returns.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Ok(Arc::new(
            SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    }
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
