//! The one SQL code path over two backends: every query is written once, with `$N`
//! placeholders (which SQLite and PostgreSQL both accept), and run on concrete sqlx types for
//! whichever backend the store was opened on. Arguments travel as [`Arg`], a small closed set of
//! column types that both backends encode natively.

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, FromRow, PgConnection, Postgres, Sqlite, SqliteConnection, Transaction};
use uuid::Uuid;

use crate::delivery_signals::{DeliverySignals, Outbox, Queued};
use crate::group_commit::GroupTx;

use tandem_domain::Timestamp;
use tandem_domain::id::{
    AccountId, CannedResponseId, ContactId, ContactNoteId, ConversationId, EventId, FileId,
    InboxId, LearningSuggestionId, MessageId, SavedViewId, TeamId, TokenId, UserId,
};

/// A value bound to a `$N` placeholder.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Uuid(Option<Uuid>),
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
    Json(Option<serde_json::Value>),
}

macro_rules! arg_from {
    ($variant:ident: $($type:ty => $convert:expr),+ $(,)?) => {$(
        impl From<$type> for Arg {
            fn from(value: $type) -> Self {
                #[allow(clippy::redundant_closure_call)] // The closure is the conversion table.
                Arg::$variant(($convert)(value))
            }
        }
    )+};
}

arg_from!(Uuid: Uuid => Some, Option<Uuid> => |v| v);
arg_from!(Int: i64 => Some, Option<i64> => |v| v, Timestamp => |t: Timestamp| Some(t.as_millisecond()),
    Option<Timestamp> => |t: Option<Timestamp>| t.map(|t| t.as_millisecond()));
arg_from!(Text: String => Some, &str => |v: &str| Some(v.to_owned()), Option<String> => |v| v,
    Option<&str> => |v: Option<&str>| v.map(str::to_owned));
arg_from!(Bool: bool => |v| v);
arg_from!(Json: serde_json::Value => Some, Option<serde_json::Value> => |v| v);

macro_rules! id_args {
    ($($id:ty),+) => {$(
        impl From<$id> for Arg {
            fn from(id: $id) -> Self {
                Arg::Uuid(Some(id.0))
            }
        }
        impl From<Option<$id>> for Arg {
            fn from(id: Option<$id>) -> Self {
                Arg::Uuid(id.map(|id| id.0))
            }
        }
    )+};
}

id_args!(
    AccountId,
    UserId,
    TeamId,
    InboxId,
    ContactId,
    ConversationId,
    MessageId,
    EventId,
    TokenId,
    CannedResponseId,
    LearningSuggestionId,
    ContactNoteId,
    SavedViewId,
    FileId
);

