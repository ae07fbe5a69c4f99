//! The learning loop's records: the customer questions the bot could not answer (written by
//! `record_bot_turn`, in the turn's transaction), each with the first public reply a person
//! gave after it, and the suggestions made from them, which an admin edits, approves (saving
//! the changed bot profile in the same transaction) or dismisses.

use serde_json::Value;
use sqlx::FromRow;
use sqlx::types::Json;
use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::Actor;
use tandem_domain::id::{AccountId, ConversationId, LearningSuggestionId, MessageId, UserId};
use tandem_domain::message::{Direction, Message};

use crate::bot_profiles::{StoredBotProfile, upsert_bot_profile};
use crate::db::{Conn, args};
use crate::error::Conflict;
use crate::records::{MESSAGE_COLUMNS, MessageRow, timestamp};
use crate::{Store, StoreError};

/// A question the bot could not answer, to record with its turn.
#[derive(Clone, Debug, PartialEq)]
pub struct NewUnansweredQuestion {
    /// `pt`, `es` or `en`.
    pub language: String,
    pub text: String,
    /// `out_of_scope` or `low_confidence`.
    pub reason: String,
    /// The best intent's confidence, 0–1.
    pub confidence: f32,
}

/// A recorded unanswered question and the answer a person gave it, if any yet.
#[derive(Clone, Debug, PartialEq)]
pub struct LearningQuestion {
    pub id: Uuid,
    pub conversation_id: ConversationId,
    /// The customer message (gone if it was erased since).
    pub message_id: Option<MessageId>,
    pub language: String,
    pub text: String,
    pub reason: String,
    pub confidence: f32,
    pub created_at: Timestamp,
    /// The first public agent reply after the question in its conversation.
    pub answer: Option<LearningAnswer>,
}

/// A person's reply that answers a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearningAnswer {
    pub message_id: MessageId,
    pub text: String,
}

/// Where a suggestion is in its review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuggestionStatus {
    Pending,
    Approved,
    Dismissed,
}

impl SuggestionStatus {
    /// The stored (and wire) name.
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestionStatus::Pending => "pending",
            SuggestionStatus::Approved => "approved",
            SuggestionStatus::Dismissed => "dismissed",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(SuggestionStatus::Pending),
            "approved" => Some(SuggestionStatus::Approved),
            "dismissed" => Some(SuggestionStatus::Dismissed),
            _ => None,
        }
    }
}

/// A suggestion to make or refresh.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLearningSuggestion {
    /// The question group's stable name; one suggestion per group and account.
    pub group_key: String,
    pub language: String,
    /// Sample questions of the group.
    pub questions: Vec<String>,
    /// How many recorded questions the group holds.
    pub question_count: i64,
    /// The proposed profile change (the bot crate's `Proposal` as JSON).
    pub proposal: Value,
    /// The person's reply the proposal learns from.
    pub source_message_id: Option<MessageId>,
    pub source_conversation_id: Option<ConversationId>,
    /// Who asked for it ("teach the bot"); `None` when made from the log.
    pub created_by: Option<UserId>,
}

