//! The bot's side of a conversation: its memory between turns, and each turn stored at once —
//! its replies, its new memory and, when a rule fired, the handover with its evidence and the
//! context the person receives.

use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, Event, HandoverReason};
use tandem_domain::id::{AccountId, ConversationId, InboxId, MessageId};
use tandem_domain::message::Message;

use crate::changes::Announcements;
use crate::conversation_rows::find_conversation;
use crate::db::{Backend, Conn, args};
use crate::error::Conflict;
use crate::events::{Written, record};
use crate::inboxes::{INBOX_RULE_COLUMNS, InboxRuleRow, InboxRules};
use crate::learning::{NewUnansweredQuestion, insert_unanswered_question};
use crate::message_rows::insert_bot_message;
use crate::records::{
    CONVERSATION_COLUMNS, ConversationRow, MESSAGE_COLUMNS, MessageRow, convert_all, qualified,
};
use crate::routing_follow_up::RoutingFacts;
use crate::{Store, StoreError};

/// The bot's memory of one conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredBotState {
    /// What the bot stored after its last turn; `None` before its first.
    pub state: Option<Value>,
    /// Bumped by every stored turn; a turn computed from an older version is refused.
    pub version: i64,
}

/// A handover decided by the bot's policy.
#[derive(Clone, Debug, PartialEq)]
pub struct BotHandover {
    pub reason: HandoverReason,
    /// What made the rule fire; stored on the `handover_requested` event.
    pub evidence: Value,
    /// What the person taking over needs, kept with the conversation.
    pub context: Value,
    /// What routing uses to choose the team and the priority.
    pub routing: RoutingFacts,
}

/// One bot turn to store.
#[derive(Clone, Debug, PartialEq)]
pub struct BotTurnRecord {
    pub conversation_id: ConversationId,
    /// The [`StoredBotState::version`] the turn was computed from.
    pub based_on_version: i64,
    /// The bot's messages to the customer, in order.
    pub replies: Vec<String>,
    /// Choices offered as buttons with the last reply (a clarification's options), where the
    /// channel has buttons; the customer may also answer with their number.
    pub choices: Vec<String>,
    /// The bot's memory after the turn.
    pub state: Value,
    pub handover: Option<BotHandover>,
    /// The customer message the turn answers, if it answers one.
    pub answers: Option<MessageId>,
    /// The customer's question, when the turn could not answer it (recorded for the learning
    /// loop, against `answers`).
    pub unanswered: Option<NewUnansweredQuestion>,
    /// The bot resolves the conversation with this turn (never together with a handover).
    pub resolves: Option<BotResolution>,
}

impl BotTurnRecord {
    /// A turn that only says `reply`, leaving the bot's memory as `state`; it answers no
    /// message, hands nothing over and resolves nothing.
    pub fn saying(
        conversation_id: ConversationId,
        based_on_version: i64,
        state: Value,
        reply: String,
    ) -> Self {
        Self {
            conversation_id,
            based_on_version,
            replies: vec![reply],
            choices: Vec::new(),
            state,
            handover: None,
            answers: None,
            unanswered: None,
            resolves: None,
        }
    }
}

/// Why the bot resolves a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BotResolution {
    /// The customer thanked the bot after its answer.
    Thanked,
    /// The customer has been silent since this time: the turn is stored only if nothing
    /// happened in the conversation after it.
    SilentSince(Timestamp),
}

/// What storing a bot turn did.
#[derive(Clone, Debug)]
pub enum BotTurnOutcome {
    Recorded {
        conversation: Conversation,
        messages: Vec<Message>,
        events: Vec<Event>,
    },
    /// The conversation is no longer the bot's (a person took it, or it was resolved):
    /// nothing was stored, because the bot never speaks while a person owns the conversation.
    NotTheBots(Conversation),
    /// A resolution for silence found the conversation active again: nothing was stored.
    NoLongerSilent(Conversation),
}

/// A customer message on a conversation the bot handles that nothing has answered yet.
#[derive(Clone, Debug)]
pub struct UnansweredMessage {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub message: Message,
}

