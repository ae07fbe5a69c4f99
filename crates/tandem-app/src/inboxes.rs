//! Inboxes: reading them (admins with their secrets), creating one with its API token and
//! webhook secret, changing one, rotating its token, deleting it; and the web inbox the demo
//! site embeds.
//!
//! A channel inbox's settings are validated for its channel and sealed with this server's
//! secret key, bound to the inbox, before they are stored.

use tandem_channels::config::ChannelConfig;
use tandem_domain::id::{AccountId, InboxId};
use tandem_domain::inbox::{ChannelKind, FirstResponder, Inbox, validate_inbox};
use tandem_domain::validation::{MAX_NAME_CHARS, ValidationError, Validator};
use tandem_store::{InboxPatch, NewInbox};

use serde_json::json;

use crate::audit::{Actor, AuditEvent};
use crate::demo::INBOX_TOKEN_PREFIX;
use crate::error::ConflictKind;
use crate::model::InboxSecrets;
use crate::secret::{generate_token, token_hash};
use crate::{App, AppError};

/// Prefix of the key an inbox's outgoing webhooks are signed with.
const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

impl App {
    pub async fn inboxes(&self, account_id: AccountId) -> Result<Vec<Inbox>, AppError> {
        Ok(self.store.inboxes(account_id).await?)
    }

    pub async fn inbox(&self, account_id: AccountId, inbox_id: InboxId) -> Result<Inbox, AppError> {
        Ok(self.store.inbox(account_id, inbox_id).await?)
    }

