//! The account's bot profile: anyone may read it (only admins when it holds an external bot's
//! secret); admins replace it. A profile is saved only when it validates and its
//! understanding engine trains, so a bad profile never replaces a good one. An external bot
//! replies to customer messages here too.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_app::bot_profiles::Replayed;
use tandem_app::model::StoredBotProfile;
use tandem_bot::BotProfile;
use tandem_bot::profile::{document_from_yaml, yaml_from_document};
use tandem_domain::id::{ConversationId, InboxId};
use tandem_domain::message::validate_text;
use tandem_domain::user::Role;
use tandem_domain::validation::Validator;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
use crate::outbound::external_bot::parse_reply;
use crate::state::AppState;
use crate::wire::{
    BotProfileResponse, ConvertedProfileResponse, ExternalReplyRequest, ExternalReplyResponse,
    ReplayRequest, ReplayResponse, ReplayedConversationResponse, SaveBotProfileRequest,
    TryBotRequest, TryBotResponse,
};

/// How many recent conversations a replay covers by default, and at most.
pub const DEFAULT_REPLAY_LIMIT: u32 = 100;
pub const MAX_REPLAY_LIMIT: u32 = 500;
/// The most messages a "try the bot" conversation may hold.
const MAX_TRIED_MESSAGES: usize = 20;

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<BotProfileResponse>, ApiError> {
    let stored = state.app.bot_profile(auth.0.account_id()).await?;
    shown(&auth, stored).map(Json)
}

/// A saved profile as the caller may see it: 404 when there is none, and only admins may
/// read one that holds an external bot's secret.
fn shown(auth: &Auth, stored: Option<StoredBotProfile>) -> Result<BotProfileResponse, ApiError> {
    let stored = stored.ok_or(ApiError::NotFound("bot profile"))?;
    let profile = BotProfile::from_yaml(&stored.source).map_err(|errors| {
        ApiError::Internal(format!(
            "a stored bot profile no longer validates: {errors}"
        ))
    })?;
    if profile.external_bot.is_some() {
        auth.require(Role::can_manage_account)?;
    }
    Ok(BotProfileResponse::new(&stored, &profile))
}

/// An external bot's reply to a customer message (protocol `tandem.bot.v1`). Integrations
/// call it with an admin's or supervisor's API token.
pub async fn external_reply(
    State(state): State<AppState>,
    auth: Auth,
    Path(conversation_id): Path<String>,
    ApiJson(request): ApiJson<ExternalReplyRequest>,
) -> Result<Json<ExternalReplyResponse>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    auth.require(Role::can_override_assignment)?;
    let checked = parse_reply(request)?;
    let in_reply_to = checked.in_reply_to.ok_or_else(|| {
        ApiError::invalid_field(
            "in_reply_to",
            "required",
            "name the customer message answered",
        )
    })?;
    let (conversation, messages, events) = state
        .app
        .external_reply(
            auth.0.account_id(),
            conversation_id,
            in_reply_to,
            checked.reply,
        )
        .await?;
    Ok(Json(ExternalReplyResponse {
        conversation: conversation.into(),
        messages: messages.into_iter().map(Into::into).collect(),
        events: events.into_iter().map(Into::into).collect(),
    }))
}

/// The YAML an editor sent: its source, or its document written as YAML (`None`: neither).
fn draft_source(
    source: Option<String>,
    document: Option<serde_json::Value>,
) -> Result<Option<String>, ApiError> {
    match (source, document) {
        (Some(_), Some(_)) => Err(ApiError::invalid_field(
            "document",
            "conflicting",
            "send the profile as source or as document, not both",
        )),
        (Some(source), None) => Ok(Some(source)),
        (None, Some(document)) => document_yaml(&document).map(Some),
        (None, None) => Ok(None),
    }
}

/// A draft given as YAML or as a document, in both forms; nothing is checked but the syntax,
/// since a draft being edited may not be a valid profile yet (admins).
pub async fn convert(
    auth: Auth,
    ApiJson(request): ApiJson<SaveBotProfileRequest>,
) -> Result<Json<ConvertedProfileResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let converted = match (request.source, request.document) {
        (Some(source), None) => {
            let document = document_from_yaml(&source)
                .map_err(|reason| ApiError::invalid_field("source", "invalid_yaml", reason))?;
            ConvertedProfileResponse { source, document }
        }
        (None, Some(document)) => ConvertedProfileResponse {
            source: document_yaml(&document)?,
            document,
        },
        _ => {
            return Err(ApiError::invalid_field(
                "source",
                "source_or_document",
                "send the draft as source or as document",
            ));
        }
    };
    Ok(Json(converted))
}

