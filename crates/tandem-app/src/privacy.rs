//! A contact's rights and the account's retention (LGPD): exporting everything held about a
//! contact, erasing it, and the retention worker that deletes or anonymises conversations
//! resolved longer ago than the account keeps them. All three end up in the audit log.

use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_domain::id::{AccountId, ContactId};
use tandem_nlu::masking::mask_text;

use crate::audit::{Actor, AuditEvent};
use crate::model::{ErasureCounts, ExpiredConversation, RetentionAction, RetentionRun};
use crate::{App, AppError};

/// Conversations one retention batch handles (one transaction).
const RETENTION_BATCH: u32 = 200;

impl App {
    /// Every row held about the contact, as JSON; recorded in the audit log as done by `actor`.
    pub async fn export_contact(
        &self,
        actor: &Actor,
        contact_id: ContactId,
    ) -> Result<Value, AppError> {
        let audit = AuditEvent::new("contact.exported", "contact", contact_id.0).entry(actor);
        Ok(self
            .store
            .export_contact(actor.account_id, contact_id, &audit, self.now())
            .await?)
    }

    /// Erases the contact and everything about them, leaving nothing recoverable; the audit
    /// log records who, when and how many rows (never what was erased).
    pub async fn erase_contact(
        &self,
        actor: &Actor,
        contact_id: ContactId,
    ) -> Result<ErasureCounts, AppError> {
        let account_id = actor.account_id;
        let audit = AuditEvent::new("contact.erased", "contact", contact_id.0).entry(actor);
        let files = self.store.contact_file_ids(account_id, contact_id).await?;
        let counts = self
            .store
            .erase_contact(account_id, contact_id, &audit, self.now())
            .await?;
        self.remove_contents(account_id, &files).await;
        self.search.contact_changed(account_id, contact_id);
        tracing::info!(%account_id, %contact_id, "contact erased");
        Ok(counts)
    }

    /// One retention pass over every account: batches of expired conversations deleted or
    /// anonymised (message texts masked by the one masking rule) until none is left.
    /// Idempotent, and safe on several nodes at once (the store skips what another did).
    pub async fn apply_retention(&self) -> Result<Vec<(AccountId, RetentionRun)>, AppError> {
        let mut total: Vec<(AccountId, RetentionRun)> = Vec::new();
        loop {
            let now = self.now();
            let mut expired = self
                .store
                .expired_conversations(now, RETENTION_BATCH)
                .await?;
            if expired.is_empty() {
                return Ok(total);
            }
            expired.iter_mut().for_each(mask_messages);
            let runs = self.store.apply_retention(&expired, now).await?;
            if runs.is_empty() {
                // Another node holds or did this batch.
                return Ok(total);
            }
            for (account_id, run) in runs {
                match total.iter_mut().find(|(account, _)| *account == account_id) {
                    Some((_, sum)) => {
                        sum.deleted += run.deleted;
                        sum.anonymised += run.anonymised;
                    }
                    None => total.push((account_id, run)),
                }
            }
        }
    }
}

/// The texts of a conversation to anonymise, masked.
fn mask_messages(conversation: &mut ExpiredConversation) {
    if conversation.action == RetentionAction::Anonymise {
        for (_, text) in &mut conversation.messages {
            *text = mask_text(text);
        }
    }
}

/// Applies retention every hour (and once at start).
pub(crate) fn spawn_worker(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every_hour.tick() => match app.apply_retention().await {
                    Ok(runs) => for (account_id, run) in runs {
                        tracing::info!(%account_id, deleted = run.deleted, anonymised = run.anonymised, "retention applied");
                    },
                    Err(error) => tracing::warn!(%error, "applying retention failed"),
                },
            }
        }
    })
}
