//! Group commit on SQLite. The store's one writer connection runs each use case's transaction
//! as a savepoint inside a shared transaction, and a committer task commits that shared
//! transaction — one fsync — for every use case that finished while it waited for the
//! connection. A use case's `commit` returns only after the commit that contains its writes, so
//! the promise is unchanged: acknowledged means durable. A use case that fails or is dropped
//! before committing is rolled back to its savepoint without touching the others.
//!
//! Batching comes from the connection's FIFO queue: the committer queues for the connection like
//! any use case, so the use cases already waiting when the previous one finished run first and
//! share its commit. With nobody waiting, each use case gets its own commit at once.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::SqliteConnection;
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, oneshot};

/// Why a shared commit failed, as told to each use case in it.
type CommitResult = Result<(), Arc<str>>;

/// The writer connection, shared by the use cases that write and the committer.
#[derive(Clone, Debug)]
pub(crate) struct GroupWriter {
    slot: Arc<Mutex<Slot>>,
    commit_due: Arc<Notify>,
    acquire_timeout: Duration,
}

#[derive(Debug)]
struct Slot {
    conn: SqliteConnection,
    /// A shared transaction is open (`BEGIN` ran and no `COMMIT` yet).
    batch_open: bool,
    /// A use case's savepoint is open: a use case holding the connection is mid-way, or the
    /// last one ended without committing and must be rolled back.
    savepoint_open: bool,
    /// Use cases whose writes are in the open transaction, waiting for its commit.
    waiting: Vec<oneshot::Sender<CommitResult>>,
    /// `close` ran: no more use cases.
    closed: bool,
    commit_due: Arc<Notify>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Lets the committer see the writer is gone and end.
        self.commit_due.notify_one();
    }
}

/// One use case's transaction: a savepoint in the shared transaction, holding the connection
/// until it commits or is dropped.
#[derive(Debug)]
pub(crate) struct GroupTx {
    // Fields drop in order: the connection is released before the committer is told.
    slot: OwnedMutexGuard<Slot>,
    commit_due: CommitDue,
}

/// Tells the committer, when dropped, that the shared transaction may need committing.
#[derive(Debug)]
struct CommitDue(Arc<Notify>);

impl Drop for CommitDue {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

const SAVEPOINT: &str = "SAVEPOINT use_case";
const RELEASE: &str = "RELEASE use_case";
const ROLLBACK_TO: &str = "ROLLBACK TO use_case; RELEASE use_case";

impl GroupWriter {
    /// Takes over `conn` (migrated, outside any transaction) and starts its committer.
    pub(crate) fn start(conn: SqliteConnection, acquire_timeout: Duration) -> Self {
        let commit_due = Arc::new(Notify::new());
        let slot = Arc::new(Mutex::new(Slot {
            conn,
            batch_open: false,
            savepoint_open: false,
            waiting: Vec::new(),
            closed: false,
            commit_due: commit_due.clone(),
        }));
        tokio::spawn(committer(Arc::downgrade(&slot), commit_due.clone()));
        Self {
            slot,
            commit_due,
            acquire_timeout,
        }
    }

    /// Begins a use case's transaction, waiting at most the acquire timeout for the connection.
    pub(crate) async fn begin(&self) -> Result<GroupTx, sqlx::Error> {
        let mut slot = tokio::time::timeout(self.acquire_timeout, self.slot.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        let commit_due = CommitDue(self.commit_due.clone());
        if slot.closed {
            return Err(sqlx::Error::PoolClosed);
        }
        slot.settle().await;
        if !slot.batch_open {
            sqlx::raw_sql("BEGIN").execute(&mut slot.conn).await?;
            slot.batch_open = true;
        }
        sqlx::raw_sql(SAVEPOINT).execute(&mut slot.conn).await?;
        slot.savepoint_open = true;
        Ok(GroupTx { slot, commit_due })
    }

    /// Runs `sql` outside any transaction (e.g. a WAL checkpoint), after committing what is
    /// pending.
    pub(crate) async fn execute_alone(&self, sql: &'static str) -> Result<(), sqlx::Error> {
        let mut slot = self.slot.lock().await;
        slot.settle().await;
        slot.commit_batch().await;
        sqlx::raw_sql(sql).execute(&mut slot.conn).await?;
        Ok(())
    }

    /// Commits what is pending and refuses further use cases.
    pub(crate) async fn close(&self) {
        let mut slot = self.slot.lock().await;
        slot.settle().await;
        slot.commit_batch().await;
        slot.closed = true;
    }
}

impl GroupTx {
    /// The connection, inside this use case's savepoint.
    pub(crate) fn connection(&mut self) -> &mut SqliteConnection {
        &mut self.slot.conn
    }

    /// Ends the use case's savepoint and waits for the shared commit that contains it.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        let GroupTx {
            mut slot,
            commit_due,
        } = self;
        sqlx::raw_sql(RELEASE).execute(&mut slot.conn).await?;
        slot.savepoint_open = false;
        let (done, committed) = oneshot::channel();
        slot.waiting.push(done);
        drop(slot);
        drop(commit_due);
        match committed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(commit_failed(&reason)),
            Err(_) => Err(commit_failed("the writer closed before committing")),
        }
    }
}

fn commit_failed(reason: &str) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(format!(
        "the shared commit failed: {reason}"
    )))
}

