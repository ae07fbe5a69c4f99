//! Inboxes, their API-channel tokens and outgoing-webhook settings.

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, InboxId};
use tandem_domain::inbox::{ChannelKind, FirstResponder, Inbox};

use crate::audit::{NewAuditEntry, record_audit};
use crate::db::{Conn, args};
use crate::records::{INBOX_COLUMNS, InboxRow, convert_all};
use crate::{Store, StoreError};

/// A new inbox. Secrets arrive generated; the API token only as its hash.
#[derive(Clone, Debug)]
pub struct NewInbox {
    pub name: String,
    pub channel: ChannelKind,
    pub first_responder: FirstResponder,
    pub webhook_url: Option<String>,
    pub webhook_secret: String,
    pub api_token_hash: String,
    /// The channel's settings, sealed by the caller (the store never sees them in clear).
    pub channel_config: Option<String>,
}

/// An inbox with what only its own workers and admins see.
#[derive(Clone, Debug)]
pub struct InboxSecrets {
    pub inbox: Inbox,
    /// The key its outgoing webhooks are signed with.
    pub webhook_secret: String,
    /// Its channel settings, sealed.
    pub channel_config: Option<String>,
}

/// Changes to an inbox; `None` leaves a field as it is, `Some(None)` clears the webhook.
#[derive(Clone, Debug, Default)]
pub struct InboxPatch {
    pub name: Option<String>,
    pub first_responder: Option<FirstResponder>,
    pub webhook_url: Option<Option<String>>,
    /// A new API token hash (rotation); the old token stops working at once.
    pub api_token_hash: Option<String>,
    /// New sealed channel settings.
    pub channel_config: Option<String>,
}

/// What the inbox of a conversation decides about it.
pub(crate) struct InboxRules {
    pub first_responder: FirstResponder,
    pub has_webhook: bool,
    pub channel: ChannelKind,
}

impl InboxRules {
    /// Whether an outbound reply leaves Tandem (to the integration's webhook or the channel's
    /// provider) and so starts out `pending`.
    pub fn sends_outbound(&self) -> bool {
        self.has_webhook || self.channel.delivers_outbound()
    }
}

/// The inbox columns [`InboxRules`] are read from, as `inbox_rules` names them; a query that
/// joins `inboxes` as `i` selects these to read the rules with its own row.
pub(crate) const INBOX_RULE_COLUMNS: &str = "i.first_responder, i.webhook_url, i.channel";

/// An inbox's rule columns as stored.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct InboxRuleRow {
    first_responder: String,
    webhook_url: Option<String>,
    channel: String,
}

impl TryFrom<InboxRuleRow> for InboxRules {
    type Error = StoreError;
    fn try_from(row: InboxRuleRow) -> Result<Self, StoreError> {
        let InboxRuleRow {
            first_responder,
            webhook_url,
            channel,
        } = row;
        let first_responder = first_responder.parse().map_err(|_| {
            StoreError::corrupt(format!("inboxes.first_responder = {first_responder:?}"))
        })?;
        let channel = channel
            .parse()
            .map_err(|_| StoreError::corrupt(format!("inboxes.channel = {channel:?}")))?;
        Ok(InboxRules {
            first_responder,
            has_webhook: webhook_url.is_some(),
            channel,
        })
    }
}

/// The rules of `inbox_id`, for a write to one of its conversations.
pub(crate) async fn inbox_rules(
    conn: &mut Conn,
    account_id: AccountId,
    inbox_id: InboxId,
) -> Result<InboxRules, StoreError> {
    conn.fetch_optional::<InboxRuleRow>(
        &format!(
            "SELECT {INBOX_RULE_COLUMNS} FROM inboxes i WHERE i.account_id = $1 AND i.id = $2"
        ),
        args![account_id, inbox_id],
    )
    .await?
    .ok_or(StoreError::not_found("inbox"))?
    .try_into()
}

pub(crate) async fn insert_inbox(
    conn: &mut Conn,
    account_id: AccountId,
    id: InboxId,
    inbox: &NewInbox,
    now: Timestamp,
) -> Result<Inbox, StoreError> {
    conn.execute(
        "INSERT INTO inboxes (id, account_id, name, channel, first_responder, webhook_url, webhook_secret, api_token_hash, created_at, channel_config) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        args![id, account_id, inbox.name.as_str(), inbox.channel.as_str(), inbox.first_responder.as_str(),
            inbox.webhook_url.as_deref(), inbox.webhook_secret.as_str(), inbox.api_token_hash.as_str(), now,
            inbox.channel_config.as_deref()],
    )
    .await?;
    Ok(Inbox {
        id,
        account_id,
        name: inbox.name.clone(),
        channel: inbox.channel,
        first_responder: inbox.first_responder,
        webhook_url: inbox.webhook_url.clone(),
        created_at: now,
    })
}

pub(crate) async fn find_inbox(
    conn: &mut Conn,
    account_id: AccountId,
    inbox_id: InboxId,
) -> Result<InboxRow, StoreError> {
    conn.fetch_optional::<InboxRow>(
        &format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE account_id = $1 AND id = $2"),
        args![account_id, inbox_id],
    )
    .await?
    .ok_or(StoreError::not_found("inbox"))
}

