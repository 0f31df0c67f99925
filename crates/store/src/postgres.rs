//! PostgreSQL, for groups with many locations.

use crate::Result;
use crate::db::{DbError, Row, Value};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Column, Row as _, TypeInfo};
use std::str::FromStr;
use std::sync::Arc;

/// How long a request waits for a pooled connection (PostgreSQL restarting,
/// unreachable, or every connection busy) before it is answered "unavailable"
/// (503). Connections are checked before use, so once PostgreSQL is back the
/// pool heals itself: no restart of Frontdesk.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

pub struct PostgresStore {
    pool: PgPool,
    /// How to open a connection of its own (the listener, the watcher lock).
    options: PgConnectOptions,
    /// The channel every server on this schema hears (see `shared`).
    channel: String,
    /// The name whose advisory lock makes a server the watcher.
    lock_name: String,
}

pub struct PgConn<'a> {
    conn: &'a mut PgConnection,
    audit: Vec<crate::db::AuditDraft>,
}

impl<'a> PgConn<'a> {
    pub fn new(conn: &'a mut PgConnection) -> Self {
        PgConn {
            conn,
            audit: Vec::new(),
        }
    }
}

pub(crate) fn db_error(e: sqlx::Error) -> DbError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            DbError::Unique(d.message().to_string())
        }
        sqlx::Error::Database(d) if d.code().as_deref().is_some_and(unavailable_state) => {
            DbError::Unavailable(d.message().to_string())
        }
        // The server unreachable, the connection cut, every pooled
        // connection busy past the acquire timeout.
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => DbError::Unavailable(e.to_string()),
        _ => DbError::Other(e.to_string()),
    }
}

/// SQLSTATEs that mean "not now" rather than "wrong": connection exceptions
/// (08…), insufficient resources (53…: disk full, out of memory, too many
/// connections), operator intervention (57P01–57P03: shutting down,
/// restarting, not yet accepting connections).
fn unavailable_state(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("53") || matches!(code, "57P01" | "57P02" | "57P03")
}

fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    v: &Value,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    match v {
        Value::Int(i) => q.bind(*i),
        Value::Text(t) => q.bind(t.clone()),
        Value::NullInt => q.bind(None::<i64>),
        Value::NullText => q.bind(None::<String>),
    }
}

impl crate::db::Conn for PgConn<'_> {
    async fn exec(&mut self, sql: &'static str, params: &[Value]) -> Result<u64, DbError> {
        let q = params.iter().fold(sqlx::query(sql), bind);
        Ok(q.execute(&mut *self.conn)
            .await
            .map_err(db_error)?
            .rows_affected())
    }

    async fn query(&mut self, sql: &'static str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let q = params.iter().fold(sqlx::query(sql), bind);
        let rows = q.fetch_all(&mut *self.conn).await.map_err(db_error)?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let names: Arc<[String]> = first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let ints: Vec<bool> = first
            .columns()
            .iter()
            .map(|c| matches!(c.type_info().name(), "INT8" | "INT4" | "INT2"))
            .collect();
        rows.iter()
            .map(|r| {
                let mut values = Vec::with_capacity(ints.len());
                for (i, int) in ints.iter().enumerate() {
                    values.push(if *int {
                        r.try_get::<Option<i64>, _>(i)
                            .map_err(db_error)?
                            .map_or(Value::NullInt, Value::Int)
                    } else {
                        r.try_get::<Option<String>, _>(i)
                            .map_err(db_error)?
                            .map_or(Value::NullText, Value::Text)
                    });
                }
                Ok(Row {
                    names: names.clone(),
                    values,
                })
            })
            .collect()
    }

    fn audit_drafts(&mut self) -> &mut Vec<crate::db::AuditDraft> {
        &mut self.audit
    }
}

impl PostgresStore {
    /// Connect and bring the schema up to date.
    pub async fn connect(url: &str) -> Result<PostgresStore> {
        let options = PgConnectOptions::from_str(url)?;
        Self::connect_with(options).await
    }

    /// Connect with every table in `schema` (created if missing). Tests use a
    /// fresh schema each, so runs never see each other's rows.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<PostgresStore> {
        let safe = schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !safe {
            return Err(crate::StoreError::Conflict(format!(
                "unusable schema name {schema:?}"
            )));
        }
        let admin = PgPoolOptions::new().max_connections(1).connect(url).await?;
        let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
        sqlx::query(&create).execute(&admin).await?;
        admin.close().await;
        let options = PgConnectOptions::from_str(url)?.options([("search_path", schema)]);
        Self::connect_with(options).await
    }

    async fn connect_with(options: PgConnectOptions) -> Result<PostgresStore> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        // Audit rows written before the hash chain existed are linked once,
        // before this server writes any (the head row's lock keeps two
        // servers starting together from doing it twice).
        let mut tx = pool.begin().await?;
        crate::ops::audit::link_legacy(&mut PgConn::new(&mut tx)).await?;
        tx.commit().await?;
        // Channels and advisory locks belong to the whole database: named
        // after the schema, servers on different schemas never meet.
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&pool)
            .await?;
        Ok(PostgresStore {
            pool,
            options,
            channel: channel_name(&schema),
            lock_name: format!("frontdesk.watcher.{schema}"),
        })
    }

    fn shared_part(&self) -> Option<&dyn crate::shared::Shared> {
        Some(self)
    }
}