#[derive(Debug, sqlx::FromRow)]
struct MemoryRow {
    bot_state: Option<Json<Value>>,
    bot_state_version: i64,
}

async fn read_memory(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_id: ConversationId,
) -> Result<StoredBotState, StoreError> {
    let row = conn
        .fetch_optional::<MemoryRow>(
            "SELECT bot_state, bot_state_version FROM conversations WHERE account_id = $1 AND id = $2",
            args![account_id, conversation_id],
        )
        .await?
        .ok_or(StoreError::not_found("conversation"))?;
    Ok(StoredBotState {
        state: row.bot_state.map(|json| json.0),
        version: row.bot_state_version,
    })
}

/// A turn's conversation row, locked, with its memory's version and its inbox's rules.
#[derive(Debug, sqlx::FromRow)]
struct TurnRow {
    #[sqlx(flatten)]
    conversation: ConversationRow,
    bot_state_version: i64,
    #[sqlx(flatten)]
    rules: InboxRuleRow,
}

/// Loads and locks what a turn is stored against, with one statement: the conversation, the
/// version of the bot's memory of it, and its inbox's rules.
async fn turn_start(
    conn: &mut Conn,
    account_id: AccountId,
    conversation_id: ConversationId,
) -> Result<(Conversation, i64, InboxRules), StoreError> {
    let lock = match conn.backend() {
        Backend::Postgres => " FOR UPDATE OF c",
        Backend::Sqlite => "",
    };
    let row = conn
        .fetch_optional::<TurnRow>(
            &format!(
                "SELECT {}, c.bot_state_version, {INBOX_RULE_COLUMNS} \
                 FROM conversations c JOIN inboxes i ON i.account_id = c.account_id AND i.id = c.inbox_id \
                 WHERE c.account_id = $1 AND c.id = $2{lock}",
                qualified(CONVERSATION_COLUMNS, "c")
            ),
            args![account_id, conversation_id],
        )
        .await?
        .ok_or(StoreError::not_found("conversation"))?;
    Ok((
        row.conversation.try_into()?,
        row.bot_state_version,
        row.rules.try_into()?,
    ))
}

impl Store {
    /// A conversation with the bot's memory of it.
    pub async fn bot_memory(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<(Conversation, StoredBotState), StoreError> {
        let mut conn = self.read().await?;
        let conversation = find_conversation(&mut conn, account_id, conversation_id, false).await?;
        let memory = read_memory(&mut conn, account_id, conversation_id).await?;
        Ok((conversation, memory))
    }

    /// Replaces the bot's memory outside a turn (when people hand the conversation back).
    pub async fn save_bot_state(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        state: Value,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let changed = conn
            .execute(
                "UPDATE conversations SET bot_state = $1, bot_state_version = bot_state_version + 1 \
                 WHERE account_id = $2 AND id = $3",
                args![state, account_id, conversation_id],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::not_found("conversation"));
        }
        conn.commit().await?;
        Ok(())
    }

    /// Whether the built-in bot's turns have answered `message_id`: a turn answered it or a later
    /// customer message, or a person wrote to the customer after it. Replies the bot wrote after
    /// it to an earlier message do not count.
    pub async fn bot_answered(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) -> Result<bool, StoreError> {
        let mut conn = self.read().await?;
        let answered = conn
            .fetch_optional::<(i64,)>(
                "SELECT asked.created_at FROM messages asked \
                 WHERE asked.id = $3 AND asked.account_id = $1 AND asked.conversation_id = $2 AND (\
                   EXISTS (SELECT 1 FROM conversations c JOIN messages done ON done.id = c.bot_answered_message_id \
                     WHERE c.account_id = $1 AND c.id = $2 AND (done.created_at > asked.created_at \
                       OR (done.created_at = asked.created_at AND done.id >= asked.id))) \
                   OR EXISTS (SELECT 1 FROM messages later WHERE later.account_id = $1 \
                     AND later.conversation_id = $2 AND later.direction = 'outbound' \
                     AND later.sender_kind = 'user' AND later.is_private = $4 \
                     AND later.created_at >= asked.created_at))",
                args![account_id, conversation_id, message_id, false],
            )
            .await?;
        Ok(answered.is_some())
    }

