//! PostgreSQL, for groups with many locations.

use crate::Result;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use std::str::FromStr;

pub struct PostgresStore {
    pool: PgPool,
}

impl crate::sql::Backend for PostgresStore {
    type Db = sqlx::Postgres;
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
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }
}

crate::sql::store_impl!(PostgresStore, PgRow, "postgres");