/// `$first, $first+1, ...`: `count` placeholders, for an `IN (...)` list or a row of values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($n, $n+1, ...), (...)`: `rows` rows of `columns` placeholders, numbered from `first`, for
/// a `VALUES` list (whose columns both engines name `column1`, `column2`, ...).
pub(crate) fn values_rows(rows: usize, columns: usize, first: usize) -> String {
    (0..rows)
        .map(|row| format!("({})", placeholders(first + row * columns, columns)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the argument list of a query: `args![account_id, name]`.
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        vec![$($crate::db::Arg::from($arg)),*]
    };
}
pub(crate) use args;

/// A row type readable from both backends.
pub(crate) trait AnyRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// Which database a connection talks to, for the few statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection borrowed from a pool, inside a transaction or not; a write transaction also
/// remembers which outbound queues it wrote to, to signal them once it has committed.
pub(crate) struct Conn {
    link: Link,
    signals: Option<DeliverySignals>,
    queued: Queued,
}

enum Link {
    SqliteGroup(GroupTx),
    PostgresTx(Transaction<'static, Postgres>),
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

enum Raw<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

fn bind_sqlite<'q, Q: BindSqlite<'q>>(query: Q, arg: Arg) -> Q {
    match arg {
        Arg::Uuid(v) => query.bind_value(v),
        Arg::Int(v) => query.bind_value(v),
        Arg::Text(v) => query.bind_value(v),
        Arg::Bool(v) => query.bind_value(v),
        Arg::Json(v) => query.bind_value(v.map(sqlx::types::Json)),
    }
}

fn bind_postgres<'q, Q: BindPostgres<'q>>(query: Q, arg: Arg) -> Q {
    match arg {
        Arg::Uuid(v) => query.bind_value(v),
        Arg::Int(v) => query.bind_value(v),
        Arg::Text(v) => query.bind_value(v),
        Arg::Bool(v) => query.bind_value(v),
        Arg::Json(v) => query.bind_value(v.map(sqlx::types::Json)),
    }
}

/// `bind` over sqlx's two query types, so one binding table serves both.
macro_rules! binder {
    ($trait:ident, $db:ty) => {
        trait $trait<'q>: Sized {
            fn bind_value<T>(self, value: T) -> Self
            where
                T: 'q + sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send;
        }

        impl<'q> $trait<'q> for sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
            fn bind_value<T>(self, value: T) -> Self
            where
                T: 'q + sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send,
            {
                self.bind(value)
            }
        }

        impl<'q, O> $trait<'q>
            for sqlx::query::QueryAs<'q, $db, O, <$db as sqlx::Database>::Arguments>
        {
            fn bind_value<T>(self, value: T) -> Self
            where
                T: 'q + sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send,
            {
                self.bind(value)
            }
        }
    };
}

binder!(BindSqlite, Sqlite);
binder!(BindPostgres, Postgres);

impl Conn {
    /// A write transaction on SQLite (a use case in the shared batch).
    pub(crate) fn sqlite_write(tx: GroupTx, signals: &DeliverySignals) -> Self {
        Self::writing(Link::SqliteGroup(tx), signals)
    }

    /// A write transaction on PostgreSQL.
    pub(crate) fn postgres_write(
        tx: Transaction<'static, Postgres>,
        signals: &DeliverySignals,
    ) -> Self {
        Self::writing(Link::PostgresTx(tx), signals)
    }

    /// A plain SQLite connection (the readers).
    pub(crate) fn sqlite(conn: PoolConnection<Sqlite>) -> Self {
        Self::plain(Link::Sqlite(conn))
    }

    /// A plain PostgreSQL connection.
    pub(crate) fn postgres(conn: PoolConnection<Postgres>) -> Self {
        Self::plain(Link::Postgres(conn))
    }

    fn writing(link: Link, signals: &DeliverySignals) -> Self {
        Self {
            link,
            signals: Some(signals.clone()),
            queued: Queued::default(),
        }
    }

    fn plain(link: Link) -> Self {
        Self {
            link,
            signals: None,
            queued: Queued::default(),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self.link {
            Link::SqliteGroup(_) | Link::Sqlite(_) => Backend::Sqlite,
            Link::PostgresTx(_) | Link::Postgres(_) => Backend::Postgres,
        }
    }

    /// Notes that this transaction queued deliveries in `outbox`.
    pub(crate) fn queued(&mut self, outbox: Outbox) {
        match outbox {
            Outbox::Webhooks => self.queued.webhooks = true,
            Outbox::Channels => self.queued.channels = true,
        }
    }

    fn raw(&mut self) -> Raw<'_> {
        match &mut self.link {
            Link::SqliteGroup(tx) => Raw::Sqlite(tx.connection()),
            Link::PostgresTx(tx) => Raw::Postgres(tx),
            Link::Sqlite(conn) => Raw::Sqlite(conn),
            Link::Postgres(conn) => Raw::Postgres(conn),
        }
    }

    /// ` FOR UPDATE` on PostgreSQL; nothing on SQLite, whose single writer already serialises.
    pub(crate) fn for_update(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers on several nodes claim different
    /// jobs; SQLite's one writer needs nothing.
    pub(crate) fn skip_locked(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Runs a statement and returns the number of rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_owned());
        match self.raw() {
            Raw::Sqlite(conn) => {
                let query = args
                    .into_iter()
                    .fold(sqlx::query::<Sqlite>(sql), bind_sqlite);
                Ok(query.execute(conn).await?.rows_affected())
            }
            Raw::Postgres(conn) => {
                let query = args
                    .into_iter()
                    .fold(sqlx::query::<Postgres>(sql), bind_postgres);
                Ok(query.execute(conn).await?.rows_affected())
            }
        }
    }

    /// Runs a query and reads every row.
    pub(crate) async fn fetch_all<T: AnyRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_owned());
        match self.raw() {
            Raw::Sqlite(conn) => {
                let query = args
                    .into_iter()
                    .fold(sqlx::query_as::<Sqlite, T>(sql), bind_sqlite);
                query.fetch_all(conn).await
            }
            Raw::Postgres(conn) => {
                let query = args
                    .into_iter()
                    .fold(sqlx::query_as::<Postgres, T>(sql), bind_postgres);
                query.fetch_all(conn).await
            }
        }
    }

    /// Runs a query and reads its first row, if any.
    pub(crate) async fn fetch_optional<T: AnyRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_owned());
        match self.raw() {
            Raw::Sqlite(conn) => {
                let query = args
                    .into_iter()
                    .fold(sqlx::query_as::<Sqlite, T>(sql), bind_sqlite);
                query.fetch_optional(conn).await
            }
            Raw::Postgres(conn) => {
                let query = args
                    .into_iter()
                    .fold(sqlx::query_as::<Postgres, T>(sql), bind_postgres);
                query.fetch_optional(conn).await
            }
        }
    }

    /// Runs a query that must return a row.
    pub(crate) async fn fetch_one<T: AnyRow>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<T, sqlx::Error> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    /// Runs a query whose columns are not known in advance and reads every row as column
    /// names with JSON values: ids as UUID strings, numbers, text, booleans, JSON.
    pub(crate) async fn fetch_dynamic(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<Vec<(String, serde_json::Value)>>, sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_owned());
        match self.raw() {
            Raw::Sqlite(conn) => {
                let query = args
                    .into_iter()
                    .fold(sqlx::query::<Sqlite>(sql), bind_sqlite);
                let rows = query.fetch_all(conn).await?;
                rows.iter().map(dynamic::sqlite_row).collect()
            }
            Raw::Postgres(conn) => {
                let query = args
                    .into_iter()
                    .fold(sqlx::query::<Postgres>(sql), bind_postgres);
                let rows = query.fetch_all(conn).await?;
                rows.iter().map(dynamic::postgres_row).collect()
            }
        }
    }

    /// Commits the transaction; a no-op for a plain connection.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self.link {
            Link::SqliteGroup(tx) => tx.commit().await?,
            Link::PostgresTx(tx) => tx.commit().await?,
            Link::Sqlite(_) | Link::Postgres(_) => {}
        }
        if let Some(signals) = &self.signals {
            signals.committed(self.queued);
        }
        Ok(())
    }
}