impl Store {
    /// Creates an inbox with the id the caller chose (sealed settings are bound to it).
    pub async fn create_inbox(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        inbox: &NewInbox,
        now: Timestamp,
    ) -> Result<Inbox, StoreError> {
        let mut conn = self.write().await?;
        let inbox = insert_inbox(&mut conn, account_id, inbox_id, inbox, now).await?;
        conn.commit().await?;
        Ok(inbox)
    }

    /// Every inbox of an account, oldest first.
    pub async fn inboxes(&self, account_id: AccountId) -> Result<Vec<Inbox>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<InboxRow>(
                &format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE account_id = $1 ORDER BY created_at, id"),
                args![account_id],
            )
            .await?;
        convert_all(rows)
    }

    /// One inbox.
    pub async fn inbox(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Inbox, StoreError> {
        let mut conn = self.read().await?;
        find_inbox(&mut conn, account_id, inbox_id)
            .await?
            .try_into()
    }

    /// One inbox with its secrets: the key its outgoing webhooks are signed with and its sealed
    /// channel settings.
    pub async fn inbox_with_secrets(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<InboxSecrets, StoreError> {
        let mut conn = self.read().await?;
        let row = find_inbox(&mut conn, account_id, inbox_id).await?;
        let webhook_secret = row.webhook_secret.clone();
        let channel_config = row.channel_config.clone();
        Ok(InboxSecrets {
            inbox: row.try_into()?,
            webhook_secret,
            channel_config,
        })
    }

    /// The inbox a provider webhook names in its URL, with its sealed settings, in any account:
    /// the provider's signature, checked with those settings, is what authenticates the call.
    pub async fn inbox_for_channel_webhook(
        &self,
        inbox_id: InboxId,
    ) -> Result<Option<(Inbox, Option<String>)>, StoreError> {
        let mut conn = self.read().await?;
        let row = conn
            .fetch_optional::<InboxRow>(
                &format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE id = $1"),
                args![inbox_id],
            )
            .await?;
        row.map(|row| {
            let config = row.channel_config.clone();
            Inbox::try_from(row).map(|inbox| (inbox, config))
        })
        .transpose()
    }

    /// Every inbox of a channel kind that has settings, in every account (the e-mail poller).
    pub async fn channel_inboxes(
        &self,
        channel: ChannelKind,
    ) -> Result<Vec<(Inbox, String)>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<InboxRow>(
                &format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE channel = $1 AND channel_config IS NOT NULL ORDER BY id"),
                args![channel.as_str()],
            )
            .await?;
        rows.into_iter()
            .filter_map(|row| {
                let config = row.channel_config.clone()?;
                Some(Inbox::try_from(row).map(|inbox| (inbox, config)))
            })
            .collect()
    }

    /// The inbox an API-channel token belongs to.
    pub async fn inbox_by_token_hash(
        &self,
        api_token_hash: &str,
    ) -> Result<Option<Inbox>, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<InboxRow>(
            &format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE api_token_hash = $1"),
            args![api_token_hash],
        )
        .await?
        .map(Inbox::try_from)
        .transpose()
    }

    /// Changes an inbox, recording `audit`.
    pub async fn update_inbox(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        patch: &InboxPatch,
        audit: &NewAuditEntry,
        now: Timestamp,
    ) -> Result<Inbox, StoreError> {
        let mut conn = self.write().await?;
        let mut inbox = Inbox::try_from(find_inbox(&mut conn, account_id, inbox_id).await?)?;
        if let Some(name) = &patch.name {
            inbox.name = name.clone();
        }
        if let Some(first_responder) = patch.first_responder {
            inbox.first_responder = first_responder;
        }
        if let Some(webhook_url) = &patch.webhook_url {
            inbox.webhook_url = webhook_url.clone();
        }
        conn.execute(
            "UPDATE inboxes SET name = $1, first_responder = $2, webhook_url = $3, \
             api_token_hash = COALESCE($4, api_token_hash), channel_config = COALESCE($5, channel_config) \
             WHERE account_id = $6 AND id = $7",
            args![
                inbox.name.as_str(),
                inbox.first_responder.as_str(),
                inbox.webhook_url.as_deref(),
                patch.api_token_hash.as_deref(),
                patch.channel_config.as_deref(),
                account_id,
                inbox_id
            ],
        )
        .await?;
        record_audit(&mut conn, account_id, audit, now).await?;
        conn.commit().await?;
        Ok(inbox)
    }

    /// Deletes an inbox and, with it, its conversations and messages.
    pub async fn delete_inbox(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let deleted = conn
            .execute(
                "DELETE FROM inboxes WHERE account_id = $1 AND id = $2",
                args![account_id, inbox_id],
            )
            .await?;
        conn.commit().await?;
        if deleted == 0 {
            return Err(StoreError::not_found("inbox"));
        }
        Ok(())
    }
}