/// A suggestion for the bot to learn.
#[derive(Clone, Debug, PartialEq)]
pub struct LearningSuggestion {
    pub id: LearningSuggestionId,
    pub account_id: AccountId,
    pub group_key: String,
    pub language: String,
    pub questions: Vec<String>,
    pub question_count: i64,
    pub proposal: Value,
    /// An admin changed the proposal: refreshing no longer replaces it.
    pub edited: bool,
    pub source_message_id: Option<MessageId>,
    pub source_conversation_id: Option<ConversationId>,
    pub status: SuggestionStatus,
    pub created_by: Option<UserId>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const SUGGESTION_COLUMNS: &str = "id, account_id, group_key, language, questions, question_count, \
     proposal, edited, source_message_id, source_conversation_id, status, created_by, decided_by, \
     decided_at, created_at, updated_at";

#[derive(Debug, FromRow)]
struct SuggestionRow {
    id: Uuid,
    account_id: Uuid,
    group_key: String,
    language: String,
    questions: Json<Vec<String>>,
    question_count: i64,
    proposal: Json<Value>,
    edited: bool,
    source_message_id: Option<Uuid>,
    source_conversation_id: Option<Uuid>,
    status: String,
    created_by: Option<Uuid>,
    decided_by: Option<Uuid>,
    decided_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<SuggestionRow> for LearningSuggestion {
    type Error = StoreError;

    fn try_from(row: SuggestionRow) -> Result<Self, StoreError> {
        Ok(LearningSuggestion {
            id: LearningSuggestionId(row.id),
            account_id: AccountId(row.account_id),
            group_key: row.group_key,
            language: row.language,
            questions: row.questions.0,
            question_count: row.question_count,
            proposal: row.proposal.0,
            edited: row.edited,
            source_message_id: row.source_message_id.map(MessageId),
            source_conversation_id: row.source_conversation_id.map(ConversationId),
            status: SuggestionStatus::parse(&row.status)
                .ok_or_else(|| StoreError::corrupt(format!("suggestion status {}", row.status)))?,
            created_by: row.created_by.map(UserId),
            decided_by: row.decided_by.map(UserId),
            decided_at: row.decided_at.map(timestamp).transpose()?,
            created_at: timestamp(row.created_at)?,
            updated_at: timestamp(row.updated_at)?,
        })
    }
}

#[derive(Debug, FromRow)]
struct QuestionRow {
    id: Uuid,
    conversation_id: Uuid,
    message_id: Option<Uuid>,
    language: String,
    text: String,
    reason: String,
    confidence_permille: i64,
    created_at: i64,
    answer_id: Option<Uuid>,
    answer_text: Option<String>,
}

/// Records `question`, asked in `message_id` of `conversation`, inside a bot turn's transaction.
pub(crate) async fn insert_unanswered_question(
    conn: &mut Conn,
    conversation: &Conversation,
    message_id: Option<MessageId>,
    question: &NewUnansweredQuestion,
    now: Timestamp,
) -> Result<(), StoreError> {
    // Confidences are in 0–1; a thousandth is all the precision the review needs.
    let permille = (question.confidence.clamp(0.0, 1.0) * 1000.0).round() as i64;
    conn.execute(
        "INSERT INTO unanswered_questions (id, account_id, inbox_id, conversation_id, message_id, \
         language, text, reason, confidence_permille, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        args![
            Uuid::now_v7(),
            conversation.account_id,
            conversation.inbox_id,
            conversation.id,
            message_id,
            question.language.as_str(),
            question.text.as_str(),
            question.reason.as_str(),
            permille,
            now
        ],
    )
    .await?;
    Ok(())
}

async fn find_suggestion(
    conn: &mut Conn,
    account_id: AccountId,
    id: LearningSuggestionId,
    lock: bool,
) -> Result<LearningSuggestion, StoreError> {
    let lock = if lock { conn.for_update() } else { "" };
    conn.fetch_optional::<SuggestionRow>(
        &format!(
            "SELECT {SUGGESTION_COLUMNS} FROM learning_suggestions WHERE account_id = $1 AND id = $2{lock}"
        ),
        args![account_id, id],
    )
    .await?
    .ok_or(StoreError::not_found("learning suggestion"))?
    .try_into()
}

fn pending(suggestion: &LearningSuggestion) -> Result<(), StoreError> {
    if suggestion.status == SuggestionStatus::Pending {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            kind: Conflict::SuggestionDecided,
            field: "status",
            message: format!("the suggestion was {} already", suggestion.status.as_str()),
        })
    }
}

