//! A raw connection of either engine, for the examples that measure the database itself
//! (insert ceilings, report timing over a seeded history) below the store's own methods.

use std::str::FromStr;

use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use crate::Backend;

/// A connection of either engine, outside any pool.
#[derive(Debug)]
pub enum RawConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl RawConnection {
    /// Connects to `url` on `backend`; SQLite gets the settings the store itself uses for
    /// durability (WAL, `synchronous=FULL`, foreign keys).
    pub async fn connect(backend: Backend, url: &str) -> Result<Self, sqlx::Error> {
        Ok(match backend {
            Backend::Sqlite => Self::Sqlite(
                SqliteConnectOptions::from_str(url)?
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .connect()
                    .await?,
            ),
            Backend::Postgres => Self::Postgres(PgConnection::connect(url).await?),
        })
    }
}
