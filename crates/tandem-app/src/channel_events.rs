//! What providers and integrations send in: the inbox a webhook URL or an API-channel token
//! names, each event of a provider's webhook (a customer message, a delivery report), and a
//! phone call's turn, where the caller's words wait briefly for the bot's spoken answer.

use std::time::Duration;

use tandem_channels::WebhookEvent;
use tandem_channels::config::ChannelConfig;
use tandem_domain::conversation::ConversationStatus;
use tandem_domain::event::Actor;
use tandem_domain::id::{AccountId, ConversationId, InboxId, MessageId};
use tandem_domain::inbox::{ChannelKind, Inbox};
use tandem_nlu::Language;

use crate::intake::provider_inbound;
use crate::model::InboundMessage;
use crate::secret::token_hash;
use crate::{App, AppError};

/// How long a call waits for the bot's answer before saying nothing and listening again
/// (Twilio gives up on a webhook after 15 seconds).
const VOICE_ANSWER_WAIT: Duration = Duration::from_secs(8);

/// What the bot said after a caller's words, and where the conversation stands.
#[derive(Debug)]
pub struct Spoken {
    pub lines: Vec<String>,
    pub conversation_id: ConversationId,
    pub status: ConversationStatus,
    /// The language the bot speaks in the conversation.
    pub language: Language,
}

impl App {
    /// The inbox a provider's webhook URL names, with its opened settings. An unknown inbox,
    /// an API inbox and one whose settings cannot be used are all "not found" (the last is
    /// logged for the operator).
    pub async fn channel_webhook_inbox(
        &self,
        inbox_id: InboxId,
    ) -> Result<(Inbox, ChannelConfig), AppError> {
        let not_found = AppError::NotFound { entity: "inbox" };
        let (inbox, sealed) = self
            .store
            .inbox_for_channel_webhook(inbox_id)
            .await?
            .ok_or(not_found)?;
        let config = self
            .channels()
            .open(&inbox, sealed.as_deref())
            .map_err(|error| {
                tracing::warn!(inbox_id = %inbox.id, %error, "webhook for an inbox whose settings cannot be used");
                AppError::NotFound { entity: "inbox" }
            })?;
        Ok((inbox, config))
    }

    /// The API-channel inbox a channel token authenticates, if any. Tokens that other inboxes
    /// were given before only API-channel inboxes had one authenticate nothing: a provider's
    /// messages come signed through its webhook.
    pub async fn api_channel_inbox(&self, token: &str) -> Result<Option<Inbox>, AppError> {
        let inbox = self.store.inbox_by_token_hash(&token_hash(token)).await?;
        Ok(inbox.filter(|inbox| inbox.channel == ChannelKind::Api))
    }

    /// Applies one event of a provider's webhook: a customer message enters like any other,
    /// a delivery report moves an outbound message's status forward, anything else is
    /// acknowledged and logged.
    pub async fn accept_channel_event(
        &self,
        inbox: &Inbox,
        event: WebhookEvent,
    ) -> Result<(), AppError> {
        match event {
            WebhookEvent::Message(message) => {
                self.accept_inbound(inbox.account_id, &provider_inbound(inbox.id, message))
                    .await?;
            }
            WebhookEvent::Status(update) => {
                let changed = self
                    .store
                    .record_delivery_status(
                        inbox.account_id,
                        inbox.id,
                        &update.external_id,
                        update.status,
                        update.error.as_deref(),
                    )
                    .await?;
                tracing::debug!(inbox_id = %inbox.id, status = update.status.as_str(), changed, "delivery report");
            }
            WebhookEvent::Ignored { kind } if kind.starts_with("malformed") => {
                tracing::warn!(inbox_id = %inbox.id, kind, "malformed channel event acknowledged and skipped");
            }
            WebhookEvent::Ignored { kind } => {
                tracing::info!(inbox_id = %inbox.id, kind, "channel event acknowledged and ignored");
            }
        }
        Ok(())
    }

    /// The default language of the bot serving an inbox (Portuguese without a profile).
    pub async fn inbox_language(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Language, AppError> {
        Ok(self
            .bot
            .inbox_language(account_id, inbox_id)
            .await?
            .unwrap_or(Language::Portuguese))
    }

    /// A caller's words as a customer message, and the bot's answer to speak back.
    pub async fn voice_turn(
        &self,
        inbox: &Inbox,
        inbound: &InboundMessage,
    ) -> Result<Spoken, AppError> {
        let outcome = self.accept_inbound(inbox.account_id, inbound).await?;
        let (lines, status) = self
            .bot_answer(
                inbox.account_id,
                outcome.message.id,
                outcome.conversation.id,
            )
            .await?;
        let language = self.call_language(inbox, outcome.conversation.id).await?;
        Ok(Spoken {
            lines,
            conversation_id: outcome.conversation.id,
            status,
            language,
        })
    }

    /// Waits (briefly) for the bot's turn on the caller's message: its messages after that
    /// one, or the conversation leaving the bot (a handover).
    async fn bot_answer(
        &self,
        account_id: AccountId,
        message_id: MessageId,
        conversation_id: ConversationId,
    ) -> Result<(Vec<String>, ConversationStatus), AppError> {
        let deadline = tokio::time::Instant::now() + VOICE_ANSWER_WAIT;
        loop {
            // Messages first: the two reads are not one snapshot, and a turn committed between
            // them must not be seen as replies with the status from before its handover.
            let page = self
                .store
                .messages(account_id, conversation_id, None, 500)
                .await?;
            let conversation = self.store.conversation(account_id, conversation_id).await?;
            let lines: Vec<String> = page
                .messages
                .iter()
                .skip_while(|message| message.id != message_id)
                .filter(|message| message.sender == Actor::Bot && !message.is_private)
                .map(|message| message.text.clone())
                .collect();
            let answered = !lines.is_empty() || conversation.status != ConversationStatus::Bot;
            if answered || tokio::time::Instant::now() >= deadline {
                return Ok((lines, conversation.status));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
