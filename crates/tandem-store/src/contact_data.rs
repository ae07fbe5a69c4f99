//! A contact's data as a whole, driven by the registry of `personal_data`: exported (every
//! row about them, as JSON) and erased so that nothing stays recoverable (rows deleted, the
//! audit trail redacted, then SQLite's freed pages overwritten and its WAL truncated, or
//! PostgreSQL's touched tables vacuumed). Both are recorded in the audit log.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ContactId};

use crate::audit::{NewAuditEntry, record_audit};
use crate::contacts::find_contact;
use crate::db::{Conn, args};
use crate::personal_data::{Erase, REGISTRY, Table, export_row, registry_problems, schema_columns};
use crate::{Pools, Store, StoreError};

/// What an erasure removed: rows per table (deleted, redacted or unquoted).
pub type ErasureCounts = BTreeMap<String, u64>;

/// The note left in an audit entry about an erased contact.
const REDACTED: &str = "the contact was erased";

impl Store {
    /// Every row the store holds about the contact, table by table as the registry lists
    /// them, with the registry's classification of each table's columns; the export is
    /// written to the audit log as done by `actor_id`.
    pub async fn export_contact(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Value, StoreError> {
        // The export includes the contact's report facts: exact, like a report's.
        self.bring_facts_up_to_date(account_id).await?;
        let mut conn = self.write().await?;
        find_contact(&mut conn, account_id, contact_id).await?;
        let quoted = contact_texts(&mut conn, account_id, contact_id).await?;
        let mut tables = Map::new();
        let mut counts = Map::new();
        for table in REGISTRY {
            let Some((condition, erase)) = table.of_contact else {
                continue;
            };
            let rows = conn
                .fetch_dynamic(
                    &format!("SELECT * FROM {} WHERE {condition}", table.name),
                    args![account_id, contact_id],
                )
                .await?;
            let rows: Vec<Value> = rows
                .into_iter()
                .map(|row| export_row(table, row))
                .filter(|row| erase != Erase::Unquote || quotes_contact(row, &quoted))
                .collect();
            counts.insert(table.name.to_owned(), Value::from(rows.len()));
            tables.insert(table.name.to_owned(), Value::Array(rows));
        }
        let entry = NewAuditEntry {
            after: Some(json!({"rows": counts})),
            ..audit.about(contact_id.0)
        };
        record_audit(&mut conn, account_id, &entry, now).await?;
        conn.commit().await?;
        Ok(json!({
            "contact_id": contact_id.0,
            "exported_at": now,
            "personal_columns": personal_columns(),
            "tables": tables,
        }))
    }

    /// Erases the contact: every registered row about them is deleted (suggestions quoting
    /// them lose the quotes, audit entries about them keep only that they existed), the
    /// erasure is written to the audit log (who, when, the counts; nothing erased), and then
    /// the bytes are overwritten where the engine allows (see [`Store::reclaim_erased`]).
    pub async fn erase_contact(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<ErasureCounts, StoreError> {
        let mut conn = self.write().await?;
        find_contact(&mut conn, account_id, contact_id).await?;
        let counts = erase_rows(&mut conn, account_id, contact_id).await?;
        let entry = NewAuditEntry {
            after: Some(json!({"rows": counts})),
            ..audit.about(contact_id.0)
        };
        record_audit(&mut conn, account_id, &entry, now).await?;
        conn.commit().await?;
        self.reclaim_erased().await?;
        Ok(counts)
    }

    /// Makes deleted rows unrecoverable from the database files, outside any transaction.
    /// SQLite: the store's connections run with `secure_delete`, so freed pages are zeroed
    /// as rows are deleted; a `wal_checkpoint(TRUNCATE)` then copies those pages into the
    /// database file and empties the write-ahead log, which still held the old pages.
    /// PostgreSQL: `VACUUM` of every table that holds contact rows prunes the dead tuples so
    /// their space is reused; it does not zero the bytes at once, and the WAL, replicas and
    /// backups keep them until they are recycled (operators who need the bytes gone now run
    /// `VACUUM FULL`, which rewrites the tables, and rotate their backups).
    pub async fn reclaim_erased(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { writer, .. } => {
                writer
                    .execute_alone("PRAGMA wal_checkpoint(TRUNCATE)")
                    .await?;
            }
            Pools::Postgres(pool) => {
                let tables: Vec<&str> = REGISTRY
                    .iter()
                    .filter(|table| table.of_contact.is_some())
                    .map(|table| table.name)
                    .collect();
                let sql = format!("VACUUM {}", tables.join(", "));
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Every problem between the registry of personal data and the live schema: a table or
    /// column nobody classified, or a registered one the schema lacks. Empty when they agree.
    pub async fn personal_data_registry_problems(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.read().await?;
        let schema = schema_columns(&mut conn).await?;
        Ok(registry_problems(&schema))
    }
}

/// Deletes, redacts and unquotes the contact's rows in registry order, counting per table.
pub(crate) async fn erase_rows(
    conn: &mut Conn,
    account_id: AccountId,
    contact_id: ContactId,
) -> Result<ErasureCounts, StoreError> {
    let quoted = contact_texts(conn, account_id, contact_id).await?;
    let mut counts = ErasureCounts::new();
    for table in REGISTRY {
        let Some((condition, erase)) = table.of_contact else {
            continue;
        };
        let changed = match erase {
            Erase::Delete => {
                conn.execute(
                    &format!("DELETE FROM {} WHERE {condition}", table.name),
                    args![account_id, contact_id],
                )
                .await?
            }
            Erase::Redact => {
                conn.execute(
                    &format!(
                        "UPDATE {} SET before_data = NULL, after_data = $3 WHERE {condition}",
                        table.name
                    ),
                    args![account_id, contact_id, json!({"redacted": REDACTED})],
                )
                .await?
            }
            Erase::Unquote => unquote(conn, table, account_id, &quoted).await?,
        };
        counts.insert(table.name.to_owned(), changed);
    }
    Ok(counts)
}

/// What the contact wrote: the texts a learning suggestion may quote.
async fn contact_texts(
    conn: &mut Conn,
    account_id: AccountId,
    contact_id: ContactId,
) -> Result<Vec<String>, StoreError> {
    let rows = conn
        .fetch_all::<(String,)>(
            "SELECT text FROM messages WHERE account_id = $1 AND sender_kind = 'contact' \
             AND sender_id = $2",
            args![account_id, contact_id],
        )
        .await?;
    Ok(rows.into_iter().map(|(text,)| text).collect())
}

/// Whether an exported learning suggestion quotes one of `quoted`.
fn quotes_contact(row: &Value, quoted: &[String]) -> bool {
    row.get("questions")
        .and_then(Value::as_array)
        .is_some_and(|questions| {
            questions
                .iter()
                .filter_map(Value::as_str)
                .any(|question| quoted.iter().any(|text| text == question))
        })
}

#[derive(sqlx::FromRow)]
struct SuggestionQuotes {
    id: Uuid,
    questions: sqlx::types::Json<Vec<String>>,
}

/// Takes the `quoted` texts out of the account's learning suggestions; a suggestion left
/// with no question is deleted. Returns how many suggestions changed.
async fn unquote(
    conn: &mut Conn,
    table: &Table,
    account_id: AccountId,
    quoted: &[String],
) -> Result<u64, StoreError> {
    let rows = conn
        .fetch_all::<SuggestionQuotes>(
            &format!(
                "SELECT id, questions FROM {} WHERE account_id = $1",
                table.name
            ),
            args![account_id],
        )
        .await?;
    let mut changed = 0;
    for row in rows {
        let kept: Vec<String> = row
            .questions
            .0
            .iter()
            .filter(|question| !quoted.contains(question))
            .cloned()
            .collect();
        if kept.len() == row.questions.0.len() {
            continue;
        }
        changed += 1;
        if kept.is_empty() {
            conn.execute(
                &format!(
                    "DELETE FROM {} WHERE account_id = $1 AND id = $2",
                    table.name
                ),
                args![account_id, row.id],
            )
            .await?;
        } else {
            let count = i64::try_from(kept.len()).unwrap_or(i64::MAX);
            conn.execute(
                &format!(
                    "UPDATE {} SET questions = $3, question_count = $4 \
                     WHERE account_id = $1 AND id = $2",
                    table.name
                ),
                args![account_id, row.id, Value::from(kept), count],
            )
            .await?;
        }
    }
    Ok(changed)
}

/// The registry's columns that hold a contact's personal data, per table.
fn personal_columns() -> Value {
    let mut tables = Map::new();
    for table in REGISTRY.iter().filter(|table| table.of_contact.is_some()) {
        let columns: Vec<&str> = table
            .columns
            .iter()
            .filter(|column| column.class == crate::personal_data::Class::Contact)
            .map(|column| column.name)
            .collect();
        tables.insert(table.name.to_owned(), Value::from(columns));
    }
    Value::Object(tables)
}
