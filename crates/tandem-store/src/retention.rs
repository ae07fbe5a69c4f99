//! The account's privacy settings (whether webhooks carry personal data masked) and
//! retention: how long resolved conversations are kept, and the batches the
//! retention worker deletes or anonymises. Each batch is one transaction that locks the
//! conversations it changes, and skips those already done, so nodes running it at once
//! never do a conversation twice.

use serde_json::json;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId, MessageId};

use crate::audit::{AuditActor, NewAuditEntry, record_audit};
use crate::db::{Backend, args};
use crate::{Store, StoreError};

/// What happens to a conversation past the account's retention period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetentionAction {
    /// The conversation is deleted with its messages and events.
    Delete,
    /// Its message texts are masked, its channel particulars, bot memory and handover context
    /// dropped; a contact with only anonymised conversations loses name, attributes and
    /// identities.
    Anonymise,
}

impl RetentionAction {
    /// The stored name: `delete` or `anonymise`.
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionAction::Delete => "delete",
            RetentionAction::Anonymise => "anonymise",
        }
    }

    /// The action of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "delete" => Some(RetentionAction::Delete),
            "anonymise" => Some(RetentionAction::Anonymise),
            _ => None,
        }
    }
}

/// An account's retention setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Days a resolved conversation is kept; `None` keeps it forever.
    pub days: Option<u32>,
    pub action: RetentionAction,
}

/// A conversation past its retention, with its messages' texts (for anonymising).
#[derive(Clone, Debug)]
pub struct ExpiredConversation {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub action: RetentionAction,
    pub messages: Vec<(MessageId, String)>,
}

