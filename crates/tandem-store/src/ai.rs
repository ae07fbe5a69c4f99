//! The AI layer's rows: each account's provider settings, the log of calls made to models
//! (usage, budgets, the admins' view; no prompt or answer text), and translations of
//! messages kept beside the original.

use uuid::Uuid;

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId, MessageId, UserId};

use crate::db::args;
use crate::records::timestamp;
use crate::{Store, StoreError};

/// An account's AI settings as stored; the API key stays sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AiSettingsRecord {
    /// `none`, `embedded` or `openai`.
    pub provider: String,
    /// The OpenAI-compatible server's base URL.
    pub base_url: Option<String>,
    /// The model's name at that server.
    pub model: Option<String>,
    /// The API key, sealed with the server's key.
    pub api_key_sealed: Option<String>,
    /// The longest a call may take.
    pub timeout_ms: i64,
    /// Tokens the account may use per day (UTC); none is no limit.
    pub daily_token_budget: Option<i64>,
    /// The bot answers from the articles with the model.
    pub generative_answers: bool,
    /// Messages are translated between the customer's and the agent's language.
    pub translation: bool,
    /// When the settings last changed.
    pub updated_at: Timestamp,
}

#[derive(Debug, sqlx::FromRow)]
struct SettingsRow {
    provider: String,
    base_url: Option<String>,
    model: Option<String>,
    api_key_sealed: Option<String>,
    timeout_ms: i64,
    daily_token_budget: Option<i64>,
    generative_answers: bool,
    translation: bool,
    updated_at: i64,
}

/// One call made to a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AiCall {
    /// Its id.
    pub id: Uuid,
    /// The account it was made for.
    pub account_id: AccountId,
    /// The person who asked (copilot); none for the bot.
    pub user_id: Option<UserId>,
    /// The conversation it was about.
    pub conversation_id: Option<ConversationId>,
    /// `answer`, `summary`, `suggest`, `rephrase`, `translate` or `test`.
    pub purpose: String,
    /// `openai` or `embedded`.
    pub provider: String,
    /// The model's name.
    pub model: String,
    /// Prompt tokens.
    pub prompt_tokens: i64,
    /// Answer tokens.
    pub completion_tokens: i64,
    /// How long it took.
    pub latency_ms: i64,
    /// `answered`, a check's refusal (`unsupported_number`...) or a failure (`timeout`...).
    pub outcome: String,
    /// When it was made.
    pub created_at: Timestamp,
}

#[derive(Debug, sqlx::FromRow)]
struct CallRow {
    id: Uuid,
    account_id: Uuid,
    user_id: Option<Uuid>,
    conversation_id: Option<Uuid>,
    purpose: String,
    provider: String,
    model: String,
    prompt_tokens: i64,
    completion_tokens: i64,
    latency_ms: i64,
    outcome: String,
    created_at: i64,
}

impl TryFrom<CallRow> for AiCall {
    type Error = StoreError;

    fn try_from(row: CallRow) -> Result<Self, StoreError> {
        Ok(AiCall {
            id: row.id,
            account_id: AccountId(row.account_id),
            user_id: row.user_id.map(UserId),
            conversation_id: row.conversation_id.map(ConversationId),
            purpose: row.purpose,
            provider: row.provider,
            model: row.model,
            prompt_tokens: row.prompt_tokens,
            completion_tokens: row.completion_tokens,
            latency_ms: row.latency_ms,
            outcome: row.outcome,
            created_at: timestamp(row.created_at)?,
        })
    }
}

/// A message's text in another language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageTranslation {
    /// The message.
    pub message_id: MessageId,
    /// The language code (`pt`, `es`, `en`).
    pub language: String,
    /// The text in that language.
    pub text: String,
}

#[derive(Debug, sqlx::FromRow)]
struct TranslationRow {
    message_id: Uuid,
    language: String,
    text: String,
}

/// Bot containment split by whether a generated answer was sent, for one intent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedContainment {
    /// The conversation's intent (none: the bot never recognised one).
    pub intent: Option<String>,
    /// A generated answer was sent in the conversation.
    pub generated: bool,
    /// Resolved conversations that opened with the bot.
    pub resolved: i64,
    /// Of them, never handed over nor queued.
    pub contained: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct ContainmentRow {
    intent: Option<String>,
    generated: i64,
    resolved: i64,
    contained: i64,
}

const CALL_COLUMNS: &str = "id, account_id, user_id, conversation_id, purpose, provider, model, \
     prompt_tokens, completion_tokens, latency_ms, outcome, created_at";

impl Store {
    /// The account's AI settings; `None` when it never set any.
    pub async fn ai_settings(
        &self,
        account_id: AccountId,
    ) -> Result<Option<AiSettingsRecord>, StoreError> {
        let mut conn = self.read().await?;
        let row = conn
            .fetch_optional::<SettingsRow>(
                "SELECT provider, base_url, model, api_key_sealed, timeout_ms, daily_token_budget, \
                 generative_answers, translation, updated_at FROM ai_settings WHERE account_id = $1",
                args![account_id],
            )
            .await?;
        row.map(|row| {
            Ok(AiSettingsRecord {
                provider: row.provider,
                base_url: row.base_url,
                model: row.model,
                api_key_sealed: row.api_key_sealed,
                timeout_ms: row.timeout_ms,
                daily_token_budget: row.daily_token_budget,
                generative_answers: row.generative_answers,
                translation: row.translation,
                updated_at: timestamp(row.updated_at)?,
            })
        })
        .transpose()
    }

