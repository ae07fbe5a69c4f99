//! The AI layer: admins choose and test the account's provider and read its usage; agents
//! use the copilot (summary, suggested reply, rephrase) and translate messages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;

use tandem_ai::RephraseStyle;
use tandem_app::ai::AiSettingsUpdate;
use tandem_domain::id::{ConversationId, MessageId};
use tandem_domain::user::Role;
use tandem_nlu::Language;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
use crate::state::AppState;
use crate::wire::{
    AiCapabilitiesResponse, AiSettingsRequest, AiSettingsResponse, AiTestResponse, AiUsageResponse,
    RephraseRequest, SuggestionResponse, SummaryResponse, TextResponse, TranslationRequest,
    TranslationResponse,
};

pub async fn settings(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<AiSettingsResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let settings = state.app.ai_settings(auth.0.account_id()).await?;
    Ok(Json(settings.into()))
}

pub async fn update_settings(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    ApiJson(request): ApiJson<AiSettingsRequest>,
) -> Result<Json<AiSettingsResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let update = AiSettingsUpdate {
        provider: request.provider,
        base_url: request.base_url,
        model: request.model,
        api_key: request.api_key,
        timeout_ms: request.timeout_ms,
        daily_token_budget: request.daily_token_budget,
        generative_answers: request.generative_answers,
        translation: request.translation,
    };
    let settings = state
        .app
        .update_ai_settings(&auth.actor(origin), update)
        .await?;
    Ok(Json(settings.into()))
}

pub async fn test(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<AiTestResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let test = state
        .app
        .test_ai(auth.0.account_id(), auth.0.user_id())
        .await?;
    Ok(Json(match test.result {
        Ok(model) => AiTestResponse {
            ok: true,
            model: Some(model),
            latency_ms: test.latency_ms,
            failure: None,
            message: None,
        },
        Err(failure) => AiTestResponse {
            ok: false,
            model: None,
            latency_ms: test.latency_ms,
            failure: Some(failure.code()),
            message: Some(failure.to_string()),
        },
    }))
}

pub async fn usage(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<AiUsageResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let usage = state.app.ai_usage(auth.0.account_id()).await?;
    Ok(Json(usage.into()))
}

pub async fn capabilities(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<AiCapabilitiesResponse>, ApiError> {
    let capabilities = state.app.ai_capabilities(principal.account_id()).await?;
    Ok(Json(capabilities.into()))
}

/// The reader's language: the first of `Accept-Language` Tandem speaks, English otherwise.
fn reader_language(headers: &HeaderMap) -> Language {
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .split(',')
                .filter_map(|part| part.split(';').next())
                .find_map(|tag| Language::from_code(tag.trim()))
        })
        .unwrap_or(Language::English)
}

pub async fn summary(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    Path(conversation_id): Path<String>,
) -> Result<Json<SummaryResponse>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let summary = state
        .app
        .copilot_summary(&principal, conversation_id, reader_language(&headers))
        .await?;
    Ok(Json(SummaryResponse {
        summary: summary.summary,
        generated: summary.generated,
    }))
}

pub async fn suggest(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(conversation_id): Path<String>,
) -> Result<Json<SuggestionResponse>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let suggestion = state
        .app
        .copilot_suggest(&principal, conversation_id)
        .await?;
    Ok(Json(SuggestionResponse {
        text: suggestion.text,
        citations: suggestion.citations.into_iter().map(Into::into).collect(),
    }))
}

pub async fn rephrase(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<RephraseRequest>,
) -> Result<Json<TextResponse>, ApiError> {
    let style: RephraseStyle =
        serde_json::from_value(serde_json::Value::String(request.style.clone())).map_err(|_| {
            ApiError::Validation(tandem_domain::validation::ValidationError::field(
                "style",
                "unknown_style",
                format!(
                    "{:?} is not friendlier, formal, shorter or grammar",
                    request.style
                ),
            ))
        })?;
    let text = state
        .app
        .copilot_rephrase(&principal, &request.text, style)
        .await?;
    Ok(Json(TextResponse { text }))
}

pub async fn translate_message(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path((conversation_id, message_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<TranslationRequest>,
) -> Result<Json<TranslationResponse>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let message_id: MessageId = parse_id(&message_id, "message")?;
    let to = Language::from_code(&request.to).ok_or_else(|| {
        ApiError::Validation(tandem_domain::validation::ValidationError::field(
            "to",
            "unknown_language",
            format!("{:?} is not pt, es or en", request.to),
        ))
    })?;
    let translated = state
        .app
        .translate_message(&principal, conversation_id, message_id, to)
        .await?;
    Ok(Json(TranslationResponse {
        language: translated.language.code(),
        text: translated.text,
    }))
}