/// One retention batch's result, per account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionRun {
    pub deleted: u64,
    pub anonymised: u64,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl Store {
    /// The account's retention setting.
    pub async fn account_retention(&self, account_id: AccountId) -> Result<Retention, StoreError> {
        let mut conn = self.read().await?;
        let (days, action) = conn
            .fetch_optional::<(Option<i64>, String)>(
                "SELECT CAST(retention_days AS BIGINT), retention_action FROM accounts WHERE id = $1",
                args![account_id],
            )
            .await?
            .ok_or(StoreError::not_found("account"))?;
        Ok(Retention {
            days: days.and_then(|days| u32::try_from(days).ok()),
            action: RetentionAction::parse(&action)
                .ok_or_else(|| StoreError::Corrupt(format!("retention action {action:?}")))?,
        })
    }

    /// Whether the account's outgoing webhooks carry personal data masked.
    pub async fn webhook_masking(&self, account_id: AccountId) -> Result<bool, StoreError> {
        let mut conn = self.read().await?;
        let (masked,) = conn
            .fetch_optional::<(bool,)>(
                "SELECT webhook_mask_personal_data FROM accounts WHERE id = $1",
                args![account_id],
            )
            .await?
            .ok_or(StoreError::not_found("account"))?;
        Ok(masked)
    }

    /// Sets whether the account's outgoing webhooks carry personal data masked.
    pub async fn set_webhook_masking(
        &self,
        account_id: AccountId,
        masked: bool,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE accounts SET webhook_mask_personal_data = $1 WHERE id = $2",
            args![masked, account_id],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Replaces the account's retention setting.
    pub async fn set_account_retention(
        &self,
        account_id: AccountId,
        retention: Retention,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "UPDATE accounts SET retention_days = $1, retention_action = $2 WHERE id = $3",
            args![
                retention.days.map(i64::from),
                retention.action.as_str(),
                account_id
            ],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Up to `limit` conversations, over every account with a retention period, resolved
    /// longer ago than their account keeps them and not yet anonymised, oldest first.
    pub async fn expired_conversations(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<ExpiredConversation>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<(Uuid, Uuid, String)>(
                "SELECT c.account_id, c.id, a.retention_action FROM conversations c \
                 JOIN accounts a ON a.id = c.account_id \
                 WHERE a.retention_days IS NOT NULL AND c.status = 'resolved' \
                 AND c.anonymised_at IS NULL \
                 AND c.resolved_at < $1 - CAST(a.retention_days AS BIGINT) * $2 \
                 ORDER BY c.resolved_at, c.id LIMIT $3",
                args![now, DAY_MS, i64::from(limit)],
            )
            .await?;
        let mut expired = Vec::with_capacity(rows.len());
        for (account_id, conversation_id, action) in rows {
            let action = RetentionAction::parse(&action)
                .ok_or_else(|| StoreError::Corrupt(format!("retention action {action:?}")))?;
            let messages = match action {
                RetentionAction::Delete => Vec::new(),
                RetentionAction::Anonymise => conn
                    .fetch_all::<(Uuid, String)>(
                        "SELECT id, text FROM messages WHERE account_id = $1 AND conversation_id = $2",
                        args![account_id, conversation_id],
                    )
                    .await?
                    .into_iter()
                    .map(|(id, text)| (MessageId(id), text))
                    .collect(),
            };
            expired.push(ExpiredConversation {
                account_id: AccountId(account_id),
                conversation_id: ConversationId(conversation_id),
                action,
                messages,
            });
        }
        Ok(expired)
    }

    /// Applies retention to `expired` (the anonymised ones carrying their masked texts) in
    /// one transaction: each conversation still past its account's period and not yet done is
    /// locked and deleted or anonymised; the others are skipped. Each account's run is written
    /// to its audit log. Returns what was done per account.
    pub async fn apply_retention(
        &self,
        expired: &[ExpiredConversation],
        now: Timestamp,
    ) -> Result<Vec<(AccountId, RetentionRun)>, StoreError> {
        let mut conn = self.write().await?;
        let mut runs: Vec<(AccountId, RetentionRun)> = Vec::new();
        for conversation in expired {
            let locked = conn
                .fetch_optional::<(Uuid,)>(
                    &format!(
                        "SELECT c.contact_id FROM conversations c JOIN accounts a ON a.id = c.account_id \
                         WHERE c.account_id = $1 AND c.id = $2 AND c.status = 'resolved' \
                         AND c.anonymised_at IS NULL AND a.retention_days IS NOT NULL \
                         AND c.resolved_at < $3 - CAST(a.retention_days AS BIGINT) * $4{}",
                        match conn.backend() {
                            Backend::Sqlite => "",
                            Backend::Postgres => " FOR UPDATE OF c SKIP LOCKED",
                        }
                    ),
                    args![conversation.account_id, conversation.conversation_id, now, DAY_MS],
                )
                .await?;
            let Some((contact_id,)) = locked else {
                continue;
            };
            let index = match runs
                .iter()
                .position(|(account, _)| *account == conversation.account_id)
            {
                Some(index) => index,
                None => {
                    runs.push((conversation.account_id, RetentionRun::default()));
                    runs.len() - 1
                }
            };
            let run = &mut runs[index].1;
            let scope = args![conversation.account_id, conversation.conversation_id];
            conn.execute(
                "DELETE FROM webhook_deliveries WHERE account_id = $1 AND conversation_id = $2",
                scope.clone(),
            )
            .await?;
            match conversation.action {
                RetentionAction::Delete => {
                    for table in [
                        "media_fetches",
                        "files",
                        "channel_deliveries",
                        "unanswered_questions",
                        "sla_clocks",
                        "conversation_facts",
                        "facts_stale",
                        "events",
                        "message_translations",
                        "messages",
                    ] {
                        conn.execute(
                            &format!(
                                "DELETE FROM {table} WHERE account_id = $1 AND conversation_id = $2"
                            ),
                            scope.clone(),
                        )
                        .await?;
                    }
                    conn.execute(
                        "DELETE FROM conversations WHERE account_id = $1 AND id = $2",
                        scope.clone(),
                    )
                    .await?;
                    run.deleted += 1;
                }
                RetentionAction::Anonymise => {
                    for (message_id, masked) in &conversation.messages {
                        conn.execute(
                            "UPDATE messages SET text = $3, channel_data = NULL, attachments = $4 \
                             WHERE account_id = $1 AND id = $2",
                            args![
                                conversation.account_id,
                                *message_id,
                                masked.as_str(),
                                json!([])
                            ],
                        )
                        .await?;
                    }
                    for table in [
                        "unanswered_questions",
                        "message_translations",
                        "media_fetches",
                        "files",
                    ] {
                        conn.execute(
                            &format!(
                                "DELETE FROM {table} WHERE account_id = $1 AND conversation_id = $2"
                            ),
                            scope.clone(),
                        )
                        .await?;
                    }
                    conn.execute(
                        "UPDATE conversations SET anonymised_at = $3, bot_state = NULL, \
                         handover_context = NULL, channel_address = NULL \
                         WHERE account_id = $1 AND id = $2",
                        args![conversation.account_id, conversation.conversation_id, now],
                    )
                    .await?;
                    let forgotten = "account_id = $1 AND {id} = $2 AND NOT EXISTS (SELECT 1 \
                         FROM conversations c WHERE c.account_id = $1 AND c.contact_id = $2 \
                         AND c.anonymised_at IS NULL)";
                    conn.execute(
                        &format!(
                            "DELETE FROM contact_identities WHERE {}",
                            forgotten.replace("{id}", "contact_id")
                        ),
                        args![conversation.account_id, contact_id],
                    )
                    .await?;
                    conn.execute(
                        &format!(
                            "UPDATE contacts SET name = NULL, attributes = $3 WHERE {}",
                            forgotten.replace("{id}", "id")
                        ),
                        args![conversation.account_id, contact_id, json!({})],
                    )
                    .await?;
                    run.anonymised += 1;
                }
            }
        }
        for (account_id, run) in &runs {
            let entry = NewAuditEntry {
                actor: AuditActor::default(),
                action: "retention.applied".into(),
                subject_kind: "account".into(),
                subject_id: Some(account_id.0),
                before: None,
                after: Some(json!({"deleted": run.deleted, "anonymised": run.anonymised})),
            };
            record_audit(&mut conn, *account_id, &entry, now).await?;
        }
        conn.commit().await?;
        if !runs.is_empty() {
            self.reclaim_erased().await?;
        }
        Ok(runs)
    }
}
