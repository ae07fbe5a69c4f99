//! The channel delivery worker: takes due jobs from the store's channel queue, turns each
//! message into what its provider takes (a chat message, or an e-mail threaded under the
//! conversation), hands it to the inbox's provider (`ports::ChannelProvider`), and records
//! the outcome (the attempts that finished together in one transaction): sent (with the
//! provider's id, which later delivery reports name), a retry after an exponential back-off or
//! the provider's `Retry-After` (which holds the whole inbox), or failed for good, shown to the
//! agent. Sends to one inbox are paced to the provider's documented rate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use tandem_channels::config::ChannelConfig;
use tandem_channels::email::{EmailFile, OutboundEmail, reply_subject};
use tandem_channels::{OutboundMessage, QuickReply, Template};
use tandem_domain::conversation::ConversationStatus;
use tandem_domain::event::Actor;
use tandem_domain::id::InboxId;
use tandem_domain::inbox::{ChannelKind, Inbox};
use tandem_domain::message::{Direction, Message};
use tandem_nlu::masking::mask_text;
use tandem_store::{
    ChannelAttempt, ChannelDelivery, InboxSecrets, Outbox, Store, StoreError, StoredFile,
};

use crate::App;
use crate::channels::{TALK_TO_PERSON, talk_to_person_title};
use crate::delivery::{self, Deliverer};
use crate::ports::{Outbound, SendAttempt};

/// Starts the worker; it stops when `shutdown` is cancelled.
pub(crate) fn spawn_worker(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    let queued = app.store.deliveries_queued(Outbox::Channels);
    let poll_interval = app.settings.deliveries.poll_interval;
    let worker = OutboundWorker {
        store: app.store.clone(),
        app,
        pacer: Arc::new(Pacer::default()),
    };
    tokio::spawn(delivery::run(
        worker,
        queued,
        poll_interval,
        "channels",
        delivery::MAX_IN_FLIGHT,
        shutdown,
    ))
}

/// Claims due channel jobs and attempts each; cheap to clone.
#[derive(Clone)]
struct OutboundWorker {
    app: App,
    store: Store,
    pacer: Arc<Pacer>,
}

impl Deliverer for OutboundWorker {
    type Job = ChannelDelivery;
    type Outcome = (ChannelDelivery, ChannelAttempt);

    async fn claim(&self, limit: u32) -> Result<Vec<ChannelDelivery>, StoreError> {
        self.store
            .claim_channel_deliveries(self.app.now(), self.app.settings.deliveries.lease, limit)
            .await
    }

    async fn attempt(&self, delivery: ChannelDelivery) -> (ChannelDelivery, ChannelAttempt) {
        let sent = self.send(&delivery).await;
        let attempt = self.outcome(&delivery, sent).await;
        (delivery, attempt)
    }

    async fn record(&self, outcomes: Vec<(ChannelDelivery, ChannelAttempt)>) {
        if let Err(error) = self
            .store
            .record_channel_attempts(&outcomes, self.app.now())
            .await
        {
            tracing::warn!(deliveries = outcomes.len(), %error, "recording channel deliveries failed; they are attempted again when their leases end");
        }
    }
}

/// A provider's reason for a failure may quote the recipient or the message back: it is masked
/// before it is logged or stored with the delivery.
fn masked_reason(attempt: SendAttempt) -> SendAttempt {
    match attempt {
        SendAttempt::Failed(reason) => SendAttempt::Failed(mask_text(&reason)),
        SendAttempt::Retry {
            reason,
            retry_after,
        } => SendAttempt::Retry {
            reason: mask_text(&reason),
            retry_after,
        },
        sent @ SendAttempt::Sent(_) => sent,
    }
}