async fn decide(
    conn: &mut Conn,
    suggestion: &mut LearningSuggestion,
    status: SuggestionStatus,
    user_id: UserId,
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE learning_suggestions SET status = $1, decided_by = $2, decided_at = $3, updated_at = $3 \
         WHERE account_id = $4 AND id = $5",
        args![
            status.as_str(),
            user_id,
            now,
            suggestion.account_id,
            suggestion.id
        ],
    )
    .await?;
    suggestion.status = status;
    suggestion.decided_by = Some(user_id);
    suggestion.decided_at = Some(now);
    suggestion.updated_at = now;
    Ok(())
}

impl Store {
    /// The account's most recent unanswered questions (at most `limit`), newest first, each
    /// with the first public reply a person wrote after it in its conversation.
    pub async fn learning_questions(
        &self,
        account_id: AccountId,
        limit: u32,
    ) -> Result<Vec<LearningQuestion>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<QuestionRow>(
                "SELECT q.id, q.conversation_id, q.message_id, q.language, q.text, q.reason, \
                 q.confidence_permille, q.created_at, a.id AS answer_id, a.text AS answer_text \
                 FROM unanswered_questions q LEFT JOIN messages a ON a.id = ( \
                   SELECT m.id FROM messages m WHERE m.account_id = q.account_id \
                   AND m.conversation_id = q.conversation_id AND m.direction = 'outbound' \
                   AND m.sender_kind = 'user' AND m.is_private = $2 AND m.created_at >= q.created_at \
                   ORDER BY m.created_at, m.id LIMIT 1) \
                 WHERE q.account_id = $1 ORDER BY q.created_at DESC, q.id DESC LIMIT $3",
                args![account_id, false, i64::from(limit)],
            )
            .await?;
        rows.into_iter()
            .map(|row| {
                // At most 1000: exact in f32.
                let confidence = row.confidence_permille as f32 / 1000.0;
                Ok(LearningQuestion {
                    id: row.id,
                    conversation_id: ConversationId(row.conversation_id),
                    message_id: row.message_id.map(MessageId),
                    language: row.language,
                    text: row.text,
                    reason: row.reason,
                    confidence,
                    created_at: timestamp(row.created_at)?,
                    answer: row
                        .answer_id
                        .zip(row.answer_text)
                        .map(|(id, text)| LearningAnswer {
                            message_id: MessageId(id),
                            text,
                        }),
                })
            })
            .collect()
    }

    /// The texts of the account's most recent customer messages (at most `limit`), newest
    /// first: the past questions an impact preview replays.
    pub async fn recent_customer_texts(
        &self,
        account_id: AccountId,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<(String,)>(
                "SELECT text FROM messages WHERE account_id = $1 AND direction = 'inbound' \
                 ORDER BY created_at DESC, id DESC LIMIT $2",
                args![account_id, i64::from(limit)],
            )
            .await?;
        Ok(rows.into_iter().map(|(text,)| text).collect())
    }

    /// A person's public reply and the question it answers, the pair "teach the bot" learns
    /// from: the latest customer message before the reply that the bot could not answer, else
    /// the latest customer message before it (`None` when the customer wrote nothing before).
    pub async fn teaching_pair(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
    ) -> Result<(Message, Option<Message>), StoreError> {
        let mut conn = self.read().await?;
        let reply: Message = conn
            .fetch_optional::<MessageRow>(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE account_id = $1 \
                     AND conversation_id = $2 AND id = $3"
                ),
                args![account_id, conversation_id, message_id],
            )
            .await?
            .ok_or(StoreError::not_found("message"))?
            .try_into()?;
        if reply.direction != Direction::Outbound
            || reply.is_private
            || !matches!(reply.sender, Actor::User(_))
        {
            return Err(StoreError::Conflict {
                kind: Conflict::NotAnAgentReply,
                field: "message_id",
                message: "only a person's public reply can teach the bot".into(),
            });
        }
        let columns = MESSAGE_COLUMNS
            .split(',')
            .map(|column| format!("m.{}", column.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let before = "m.account_id = $1 AND m.conversation_id = $2 AND m.direction = 'inbound' \
             AND (m.created_at < $3 OR (m.created_at = $3 AND m.id < $4))";
        let unanswered = conn
            .fetch_optional::<MessageRow>(
                &format!(
                    "SELECT {columns} FROM messages m WHERE {before} AND EXISTS (\
                       SELECT 1 FROM unanswered_questions q WHERE q.account_id = $1 \
                       AND q.message_id = m.id) \
                     ORDER BY m.created_at DESC, m.id DESC LIMIT 1"
                ),
                args![account_id, conversation_id, reply.created_at, reply.id],
            )
            .await?;
        let question = match unanswered {
            Some(row) => Some(row),
            None => {
                conn.fetch_optional::<MessageRow>(
                    &format!(
                        "SELECT {columns} FROM messages m WHERE {before} \
                         ORDER BY m.created_at DESC, m.id DESC LIMIT 1"
                    ),
                    args![account_id, conversation_id, reply.created_at, reply.id],
                )
                .await?
            }
        };
        let question = question.map(Message::try_from).transpose()?;
        Ok((reply, question))
    }

    /// Creates or refreshes suggestions by group key: a new key makes a pending suggestion; a
    /// pending one gets the new questions, count and source (and the new proposal unless an
    /// admin edited it); an approved or dismissed one stays as it was. Returns them all.
    pub async fn save_learning_suggestions(
        &self,
        account_id: AccountId,
        suggestions: &[NewLearningSuggestion],
        now: Timestamp,
    ) -> Result<Vec<LearningSuggestion>, StoreError> {
        let mut conn = self.write().await?;
        let mut saved = Vec::with_capacity(suggestions.len());
        for new in suggestions {
            let lock = conn.for_update();
            let existing = conn
                .fetch_optional::<SuggestionRow>(
                    &format!(
                        "SELECT {SUGGESTION_COLUMNS} FROM learning_suggestions \
                         WHERE account_id = $1 AND group_key = $2{lock}"
                    ),
                    args![account_id, new.group_key.as_str()],
                )
                .await?
                .map(LearningSuggestion::try_from)
                .transpose()?;
            let questions = Value::from(new.questions.clone());
            let suggestion = match existing {
                None => {
                    let id = LearningSuggestionId::generate();
                    conn.execute(
                        &format!(
                            "INSERT INTO learning_suggestions ({SUGGESTION_COLUMNS}) VALUES \
                             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
                        ),
                        args![
                            id,
                            account_id,
                            new.group_key.as_str(),
                            new.language.as_str(),
                            questions,
                            new.question_count,
                            new.proposal.clone(),
                            false,
                            new.source_message_id,
                            new.source_conversation_id,
                            SuggestionStatus::Pending.as_str(),
                            new.created_by,
                            Option::<UserId>::None,
                            Option::<Timestamp>::None,
                            now,
                            now
                        ],
                    )
                    .await?;
                    find_suggestion(&mut conn, account_id, id, false).await?
                }
                Some(existing) if existing.status == SuggestionStatus::Pending => {
                    let proposal = if existing.edited {
                        existing.proposal.clone()
                    } else {
                        new.proposal.clone()
                    };
                    conn.execute(
                        "UPDATE learning_suggestions SET questions = $1, question_count = $2, \
                         proposal = $3, source_message_id = $4, source_conversation_id = $5, \
                         updated_at = $6 WHERE account_id = $7 AND id = $8",
                        args![
                            questions,
                            new.question_count,
                            proposal,
                            new.source_message_id,
                            new.source_conversation_id,
                            now,
                            account_id,
                            existing.id
                        ],
                    )
                    .await?;
                    find_suggestion(&mut conn, account_id, existing.id, false).await?
                }
                Some(decided) => decided,
            };
            saved.push(suggestion);
        }
        conn.commit().await?;
        Ok(saved)
    }

    /// The account's suggestions (only those in `status`, if given), most asked first.
    pub async fn learning_suggestions(
        &self,
        account_id: AccountId,
        status: Option<SuggestionStatus>,
    ) -> Result<Vec<LearningSuggestion>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<SuggestionRow>(
                &format!(
                    "SELECT {SUGGESTION_COLUMNS} FROM learning_suggestions WHERE account_id = $1 \
                     AND ($2 IS NULL OR status = $2) \
                     ORDER BY question_count DESC, created_at, id"
                ),
                args![account_id, status.map(SuggestionStatus::as_str)],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// One suggestion.
    pub async fn learning_suggestion(
        &self,
        account_id: AccountId,
        id: LearningSuggestionId,
    ) -> Result<LearningSuggestion, StoreError> {
        let mut conn = self.read().await?;
        find_suggestion(&mut conn, account_id, id, false).await
    }

    /// Replaces a pending suggestion's proposal (checked by the caller); refreshing keeps it.
    pub async fn edit_learning_suggestion(
        &self,
        account_id: AccountId,
        id: LearningSuggestionId,
        proposal: Value,
        now: Timestamp,
    ) -> Result<LearningSuggestion, StoreError> {
        let mut conn = self.write().await?;
        let mut suggestion = find_suggestion(&mut conn, account_id, id, true).await?;
        pending(&suggestion)?;
        conn.execute(
            "UPDATE learning_suggestions SET proposal = $1, edited = $2, updated_at = $3 \
             WHERE account_id = $4 AND id = $5",
            args![proposal.clone(), true, now, account_id, id],
        )
        .await?;
        conn.commit().await?;
        suggestion.proposal = proposal;
        suggestion.edited = true;
        suggestion.updated_at = now;
        Ok(suggestion)
    }

    /// Dismisses a pending suggestion: it is kept, so the same group is not suggested again.
    pub async fn dismiss_learning_suggestion(
        &self,
        account_id: AccountId,
        id: LearningSuggestionId,
        user_id: UserId,
        now: Timestamp,
    ) -> Result<LearningSuggestion, StoreError> {
        let mut conn = self.write().await?;
        let mut suggestion = find_suggestion(&mut conn, account_id, id, true).await?;
        pending(&suggestion)?;
        decide(
            &mut conn,
            &mut suggestion,
            SuggestionStatus::Dismissed,
            user_id,
            now,
        )
        .await?;
        conn.commit().await?;
        Ok(suggestion)
    }

    /// Approves a pending suggestion and saves `source`, the account's bot profile with the
    /// suggestion applied, in one transaction. `based_on` is the `updated_at` of the profile
    /// `source` was made from: if the profile changed since, nothing is saved
    /// (`profile_changed`) and the caller applies the suggestion again to the new profile.
    pub async fn approve_learning_suggestion(
        &self,
        account_id: AccountId,
        id: LearningSuggestionId,
        user_id: UserId,
        source: &str,
        based_on: Timestamp,
        now: Timestamp,
    ) -> Result<(LearningSuggestion, StoredBotProfile), StoreError> {
        let mut conn = self.write().await?;
        let mut suggestion = find_suggestion(&mut conn, account_id, id, true).await?;
        pending(&suggestion)?;
        let lock = conn.for_update();
        let current = conn
            .fetch_optional::<(i64,)>(
                &format!("SELECT updated_at FROM bot_profiles WHERE account_id = $1{lock}"),
                args![account_id],
            )
            .await?
            .ok_or(StoreError::not_found("bot profile"))?;
        if current.0 != based_on.as_millisecond() {
            return Err(StoreError::Conflict {
                kind: Conflict::ProfileChanged,
                field: "source",
                message: "the bot profile changed meanwhile".into(),
            });
        }
        let profile = StoredBotProfile {
            account_id,
            inbox_id: None,
            source: source.to_owned(),
            updated_at: now,
            updated_by: Some(user_id),
        };
        upsert_bot_profile(&mut conn, &profile).await?;
        decide(
            &mut conn,
            &mut suggestion,
            SuggestionStatus::Approved,
            user_id,
            now,
        )
        .await?;
        conn.commit().await?;
        Ok((suggestion, profile))
    }
}