    /// Whether something was said to the customer after `message_id` (the bot answered it, or
    /// a later turn did).
    pub async fn answered_since(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) -> Result<bool, StoreError> {
        let mut conn = self.read().await?;
        let later = conn
            .fetch_optional::<(i64,)>(
                "SELECT later.created_at FROM messages later JOIN messages asked ON asked.id = $3 \
                 WHERE later.account_id = $1 AND later.conversation_id = $2 \
                 AND later.direction = 'outbound' AND later.is_private = $4 \
                 AND (later.created_at > asked.created_at \
                      OR (later.created_at = asked.created_at AND later.id > asked.id)) \
                 LIMIT 1",
                args![account_id, conversation_id, message_id, false],
            )
            .await?;
        Ok(later.is_some())
    }

    /// The latest customer message of each conversation the bot handles that nothing answered,
    /// in every account, oldest first: what a node that stopped mid-turn left behind.
    pub async fn unanswered_bot_messages(
        &self,
        limit: u32,
    ) -> Result<Vec<UnansweredMessage>, StoreError> {
        let mut conn = self.read().await?;
        let columns = qualified(MESSAGE_COLUMNS, "m");
        let rows = conn
            .fetch_all::<MessageRow>(
                &format!(
                    "SELECT {columns} FROM messages m JOIN conversations c ON c.id = m.conversation_id \
                     WHERE c.status = 'bot' AND m.direction = 'inbound' AND NOT EXISTS ( \
                       SELECT 1 FROM messages later WHERE later.conversation_id = m.conversation_id \
                       AND later.is_private = $1 \
                       AND (later.created_at > m.created_at \
                            OR (later.created_at = m.created_at AND later.id > m.id))) \
                     ORDER BY m.created_at, m.id LIMIT $2"
                ),
                args![false, i64::from(limit)],
            )
            .await?;
        let messages: Vec<Message> = convert_all(rows)?;
        Ok(messages
            .into_iter()
            .map(|message| UnansweredMessage {
                account_id: message.account_id,
                conversation_id: message.conversation_id,
                message,
            })
            .collect())
    }

