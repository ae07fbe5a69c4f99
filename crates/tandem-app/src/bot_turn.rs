//! Runs the built-in bot on conversations it handles: after a customer message is stored, the
//! account's profile (reloaded whenever it is replaced) analyzes it, the dialogue decides, the
//! HTTP action it asks for is performed, and the turn — replies, memory, handover — is stored
//! at once. Turns of one conversation run one at a time; a turn computed from stale memory is
//! recomputed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use tandem_bot::label_rules;
use tandem_bot::learning;
use tandem_bot::{
    ActionFailure, ActionFailureKind, ActionOutcome, ActionRequest, BotState, BotTurn,
    CustomerTurn, ExternalReply, HandoverDecision, MessageKind, TeamAvailability, TurnOutcome,
    handover_message, queue_notice, render_message,
};
use tandem_domain::contact::Contact;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::Event;
use tandem_domain::id::{AccountId, ConversationId, InboxId, MessageId};
use tandem_domain::message::{Direction, Message};
use tandem_nlu::{Analysis, Language};
use tandem_routing::team::OutOfHours;
use tandem_store::{
    Availability, BotHandover, BotResolution, BotTurnOutcome, BotTurnRecord, Conflict,
    NewUnansweredQuestion, QueueStatus, Store, StoreError, StoredBotState,
};

use crate::ai::AiService;
use crate::error::ConflictKind;
use crate::handover::{failure_handover, handover_context, routing_facts};
use crate::loaded_bot::{BotCache, LoadedBot, TurnError};
use crate::ports::ExternalTurn;
use crate::routing_worker::RoutingKicks;
use crate::surveys;
use crate::{App, AppError, Ports};

/// The most unanswered messages a node picks up when it starts.
const LEFTOVERS_PER_START: u32 = 1000;

/// How many times a turn is recomputed when another one was stored meanwhile.
const MAX_ATTEMPTS: usize = 3;

/// Runs bot turns in the background; cheap to clone.
#[derive(Clone)]
pub(crate) struct BotRunner {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    routing: RoutingKicks,
    ports: Ports,
    ai: AiService,
    bots: BotCache,
    conversations: Mutex<HashMap<ConversationId, Arc<tokio::sync::Mutex<()>>>>,
    tasks: TaskTracker,
    /// Cancelled on shutdown: waits for external bots end early.
    stopping: CancellationToken,
}

impl std::fmt::Debug for BotRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotRunner").finish_non_exhaustive()
    }
}

/// A customer message the handover rules let through to an external bot.
struct Forwarded {
    message_id: MessageId,
    text: String,
    analysis: Analysis,
}