    /// Replaces the account's AI settings.
    pub async fn save_ai_settings(
        &self,
        account_id: AccountId,
        settings: &AiSettingsRecord,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            "INSERT INTO ai_settings (account_id, provider, base_url, model, api_key_sealed, \
             timeout_ms, daily_token_budget, generative_answers, translation, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (account_id) DO UPDATE SET provider = excluded.provider, \
             base_url = excluded.base_url, model = excluded.model, \
             api_key_sealed = excluded.api_key_sealed, timeout_ms = excluded.timeout_ms, \
             daily_token_budget = excluded.daily_token_budget, \
             generative_answers = excluded.generative_answers, \
             translation = excluded.translation, updated_at = excluded.updated_at",
            args![
                account_id,
                settings.provider.as_str(),
                settings.base_url.as_deref(),
                settings.model.as_deref(),
                settings.api_key_sealed.as_deref(),
                settings.timeout_ms,
                settings.daily_token_budget,
                settings.generative_answers,
                settings.translation,
                settings.updated_at
            ],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// Records a call made to a model.
    pub async fn record_ai_call(&self, call: &AiCall) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        conn.execute(
            &format!(
                "INSERT INTO ai_calls ({CALL_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ),
            args![
                call.id,
                call.account_id,
                call.user_id,
                call.conversation_id,
                call.purpose.as_str(),
                call.provider.as_str(),
                call.model.as_str(),
                call.prompt_tokens,
                call.completion_tokens,
                call.latency_ms,
                call.outcome.as_str(),
                call.created_at
            ],
        )
        .await?;
        conn.commit().await?;
        Ok(())
    }

    /// The calls and tokens the account used since `since`.
    pub async fn ai_usage_since(
        &self,
        account_id: AccountId,
        since: Timestamp,
    ) -> Result<(i64, i64), StoreError> {
        let mut conn = self.read().await?;
        let usage: (i64, i64) = conn
            .fetch_one(
                "SELECT COUNT(*), CAST(COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS BIGINT) \
                 FROM ai_calls WHERE account_id = $1 AND created_at >= $2",
                args![account_id, since],
            )
            .await?;
        Ok(usage)
    }

    /// The account's latest calls, newest first.
    pub async fn ai_calls(
        &self,
        account_id: AccountId,
        limit: i64,
    ) -> Result<Vec<AiCall>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<CallRow>(
                &format!(
                    "SELECT {CALL_COLUMNS} FROM ai_calls WHERE account_id = $1 \
                     ORDER BY created_at DESC, id DESC LIMIT $2"
                ),
                args![account_id, limit],
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Keeps `text` as the message's text in `language` (replacing an earlier one). The
    /// message must be the account's, in `conversation_id`.
    pub async fn save_message_translation(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        message_id: MessageId,
        language: &str,
        text: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let inserted = conn
            .execute(
                "INSERT INTO message_translations \
                 (account_id, conversation_id, message_id, language, text, created_at) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM messages \
                 WHERE account_id = $1 AND conversation_id = $2 AND id = $3) \
                 ON CONFLICT (message_id, language) DO UPDATE SET text = excluded.text, \
                 created_at = excluded.created_at",
                args![account_id, conversation_id, message_id, language, text, now],
            )
            .await?;
        if inserted == 0 {
            return Err(StoreError::not_found("message"));
        }
        conn.commit().await?;
        Ok(())
    }

    /// Every translation of the messages of a conversation.
    pub async fn message_translations(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Vec<MessageTranslation>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<TranslationRow>(
                "SELECT message_id, language, text FROM message_translations \
                 WHERE account_id = $1 AND conversation_id = $2 ORDER BY message_id, language",
                args![account_id, conversation_id],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| MessageTranslation {
                message_id: MessageId(row.message_id),
                language: row.language,
                text: row.text,
            })
            .collect())
    }

    /// Containment of the conversations opened with the bot in `[from, to)`, per intent, with
    /// and without a generated answer (the report's definition of `containment_rate`).
    pub async fn generated_containment(
        &self,
        account_id: AccountId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<GeneratedContainment>, StoreError> {
        self.bring_facts_up_to_date(account_id).await?;
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<ContainmentRow>(
                "SELECT f.intent AS intent, \
                 CAST(CASE WHEN EXISTS (SELECT 1 FROM ai_calls c WHERE c.account_id = f.account_id \
                   AND c.conversation_id = f.conversation_id AND c.purpose = 'answer' \
                   AND c.outcome = 'ok') THEN 1 ELSE 0 END AS BIGINT) AS generated, \
                 CAST(COUNT(*) AS BIGINT) AS resolved, \
                 CAST(SUM(CASE WHEN f.queued_at IS NULL AND f.handover_reason IS NULL \
                   THEN 1 ELSE 0 END) AS BIGINT) AS contained \
                 FROM conversation_facts f WHERE f.account_id = $1 AND f.bot_first = 1 \
                 AND f.resolved_at IS NOT NULL AND f.opened_at >= $2 AND f.opened_at < $3 \
                 GROUP BY 1, 2 ORDER BY 1, 2",
                args![account_id, from, to],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| GeneratedContainment {
                intent: row.intent,
                generated: row.generated == 1,
                resolved: row.resolved,
                contained: row.contained,
            })
            .collect())
    }
}
