//! The audit log: who did what to whom, for actions that must stay accountable.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, UserId};

use crate::db::{Conn, args};
use crate::records::timestamp;
use crate::{Store, StoreError};

/// One accountable action.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: Uuid,
    /// Who did it; `None` once that user is deleted.
    pub actor_id: Option<UserId>,
    /// What was done, e.g. `contact.merged`.
    pub action: String,
    /// The entity acted on.
    pub subject_id: Uuid,
    /// The particulars (what moved where).
    pub data: serde_json::Value,
    pub created_at: Timestamp,
}

/// Writes one entry; `actor_id` is `None` for what the system does by itself (retention).
pub(crate) async fn record_audit(
    conn: &mut Conn,
    account_id: AccountId,
    actor_id: Option<UserId>,
    action: &str,
    subject_id: Uuid,
    data: serde_json::Value,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit_log (id, account_id, actor_id, action, subject_id, data, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![
            Uuid::now_v7(),
            account_id,
            actor_id,
            action,
            subject_id,
            data,
            now
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    actor_id: Option<Uuid>,
    action: String,
    subject_id: Uuid,
    data: sqlx::types::Json<serde_json::Value>,
    created_at: i64,
}

impl Store {
    /// The account's audit log, newest first, at most `limit` entries.
    pub async fn audit_log(
        &self,
        account_id: AccountId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<AuditRow>(
                "SELECT id, actor_id, action, subject_id, data, created_at FROM audit_log \
                 WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                args![account_id, i64::from(limit)],
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.id,
                    actor_id: row.actor_id.map(UserId::from),
                    action: row.action,
                    subject_id: row.subject_id,
                    data: row.data.0,
                    created_at: timestamp(row.created_at)?,
                })
            })
            .collect()
    }
}
