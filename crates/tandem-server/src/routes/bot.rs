//! The account's bot profile: anyone may read it (only admins when it holds an external bot's
//! secret); admins replace it. A profile is saved only when it validates and its
//! understanding engine trains, so a bad profile never replaces a good one. An external bot
//! replies to customer messages here too.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_bot::replay::{ReplayChange, replay_conversation, try_messages};
use tandem_bot::{BotProfile, ReadyError, ready_profile};
use tandem_domain::contact::Attributes;
use tandem_domain::conversation::ConversationStatus;
use tandem_domain::event::EventKind;
use tandem_domain::id::{AccountId, ConversationId, InboxId};
use tandem_domain::message::Direction;
use tandem_domain::message::validate_text;
use tandem_domain::user::Role;
use tandem_domain::validation::{FieldError, ValidationError, Validator};
use tandem_nlu::Engine;
use tandem_store::{BotTurnOutcome, ConversationFilter, Store, StoredBotProfile};

use crate::bot_runner::ExternalReplyError;
use crate::error::ApiError;
use crate::external_bot::parse_reply;
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use crate::wire::{
    BotProfileResponse, ExternalReplyRequest, ExternalReplyResponse, ReplayRequest, ReplayResponse,
    ReplayedConversationResponse, SaveBotProfileRequest, TryBotRequest, TryBotResponse,
};

/// The largest profile accepted, in bytes of YAML.
const MAX_PROFILE_BYTES: usize = 512 * 1024;
/// How many recent conversations a replay covers by default, and at most.
pub const DEFAULT_REPLAY_LIMIT: u32 = 100;
pub const MAX_REPLAY_LIMIT: u32 = 500;
/// The most customer messages replayed per conversation.
const MAX_REPLAYED_MESSAGES: u32 = 200;

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<BotProfileResponse>, ApiError> {
    let stored = state.app.store.bot_profile(auth.0.account_id()).await?;
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
    let outcome = state
        .bot
        .external_reply(
            auth.0.account_id(),
            conversation_id,
            in_reply_to,
            checked.reply,
        )
        .await
        .map_err(|error| match error {
            ExternalReplyError::NotTheBots => ApiError::Conflict {
                code: "not_the_bots",
                field: None,
                message: error.to_string(),
            },
            ExternalReplyError::AlreadyAnswered => ApiError::Conflict {
                code: "already_answered",
                field: Some("in_reply_to"),
                message: error.to_string(),
            },
            ExternalReplyError::NoExternalBot => ApiError::Conflict {
                code: "no_external_bot",
                field: None,
                message: error.to_string(),
            },
            ExternalReplyError::UnknownMessage => {
                ApiError::invalid_field("in_reply_to", "unknown_reference", error.to_string())
            }
            ExternalReplyError::Bot(message) => ApiError::Internal(message),
            ExternalReplyError::Store(error) => error.into(),
        })?;
    match outcome {
        BotTurnOutcome::Recorded {
            conversation,
            messages,
            events,
        } => Ok(Json(ExternalReplyResponse {
            conversation: conversation.into(),
            messages: messages.into_iter().map(Into::into).collect(),
            events: events.into_iter().map(Into::into).collect(),
        })),
        BotTurnOutcome::NotTheBots(_) => Err(ApiError::Conflict {
            code: "not_the_bots",
            field: None,
            message: "the conversation is no longer the bot's".into(),
        }),
    }
}

pub async fn replace(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<SaveBotProfileRequest>,
) -> Result<Json<BotProfileResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let (source, profile) = checked_source(request).await?;
    let stored = state
        .app
        .store
        .save_bot_profile(
            auth.0.account_id(),
            &source,
            Some(auth.0.user_id()),
            tandem_app::now(),
        )
        .await?;
    tracing::info!(by = %auth.0.user_id(), "bot profile replaced");
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
        .store
        .inbox_bot_profile(auth.0.account_id(), inbox_id)
        .await?;
    shown(&auth, stored).map(Json)
}

/// Gives an inbox its own bot profile, used instead of the account's for its conversations.
pub async fn replace_for_inbox(
    State(state): State<AppState>,
    auth: Auth,
    Path(inbox_id): Path<String>,
    ApiJson(request): ApiJson<SaveBotProfileRequest>,
) -> Result<Json<BotProfileResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    let (source, profile) = checked_source(request).await?;
    let stored = state
        .app
        .store
        .save_inbox_bot_profile(
            auth.0.account_id(),
            inbox_id,
            &source,
            Some(auth.0.user_id()),
            tandem_app::now(),
        )
        .await?;
    tracing::info!(by = %auth.0.user_id(), %inbox_id, "inbox bot profile replaced");
    Ok(Json(BotProfileResponse::new(&stored, &profile)))
}

/// Removes an inbox's own bot profile: the account's serves it again.
pub async fn remove_for_inbox(
    State(state): State<AppState>,
    auth: Auth,
    Path(inbox_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    if state
        .app
        .store
        .delete_inbox_bot_profile(auth.0.account_id(), inbox_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("bot profile"))
    }
}