    /// The inbox with its webhook secret and sealed channel settings (for admins).
    pub async fn inbox_with_secrets(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<InboxSecrets, AppError> {
        Ok(self.store.inbox_with_secrets(account_id, inbox_id).await?)
    }

    /// Creates an inbox with its webhook secret and, for an API-channel inbox, a new channel
    /// token (returned once, with the inbox; other inboxes get none: providers sign their
    /// webhooks). `channel_settings` (the provider's credentials, as JSON) are validated for the
    /// channel and stored sealed; every channel but `api` and `web` needs them.
    /// Recorded as `inbox.created` by `actor` (the settings' secrets redacted).
    pub async fn create_inbox(
        &self,
        actor: &Actor,
        name: &str,
        channel: &str,
        first_responder: Option<&str>,
        webhook_url: Option<String>,
        channel_settings: Option<serde_json::Value>,
    ) -> Result<(Option<String>, InboxSecrets), AppError> {
        let mut validator = Validator::new();
        validator.text("name", name, MAX_NAME_CHARS);
        validator.finish()?;
        validate_inbox(None, webhook_url.as_deref())?;
        if let Some(url) = &webhook_url {
            self.check_outbound_url("webhook_url", url).await?;
        }
        let channel: ChannelKind = channel.parse()?;
        let inbox_id = InboxId::generate();
        let channel_config = self
            .sealed_settings(inbox_id, channel, channel_settings.clone(), None)
            .await?;
        if channel.needs_config() && channel_config.is_none() {
            return Err(AppError::invalid(
                "channel_config",
                "required",
                format!("a {channel} inbox needs its channel settings"),
            ));
        }
        let first_responder = first_responder
            .map(str::parse::<FirstResponder>)
            .transpose()?;
        // The column wants a hash; a provider inbox gets the hash of a token nobody ever sees.
        let token = generate_token(INBOX_TOKEN_PREFIX);
        let api_token_hash = token_hash(&token);
        let api_token = (channel == ChannelKind::Api).then_some(token);
        let new_inbox = NewInbox {
            name: name.trim().to_owned(),
            channel,
            first_responder: first_responder.unwrap_or(FirstResponder::Human),
            webhook_url,
            webhook_secret: generate_token(WEBHOOK_SECRET_PREFIX),
            api_token_hash,
            channel_config,
        };
        let account_id = actor.account_id;
        let inbox = self
            .store
            .create_inbox(account_id, inbox_id, &new_inbox, self.now())
            .await?;
        let event = AuditEvent::new("inbox.created", "inbox", inbox.id.0).after(json!({
            "name": inbox.name,
            "channel": inbox.channel.as_str(),
            "first_responder": inbox.first_responder.as_str(),
            "webhook_url": inbox.webhook_url,
            "channel_settings": channel_settings,
        }));
        self.record(actor, event).await?;
        let created = self.store.inbox_with_secrets(account_id, inbox.id).await?;
        Ok((api_token, created))
    }

    /// Changes the fields given (`webhook_url: Some(None)` removes the webhook).
    /// New `channel_settings` replace the stored ones; secrets sent back masked keep their
    /// stored values.
    /// Recorded as `inbox.updated` by `actor` with the fields that changed (the settings'
    /// secrets redacted).
    pub async fn update_inbox(
        &self,
        actor: &Actor,
        inbox_id: InboxId,
        name: Option<String>,
        first_responder: Option<&str>,
        webhook_url: Option<Option<String>>,
        channel_settings: Option<serde_json::Value>,
    ) -> Result<InboxSecrets, AppError> {
        validate_inbox(name.as_deref(), webhook_url.clone().flatten().as_deref())?;
        let account_id = actor.account_id;
        if let Some(Some(url)) = &webhook_url {
            self.check_outbound_url("webhook_url", url).await?;
        }
        let (inbox, previous) = self.inbox_settings(account_id, inbox_id).await?;
        let channel_config = self
            .sealed_settings(
                inbox.id,
                inbox.channel,
                channel_settings.clone(),
                previous.as_ref(),
            )
            .await?;
        let patch = InboxPatch {
            name: name.map(|name| name.trim().to_owned()),
            first_responder: first_responder
                .map(str::parse::<FirstResponder>)
                .transpose()?,
            webhook_url,
            api_token_hash: None,
            channel_config,
        };
        let event = AuditEvent::new("inbox.updated", "inbox", inbox_id.0).changes(
            &json!({
                "name": inbox.name,
                "first_responder": inbox.first_responder.as_str(),
                "webhook_url": inbox.webhook_url,
                "channel_settings": previous.map(|settings| settings.masked()),
            }),
            json!({
                "name": patch.name,
                "first_responder": patch.first_responder.map(FirstResponder::as_str),
                "webhook_url": patch.webhook_url,
                "channel_settings": channel_settings,
            }),
        );
        self.store
            .update_inbox(
                account_id,
                inbox_id,
                &patch,
                &event.entry(actor),
                self.now(),
            )
            .await?;
        Ok(self.store.inbox_with_secrets(account_id, inbox_id).await?)
    }

    /// Replaces an API-channel inbox's token (returned once, with the inbox); the old one
    /// stops working at once. Other inboxes have no token to replace. Recorded as
    /// `inbox.token_rotated` by `actor`.
    pub async fn rotate_inbox_token(
        &self,
        actor: &Actor,
        inbox_id: InboxId,
    ) -> Result<(String, InboxSecrets), AppError> {
        let account_id = actor.account_id;
        if self.store.inbox(account_id, inbox_id).await?.channel != ChannelKind::Api {
            return Err(AppError::conflict(
                ConflictKind::NotAnApiInbox,
                "only an API-channel inbox has a channel token",
            ));
        }
        let api_token = generate_token(INBOX_TOKEN_PREFIX);
        let patch = InboxPatch {
            api_token_hash: Some(token_hash(&api_token)),
            ..InboxPatch::default()
        };
        let event = AuditEvent::new("inbox.token_rotated", "inbox", inbox_id.0);
        self.store
            .update_inbox(
                account_id,
                inbox_id,
                &patch,
                &event.entry(actor),
                self.now(),
            )
            .await?;
        let inbox = self.store.inbox_with_secrets(account_id, inbox_id).await?;
        Ok((api_token, inbox))
    }

    /// Deletes an inbox, recorded as `inbox.deleted` by `actor`.
    pub async fn delete_inbox(&self, actor: &Actor, inbox_id: InboxId) -> Result<(), AppError> {
        let inbox = self.store.inbox(actor.account_id, inbox_id).await?;
        self.store.delete_inbox(actor.account_id, inbox_id).await?;
        let event = AuditEvent::new("inbox.deleted", "inbox", inbox_id.0).before(json!({
            "name": inbox.name, "channel": inbox.channel.as_str(),
        }));
        self.record(actor, event).await
    }

    /// The installation's first web inbox, whose widget the demo site shows.
    pub async fn demo_inbox(&self) -> Result<Inbox, AppError> {
        self.store
            .first_web_inbox()
            .await?
            .ok_or(AppError::NotFound {
                entity: "web inbox",
            })
    }

    /// Validates channel settings given for a `channel` inbox (a mail server must be one the
    /// server may connect to) and seals them for the store, bound to the inbox; secrets sent
    /// back masked keep the values of the `previous` settings.
    /// An inbox and its channel settings, opened (`None` without settings, or when they no longer
    /// open).
    pub(crate) async fn inbox_settings(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<(Inbox, Option<ChannelConfig>), AppError> {
        let InboxSecrets {
            inbox,
            channel_config: sealed,
            ..
        } = self.store.inbox_with_secrets(account_id, inbox_id).await?;
        let settings = self.channels().open(&inbox, sealed.as_deref()).ok();
        Ok((inbox, settings))
    }

    async fn sealed_settings(
        &self,
        inbox_id: InboxId,
        channel: ChannelKind,
        given: Option<serde_json::Value>,
        previous: Option<&ChannelConfig>,
    ) -> Result<Option<String>, ValidationError> {
        let Some(value) = given else {
            return Ok(None);
        };
        let config = ChannelConfig::parse(channel, value, "channel_config", previous)?;
        self.check_mail_servers(&config).await?;
        Ok(Some(self.channels().seal(inbox_id, &config)))
    }
}