/// Why an external bot's reply was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExternalReplyError {
    #[error("the conversation is no longer the bot's")]
    NotTheBots,
    #[error("in_reply_to is not a customer message of this conversation")]
    UnknownMessage,
    #[error("that message has already been answered")]
    AlreadyAnswered,
    #[error("the account's bot profile has no external bot")]
    NoExternalBot,
    #[error("the bot failed: {0}")]
    Bot(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BotRunner {
    pub(crate) fn new(store: Store, routing: RoutingKicks, ports: Ports, ai: AiService) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                routing,
                ports,
                ai,
                bots: BotCache::default(),
                conversations: Mutex::new(HashMap::new()),
                tasks: TaskTracker::new(),
                stopping: CancellationToken::new(),
            }),
        }
    }

    /// The bot serving an inbox (its profile and engine), if it has one.
    pub(crate) async fn loaded(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Option<Arc<LoadedBot>>, AppError> {
        self.inner
            .bots
            .get(&self.inner.store, account_id, inbox_id)
            .await
            .map_err(|error| match error {
                TurnError::Store(error) => error.into(),
                other => AppError::Internal(other.to_string()),
            })
    }

    /// Answers a customer message on a conversation the bot handles, in the background.
    pub(crate) fn customer_wrote(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
        text: String,
    ) {
        let runner = self.clone();
        self.inner.tasks.spawn(async move {
            let started = std::time::Instant::now();
            let answered = runner
                .answer(account_id, conversation_id, message_id, &text)
                .await;
            runner.inner.ports.observer.bot_turn(started.elapsed());
            if let Err(error) = answered {
                tracing::error!(%error, %conversation_id, "bot turn failed; handing over");
                runner
                    .hand_over_after_error(account_id, conversation_id)
                    .await;
            }
        });
    }

    /// A customer is never left unanswered because the bot broke (a profile that no longer
    /// loads, the database failing mid-turn): the conversation goes to a person instead.
    async fn hand_over_after_error(&self, account_id: AccountId, conversation_id: ConversationId) {
        self.hand_over_for_failure(account_id, conversation_id, "bot_error", None)
            .await;
    }

    /// Tells the customer, in the background, that their voice note could not be made out and
    /// they may type it or ask for a person. It answers the note without changing what the
    /// bot remembers, so it is never counted as a misunderstanding towards a handover.
    pub(crate) fn voice_note_unheard(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) {
        let runner = self.clone();
        self.inner.tasks.spawn(async move {
            if let Err(error) = runner
                .answer_unheard(account_id, conversation_id, message_id)
                .await
            {
                tracing::error!(%error, %conversation_id, "the customer was not told their voice note was not understood");
            }
        });
    }

    /// The conversation and the bot's memory, while the conversation is the bot's and
    /// `message_id` has not been answered.
    async fn unanswered(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) -> Result<Option<(Conversation, StoredBotState)>, StoreError> {
        let store = &self.inner.store;
        let (conversation, memory) = store.bot_memory(account_id, conversation_id).await?;
        let answered = conversation.status != ConversationStatus::Bot
            || store
                .bot_answered(account_id, conversation_id, message_id)
                .await?;
        Ok((!answered).then_some((conversation, memory)))
    }

    async fn answer_unheard(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        let lock = self.conversation_lock(conversation_id);
        let _turn = lock.lock().await;
        for _ in 0..MAX_ATTEMPTS {
            let Some((_, memory)) = self
                .unanswered(account_id, conversation_id, message_id)
                .await?
            else {
                return Ok(());
            };
            let Some((bot, contact, language)) = self.voice(account_id, conversation_id).await?
            else {
                return Ok(());
            };
            let reply = render_message(
                &bot.profile,
                MessageKind::VoiceNoteUnheard,
                language,
                &contact.attributes,
                &[],
            );
            let record = BotTurnRecord {
                answers: Some(message_id),
                ..BotTurnRecord::saying(
                    conversation_id,
                    memory.version,
                    memory.state.unwrap_or(Value::Null),
                    reply,
                )
            };
            match self.record(account_id, &record).await {
                Err(StoreError::Conflict {
                    kind: Conflict::BotStateChanged,
                    ..
                }) => continue,
                Err(error) => return Err(error),
                Ok(_) => return Ok(()),
            }
        }
        Ok(())
    }

    /// Hands the conversation over for `bot_failure` with `trigger` as evidence, unless it has
    /// left the bot or `unless_answered` has been answered meanwhile.
    async fn hand_over_for_failure(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        trigger: &str,
        unless_answered: Option<MessageId>,
    ) {
        let lock = self.conversation_lock(conversation_id);
        let _turn = lock.lock().await;
        let store = &self.inner.store;
        if let Some(message_id) = unless_answered {
            match store
                .answered_since(account_id, conversation_id, message_id)
                .await
            {
                Ok(false) => {}
                Ok(true) => return,
                Err(error) => {
                    tracing::error!(%error, %conversation_id, "cannot tell whether the external bot answered");
                    return;
                }
            }
        }
        let recorded = match store.bot_memory(account_id, conversation_id).await {
            Ok((conversation, memory)) if conversation.status == ConversationStatus::Bot => {
                let record = failure_handover(
                    conversation_id,
                    memory.version,
                    memory.state.unwrap_or(Value::Null),
                    trigger,
                );
                let recorded = self.record(account_id, &record).await.map(drop);
                self.inner.routing.kick(account_id);
                recorded
            }
            Ok(_) => Ok(()),
            Err(error) => Err(error),
        };
        if let Err(error) = recorded {
            tracing::error!(%error, %conversation_id, "handing over after a bot error failed too");
        }
    }

    /// What follows the bot resolving a conversation: the satisfaction survey, when the
    /// profile asks for it.
    pub(crate) async fn after_resolving(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        bot: Option<&LoadedBot>,
    ) {
        tracing::info!(%conversation_id, "the bot resolved the conversation");
        if !bot.is_some_and(|bot| bot.profile.closing.survey) {
            return;
        }
        let now = self.inner.ports.clock.now();
        let sent = match self
            .conversation_language(account_id, conversation_id)
            .await
        {
            Ok(language) => {
                surveys::send_csat(
                    &self.inner.store,
                    account_id,
                    conversation_id,
                    language,
                    now,
                )
                .await
            }
            Err(error) => Err(error),
        };
        if let Err(error) = sent {
            tracing::warn!(%error, %conversation_id, "the satisfaction survey was not sent");
        }
    }

    /// Stores a turn and counts its handover, if it made one.
    pub(crate) async fn record(
        &self,
        account_id: AccountId,
        record: &BotTurnRecord,
    ) -> Result<BotTurnOutcome, StoreError> {
        let outcome = self
            .inner
            .store
            .record_bot_turn(account_id, record, self.inner.ports.clock.now())
            .await?;
        if let (BotTurnOutcome::Recorded { .. }, Some(handover)) = (&outcome, &record.handover) {
            self.inner.ports.observer.handover(handover.reason.as_str());
        }
        Ok(outcome)
    }

    /// Answers what a stopped node left unanswered: the latest customer message of every
    /// conversation the bot handles that nothing was said after. Safe with several nodes: a
    /// message already answered meanwhile is skipped.
    pub(crate) fn answer_leftovers(&self) {
        let runner = self.clone();
        // Messages that arrive after the start are answered by their own requests; only what
        // was waiting before is left over.
        let started = self.inner.ports.clock.now();
        self.inner.tasks.spawn(async move {
            match runner
                .inner
                .store
                .unanswered_bot_messages(LEFTOVERS_PER_START)
                .await
            {
                Ok(leftovers) => {
                    if !leftovers.is_empty() {
                        tracing::info!(
                            count = leftovers.len(),
                            "answering customer messages left unanswered"
                        );
                    }
                    // A voice note still waiting for its words is answered when they come.
                    for leftover in leftovers.into_iter().filter(|leftover| {
                        leftover.message.created_at < started
                            && !leftover.message.awaits_transcription()
                    }) {
                        runner.customer_wrote(
                            leftover.account_id,
                            leftover.conversation_id,
                            leftover.message.id,
                            leftover.message.text,
                        );
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "cannot look for unanswered customer messages")
                }
            }
        });
    }

    /// The default language of the bot serving an inbox; `None` without a profile that loads.
    pub(crate) async fn inbox_language(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Option<Language>, StoreError> {
        match self.bot_for(account_id, inbox_id).await {
            Ok(bot) => Ok(bot.map(|bot| bot.profile.languages.default)),
            Err(TurnError::Store(error)) => Err(error),
            Err(_) => Ok(None),
        }
    }

    /// The language the bot speaks in a conversation: the one it has settled on, else its
    /// profile's default; `None` when the inbox has no bot profile that loads.
    pub(crate) async fn conversation_language(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Option<Language>, StoreError> {
        let (conversation, memory) = self
            .inner
            .store
            .bot_memory(account_id, conversation_id)
            .await?;
        let bot = match self.bot_for(account_id, conversation.inbox_id).await {
            Ok(Some(bot)) => bot,
            Ok(None) => return Ok(None),
            Err(TurnError::Store(error)) => return Err(error),
            Err(_) => return Ok(None),
        };
        Ok(Some(
            restore_state(memory.state)
                .language
                .unwrap_or(bot.profile.languages.default),
        ))
    }

    /// The language the bot detected the customer writing in, once it has.
    pub(crate) async fn detected_language(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Option<Language>, StoreError> {
        let (_, memory) = self
            .inner
            .store
            .bot_memory(account_id, conversation_id)
            .await?;
        Ok(restore_state(memory.state).language)
    }

    /// Who speaks to a conversation's customer, and how: the inbox's bot, the contact and the
    /// conversation's language. `None` without a profile (or one that no longer loads).
    async fn voice(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Option<(Arc<LoadedBot>, Contact, Language)>, StoreError> {
        let store = &self.inner.store;
        let (conversation, memory) = store.bot_memory(account_id, conversation_id).await?;
        let bot = match self.bot_for(account_id, conversation.inbox_id).await {
            Ok(Some(bot)) => bot,
            Ok(None) => return Ok(None),
            Err(TurnError::Store(error)) => return Err(error),
            Err(error) => {
                tracing::warn!(%error, %account_id, "no notice: the bot profile does not load");
                return Ok(None);
            }
        };
        let contact = store.contact(account_id, conversation.contact_id).await?;
        let language = restore_state(memory.state)
            .language
            .unwrap_or(bot.profile.languages.default);
        Ok(Some((bot, contact, language)))
    }

    /// What a customer is told when a person sends the conversation to a team or a colleague
    /// (named by first name only), in the conversation's language with the profile's wording;
    /// `None` without a profile.
    pub(crate) async fn transfer_notice_text(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        to: &TransferTarget,
    ) -> Result<Option<String>, StoreError> {
        let Some((bot, contact, language)) = self.voice(account_id, conversation_id).await? else {
            return Ok(None);
        };
        let (kind, variable) = match to {
            TransferTarget::Team(name) => (MessageKind::Transferred, ("team", name.clone())),
            TransferTarget::Agent(name) => (
                MessageKind::TransferredToAgent,
                ("agent", first_name(name).to_owned()),
            ),
        };
        Ok(Some(render_message(
            &bot.profile,
            kind,
            language,
            &contact.attributes,
            &[variable],
        )))
    }

    /// What a waiting customer is told, in the conversation's language with the profile's
    /// wording: their place and the estimated wait while the team is open, when it is back
    /// while it is closed. `None` when the account has no bot profile to speak with.
    pub(crate) async fn queue_notice_text(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        status: &QueueStatus,
    ) -> Result<Option<String>, StoreError> {
        let Some((bot, contact, language)) = self.voice(account_id, conversation_id).await? else {
            return Ok(None);
        };
        let attributes = &contact.attributes;
        Ok(match status.availability {
            Availability::Open => Some(queue_notice(
                &bot.profile,
                language,
                status.position,
                status.estimated_wait,
                attributes,
            )),
            Availability::Closed {
                reopens_at: Some(reopens_at),
                today,
            } => {
                let closed = TeamAvailability::Closed {
                    reopens_at,
                    today,
                    bot_stays: false,
                };
                Some(handover_message(
                    &bot.profile,
                    language,
                    &closed,
                    attributes,
                    None,
                ))
            }
            Availability::Closed {
                reopens_at: None, ..
            } => None,
        })
    }

    /// Sends a customer message the rules let through to the account's external bot, then
    /// applies the reply in its response, or waits for one through the API and hands the
    /// conversation over (`bot_failure`) when none comes in time or the bot cannot be reached.
    fn forward(
        &self,
        bot: Arc<LoadedBot>,
        conversation: Conversation,
        contact: Contact,
        state: Value,
        message: Forwarded,
    ) {
        let Some(config) = bot.profile.external_bot.clone() else {
            return;
        };
        let runner = self.clone();
        self.inner.tasks.spawn(async move {
            let state = restore_state(Some(state));
            let language = state.language.unwrap_or(bot.profile.languages.default);
            let (account_id, conversation_id) = (conversation.account_id, conversation.id);
            let turn = ExternalTurn {
                conversation,
                contact,
                state: state.external,
                language,
                message_id: message.message_id,
                text: message.text,
                analysis: message.analysis,
            };
            match runner.inner.ports.external_bots.send(&config, &turn).await {
                Ok(Some(reply)) => {
                    if let Err(error) = runner
                        .external_reply(account_id, conversation_id, message.message_id, reply)
                        .await
                    {
                        tracing::warn!(%error, %conversation_id, "the external bot's reply was not applied");
                    }
                }
                Ok(None) => {
                    let wait = Duration::from_secs(u64::from(config.timeout_seconds));
                    tokio::select! {
                        () = runner.inner.stopping.cancelled() => {}
                        () = tokio::time::sleep(wait) => {
                            runner
                                .hand_over_for_failure(account_id, conversation_id, "external_bot_timeout", Some(message.message_id))
                                .await;
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, %conversation_id, "external bot failed; handing over");
                    runner
                        .hand_over_for_failure(account_id, conversation_id, error.trigger(), Some(message.message_id))
                        .await;
                }
            }
        });
    }

    /// Applies an external bot's reply to the customer message `in_reply_to`: its texts and
    /// state, and a handover when it asks for one or keeps not understanding.
    pub(crate) async fn external_reply(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        in_reply_to: MessageId,
        reply: ExternalReply,
    ) -> Result<BotTurnOutcome, ExternalReplyError> {
        let lock = self.conversation_lock(conversation_id);
        let _turn = lock.lock().await;
        let store = &self.inner.store;
        let (conversation, memory) = store.bot_memory(account_id, conversation_id).await?;
        if conversation.status != ConversationStatus::Bot {
            return Err(ExternalReplyError::NotTheBots);
        }
        let message = match store.message(account_id, in_reply_to).await {
            Ok(message)
                if message.conversation_id == conversation_id
                    && message.direction == Direction::Inbound =>
            {
                message
            }
            Ok(_) | Err(StoreError::NotFound { .. }) => {
                return Err(ExternalReplyError::UnknownMessage);
            }
            Err(error) => return Err(error.into()),
        };
        if store
            .answered_since(account_id, conversation_id, in_reply_to)
            .await?
        {
            return Err(ExternalReplyError::AlreadyAnswered);
        }
        let bot = match self.bot_for(account_id, conversation.inbox_id).await {
            Ok(Some(bot)) if bot.profile.external_bot.is_some() => bot,
            Ok(_) => return Err(ExternalReplyError::NoExternalBot),
            Err(TurnError::Store(error)) => return Err(error.into()),
            Err(error) => return Err(ExternalReplyError::Bot(error.to_string())),
        };
        let contact = store.contact(account_id, conversation.contact_id).await?;
        let state = restore_state(memory.state);
        let today = bot.profile.today(self.inner.ports.clock.now());
        let (analysis, turn) = {
            let bot = Arc::clone(&bot);
            let attributes = contact.attributes.clone();
            tokio::task::spawn_blocking(move || {
                let analysis = bot
                    .engine
                    .analyze(&message.text, &state.analysis_context(today))
                    .map_err(|error| TurnError::Engine(error.to_string()))?;
                let turn = bot.bot().external_reply(
                    &state,
                    &reply,
                    &attributes,
                    TeamAvailability::default(),
                );
                Ok::<_, TurnError>((analysis, turn))
            })
            .await
            .map_err(|error| ExternalReplyError::Bot(error.to_string()))?
            .map_err(|error| ExternalReplyError::Bot(error.to_string()))?
        };
        let replies = turn.replies.into_iter().map(|reply| reply.text).collect();
        let record = self
            .record_for(
                &bot,
                &conversation,
                &contact,
                memory.version,
                replies,
                turn.handover,
                turn.new_state,
                analysis,
                turn.language,
                today,
            )
            .await
            .map_err(|error| match error {
                TurnError::Store(error) => ExternalReplyError::Store(error),
                other => ExternalReplyError::Bot(other.to_string()),
            })?;
        let outcome = self.record(account_id, &record).await?;
        if record.handover.is_some() {
            self.inner.routing.kick(account_id);
        }
        Ok(outcome)
    }

    /// Waits for the turns in progress; no new ones start.
    pub(crate) async fn shutdown(&self) {
        self.inner.stopping.cancel();
        self.inner.tasks.close();
        self.inner.tasks.wait().await;
    }

    /// The bot resumes a conversation people handed back: same language and slots, no
    /// second greeting.
    pub(crate) async fn handed_back(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<(), StoreError> {
        let lock = self.conversation_lock(conversation_id);
        let _turn = lock.lock().await;
        let (_, memory) = self
            .inner
            .store
            .bot_memory(account_id, conversation_id)
            .await?;
        let state = restore_state(memory.state).hand_back();
        self.inner
            .store
            .save_bot_state(account_id, conversation_id, to_value(&state))
            .await
    }

    pub(crate) fn conversation_lock(
        &self,
        conversation_id: ConversationId,
    ) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .inner
            .conversations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        locks.entry(conversation_id).or_default().clone()
    }

    async fn answer(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
        text: &str,
    ) -> Result<(), TurnError> {
        let lock = self.conversation_lock(conversation_id);
        let _turn = lock.lock().await;
        let store = &self.inner.store;
        for _ in 0..MAX_ATTEMPTS {
            let Some((conversation, memory)) = self
                .unanswered(account_id, conversation_id, message_id)
                .await?
            else {
                return Ok(());
            };
            let contact = store.contact(account_id, conversation.contact_id).await?;
            let bot = self.bot_for(account_id, conversation.inbox_id).await?;
            let (record, forward) = match &bot {
                Some(bot) => {
                    let state = restore_state(memory.state);
                    self.turn(bot, state, text, &conversation, &contact, memory.version)
                        .await?
                }
                None => (
                    failure_handover(
                        conversation_id,
                        memory.version,
                        to_value(&BotState::new()),
                        "no_bot_profile",
                    ),
                    None,
                ),
            };
            let record = BotTurnRecord {
                answers: Some(message_id),
                ..record
            };
            match self.record(account_id, &record).await {
                Ok(BotTurnOutcome::Recorded { events, .. }) => {
                    if let Some(handover) = &record.handover {
                        tracing::info!(%conversation_id, reason = %handover.reason, events = events.len(), "bot handed over");
                        self.inner.routing.kick(account_id);
                    }
                    if record.resolves.is_some() {
                        self.after_resolving(account_id, conversation_id, bot.as_deref())
                            .await;
                    }
                    if let (Some(analysis), Some(bot)) = (forward, bot) {
                        let message = Forwarded {
                            message_id,
                            text: text.to_owned(),
                            analysis,
                        };
                        self.forward(bot, conversation, contact, record.state, message);
                    }
                    return Ok(());
                }
                Ok(BotTurnOutcome::NotTheBots(_) | BotTurnOutcome::NoLongerSilent(_)) => {
                    return Ok(());
                }
                Err(StoreError::Conflict {
                    kind: Conflict::BotStateChanged,
                    ..
                }) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        tracing::warn!(%conversation_id, "bot turn kept conflicting with others; skipped");
        Ok(())
    }

    /// Computes one turn, performing the HTTP action the bot asks for. With an external bot,
    /// only the handover rules run here; a turn they let through comes back with the analysis
    /// to forward.
    async fn turn(
        &self,
        bot: &Arc<LoadedBot>,
        state: BotState,
        text: &str,
        conversation: &Conversation,
        contact: &Contact,
        version: i64,
    ) -> Result<(BotTurnRecord, Option<Analysis>), TurnError> {
        let attributes = &contact.attributes;
        let today = bot.profile.today(self.inner.ports.clock.now());
        let (analysis, turn) = {
            let bot = Arc::clone(bot);
            let text = text.to_owned();
            let attributes = attributes.clone();
            tokio::task::spawn_blocking(move || {
                let analysis = bot
                    .engine
                    .analyze(&text, &state.analysis_context(today))
                    .map_err(|error| TurnError::Engine(error.to_string()))?;
                let input = CustomerTurn {
                    text: &text,
                    analysis: &analysis,
                    attributes: &attributes,
                    requested_person: false,
                    availability: TeamAvailability::default(),
                };
                let turn = match bot.profile.external_bot {
                    Some(_) => bot.bot().external_turn(&state, &input),
                    None => bot.bot().turn(&state, &input),
                };
                Ok::<_, TurnError>((analysis, turn))
            })
            .await
            .map_err(|error| TurnError::Engine(error.to_string()))??
        };
        self.label_by_rule(bot, conversation, text, &analysis)
            .await?;
        let turn = self
            .inner
            .ai
            .generated_turn(bot, turn, text, conversation, attributes)
            .await;
        let forward = (turn.outcome == TurnOutcome::Forwarded).then(|| analysis.clone());
        let unanswered = learning::unanswered(&bot.profile, &analysis, &turn).map(|found| {
            NewUnansweredQuestion {
                language: found.language.code().to_owned(),
                text: text.to_owned(),
                reason: found.reason.as_str().to_owned(),
                confidence: found.confidence,
            }
        });
        let mut replies: Vec<String> = turn
            .replies
            .iter()
            .map(|reply| reply.text.clone())
            .collect();
        let mut handover = turn.handover.clone();
        let mut state = turn.new_state.clone();
        if let Some(action) = &turn.action {
            let outcome = self.perform(action, turn.language).await;
            let follow: BotTurn =
                bot.bot()
                    .action_result(&state, &outcome, attributes, TeamAvailability::default());
            replies.extend(follow.replies.into_iter().map(|reply| reply.text));
            handover = handover.or(follow.handover);
            state = follow.new_state;
        }
        let record = self
            .record_for(
                bot,
                conversation,
                contact,
                version,
                replies,
                handover,
                state,
                analysis,
                turn.language,
                today,
            )
            .await?;
        let mut record = record;
        record.unanswered = unanswered;
        if turn.resolves && record.handover.is_none() {
            record.resolves = Some(BotResolution::Thanked);
        }
        if let TurnOutcome::Clarifying { options } = &turn.outcome
            && record.handover.is_none()
        {
            record.choices = bot.bot().choice_labels(options, turn.language);
        }
        Ok((record, forward))
    }

    /// Puts on the conversation the labels the profile's rules give the customer's message.
    async fn label_by_rule(
        &self,
        bot: &LoadedBot,
        conversation: &Conversation,
        text: &str,
        analysis: &Analysis,
    ) -> Result<(), TurnError> {
        if bot.profile.label_rules.is_empty() {
            return Ok(());
        }
        let store = &self.inner.store;
        let inbox = store
            .inbox(conversation.account_id, conversation.inbox_id)
            .await?;
        let labels = label_rules::labels_for(
            &bot.profile,
            text,
            analysis.language.language,
            analysis,
            inbox.channel.as_str(),
        );
        store
            .add_conversation_labels(
                conversation.account_id,
                conversation.id,
                &labels,
                self.inner.ports.clock.now(),
            )
            .await?;
        Ok(())
    }

    /// The record of a turn: its replies (the handover message saying when a closed team is
    /// back), its state, and the handover with its routing facts and context.
    #[allow(clippy::too_many_arguments)]
    async fn record_for(
        &self,
        bot: &Arc<LoadedBot>,
        conversation: &Conversation,
        contact: &Contact,
        version: i64,
        mut replies: Vec<String>,
        mut handover: Option<HandoverDecision>,
        state: BotState,
        analysis: Analysis,
        language: Language,
        today: jiff::civil::Date,
    ) -> Result<BotTurnRecord, TurnError> {
        let attributes = &contact.attributes;
        let routing = handover
            .as_ref()
            .map(|decision| routing_facts(decision, &analysis, language));
        if let Some(facts) = &routing {
            let placement = self
                .inner
                .store
                .placement(
                    conversation.account_id,
                    conversation.inbox_id,
                    facts,
                    self.inner.ports.clock.now(),
                )
                .await?;
            if let Availability::Closed {
                reopens_at: Some(reopens_at),
                today,
            } = placement.availability
            {
                let bot_stays = placement.out_of_hours == OutOfHours::StayWithBot;
                let closed = TeamAvailability::Closed {
                    reopens_at,
                    today,
                    bot_stays,
                };
                // A handover turn ends with the handover message: say when the team is back.
                replies.pop();
                replies.push(handover_message(
                    &bot.profile,
                    language,
                    &closed,
                    attributes,
                    None,
                ));
                if bot_stays {
                    handover = None;
                }
            }
        }
        let handover = match (handover, routing) {
            (Some(decision), Some(routing)) => Some(BotHandover {
                reason: decision.reason,
                evidence: decision.evidence_json(),
                routing,
                context: handover_context(
                    &self.inner.store,
                    bot,
                    conversation,
                    contact,
                    &decision,
                    analysis,
                    &state,
                    today,
                )
                .await?,
            }),
            _ => None,
        };
        Ok(BotTurnRecord {
            conversation_id: conversation.id,
            based_on_version: version,
            replies,
            choices: Vec::new(),
            state: to_value(&state),
            handover,
            answers: None,
            unanswered: None,
            resolves: None,
        })
    }

    /// The account's bot, rebuilt when its profile changed; `None` without a profile.
    async fn bot_for(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Option<Arc<LoadedBot>>, TurnError> {
        self.inner
            .bots
            .get(&self.inner.store, account_id, inbox_id)
            .await
    }

    /// Calls the company's API for an action, retrying timeouts, network errors and 5xx.
    async fn perform(&self, action: &ActionRequest, language: Language) -> ActionOutcome {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let kind = match self.attempt(action, language).await {
                Ok(result) => {
                    return ActionOutcome::Succeeded {
                        intent: action.intent.clone(),
                        result,
                    };
                }
                Err(kind) => kind,
            };
            let retryable = match &kind {
                ActionFailureKind::Timeout | ActionFailureKind::Network => true,
                ActionFailureKind::Status { status } => *status >= 500,
                ActionFailureKind::Refused | ActionFailureKind::InvalidResult { .. } => false,
            };
            if !retryable || attempts > u32::from(action.retries) {
                return ActionOutcome::Failed {
                    intent: action.intent.clone(),
                    failure: ActionFailure { kind, attempts },
                };
            }
        }
    }

    async fn attempt(
        &self,
        action: &ActionRequest,
        language: Language,
    ) -> Result<Value, ActionFailureKind> {
        self.inner
            .ports
            .http_actions
            .attempt(action, language)
            .await
    }
}

pub(crate) fn restore_state(stored: Option<Value>) -> BotState {
    stored
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default()
}

pub(crate) fn to_value(state: &BotState) -> Value {
    serde_json::to_value(state).unwrap_or(Value::Null)
}

impl App {
    /// Applies an external bot's reply (sent through the API) to the customer message
    /// `in_reply_to`; the stored conversation, messages and events.
    pub async fn external_reply(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        in_reply_to: MessageId,
        reply: ExternalReply,
    ) -> Result<(Conversation, Vec<Message>, Vec<Event>), AppError> {
        let not_the_bots = |message: String| AppError::Conflict {
            kind: ConflictKind::NotTheBots,
            field: None,
            message,
        };
        let outcome = self
            .bot
            .external_reply(account_id, conversation_id, in_reply_to, reply)
            .await
            .map_err(|error| match error {
                ExternalReplyError::NotTheBots => not_the_bots(error.to_string()),
                ExternalReplyError::AlreadyAnswered => AppError::Conflict {
                    kind: ConflictKind::AlreadyAnswered,
                    field: Some("in_reply_to"),
                    message: error.to_string(),
                },
                ExternalReplyError::NoExternalBot => AppError::Conflict {
                    kind: ConflictKind::NoExternalBot,
                    field: None,
                    message: error.to_string(),
                },
                ExternalReplyError::UnknownMessage => {
                    AppError::invalid("in_reply_to", "unknown_reference", error.to_string())
                }
                ExternalReplyError::Bot(message) => AppError::Internal(message),
                ExternalReplyError::Store(error) => error.into(),
            })?;
        match outcome {
            BotTurnOutcome::Recorded {
                conversation,
                messages,
                events,
            } => Ok((conversation, messages, events)),
            BotTurnOutcome::NotTheBots(_) | BotTurnOutcome::NoLongerSilent(_) => Err(not_the_bots(
                "the conversation is no longer the bot's".into(),
            )),
        }
    }
}

/// Who a person hands a conversation to, by name, for the customer's notice.
pub(crate) enum TransferTarget {
    Team(String),
    Agent(String),
}

/// The first word of a person's name: all a customer is told of the colleague who continues.
fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}