/// A profile document written as YAML; a document that cannot be is refused on `document`.
fn document_yaml(document: &serde_json::Value) -> Result<String, ApiError> {
    yaml_from_document(document)
        .map_err(|reason| ApiError::invalid_field("document", "invalid_profile", reason))
}

fn required_source(request: SaveBotProfileRequest) -> Result<String, ApiError> {
    draft_source(request.source, request.document)?.ok_or_else(|| {
        ApiError::invalid_field(
            "source",
            "required",
            "send the profile as source or document",
        )
    })
}

pub async fn replace(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    ApiJson(request): ApiJson<SaveBotProfileRequest>,
) -> Result<Json<BotProfileResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let (stored, profile) = state
        .app
        .save_bot_profile(&auth.actor(origin), None, required_source(request)?)
        .await?;
    Ok(Json(BotProfileResponse::new(&stored, &profile)))
}

/// An inbox's own bot profile (404 when it uses the account's).
pub async fn show_for_inbox(
    State(state): State<AppState>,
    auth: Auth,
    Path(inbox_id): Path<String>,
) -> Result<Json<BotProfileResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    let stored = state
        .app
        .inbox_bot_profile(auth.0.account_id(), inbox_id)
        .await?;
    shown(&auth, stored).map(Json)
}

/// Gives an inbox its own bot profile, used instead of the account's for its conversations.
pub async fn replace_for_inbox(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(inbox_id): Path<String>,
    ApiJson(request): ApiJson<SaveBotProfileRequest>,
) -> Result<Json<BotProfileResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    let (stored, profile) = state
        .app
        .save_bot_profile(
            &auth.actor(origin),
            Some(inbox_id),
            required_source(request)?,
        )
        .await?;
    Ok(Json(BotProfileResponse::new(&stored, &profile)))
}

/// Removes an inbox's own bot profile: the account's serves it again.
pub async fn remove_for_inbox(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(inbox_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    if state
        .app
        .remove_inbox_bot_profile(&auth.actor(origin), inbox_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("bot profile"))
    }
}

/// `POST /bot/try`: the account's saved profile answers a test conversation, from a fresh state,
/// without storing anything or calling actions.
pub async fn try_bot(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<TryBotRequest>,
) -> Result<Json<TryBotResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let mut validator = Validator::new();
    if request.messages.is_empty() || request.messages.len() > MAX_TRIED_MESSAGES {
        validator.reject(
            "messages",
            "out_of_range",
            format!("give from 1 to {MAX_TRIED_MESSAGES} messages"),
        );
    }
    for (index, text) in request.messages.iter().enumerate() {
        validate_text(&mut validator, &format!("messages[{index}]"), text);
    }
    validator.finish()?;
    let draft = draft_source(request.source, request.document)?;
    let turns = state
        .app
        .try_bot(auth.0.account_id(), request.messages, draft)
        .await?;
    Ok(Json(TryBotResponse { turns }))
}

pub async fn replay(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<ReplayRequest>,
) -> Result<Json<ReplayResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let limit = match request.limit {
        None => DEFAULT_REPLAY_LIMIT,
        Some(limit) if (1..=MAX_REPLAY_LIMIT).contains(&limit) => limit,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "limit",
                "out_of_range",
                format!("must be from 1 to {MAX_REPLAY_LIMIT}"),
            ));
        }
    };
    let replayed = state
        .app
        .replay_bot_profile(auth.0.account_id(), request.source, limit)
        .await?;
    Ok(Json(replay_report(replayed)))
}

/// The replay report: totals by change, and each conversation.
pub fn replay_report(replayed: Vec<Replayed>) -> ReplayResponse {
    let mut response = ReplayResponse::default();
    for conversation in replayed {
        response.count(conversation.change);
        response.conversations.push(ReplayedConversationResponse {
            conversation_id: conversation.conversation_id.0,
            past_handover_reason: conversation.past_handover_reason,
            change: conversation.change,
            draft: conversation.draft,
        });
    }
    response
}