/// The channel of a schema: `frontdesk_<schema>`, or for a schema too long
/// for a channel name (63 bytes), `frontdesk_` and a hash of it.
fn channel_name(schema: &str) -> String {
    if schema.len() <= 50 {
        return format!("frontdesk_{schema}");
    }
    // FNV-1a: stable across builds and machines, unlike the standard hasher.
    let hash = schema.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("frontdesk_{hash:016x}")
}

/// Statements on the side connections give up after this long (a database
/// that does not answer is treated as gone).
const SIDE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

async fn within<T>(
    what: &str,
    work: impl std::future::Future<Output = std::result::Result<T, sqlx::Error>>,
) -> Result<T> {
    match tokio::time::timeout(SIDE_TIMEOUT, work).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(crate::StoreError::Database(format!("{what}: no answer"))),
    }
}

#[async_trait::async_trait]
impl crate::shared::Shared for PostgresStore {
    async fn notify(&self, messages: &[String]) -> Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        // One statement; PostgreSQL delivers a transaction's notifications in order.
        let q = sqlx::query(
            "SELECT pg_notify($1, m) FROM unnest($2::text[]) WITH ORDINALITY AS t(m, n) ORDER BY n",
        )
        .bind(&self.channel)
        .bind(messages);
        within("notify", q.execute(&self.pool)).await?;
        Ok(())
    }

    async fn listen(&self) -> Result<Box<dyn crate::shared::Notifications>> {
        // A pool of one of its own, which the listener uses to reconnect.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_lazy_with(self.options.clone());
        let mut listener =
            within("listen", sqlx::postgres::PgListener::connect_with(&pool)).await?;
        within("listen", listener.listen(&self.channel)).await?;
        Ok(Box::new(PgNotifications { listener }))
    }

    async fn watcher_lock(&self) -> Result<Box<dyn crate::shared::WatcherLock>> {
        use sqlx::Connection;
        let conn = within("watcher lock", PgConnection::connect_with(&self.options)).await?;
        Ok(Box::new(PgWatcherLock {
            conn,
            name: self.lock_name.clone(),
            held: false,
        }))
    }
}

struct PgNotifications {
    listener: sqlx::postgres::PgListener,
}

#[async_trait::async_trait]
impl crate::shared::Notifications for PgNotifications {
    async fn next(&mut self) -> Result<Option<String>> {
        Ok(self
            .listener
            .try_recv()
            .await?
            .map(|n| n.payload().to_string()))
    }
}

/// A session-level advisory lock on a connection of its own: PostgreSQL
/// lets it go when the session ends, however the server ended.
struct PgWatcherLock {
    conn: PgConnection,
    name: String,
    held: bool,
}

#[async_trait::async_trait]
impl crate::shared::WatcherLock for PgWatcherLock {
    async fn hold(&mut self) -> Result<bool> {
        if self.held {
            // Still ours while the session lives.
            within(
                "watcher lock",
                sqlx::query("SELECT 1").execute(&mut self.conn),
            )
            .await?;
            return Ok(true);
        }
        let q = sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock(hashtext($1))")
            .bind(&self.name);
        self.held = within("watcher lock", q.fetch_one(&mut self.conn)).await?;
        Ok(self.held)
    }
}

macro_rules! read_op {
    ($self:ident, $c:ident => $body:expr) => {{
        let mut conn = $self.pool.acquire().await?;
        let $c = &mut crate::postgres::PgConn::new(&mut conn);
        let result = $body;
        crate::ops::audit::nothing_to_seal($c, result)
    }};
}

/// The operation, then its audit rows linked into the chain, then the commit.
macro_rules! write_op {
    ($self:ident, $c:ident => $body:expr) => {{
        let mut tx = $self.pool.begin().await?;
        let result = {
            let $c = &mut crate::postgres::PgConn::new(&mut tx);
            let result = $body;
            crate::ops::audit::seal_after($c, result).await
        };
        match result {
            Ok(v) => {
                tx.commit().await?;
                Ok(v)
            }
            // Dropping the transaction rolls it back.
            Err(e) => Err(e),
        }
    }};
}

crate::sql::store_impl!(PostgresStore, "postgres");

#[cfg(test)]
mod tests {
    #[test]
    fn long_schemas_get_distinct_channels_within_the_limit() {
        assert_eq!(super::channel_name("public"), "frontdesk_public");
        let (a, b) = ("x".repeat(60) + "a", "x".repeat(60) + "b");
        let (ca, cb) = (super::channel_name(&a), super::channel_name(&b));
        assert_ne!(ca, cb);
        assert!(ca.len() <= 63);
    }
}