impl OutboundWorker {
    /// What to record for a send: sent, failed for good, or a retry after the back-off (or the
    /// provider's `Retry-After`, which holds the whole inbox at once).
    async fn outcome(&self, delivery: &ChannelDelivery, attempt: SendAttempt) -> ChannelAttempt {
        let attempt = masked_reason(attempt);
        let now = self.app.now();
        let settings = &self.app.settings.deliveries;
        let channel = delivery.channel.as_str();
        let outcome = match &attempt {
            SendAttempt::Sent(_) => "sent",
            SendAttempt::Failed(_) => "failed",
            SendAttempt::Retry { .. } if settings.retry_at(delivery.attempts, now).is_none() => {
                "failed"
            }
            SendAttempt::Retry { .. } => "retried",
        };
        self.app.ports.observer.delivery(channel, outcome);
        match attempt {
            SendAttempt::Sent(external_id) => {
                tracing::debug!(delivery_id = %delivery.id, "channel message sent");
                ChannelAttempt::Sent { external_id }
            }
            SendAttempt::Failed(reason) => {
                tracing::warn!(delivery_id = %delivery.id, %reason, "channel message failed");
                ChannelAttempt::Failed { error: reason }
            }
            SendAttempt::Retry {
                reason,
                retry_after,
            } => {
                let backoff = settings.retry_at(delivery.attempts, now);
                let Some(backoff) = backoff else {
                    let reason = format!("gave up after {} attempts: {reason}", delivery.attempts);
                    tracing::warn!(delivery_id = %delivery.id, %reason, "channel message failed");
                    return ChannelAttempt::Failed { error: reason };
                };
                let retry_at = match retry_after {
                    Some(wait) => {
                        let wait = jiff::SignedDuration::try_from(wait)
                            .unwrap_or(jiff::SignedDuration::from_hours(1));
                        let until = now.saturating_add(wait).unwrap_or(backoff);
                        if let Err(error) = self
                            .store
                            .defer_inbox_deliveries(delivery.inbox_id, until)
                            .await
                        {
                            tracing::warn!(inbox_id = %delivery.inbox_id, %error, "holding the inbox's deliveries failed");
                        }
                        until
                    }
                    None => backoff,
                };
                tracing::info!(delivery_id = %delivery.id, attempts = delivery.attempts, %reason, "channel message will be retried");
                ChannelAttempt::Retry {
                    error: reason,
                    at: retry_at,
                }
            }
        }
    }

    async fn send(&self, delivery: &ChannelDelivery) -> SendAttempt {
        match self.prepare_and_send(delivery).await {
            Ok(attempt) => attempt,
            Err(StoreError::NotFound { entity }) => {
                SendAttempt::Failed(format!("the {entity} no longer exists"))
            }
            Err(error) => SendAttempt::Retry {
                reason: format!("storage: {error}"),
                retry_after: None,
            },
        }
    }

    async fn prepare_and_send(
        &self,
        delivery: &ChannelDelivery,
    ) -> Result<SendAttempt, StoreError> {
        let store = &self.store;
        let InboxSecrets {
            inbox,
            channel_config: sealed,
            ..
        } = store
            .inbox_with_secrets(delivery.account_id, delivery.inbox_id)
            .await?;
        let config = match self.app.channels().open(&inbox, sealed.as_deref()) {
            Ok(config) => config,
            Err(error) => return Ok(SendAttempt::Failed(error.to_string())),
        };
        let message = store
            .message(delivery.account_id, delivery.message_id)
            .await?;
        let Some(address) = store
            .conversation_channel_address(delivery.account_id, delivery.conversation_id)
            .await?
        else {
            return Ok(SendAttempt::Failed(
                "the customer has no address on this channel".to_owned(),
            ));
        };
        let file = self.sent_file(&message).await?;
        let chat = self
            .outbound_message(&inbox, &message, address, file.as_ref())
            .await?;
        let outbound = match &config {
            ChannelConfig::Email(email) => {
                let files = match self.email_files(file).await? {
                    Ok(files) => files,
                    Err(reason) => {
                        return Ok(SendAttempt::Retry {
                            reason,
                            retry_after: None,
                        });
                    }
                };
                Outbound::Email(self.email(delivery, email, &message, chat, files).await?)
            }
            _ => Outbound::Chat(chat),
        };
        let provider = match self.app.ports.providers.provider(&inbox, config) {
            Ok(provider) => provider,
            Err(reason) => return Ok(SendAttempt::Failed(reason)),
        };
        self.pacer.wait(inbox.id, inbox.channel).await;
        Ok(provider.send(&outbound).await)
    }

    /// The message in the adapters' terms: its text, the template it carries, the file it
    /// carries (by a link the provider downloads) and the buttons offered (those stored with it,
    /// else "talk to a person" under a bot message while the bot has the conversation).
    async fn outbound_message(
        &self,
        inbox: &Inbox,
        message: &Message,
        address: String,
        file: Option<&StoredFile>,
    ) -> Result<OutboundMessage, StoreError> {
        let data = message.channel_data.as_ref();
        let template = data
            .and_then(|data| data.get("template"))
            .and_then(|template| serde_json::from_value::<Template>(template.clone()).ok());
        let mut quick_replies = data
            .and_then(|data| data.get("quick_replies"))
            .and_then(|replies| serde_json::from_value::<Vec<QuickReply>>(replies.clone()).ok())
            .unwrap_or_default();
        let offers_buttons = matches!(
            inbox.channel,
            ChannelKind::Whatsapp
                | ChannelKind::Messenger
                | ChannelKind::Instagram
                | ChannelKind::Telegram
        );
        if quick_replies.len() < 3
            && template.is_none()
            && offers_buttons
            && message.sender == Actor::Bot
        {
            let conversation = self
                .store
                .conversation(message.account_id, message.conversation_id)
                .await?;
            if conversation.status == ConversationStatus::Bot
                && let Some(language) = self
                    .app
                    .bot
                    .conversation_language(message.account_id, message.conversation_id)
                    .await?
            {
                quick_replies.push(QuickReply {
                    id: TALK_TO_PERSON.to_owned(),
                    title: talk_to_person_title(language).to_owned(),
                });
            }
        }
        let file = file.map(|file| tandem_channels::OutboundFile {
            kind: file.kind,
            url: self.app.file_link(file),
            file_name: file.file_name.clone(),
            mime_type: file.mime_type.clone(),
        });
        Ok(OutboundMessage {
            to: address,
            text: message.text.clone(),
            quick_replies,
            template,
            file,
        })
    }

