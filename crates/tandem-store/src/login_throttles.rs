//! Failed-login counters, one per key (an e-mail address as typed, or a client address; the
//! caller hashes it), kept in the database so that every node of one PostgreSQL counts the same
//! attempts. The schedule (how many failures, how long a wait) is the application's; the store
//! only reads and replaces a counter under a row lock.

use tandem_domain::Timestamp;

use crate::db::args;
use crate::records::timestamp;
use crate::{Store, StoreError};

/// One key's failed logins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failures counted since the key was last cleared or forgotten.
    pub failures: i64,
    /// No attempt is checked before this time.
    pub locked_until: Timestamp,
    /// When the last failure was counted.
    pub last_failure_at: Timestamp,
}

#[derive(Debug, sqlx::FromRow)]
struct ThrottleRow {
    failures: i64,
    locked_until: i64,
    last_failure_at: i64,
}

impl Store {
    /// Reads the key's counter (`None` when there is none) and stores what `decide` makes of it
    /// (`None` deletes it), in one transaction holding the row: concurrent attempts on any node
    /// are decided one after another. Returns the rest of `decide`'s answer.
    pub async fn update_login_throttle<T>(
        &self,
        key_hash: &str,
        decide: impl FnOnce(Option<LoginThrottle>) -> (Option<LoginThrottle>, T),
    ) -> Result<T, StoreError> {
        let mut conn = self.write().await?;
        // A placeholder row (no failures) gives PostgreSQL a row to lock for a new key.
        conn.execute(
            "INSERT INTO login_throttles (key_hash, failures, locked_until, last_failure_at) \
             VALUES ($1, 0, 0, 0) ON CONFLICT (key_hash) DO NOTHING",
            args![key_hash],
        )
        .await?;
        let row = conn
            .fetch_one::<ThrottleRow>(
                &format!(
                    "SELECT failures, locked_until, last_failure_at FROM login_throttles \
                     WHERE key_hash = $1{}",
                    conn.for_update()
                ),
                args![key_hash],
            )
            .await?;
        let current = if row.failures == 0 {
            None
        } else {
            Some(LoginThrottle {
                failures: row.failures,
                locked_until: timestamp(row.locked_until)?,
                last_failure_at: timestamp(row.last_failure_at)?,
            })
        };
        let (next, answer) = decide(current);
        match next {
            Some(next) if next.failures > 0 => {
                conn.execute(
                    "UPDATE login_throttles SET failures = $1, locked_until = $2, \
                     last_failure_at = $3 WHERE key_hash = $4",
                    args![
                        next.failures,
                        next.locked_until,
                        next.last_failure_at,
                        key_hash
                    ],
                )
                .await?;
            }
            _ => {
                conn.execute(
                    "DELETE FROM login_throttles WHERE key_hash = $1",
                    args![key_hash],
                )
                .await?;
            }
        }
        conn.commit().await?;
        Ok(answer)
    }

    /// Forgets the counters whose last failure is older than `before`; returns how many.
    pub async fn delete_stale_login_throttles(&self, before: Timestamp) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM login_throttles WHERE last_failure_at < $1",
                args![before],
            )
            .await?;
        conn.commit().await?;
        Ok(deleted)
    }
}