/// Rows of unknown shape read as JSON, by the type each engine reports for each value.
mod dynamic {
    use serde_json::Value;
    use sqlx::postgres::PgRow;
    use sqlx::sqlite::SqliteRow;
    use sqlx::{Column, Row, TypeInfo, ValueRef};
    use uuid::Uuid;

    pub(super) fn sqlite_row(row: &SqliteRow) -> Result<Vec<(String, Value)>, sqlx::Error> {
        let mut values = Vec::with_capacity(row.columns().len());
        for (index, column) in row.columns().iter().enumerate() {
            let raw = row.try_get_raw(index)?;
            let value = if raw.is_null() {
                Value::Null
            } else {
                match raw.type_info().name() {
                    "INTEGER" => Value::from(row.try_get::<i64, _>(index)?),
                    "REAL" => Value::from(row.try_get::<f64, _>(index)?),
                    "BLOB" => {
                        let bytes = row.try_get::<Vec<u8>, _>(index)?;
                        match Uuid::from_slice(&bytes) {
                            Ok(id) => Value::from(id.to_string()),
                            Err(_) => Value::from(hex_of(&bytes)),
                        }
                    }
                    _ => Value::from(row.try_get::<String, _>(index)?),
                }
            };
            values.push((column.name().to_owned(), value));
        }
        Ok(values)
    }

    pub(super) fn postgres_row(row: &PgRow) -> Result<Vec<(String, Value)>, sqlx::Error> {
        let mut values = Vec::with_capacity(row.columns().len());
        for (index, column) in row.columns().iter().enumerate() {
            let raw = row.try_get_raw(index)?;
            let value = if raw.is_null() {
                Value::Null
            } else {
                match column.type_info().name() {
                    "UUID" => Value::from(row.try_get::<Uuid, _>(index)?.to_string()),
                    "INT8" => Value::from(row.try_get::<i64, _>(index)?),
                    "INT4" => Value::from(row.try_get::<i32, _>(index)?),
                    "INT2" => Value::from(row.try_get::<i16, _>(index)?),
                    "FLOAT8" => Value::from(row.try_get::<f64, _>(index)?),
                    "BOOL" => Value::from(row.try_get::<bool, _>(index)?),
                    "JSON" | "JSONB" => row.try_get::<sqlx::types::Json<Value>, _>(index)?.0,
                    "BYTEA" => Value::from(hex_of(&row.try_get::<Vec<u8>, _>(index)?)),
                    _ => Value::from(row.try_get::<String, _>(index)?),
                }
            };
            values.push((column.name().to_owned(), value));
        }
        Ok(values)
    }

    fn hex_of(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}
