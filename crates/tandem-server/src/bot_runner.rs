//! Runs the built-in bot on conversations it handles: after a customer message is stored, the
//! account's profile (reloaded whenever it is replaced) analyzes it, the dialogue decides, the
//! HTTP action it asks for is performed, and the turn — replies, memory, handover — is stored
//! at once. Turns of one conversation run one at a time; a turn computed from stale memory is
//! recomputed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use tandem_bot::learning;
use tandem_bot::profile::HttpMethod;
use tandem_bot::{
    ActionFailure, ActionFailureKind, ActionOutcome, ActionRequest, Bot, BotProfile, BotState,
    BotTurn, CustomerTurn, ExternalReply, HandoverDecision, TeamAvailability, TurnOutcome,
    handover_message, queue_notice, ready_profile, suggested_first_reply,
};
use tandem_domain::Timestamp;
use tandem_domain::contact::Contact;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, HandoverReason};
use tandem_domain::id::{AccountId, ConversationId, InboxId, MessageId};
use tandem_domain::message::Direction;
use tandem_nlu::{Analysis, ConversationTurn, Engine, EntityKind, Language, Speaker};
use tandem_routing::team::OutOfHours;
use tandem_store::{
    Availability, BotHandover, BotTurnOutcome, BotTurnRecord, ConversationFilter,
    NewUnansweredQuestion, QueueStatus, RoutingFacts, Store, StoreError,
};

use crate::dispatcher::RoutingKicks;
use crate::external_bot;
use crate::metrics::Metrics;

/// The most unanswered messages a node picks up when it starts.
const LEFTOVERS_PER_START: u32 = 1000;

/// How many times a turn is recomputed when another one was stored meanwhile.
const MAX_ATTEMPTS: usize = 3;

/// One account's bot, built from the profile saved at `updated_at`.
struct LoadedBot {
    updated_at: Timestamp,
    profile: BotProfile,
    engine: Engine,
}

/// Which profile a bot was built from: the account's (`None`) or an inbox's own.
type ProfileKey = (AccountId, Option<InboxId>);