    /// The file a message carries, if any (a message carries one at most).
    async fn sent_file(&self, message: &Message) -> Result<Option<StoredFile>, StoreError> {
        match message
            .attachments
            .iter()
            .find_map(|attachment| attachment.file_id)
        {
            Some(file_id) => Ok(Some(self.store.file(message.account_id, file_id).await?)),
            None => Ok(None),
        }
    }

    /// A message's file with its content, to attach to an e-mail; `Err` when the content
    /// cannot be read now.
    async fn email_files(
        &self,
        file: Option<StoredFile>,
    ) -> Result<Result<Vec<EmailFile>, String>, StoreError> {
        let Some(file) = file else {
            return Ok(Ok(Vec::new()));
        };
        Ok(
            match self.app.ports.files.get(file.account_id, file.id).await {
                Ok(Some(content)) => Ok(vec![EmailFile {
                    file_name: file.file_name.unwrap_or_else(|| "file".to_owned()),
                    mime_type: file.mime_type,
                    content,
                }]),
                Ok(None) => return Err(StoreError::NotFound { entity: "file" }),
                Err(error) => Err(format!("reading the file: {error}")),
            },
        )
    }

    /// An e-mail reply threaded under the conversation's earlier messages.
    async fn email(
        &self,
        delivery: &ChannelDelivery,
        config: &tandem_channels::config::EmailConfig,
        message: &Message,
        outbound: OutboundMessage,
        attachments: Vec<EmailFile>,
    ) -> Result<OutboundEmail, StoreError> {
        let page = self
            .store
            .messages(delivery.account_id, delivery.conversation_id, None, 500)
            .await?;
        let earlier: Vec<&Message> = page
            .messages
            .iter()
            .filter(|earlier| earlier.id != message.id && !earlier.is_private)
            .collect();
        let references: Vec<String> = earlier
            .iter()
            .filter_map(|earlier| earlier.external_id.clone())
            .filter(|id| id.contains('@'))
            .collect();
        let last_inbound = earlier
            .iter()
            .rev()
            .find(|earlier| earlier.direction == Direction::Inbound);
        let subject = last_inbound
            .and_then(|inbound| inbound.channel_data.as_ref())
            .and_then(|data| data.get("subject"))
            .and_then(|subject| subject.as_str())
            .unwrap_or_default();
        let domain = config
            .address
            .rsplit_once('@')
            .map_or("tandem.invalid", |(_, domain)| domain);
        let mut text = outbound.text;
        for (n, reply) in outbound.quick_replies.iter().enumerate() {
            text.push_str(&format!("\n{}. {}", n + 1, reply.title));
        }
        Ok(OutboundEmail {
            from_address: config.address.clone(),
            from_name: config.display_name.clone(),
            to: outbound.to,
            subject: reply_subject(subject),
            text,
            message_id: format!("{}@{domain}", message.id),
            in_reply_to: last_inbound.and_then(|inbound| inbound.external_id.clone()),
            references,
            attachments,
        })
    }
}

/// Spaces sends to one inbox by its provider's documented rate, across concurrent sends.
#[derive(Default)]
struct Pacer {
    next_send: Mutex<HashMap<InboxId, Instant>>,
}

impl Pacer {
    /// The least time between two messages from one sender.
    fn interval(channel: ChannelKind) -> Duration {
        match channel {
            // Cloud API: 80 messages per second per business number.
            ChannelKind::Whatsapp => Duration::from_millis(13),
            // Bot API: about 30 messages per second per bot.
            ChannelKind::Telegram => Duration::from_millis(34),
            // A long-code number sends one SMS segment per second.
            ChannelKind::Sms => Duration::from_secs(1),
            _ => Duration::from_millis(5),
        }
    }

    /// Waits for this inbox's next free slot, reserving it.
    async fn wait(&self, inbox_id: InboxId, channel: ChannelKind) {
        let slot = {
            let mut next_send = self
                .next_send
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = next_send.get(&inbox_id).copied().unwrap_or(now).max(now);
            next_send.insert(inbox_id, slot + Self::interval(channel));
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}
