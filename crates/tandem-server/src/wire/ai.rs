//! The AI layer's JSON: an account's settings, the connection test, usage and the call log,
//! what the workspace may offer, and the copilot's answers.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tandem_ai::Citation;
use tandem_app::ai::{AiCapabilities, AiSettings, AiUsage};
use tandem_app::model::AiCall;
use tandem_domain::Timestamp;

/// New AI settings. `api_key`: left out keeps the stored key, `""` removes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AiSettingsRequest {
    pub provider: String,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub daily_token_budget: Option<u64>,
    #[serde(default)]
    pub generative_answers: Option<bool>,
    #[serde(default)]
    pub translation: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct AiSettingsResponse {
    pub provider: &'static str,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key_set: bool,
    pub timeout_ms: u64,
    pub daily_token_budget: Option<u64>,
    pub generative_answers: bool,
    pub translation: bool,
    pub embedded_model: Option<String>,
}

impl From<AiSettings> for AiSettingsResponse {
    fn from(settings: AiSettings) -> Self {
        Self {
            provider: settings.provider.as_str(),
            base_url: settings.base_url,
            model: settings.model,
            api_key_set: settings.api_key_set,
            timeout_ms: settings.timeout_ms,
            daily_token_budget: settings.daily_token_budget,
            generative_answers: settings.generative_answers,
            translation: settings.translation,
            embedded_model: settings.embedded_model,
        }
    }
}

/// A connection test's result: the model that answered, or what failed.
#[derive(Debug, Serialize)]
pub struct AiTestResponse {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AiCallResponse {
    pub id: Uuid,
    pub created_at: Timestamp,
    pub purpose: String,
    pub user_id: Option<Uuid>,
    pub conversation_id: Option<Uuid>,
    pub provider: String,
    pub model: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub latency_ms: i64,
    pub outcome: String,
}

impl From<AiCall> for AiCallResponse {
    fn from(call: AiCall) -> Self {
        Self {
            id: call.id,
            created_at: call.created_at,
            purpose: call.purpose,
            user_id: call.user_id.map(|id| id.0),
            conversation_id: call.conversation_id.map(|id| id.0),
            provider: call.provider,
            model: call.model,
            prompt_tokens: call.prompt_tokens,
            completion_tokens: call.completion_tokens,
            latency_ms: call.latency_ms,
            outcome: call.outcome,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AiToday {
    pub calls: u64,
    pub tokens: u64,
}

/// Bot containment over the last 30 days for one intent, with or without a generated answer.
#[derive(Debug, Serialize)]
pub struct GeneratedContainmentBody {
    pub intent: Option<String>,
    pub generated: bool,
    pub resolved: i64,
    pub contained: i64,
}

#[derive(Debug, Serialize)]
pub struct AiUsageResponse {
    pub today: AiToday,
    pub daily_token_budget: Option<u64>,
    pub calls: Vec<AiCallResponse>,
    pub containment: Vec<GeneratedContainmentBody>,
}

impl From<AiUsage> for AiUsageResponse {
    fn from(usage: AiUsage) -> Self {
        Self {
            today: AiToday {
                calls: usage.today_calls,
                tokens: usage.today_tokens,
            },
            daily_token_budget: usage.daily_token_budget,
            calls: usage.calls.into_iter().map(Into::into).collect(),
            containment: usage
                .containment
                .into_iter()
                .map(|row| GeneratedContainmentBody {
                    intent: row.intent,
                    generated: row.generated,
                    resolved: row.resolved,
                    contained: row.contained,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AiCapabilitiesResponse {
    pub copilot: bool,
    pub translation: bool,
    pub generative_answers: bool,
}

impl From<AiCapabilities> for AiCapabilitiesResponse {
    fn from(capabilities: AiCapabilities) -> Self {
        Self {
            copilot: capabilities.copilot,
            translation: capabilities.translation,
            generative_answers: capabilities.generative_answers,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SummaryResponse {
    pub summary: String,
    /// Written by the account's model; otherwise extractive.
    pub generated: bool,
}

#[derive(Debug, Serialize)]
pub struct CitationBody {
    pub article_id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl From<Citation> for CitationBody {
    fn from(citation: Citation) -> Self {
        Self {
            article_id: citation.article_id,
            title: citation.title,
            url: citation.url,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SuggestionResponse {
    pub text: String,
    pub citations: Vec<CitationBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RephraseRequest {
    pub text: String,
    pub style: String,
}

#[derive(Debug, Serialize)]
pub struct TextResponse {
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranslationRequest {
    pub to: String,
}

#[derive(Debug, Serialize)]
pub struct TranslationResponse {
    pub language: &'static str,
    pub text: String,
}