    /// The inboxes with conversations the bot handles whose last word, the bot's, is older than
    /// `silent_since`, in every account.
    pub async fn inboxes_with_silent_bot_conversations(
        &self,
        silent_since: Timestamp,
    ) -> Result<Vec<(AccountId, InboxId)>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<(Uuid, Uuid)>(
                "SELECT DISTINCT c.account_id, c.inbox_id FROM conversations c \
                 WHERE c.status = 'bot' AND c.last_activity_at <= $1",
                args![silent_since],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(account_id, inbox_id)| (AccountId(account_id), InboxId(inbox_id)))
            .collect())
    }

    /// Conversations of the inbox the bot handles, oldest first, in which nothing happened
    /// since `silent_since` and the last message the customer saw is the bot's: the customer
    /// went quiet after its answer. Each comes with the bot's memory of it.
    pub async fn silent_bot_conversations(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        silent_since: Timestamp,
        limit: u32,
    ) -> Result<Vec<(ConversationId, StoredBotState)>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<(Uuid, Option<Json<Value>>, i64)>(
                "SELECT c.id, c.bot_state, c.bot_state_version FROM conversations c \
                 WHERE c.account_id = $1 AND c.inbox_id = $2 AND c.status = 'bot' \
                 AND c.last_activity_at <= $3 AND ( \
                   SELECT m.sender_kind FROM messages m WHERE m.account_id = $1 \
                   AND m.conversation_id = c.id AND m.is_private = $4 \
                   ORDER BY m.created_at DESC, m.id DESC LIMIT 1) = 'bot' \
                 ORDER BY c.last_activity_at, c.id LIMIT $5",
                args![account_id, inbox_id, silent_since, false, i64::from(limit)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, state, version)| {
                (
                    ConversationId(id),
                    StoredBotState {
                        state: state.map(|json| json.0),
                        version,
                    },
                )
            })
            .collect())
    }

    /// The context stored at the conversation's last handover, if any.
    pub async fn handover_context(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Option<Value>, StoreError> {
        let mut conn = self.read().await?;
        let (context,) = conn
            .fetch_optional::<(Option<Json<Value>>,)>(
                "SELECT handover_context FROM conversations WHERE account_id = $1 AND id = $2",
                args![account_id, conversation_id],
            )
            .await?
            .ok_or(StoreError::not_found("conversation"))?;
        Ok(context.map(|json| json.0))
    }

    /// Stores a bot turn atomically: its replies (queued for the inbox's webhook), its new
    /// memory and its handover. Fails with a `bot_state_changed` conflict when another turn was
    /// stored since `based_on_version`; the caller recomputes the turn.
    pub async fn record_bot_turn(
        &self,
        account_id: AccountId,
        turn: &BotTurnRecord,
        now: Timestamp,
    ) -> Result<BotTurnOutcome, StoreError> {
        let mut conn = self.write().await?;
        let (mut conversation, version, rules) =
            turn_start(&mut conn, account_id, turn.conversation_id).await?;
        if conversation.status != ConversationStatus::Bot {
            return Ok(BotTurnOutcome::NotTheBots(conversation));
        }
        if version != turn.based_on_version {
            return Err(StoreError::Conflict {
                kind: Conflict::BotStateChanged,
                field: "based_on_version",
                message: "another bot turn was stored for this conversation meanwhile".into(),
            });
        }
        if let Some(BotResolution::SilentSince(since)) = turn.resolves
            && conversation.last_activity_at > since
        {
            return Ok(BotTurnOutcome::NoLongerSilent(conversation));
        }
        let mut messages = Vec::with_capacity(turn.replies.len());
        for (n, text) in turn.replies.iter().enumerate() {
            let last = n + 1 == turn.replies.len();
            let channel_data = (last && !turn.choices.is_empty()).then(|| {
                let quick_replies: Vec<_> = turn
                    .choices
                    .iter()
                    .enumerate()
                    .map(
                        |(n, title)| serde_json::json!({"id": (n + 1).to_string(), "title": title}),
                    )
                    .collect();
                serde_json::json!({ "quick_replies": quick_replies })
            });
            let message =
                insert_bot_message(&mut conn, &conversation, &rules, text, channel_data, now)
                    .await?;
            messages.push(message);
        }
        conversation.last_activity_at = now;
        let kinds = match (&turn.handover, turn.resolves) {
            (Some(handover), _) => conversation.request_handover(
                handover.reason,
                Some(handover.evidence.clone()),
                now,
            )?,
            (None, Some(_)) => conversation.resolve(now)?,
            (None, None) => Vec::new(),
        };
        conn.execute(
            "UPDATE conversations SET status = $1, assignee_id = $2, team_id = $3, first_agent_reply_at = $4, \
             last_activity_at = $5, resolved_at = $6, bot_state = $7, bot_state_version = bot_state_version + 1, \
             bot_answered_message_id = COALESCE($8, bot_answered_message_id), \
             handover_context = COALESCE($9, handover_context) WHERE account_id = $10 AND id = $11",
            args![
                conversation.status.as_str(),
                conversation.assignee_id,
                conversation.team_id,
                conversation.first_agent_reply_at,
                conversation.last_activity_at,
                conversation.resolved_at,
                turn.state.clone(),
                turn.answers,
                turn.handover.as_ref().map(|handover| handover.context.clone()),
                account_id,
                conversation.id
            ],
        )
        .await?;
        if let Some(question) = &turn.unanswered {
            insert_unanswered_question(&mut conn, &conversation, turn.answers, question, now)
                .await?;
        }
        let facts = turn
            .handover
            .as_ref()
            .map(|handover| handover.routing.clone())
            .unwrap_or_default();
        let written = Written::by(Actor::Bot, kinds)
            .messages(messages.iter().cloned())
            .routing(facts);
        let mut announcements = Announcements::default();
        let events = record(
            &mut conn,
            &mut conversation,
            rules.has_webhook,
            written,
            now,
            &mut announcements,
        )
        .await?;
        self.changes.commit_with(conn, announcements).await?;
        Ok(BotTurnOutcome::Recorded {
            conversation,
            messages,
            events,
        })
    }
}