/// Runs bot turns in the background; cheap to clone.
#[derive(Clone)]
pub struct BotRunner {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    routing: RoutingKicks,
    metrics: Arc<Metrics>,
    http: reqwest::Client,
    bots: Mutex<HashMap<ProfileKey, Arc<LoadedBot>>>,
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
pub enum ExternalReplyError {
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

/// Why a turn could not run.
#[derive(Debug, thiserror::Error)]
enum TurnError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the saved bot profile no longer loads: {0}")]
    Profile(String),
    #[error("the bot's engine failed: {0}")]
    Engine(String),
}

impl BotRunner {
    pub fn new(
        store: Store,
        routing: RoutingKicks,
        metrics: Arc<Metrics>,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Tandem-Bot/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                routing,
                metrics,
                http,
                bots: Mutex::new(HashMap::new()),
                conversations: Mutex::new(HashMap::new()),
                tasks: TaskTracker::new(),
                stopping: CancellationToken::new(),
            }),
        })
    }

    /// Answers a customer message on a conversation the bot handles, in the background.
    pub fn customer_wrote(
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
            runner.inner.metrics.bot_turn(started.elapsed());
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

    /// Stores a turn and counts its handover, if it made one.
    async fn record(
        &self,
        account_id: AccountId,
        record: &BotTurnRecord,
    ) -> Result<BotTurnOutcome, StoreError> {
        let outcome = self
            .inner
            .store
            .record_bot_turn(account_id, record, tandem_app::now())
            .await?;
        if let (BotTurnOutcome::Recorded { .. }, Some(handover)) = (&outcome, &record.handover) {
            self.inner.metrics.handover(handover.reason.as_str());
        }
        Ok(outcome)
    }

    /// Answers what a stopped node left unanswered: the latest customer message of every
    /// conversation the bot handles that nothing was said after. Safe with several nodes: a
    /// message already answered meanwhile is skipped.
    pub fn answer_leftovers(&self) {
        let runner = self.clone();
        // Messages that arrive after the start are answered by their own requests; only what
        // was waiting before is left over.
        let started = tandem_app::now();
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
                    for leftover in leftovers
                        .into_iter()
                        .filter(|leftover| leftover.message.created_at < started)
                    {
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
    pub async fn inbox_language(
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
    pub async fn conversation_language(
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

    /// What a waiting customer is told, in the conversation's language with the profile's
    /// wording: their place and the estimated wait while the team is open, when it is back
    /// while it is closed. `None` when the account has no bot profile to speak with.
    pub async fn queue_notice_text(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        status: &QueueStatus,
    ) -> Result<Option<String>, StoreError> {
        let store = &self.inner.store;
        let (conversation, memory) = store.bot_memory(account_id, conversation_id).await?;
        let bot = match self.bot_for(account_id, conversation.inbox_id).await {
            Ok(Some(bot)) => bot,
            Ok(None) => return Ok(None),
            Err(TurnError::Store(error)) => return Err(error),
            Err(error) => {
                tracing::warn!(%error, %account_id, "no queue notice: the bot profile does not load");
                return Ok(None);
            }
        };
        let contact = store.contact(account_id, conversation.contact_id).await?;
        let language = restore_state(memory.state)
            .language
            .unwrap_or(bot.profile.languages.default);
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
            let payload = external_bot::turn_payload(
                &conversation,
                &contact,
                state.external,
                language,
                message.message_id,
                &message.text,
                &message.analysis,
            );
            let (account_id, conversation_id) = (conversation.account_id, conversation.id);
            match external_bot::send(&runner.inner.http, &config, &payload).await {
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
    pub async fn external_reply(
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
        let today = bot.profile.today(jiff::Timestamp::now());
        let (analysis, turn) = {
            let bot = Arc::clone(&bot);
            let attributes = contact.attributes.clone();
            tokio::task::spawn_blocking(move || {
                let analysis = bot
                    .engine
                    .analyze(&message.text, &state.analysis_context(today))
                    .map_err(|error| TurnError::Engine(error.to_string()))?;
                let turn = Bot::new(&bot.profile).external_reply(
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
    pub async fn shutdown(&self) {
        self.inner.stopping.cancel();
        self.inner.tasks.close();
        self.inner.tasks.wait().await;
    }

    /// The bot resumes a conversation people handed back: same language and slots, no
    /// second greeting.
    pub async fn handed_back(
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

    fn conversation_lock(&self, conversation_id: ConversationId) -> Arc<tokio::sync::Mutex<()>> {
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
            let (conversation, memory) = store.bot_memory(account_id, conversation_id).await?;
            if conversation.status != ConversationStatus::Bot
                || store
                    .bot_answered(account_id, conversation_id, message_id)
                    .await?
            {
                return Ok(());
            }
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
                Ok(BotTurnOutcome::NotTheBots(_)) => return Ok(()),
                Err(StoreError::Conflict {
                    code: "bot_state_changed",
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
        let today = bot.profile.today(jiff::Timestamp::now());
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
                    Some(_) => Bot::new(&bot.profile).external_turn(&state, &input),
                    None => Bot::new(&bot.profile).turn(&state, &input),
                };
                Ok::<_, TurnError>((analysis, turn))
            })
            .await
            .map_err(|error| TurnError::Engine(error.to_string()))??
        };
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
            let follow: BotTurn = Bot::new(&bot.profile).action_result(
                &state,
                &outcome,
                attributes,
                TeamAvailability::default(),
            );
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
        if let TurnOutcome::Clarifying { options } = &turn.outcome
            && record.handover.is_none()
        {
            record.choices = Bot::new(&bot.profile).choice_labels(options, turn.language);
        }
        Ok((record, forward))
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
                    tandem_app::now(),
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
                context: self
                    .handover_context(
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
        })
    }

    /// What the person taking over sees first: why, what the customer wants (summary), how
    /// their mood went (sentiment per message), what the bot knows (personal numbers masked)
    /// and already answered, the contact's other conversations, and a suggested first reply.
    #[allow(clippy::too_many_arguments)]
    async fn handover_context(
        &self,
        bot: &Arc<LoadedBot>,
        conversation: &Conversation,
        contact: &Contact,
        decision: &HandoverDecision,
        analysis: Analysis,
        state: &BotState,
        today: jiff::civil::Date,
    ) -> Result<Value, TurnError> {
        let store = &self.inner.store;
        let account_id = conversation.account_id;
        let transcript = store
            .messages(account_id, conversation.id, None, 200)
            .await?
            .messages;
        let filter = ConversationFilter {
            contact_id: Some(conversation.contact_id),
            ..ConversationFilter::default()
        };
        let previous: Vec<Value> = store
            .conversations(account_id, &filter, None, 20)
            .await?
            .conversations
            .into_iter()
            .filter(|other| other.id != conversation.id)
            .map(|other| {
                json!({
                    "id": other.id,
                    "inbox_id": other.inbox_id,
                    "status": other.status.as_str(),
                    "created_at": other.created_at,
                    "resolved_at": other.resolved_at,
                })
            })
            .collect();
        let bot = Arc::clone(bot);
        let decision = decision.clone();
        let state = state.clone();
        let contact = contact.clone();
        tokio::task::spawn_blocking(move || {
            let context = state.analysis_context(today);
            let turns: Vec<ConversationTurn> = transcript
                .iter()
                .filter(|message| !message.is_private)
                .map(|message| ConversationTurn {
                    speaker: match message.sender {
                        Actor::Contact(_) => Speaker::Customer,
                        Actor::Bot | Actor::System => Speaker::Bot,
                        Actor::User(_) => Speaker::Agent,
                    },
                    text: message.text.clone(),
                })
                .collect();
            let summary = bot.engine.summarize(&turns, &context);
            let trajectory: Vec<Value> = transcript
                .iter()
                .filter(|message| message.direction == Direction::Inbound)
                .filter_map(|message| {
                    let score = bot
                        .engine
                        .analyze(&message.text, &context)
                        .ok()?
                        .sentiment
                        .score;
                    Some(
                        json!({"message_id": message.id, "at": message.created_at, "score": score}),
                    )
                })
                .collect();
            let language = analysis.language.language;
            let first_name = contact
                .attributes
                .get("first_name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| {
                    contact
                        .name
                        .as_deref()
                        .and_then(|name| name.split_whitespace().next())
                        .map(str::to_owned)
                });
            let suggestion = suggested_first_reply(
                &bot.profile,
                language,
                first_name.as_deref(),
                decision.reason,
                summary.customer_request.as_deref(),
            );
            let entities: Vec<Value> = analysis
                .entities
                .iter()
                .map(|entity| {
                    let value = match entity.kind {
                        EntityKind::Cpf | EntityKind::Cnpj | EntityKind::CardNumber => {
                            mask(&entity.normalized)
                        }
                        _ => entity.masked(),
                    };
                    json!({"kind": entity.kind, "value": value})
                })
                .collect();
            let identities: Vec<Value> = contact
                .identities
                .iter()
                .map(|identity| json!({"kind": identity.kind, "value": identity.value}))
                .collect();
            json!({
                "reason": decision.reason,
                "evidence": decision.evidence_json(),
                "language": language.code(),
                "summary": summary,
                "top_intent": analysis.intents.first().map(|top| json!({
                    "intent": top.intent,
                    "confidence": top.confidence,
                })),
                "out_of_scope": analysis.out_of_scope,
                "sentiment": analysis.sentiment.score,
                "sentiment_trajectory": trajectory,
                "entities": entities,
                "slots": state.masked_slots(&bot.profile),
                "bot_answered": state.answered,
                "contact": {
                    "id": contact.id,
                    "name": contact.name,
                    "attributes": contact.attributes,
                    "identities": identities,
                },
                "previous_conversations": previous,
                "suggested_first_reply": suggestion,
            })
        })
        .await
        .map_err(|error| TurnError::Engine(error.to_string()))
    }

    /// The account's bot, rebuilt when its profile changed; `None` without a profile.
    async fn bot_for(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
    ) -> Result<Option<Arc<LoadedBot>>, TurnError> {
        let store = &self.inner.store;
        let Some((scope, updated_at)) = store.serving_bot_profile(account_id, inbox_id).await?
        else {
            return Ok(None);
        };
        let key = (account_id, scope);
        let cached = self
            .inner
            .bots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        if let Some(bot) = cached.filter(|bot| bot.updated_at == updated_at) {
            return Ok(Some(bot));
        }
        // Changed (or first use): read the source only now.
        let stored = match scope {
            Some(inbox_id) => store.inbox_bot_profile(account_id, inbox_id).await?,
            None => store.bot_profile(account_id).await?,
        };
        let Some(stored) = stored else {
            return Ok(None);
        };
        let loaded = tokio::task::spawn_blocking(move || {
            let (profile, engine) = ready_profile(&stored.source)
                .map_err(|error| TurnError::Profile(error.to_string()))?;
            Ok::<_, TurnError>(LoadedBot {
                updated_at: stored.updated_at,
                profile,
                engine,
            })
        })
        .await
        .map_err(|error| TurnError::Engine(error.to_string()))??;
        let loaded = Arc::new(loaded);
        self.inner
            .bots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, Arc::clone(&loaded));
        Ok(Some(loaded))
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
                ActionFailureKind::InvalidResult { .. } => false,
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
        let method = match action.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut request = self
            .inner
            .http
            .request(method, &action.url)
            .timeout(Duration::from_millis(u64::from(action.timeout_ms)))
            // The company's API may format values for the customer's language.
            .header("accept-language", language.code());
        if let Some(body) = &action.body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.map_err(|error| {
            if error.is_timeout() {
                ActionFailureKind::Timeout
            } else {
                ActionFailureKind::Network
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(ActionFailureKind::Status {
                status: status.as_u16(),
            });
        }
        let bytes = response.bytes().await.map_err(|error| {
            if error.is_timeout() {
                ActionFailureKind::Timeout
            } else {
                ActionFailureKind::Network
            }
        })?;
        serde_json::from_slice(&bytes).map_err(|_| ActionFailureKind::InvalidResult {
            detail: "the answer is not JSON".into(),
        })
    }
}

fn restore_state(stored: Option<Value>) -> BotState {
    stored
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default()
}

fn to_value(state: &BotState) -> Value {
    serde_json::to_value(state).unwrap_or(Value::Null)
}

/// When the bot cannot help (no profile, or it broke), the conversation goes to a person with
/// `bot_failure` and the `trigger` as evidence; the bot's memory is kept as it was.
fn failure_handover(
    conversation_id: ConversationId,
    version: i64,
    state: Value,
    trigger: &str,
) -> BotTurnRecord {
    let evidence = json!({"trigger": trigger});
    BotTurnRecord {
        conversation_id,
        based_on_version: version,
        replies: Vec::new(),
        choices: Vec::new(),
        state,
        handover: Some(BotHandover {
            reason: HandoverReason::BotFailure,
            evidence: evidence.clone(),
            context: json!({"reason": "bot_failure", "evidence": evidence}),
            routing: RoutingFacts::default(),
        }),
        answers: None,
        unanswered: None,
    }
}

/// What routing needs from a handover: the intent understood, the language, and whether the
/// reason or the mood make it urgent.
fn routing_facts(
    decision: &HandoverDecision,
    analysis: &Analysis,
    language: Language,
) -> RoutingFacts {
    RoutingFacts {
        intent: analysis
            .intents
            .first()
            .filter(|_| !analysis.out_of_scope)
            .map(|top| top.intent.clone()),
        language: Some(language.code().to_owned()),
        high_value: decision.reason == HandoverReason::HighValue,
        negative_sentiment: decision.reason == HandoverReason::NegativeSentiment
            || analysis.sentiment.score <= NEGATIVE_MOOD,
    }
}

/// A sentiment score at or below which the customer counts as upset for queue priority.
const NEGATIVE_MOOD: f32 = -0.5;

/// Every character but the last two replaced by `*`.
fn mask(value: &str) -> String {
    let count = value.chars().count();
    value
        .chars()
        .enumerate()
        .map(|(index, character)| if index + 2 < count { '*' } else { character })
        .collect()
}
