//! Throwaway databases for tests (feature `testing`): a SQLite file in a temporary folder,
//! or a fresh PostgreSQL database created next to `TANDEM_TEST_DATABASE_URL` and dropped
//! when the handle goes away; and a raw connection to one, for the examples that measure the
//! database itself.
//!
//! Under `CI=true` a missing `TANDEM_TEST_DATABASE_URL` is a failure, never a silent skip.

mod raw;

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};
use uuid::Uuid;

use crate::Backend;

pub use raw::RawConnection;

/// The variable naming the PostgreSQL server that tests may create databases on.
pub const TEST_DATABASE_URL_VAR: &str = "TANDEM_TEST_DATABASE_URL";

/// The engines the tests of this run must cover: SQLite always, PostgreSQL when
/// `TANDEM_TEST_DATABASE_URL` is set.
///
/// # Panics
/// When `CI=true` and `TANDEM_TEST_DATABASE_URL` is not set.
pub fn backends() -> Vec<Backend> {
    if postgres_admin_url().is_some() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        vec![Backend::Sqlite]
    }
}

fn postgres_admin_url() -> Option<String> {
    match std::env::var(TEST_DATABASE_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!(
                "{TEST_DATABASE_URL_VAR} must be set under CI=true: PostgreSQL tests may not be skipped"
            )
        }
        _ => None,
    }
}

/// A database that exists for the life of this value.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    /// Removed with its folder when dropped.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDatabase {
    /// Creates an empty database on `backend`.
    ///
    /// # Panics
    /// When the database cannot be created: a test cannot go on without it.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}", dir.path().join("tandem.db").display());
                Self {
                    url,
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url()
                    .unwrap_or_else(|| panic!("{TEST_DATABASE_URL_VAR} is not set"));
                let name = format!("tandem_test_{}", Uuid::now_v7().simple());
                let mut admin = connect(&admin_url).await;
                drop_abandoned(&mut admin).await;
                // The name is ours: a fixed prefix and a UUID's hex digits.
                sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("CREATE DATABASE for a test");
                admin.close().await.ok();
                let url = PgConnectOptions::from_str(&admin_url)
                    .expect("a valid PostgreSQL URL")
                    .database(&name)
                    .to_url_lossy()
                    .to_string();
                Self {
                    url,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
        }
    }

    /// The URL to hand to `Store::connect` or to the server's configuration.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Test databases older than this were left by a run that was killed before it could clean up.
const ABANDONED_AFTER_MS: i64 = 60 * 60 * 1000;

/// Drops test databases abandoned by killed runs; their names carry their creation time (UUIDv7).
async fn drop_abandoned(admin: &mut sqlx::PgConnection) {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'tandem\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    let now_ms = jiff::Timestamp::now().as_millisecond();
    for (name,) in names {
        let created_ms = name
            .strip_prefix("tandem_test_")
            .and_then(|hex| Uuid::try_parse(hex).ok())
            .and_then(|id| id.get_timestamp())
            .map(|timestamp| {
                let (seconds, nanos) = timestamp.to_unix();
                i64::try_from(seconds)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(1000)
                    + i64::from(nanos / 1_000_000)
            });
        let abandoned =
            created_ms.is_some_and(|created| now_ms.saturating_sub(created) > ABANDONED_AFTER_MS);
        if abandoned {
            let _ = sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *admin)
            .await;
        }
    }
}

async fn connect(url: &str) -> sqlx::PgConnection {
    PgConnectOptions::from_str(url)
        .expect("a valid PostgreSQL URL")
        .connect()
        .await
        .expect("connecting to the PostgreSQL test server")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        let (admin_url, database) = (admin_url.clone(), name.clone());
        // Drop may run inside a runtime that is shutting down: use a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                let mut admin = connect(&admin_url).await;
                sqlx::query(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) {
            eprintln!("could not drop the test database {name}");
        }
    }
}
