//! A raw connection of either engine, for the examples that measure the database itself.

use std::str::FromStr;

use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use tandem_store::Backend;

/// A connection of either engine.
pub enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Postgres(PgConnection),
}

/// Connects to `url` with the settings the store itself uses for durability.
pub async fn connect(backend: Backend, url: &str) -> Result<Raw, Box<dyn std::error::Error>> {
    Ok(match backend {
        Backend::Sqlite => Raw::Sqlite(
            SqliteConnectOptions::from_str(url)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .connect()
                .await?,
        ),
        Backend::Postgres => Raw::Postgres(PgConnection::connect(url).await?),
    })
}
