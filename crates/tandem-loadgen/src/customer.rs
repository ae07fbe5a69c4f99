//! A simulated customer and one turn of its conversation: send a message through its channel,
//! wait until the bot's reply is visible to it, and after a request for a person also until an
//! agent's reply and the resolution are. Both load modes are made of these turns.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::oneshot;

use crate::api::ApiError;
use crate::board::Awaited;
use crate::delivery::is_duplicated;
use crate::failure::{Failure, FailureKind, Operation};
use crate::provider::{self, SignedWebhook};
use crate::recorder::Tallies;
use crate::scenario::{CustomerProfile, Intent, Script};
use crate::setup::{ApiInbox, WhatsappInbox};
use crate::signature::meta_signature;
use crate::whatsapp::InboundText;
use crate::world::World;

/// How a customer reaches the server.
#[derive(Debug, Clone)]
pub enum Route {
    Api {
        inbox: Arc<ApiInbox>,
        identity: String,
    },
    Whatsapp {
        inbox: Arc<WhatsappInbox>,
        number: String,
    },
    Widget {
        inbox_id: Arc<str>,
        visitor_token: String,
    },
}

impl Route {
    fn operation(&self) -> Operation {
        match self {
            Route::Api { .. } => Operation::ApiMessage,
            Route::Whatsapp { .. } => Operation::WhatsappWebhook,
            Route::Widget { .. } => Operation::WidgetMessage,
        }
    }
}

/// One simulated customer.
#[derive(Debug)]
pub struct Customer {
    pub profile: CustomerProfile,
    pub script: Script,
    pub route: Route,
}

impl Customer {
    /// The server this customer writes to.
    fn target<'w>(&self, world: &'w World) -> &'w str {
        world.target(self.profile.index)
    }

    async fn send(
        &self,
        world: &Arc<World>,
        text: &str,
        sequence: u64,
        key: &str,
    ) -> Result<(), ApiError> {
        let base = self.target(world);
        match &self.route {
            Route::Api { inbox, identity } => {
                let accepted = world
                    .api
                    .post_channel_message(base, &inbox.token, identity, text, key)
                    .await?;
                world
                    .board
                    .learn_contact(accepted.contact_id, self.profile.index);
                Ok(())
            }
            Route::Whatsapp { inbox, number } => {
                let message_id = format!("wamid.{key}");
                let unix_seconds = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_secs());
                let body = InboundText {
                    phone_number_id: &inbox.phone_number_id,
                    from: number,
                    profile_name: &format!("Cliente {}", self.profile.index),
                    message_id: &message_id,
                    text,
                    unix_seconds,
                }
                .body();
                let webhook = SignedWebhook {
                    inbox_id: inbox.id.clone(),
                    signature: meta_signature(&inbox.app_secret, &body),
                    message_id,
                    body,
                };
                self.deliver_webhook(world, sequence, webhook).await
            }
            Route::Widget {
                inbox_id,
                visitor_token,
            } => {
                world
                    .api
                    .post_widget_message(base, inbox_id, visitor_token, text, key)
                    .await
            }
        }
    }

    /// Delivers a WhatsApp webhook as the provider would (see `delivery`), and for the
    /// chosen share of messages the same signed body once more after it was acknowledged.
    async fn deliver_webhook(
        &self,
        world: &Arc<World>,
        sequence: u64,
        webhook: SignedWebhook,
    ) -> Result<(), ApiError> {
        let policy = world.delivery;
        if policy.keeps_ledger() {
            world
                .ledger
                .sending(self.profile.index, &webhook.message_id);
        }
        let preferred = self.profile.index % world.targets.len();
        provider::deliver(world, preferred, &webhook).await?;
        if is_duplicated(policy.seed, sequence, policy.duplicate_percent) {
            world.ledger.duplicate_sent();
            let detached = world.clone();
            world.detach(async move {
                let _ = provider::deliver(&detached, preferred, &webhook).await;
            });
        }
        Ok(())
    }

    /// One turn: the next message of the script and everything it should make visible. When
    /// an awaited message never comes, the customer sits out a quiet period before the turn
    /// ends, so a late one cannot be taken for the answer to its next message.
    pub async fn take_turn(&mut self, world: &Arc<World>) {
        let utterance = self.script.next_utterance();
        let index = self.profile.index;
        let channel = self.profile.channel;
        let is_handover = utterance.intent == Intent::Handover;
        let (sequence, key) = world.next_message();
        // Waits start before the send: a reply may come before the send's own answer.
        let bot = world.board.expect(index, Awaited::BotReply);
        let person = is_handover.then(|| {
            (
                world.board.expect(index, Awaited::AgentReply),
                world.board.expect(index, Awaited::Resolution),
            )
        });
        let sent_at = Instant::now();
        if is_handover {
            world.handovers.requested(key.clone(), sent_at);
        }
        world.recorder.at(sent_at, Tallies::attempted);
        if let Err(error) = self.send(world, utterance.text, sequence, &key).await {
            let failure = Failure {
                operation: self.route.operation(),
                kind: error.kind(),
            };
            world.recorder.failure(sent_at, failure);
            world.board.forget(index);
            world.handovers.withdraw(&key);
            return;
        }
        world
            .recorder
            .at(sent_at, |tallies| tallies.accepted(channel, is_handover));
        let limits = world.limits;
        let Some(seen) = self
            .wait(
                world,
                bot,
                limits.reply_timeout,
                sent_at,
                Operation::BotReply,
            )
            .await
        else {
            return;
        };
        world.recorder.at(sent_at, |tallies| {
            tallies.bot_reply(channel, seen - sent_at)
        });
        let Some((agent, resolution)) = person else {
            return;
        };
        let Some(seen) = self
            .wait(
                world,
                agent,
                limits.agent_timeout,
                sent_at,
                Operation::AgentAnswer,
            )
            .await
        else {
            return;
        };
        world
            .recorder
            .at(sent_at, |tallies| tallies.agent_reply(seen - sent_at));
        self.wait(
            world,
            resolution,
            limits.reply_timeout,
            sent_at,
            Operation::Resolution,
        )
        .await;
    }

    /// Waits for one awaited message; on timeout records the failure and sits out.
    async fn wait(
        &self,
        world: &World,
        awaited: oneshot::Receiver<Instant>,
        limit: Duration,
        sent_at: Instant,
        operation: Operation,
    ) -> Option<Instant> {
        if let Ok(Ok(seen)) = tokio::time::timeout(limit, awaited).await {
            return Some(seen);
        }
        let failure = Failure {
            operation,
            kind: FailureKind::NotSeenInTime,
        };
        world.recorder.failure(sent_at, failure);
        world.board.forget(self.profile.index);
        tokio::time::sleep(world.limits.reply_timeout).await;
        None
    }
}