impl Slot {
    /// Rolls back the savepoint of a use case that ended without committing. If there is no
    /// such savepoint (the use case was cancelled while releasing it, so its writes are in),
    /// nothing is undone; if the shared transaction itself broke, its commit fails and every
    /// use case in it is told.
    async fn settle(&mut self) {
        if !self.savepoint_open {
            return;
        }
        self.savepoint_open = false;
        if let Err(error) = sqlx::raw_sql(ROLLBACK_TO).execute(&mut self.conn).await {
            tracing::warn!(%error, "rolling back an unfinished write failed");
        }
    }

    /// Commits the shared transaction, if one is open, and tells its use cases the outcome.
    async fn commit_batch(&mut self) {
        if !self.batch_open {
            return;
        }
        match sqlx::raw_sql("COMMIT").execute(&mut self.conn).await {
            Ok(_) => {
                self.batch_open = false;
                for done in self.waiting.drain(..) {
                    // A use case that stopped waiting has nobody to tell.
                    let _ = done.send(Ok(()));
                }
            }
            Err(error) => self.abort_batch(&error.to_string()).await,
        }
    }

    async fn abort_batch(&mut self, reason: &str) {
        tracing::error!(
            reason,
            "the shared write transaction failed; rolling it back"
        );
        // SQLite may have rolled it back already, which makes this fail harmlessly.
        if let Err(error) = sqlx::raw_sql("ROLLBACK").execute(&mut self.conn).await {
            tracing::debug!(%error, "rolling back the shared write transaction failed");
        }
        self.batch_open = false;
        let reason: Arc<str> = reason.into();
        for done in self.waiting.drain(..) {
            let _ = done.send(Err(reason.clone()));
        }
    }
}

/// Commits the shared transaction whenever a use case released the connection; ends when the
/// writer is gone.
async fn committer(slot: Weak<Mutex<Slot>>, commit_due: Arc<Notify>) {
    loop {
        commit_due.notified().await;
        let Some(slot) = slot.upgrade() else {
            return;
        };
        let mut slot = slot.lock().await;
        slot.settle().await;
        slot.commit_batch().await;
    }
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Row};

    use super::*;

    struct Database {
        _folder: tempfile::TempDir,
        options: SqliteConnectOptions,
    }

    async fn database() -> (Database, GroupWriter) {
        let folder = tempfile::tempdir().expect("temporary folder");
        let options = SqliteConnectOptions::new()
            .filename(folder.path().join("group.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let mut conn = options.connect().await.expect("open");
        sqlx::raw_sql("CREATE TABLE written (n INTEGER PRIMARY KEY)")
            .execute(&mut conn)
            .await
            .expect("schema");
        let writer = GroupWriter::start(conn, Duration::from_secs(5));
        (
            Database {
                _folder: folder,
                options,
            },
            writer,
        )
    }

    /// The rows another connection sees: what has been committed.
    async fn committed(database: &Database) -> Vec<i64> {
        let mut conn = database.options.connect().await.expect("reader");
        sqlx::query("SELECT n FROM written ORDER BY n")
            .fetch_all(&mut conn)
            .await
            .expect("read")
            .iter()
            .map(|row| row.get(0))
            .collect()
    }

    async fn insert(tx: &mut GroupTx, n: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO written (n) VALUES ($1)")
            .bind(n)
            .execute(tx.connection())
            .await
            .map(|_| ())
    }

    #[tokio::test]
    async fn a_write_is_committed_when_its_commit_returns() {
        let (database, writer) = database().await;
        let mut tx = writer.begin().await.expect("begin");
        insert(&mut tx, 1).await.expect("insert");
        assert!(committed(&database).await.is_empty());
        tx.commit().await.expect("commit");
        assert_eq!(committed(&database).await, vec![1]);
    }

    #[tokio::test]
    async fn use_cases_waiting_together_share_a_commit_without_sharing_failures() {
        let (database, writer) = database().await;
        let mut first = writer.begin().await.expect("begin");
        insert(&mut first, 1).await.expect("insert");
        let queued = [2, 3, 4, 5].map(|n| {
            let writer = writer.clone();
            tokio::spawn(async move {
                let mut tx = writer.begin().await?;
                match n {
                    // Fails on a duplicate key, then is dropped without committing.
                    3 => insert(&mut tx, 1).await,
                    // Writes, then is dropped without committing.
                    4 => insert(&mut tx, 4).await,
                    _ => {
                        insert(&mut tx, n).await?;
                        tx.commit().await
                    }
                }
            })
        });
        // The others queue for the connection while the first still holds it.
        tokio::time::sleep(Duration::from_millis(50)).await;
        first.commit().await.expect("first commit");
        let mut outcomes = Vec::new();
        for task in queued {
            outcomes.push(task.await.expect("task").is_ok());
        }
        assert_eq!(outcomes, [true, false, true, true]);
        assert_eq!(committed(&database).await, vec![1, 2, 5]);
    }

    #[tokio::test]
    async fn many_concurrent_use_cases_all_commit() {
        let (database, writer) = database().await;
        let tasks: Vec<_> = (0..200)
            .map(|n| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let mut tx = writer.begin().await?;
                    insert(&mut tx, n).await?;
                    tx.commit().await
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task").expect("committed");
        }
        assert_eq!(committed(&database).await, (0..200).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_closed_writer_commits_what_is_pending_and_refuses_more() {
        let (database, writer) = database().await;
        let mut tx = writer.begin().await.expect("begin");
        insert(&mut tx, 7).await.expect("insert");
        let committing = tokio::spawn(tx.commit());
        writer.close().await;
        committing.await.expect("task").expect("committed");
        assert_eq!(committed(&database).await, vec![7]);
        assert!(matches!(writer.begin().await, Err(sqlx::Error::PoolClosed)));
    }
}