/// A profile's source, checked: size, validation and a trained engine.
async fn checked_source(request: SaveBotProfileRequest) -> Result<(String, BotProfile), ApiError> {
    if request.source.len() > MAX_PROFILE_BYTES {
        return Err(ApiError::invalid_field(
            "source",
            "too_long",
            format!("must be at most {MAX_PROFILE_BYTES} bytes"),
        ));
    }
    let source = request.source;
    // Parsing, validating and training take CPU time: off the async workers.
    tokio::task::spawn_blocking(move || {
        let (profile, _engine) = check_profile(&source)?;
        Ok::<_, ApiError>((source, profile))
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))?
}

/// Validates a profile and trains its engine; every problem names its place in the YAML as
/// `source.<path>`.
fn check_profile(source: &str) -> Result<(BotProfile, Engine), ApiError> {
    ready_profile(source).map_err(|error| match error {
        ReadyError::Invalid(errors) => ApiError::Validation(ValidationError(
            errors
                .errors()
                .iter()
                .map(|error| FieldError {
                    field: if error.path.is_empty() {
                        "source".to_owned()
                    } else {
                        format!("source.{}", error.path)
                    },
                    code: "invalid_profile",
                    message: error.kind.to_string(),
                })
                .collect(),
        )),
        untrainable @ ReadyError::Untrainable(_) => {
            ApiError::invalid_field("source", "untrainable_profile", untrainable.to_string())
        }
    })
}

/// Replays a draft profile (or the current one) against the account's most recent
/// conversations handled by the bot, and reports what would change.
/// The most messages a "try the bot" conversation may hold.
const MAX_TRIED_MESSAGES: usize = 20;

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
    let source = state
        .app
        .store
        .bot_profile(auth.0.account_id())
        .await?
        .ok_or(ApiError::NotFound("bot profile"))?
        .source;
    let now = jiff::Timestamp::now();
    let turns = tokio::task::spawn_blocking(move || {
        let (profile, engine) = check_profile(&source)?;
        let texts: Vec<&str> = request.messages.iter().map(String::as_str).collect();
        try_messages(
            &profile,
            &engine,
            &texts,
            &Attributes::new(),
            profile.today(now),
        )
        .map_err(|error| ApiError::Internal(error.to_string()))
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
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
    let response =
        replay_recent(&state.app.store, auth.0.account_id(), request.source, limit).await?;
    Ok(Json(response))
}

/// Replays `source` (the account's current profile when `None`) against the account's `limit`
/// most recent conversations that the bot handled. Shared by the API and `tandem bot-replay`.
pub async fn replay_recent(
    store: &Store,
    account_id: AccountId,
    source: Option<String>,
    limit: u32,
) -> Result<ReplayResponse, ApiError> {
    let source = match source {
        Some(source) => source,
        None => {
            store
                .bot_profile(account_id)
                .await?
                .ok_or(ApiError::NotFound("bot profile"))?
                .source
        }
    };
    let page = store
        .conversations(account_id, &ConversationFilter::default(), None, limit)
        .await?;
    let mut history = Vec::new();
    for conversation in page.conversations {
        let events = store.events(account_id, conversation.id).await?;
        let handled_by_bot = events.iter().any(|event| {
            matches!(
                event.kind,
                EventKind::Opened {
                    status: ConversationStatus::Bot
                } | EventKind::Reopened {
                    status: ConversationStatus::Bot
                }
            )
        });
        if !handled_by_bot {
            continue;
        }
        let past_reason = events.iter().find_map(|event| match &event.kind {
            EventKind::HandoverRequested { reason, .. } => Some(*reason),
            _ => None,
        });
        let messages = store
            .messages(account_id, conversation.id, None, MAX_REPLAYED_MESSAGES)
            .await?
            .messages
            .into_iter()
            .filter(|message| message.direction == Direction::Inbound)
            .map(|message| message.text)
            .collect::<Vec<_>>();
        let attributes = store
            .contact(account_id, conversation.contact_id)
            .await?
            .attributes;
        history.push((conversation.id, past_reason, messages, attributes));
    }
    let now = jiff::Timestamp::now();
    let response = tokio::task::spawn_blocking(move || {
        let (profile, engine) = check_profile(&source)?;
        let today = profile.today(now);
        let mut response = ReplayResponse::default();
        for (conversation_id, past_reason, messages, attributes) in history {
            let texts: Vec<&str> = messages.iter().map(String::as_str).collect();
            let draft = replay_conversation(&profile, &engine, &texts, &attributes, today)
                .map_err(|error| ApiError::Internal(error.to_string()))?;
            let change =
                ReplayChange::between(past_reason, draft.handover.as_ref().map(|h| h.reason));
            response.count(change);
            response.conversations.push(ReplayedConversationResponse {
                conversation_id: conversation_id.0,
                past_handover_reason: past_reason,
                change,
                draft,
            });
        }
        Ok::<_, ApiError>(response)
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(response)
}
