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
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        // Audit rows written before the hash chain existed are linked once,
        // before this server writes any (the head row's lock keeps two
        // servers starting together from doing it twice).
        let mut tx = pool.begin().await?;
        crate::ops::audit::link_legacy(&mut PgConn::new(&mut tx)).await?;
        tx.commit().await?;
        Ok(PostgresStore { pool })
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
