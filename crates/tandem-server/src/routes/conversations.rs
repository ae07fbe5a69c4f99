//! Conversations: the filtered (or searched) list, one conversation with its transcript and event log, and
//! the agent actions (reply, private note, assign, unassign, resolve, reopen, hand back to bot).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use tandem_app::Principal;
use tandem_app::conversations::Transfer;
use tandem_app::model::{ConversationFilter, ConversationSummary, ConversationUpdate};
use tandem_domain::Timestamp;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::id::{ContactId, ConversationId, FileId, InboxId, TeamId, UserId};

use super::page_limit;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id, parse_json};
use crate::state::AppState;
use crate::wire::{
    AssignRequest, ConversationChangeResponse, ConversationResponse, CreateMessageRequest,
    EventResponse, LabelUseResponse, LabelsRequest, LabelsResponse, List, MessageCreatedResponse,
    MessageResponse, Page, TransferRequest, TranslationBody,
};

/// A cursor is `<unix milliseconds>.<id>` of the last item of the previous page.
fn parse_cursor<T: std::str::FromStr>(
    raw: Option<&String>,
) -> Result<Option<(Timestamp, T)>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let invalid =
        || ApiError::invalid_field("cursor", "invalid_cursor", "not a cursor from this list");
    let (millis, id) = raw.split_once('.').ok_or_else(invalid)?;
    let millis: i64 = millis.parse().map_err(|_| invalid())?;
    let time = Timestamp::from_millisecond(millis).map_err(|_| invalid())?;
    Ok(Some((time, id.parse().map_err(|_| invalid())?)))
}

fn format_cursor(position: Option<(Timestamp, impl std::fmt::Display)>) -> Option<String> {
    position.map(|(time, id)| format!("{}.{id}", time.as_millisecond()))
}

fn query_id<T: std::str::FromStr>(
    query: &HashMap<String, String>,
    field: &str,
) -> Result<Option<T>, ApiError> {
    query
        .get(field)
        .map(|raw| {
            raw.parse::<T>()
                .map_err(|_| ApiError::invalid_field(field, "invalid_id", "must be an id"))
        })
        .transpose()
}

/// The list's filters from its query parameters, for the list and for search: `status`,
/// `assignee_id`, `team_id`, `inbox_id`, `contact_id`, `label`, and the days opened
/// (`opened_from`, `opened_to`).
pub(super) async fn list_filter(
    state: &AppState,
    principal: &Principal,
    query: &HashMap<String, String>,
) -> Result<ConversationFilter, ApiError> {
    Ok(ConversationFilter {
        opened: opened_between(state, principal, query).await?,
        ..parse_filter(query, principal)?
    })
}

fn parse_filter(
    query: &HashMap<String, String>,
    principal: &Principal,
) -> Result<ConversationFilter, ApiError> {
    let status = query
        .get("status")
        .map(|raw| {
            raw.parse::<ConversationStatus>().map_err(|_| {
                ApiError::invalid_field(
                    "status",
                    "unknown_status",
                    "must be bot, queued, assigned or resolved",
                )
            })
        })
        .transpose()?;
    let assignee_id = match query.get("assignee_id").map(String::as_str) {
        None => None,
        Some("none") => Some(None),
        Some("me") => Some(Some(principal.user_id())),
        Some(raw) => Some(Some(raw.parse::<UserId>().map_err(|_| {
            ApiError::invalid_field(
                "assignee_id",
                "invalid_id",
                "must be an id, \"me\" or \"none\"",
            )
        })?)),
    };
    Ok(ConversationFilter {
        status,
        assignee_id,
        team_id: query_id::<TeamId>(query, "team_id")?,
        inbox_id: query_id::<InboxId>(query, "inbox_id")?,
        contact_id: query_id::<ContactId>(query, "contact_id")?,
        label: query
            .get("label")
            .map(|label| label.trim().to_lowercase())
            .filter(|label| !label.is_empty()),
        ids: None,
        opened: None,
    })
}

/// The days `opened_from` to `opened_to` (both or neither) as instants in the account's time
/// zone.
async fn opened_between(
    state: &AppState,
    principal: &Principal,
    query: &HashMap<String, String>,
) -> Result<Option<(Timestamp, Timestamp)>, ApiError> {
    match (query.get("opened_from"), query.get("opened_to")) {
        (None, None) => Ok(None),
        (Some(from), Some(to)) => Ok(Some(
            state
                .app
                .opened_between(principal.account_id(), from, to)
                .await?,
        )),
        _ => Err(ApiError::invalid_field(
            "opened_from",
            "incomplete",
            "opened_from and opened_to go together",
        )),
    }
}

/// The conversation list; with `q`, only conversations whose messages match it, best first
/// (one page, no cursor).
pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Page<ConversationResponse>>, ApiError> {
    let filter = list_filter(&state, &principal, &query).await?;
    if let Some(text) = query.get("q") {
        let limit = page_limit(query.get("limit").map(String::as_str))?;
        let found = state.app.search(&principal, text, &filter, limit).await?;
        let conversations = found.conversations.into_iter().map(|(c, _)| c).collect();
        return Ok(Json(Page {
            data: with_labels(&state, &principal, conversations, found.summaries).await?,
            next_cursor: None,
        }));
    }
    let limit = page_limit(query.get("limit").map(String::as_str))?;
    let after = parse_cursor::<ConversationId>(query.get("cursor"))?;
    let (page, summaries) = state
        .app
        .conversations(principal.account_id(), &filter, after, limit)
        .await?;
    Ok(Json(Page {
        data: with_labels(&state, &principal, page.conversations, summaries).await?,
        next_cursor: format_cursor(page.next),
    }))
}

/// Conversations as the list shows them: each with its labels and, when given, its summary.
pub(super) async fn with_labels(
    state: &AppState,
    principal: &Principal,
    conversations: Vec<Conversation>,
    mut summaries: HashMap<ConversationId, ConversationSummary>,
) -> Result<Vec<ConversationResponse>, ApiError> {
    let ids: Vec<ConversationId> = conversations.iter().map(|c| c.id).collect();
    let mut labels = state.app.labels_of(principal.account_id(), &ids).await?;
    Ok(conversations
        .into_iter()
        .map(|conversation| {
            let summary = summaries.remove(&conversation.id).map(Into::into);
            let labels = Some(labels.remove(&conversation.id).unwrap_or_default());
            ConversationResponse {
                summary,
                labels,
                ..conversation.into()
            }
        })
        .collect())
}

pub async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(conversation_id): Path<String>,
) -> Result<Json<ConversationResponse>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let conversation = state
        .app
        .conversation(principal.account_id(), conversation_id)
        .await?;
    let labels = state
        .app
        .labels_of(principal.account_id(), &[conversation_id])
        .await?
        .remove(&conversation_id)
        .unwrap_or_default();
    Ok(Json(ConversationResponse {
        labels: Some(labels),
        ..conversation.into()
    }))
}

/// `PUT /conversations/{id}/labels`: replaces the conversation's labels.
pub async fn set_labels(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(conversation_id): Path<String>,
    ApiJson(request): ApiJson<LabelsRequest>,
) -> Result<Json<LabelsResponse>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let labels = state
        .app
        .set_labels(
            &auth.0,
            &auth.actor(origin),
            conversation_id,
            &request.labels,
        )
        .await?;
    Ok(Json(LabelsResponse { labels }))
}

/// `GET /labels`: every label the account's conversations carry, with how many carry it.
pub async fn labels(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<LabelUseResponse>>, ApiError> {
    let used = state.app.labels_in_use(principal.account_id()).await?;
    Ok(Json(List {
        data: used
            .into_iter()
            .map(|(label, conversations)| LabelUseResponse {
                label,
                conversations,
            })
            .collect(),
    }))
}

pub async fn messages(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(conversation_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Page<MessageResponse>>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let limit = page_limit(query.get("limit").map(String::as_str))?;
    let after = parse_cursor(query.get("cursor"))?;
    let page = state
        .app
        .messages(principal.account_id(), conversation_id, after, limit)
        .await?;
    let mut data: Vec<MessageResponse> = page.messages.into_iter().map(Into::into).collect();
    if state
        .app
        .ai_capabilities(principal.account_id())
        .await?
        .translation
    {
        let translations = state
            .app
            .message_translations(principal.account_id(), conversation_id)
            .await?;
        for message in &mut data {
            if message.private {
                continue;
            }
            message.language = tandem_app::ai::language_of(&message.text).map(|l| l.code());
            message.translations = translations
                .iter()
                .filter(|kept| kept.message_id.0 == message.id)
                .map(|kept| TranslationBody {
                    language: kept.language.clone(),
                    text: kept.text.clone(),
                })
                .collect();
        }
    }
    Ok(Json(Page {
        data,
        next_cursor: format_cursor(page.next),
    }))
}

pub async fn events(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(conversation_id): Path<String>,
) -> Result<Json<List<EventResponse>>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let events = state
        .app
        .events(principal.account_id(), conversation_id)
        .await?;
    Ok(Json(List {
        data: events.into_iter().map(Into::into).collect(),
    }))
}

pub async fn create_message(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(conversation_id): Path<String>,
    ApiJson(request): ApiJson<CreateMessageRequest>,
) -> Result<(StatusCode, Json<MessageCreatedResponse>), ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let translated = request.translate && !request.private;
    let file_id = request.file_id.map(FileId);
    if translated && file_id.is_some() {
        return Err(ApiError::invalid_field(
            "translate",
            "not_with_a_file",
            "a message with a file is sent as written; send the text to translate on its own",
        ));
    }
    let (conversation, message, events) = if translated {
        state
            .app
            .reply_translated(&principal, conversation_id, request.text)
            .await?
    } else {
        state
            .app
            .reply(
                &principal,
                conversation_id,
                request.text,
                request.private,
                file_id,
            )
            .await?
    };
    let mut message: MessageResponse = message.into();
    if translated {
        message.translations = state
            .app
            .message_translations(principal.account_id(), conversation_id)
            .await?
            .into_iter()
            .filter(|kept| kept.message_id.0 == message.id)
            .map(|kept| TranslationBody {
                language: kept.language,
                text: kept.text,
            })
            .collect();
    }
    Ok((
        StatusCode::CREATED,
        Json(MessageCreatedResponse {
            conversation: conversation.into(),
            message,
            events: events.into_iter().map(Into::into).collect(),
        }),
    ))
}

async fn apply(
    state: &AppState,
    auth: &Auth,
    origin: ClientOrigin,
    conversation_id: &str,
    update: ConversationUpdate,
) -> Result<Json<ConversationChangeResponse>, ApiError> {
    let conversation_id: ConversationId = parse_id(conversation_id, "conversation")?;
    let (conversation, events) = state
        .app
        .change_conversation(&auth.0, &auth.actor(origin), conversation_id, update)
        .await?;
    Ok(Json(ConversationChangeResponse {
        conversation: conversation.into(),
        events: events.into_iter().map(Into::into).collect(),
    }))
}

/// Assigns to the caller, or (supervisors and admins) to `agent_id`.
pub async fn assign(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(conversation_id): Path<String>,
    body: Bytes,
) -> Result<Json<ConversationChangeResponse>, ApiError> {
    let request: AssignRequest = if body.is_empty() {
        AssignRequest::default()
    } else {
        parse_json(&body)?
    };
    let agent_id = request.agent_id.map_or(auth.0.user_id(), UserId);
    if agent_id != auth.0.user_id() || request.override_capacity {
        auth.require(|role| role.can_override_assignment())?;
    }
    apply(
        &state,
        &auth,
        origin,
        &conversation_id,
        ConversationUpdate::Assign {
            agent_id,
            over_capacity: request.override_capacity,
        },
    )
    .await
}

/// Sends the conversation to a team's queue or to a colleague (taking it from its agent, if any).
pub async fn transfer(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(conversation_id): Path<String>,
    ApiJson(request): ApiJson<TransferRequest>,
) -> Result<Json<ConversationChangeResponse>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    if request.override_capacity {
        auth.require(|role| role.can_override_assignment())?;
    }
    let to = match (request.team_id, request.agent_id) {
        (Some(team_id), None) => Transfer::Team(TeamId(team_id)),
        (None, Some(agent_id)) => Transfer::Agent {
            agent_id: UserId(agent_id),
            over_capacity: request.override_capacity,
        },
        _ => {
            return Err(ApiError::invalid_field(
                "team_id",
                "team_or_agent",
                "name either a team_id or an agent_id",
            ));
        }
    };
    let (conversation, events) = state
        .app
        .transfer(
            &auth.0,
            &auth.actor(origin),
            conversation_id,
            to,
            request.note,
        )
        .await?;
    Ok(Json(ConversationChangeResponse {
        conversation: conversation.into(),
        events: events.into_iter().map(Into::into).collect(),
    }))
}

pub async fn unassign(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(conversation_id): Path<String>,
) -> Result<Json<ConversationChangeResponse>, ApiError> {
    apply(
        &state,
        &auth,
        origin,
        &conversation_id,
        ConversationUpdate::Unassign,
    )
    .await
}

pub async fn resolve(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(conversation_id): Path<String>,
) -> Result<Json<ConversationChangeResponse>, ApiError> {
    apply(
        &state,
        &auth,
        origin,
        &conversation_id,
        ConversationUpdate::Resolve,
    )
    .await
}

/// Reopens a resolved conversation, owned by the caller.
pub async fn reopen(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(conversation_id): Path<String>,
) -> Result<Json<ConversationChangeResponse>, ApiError> {
    let agent_id = Some(auth.0.user_id());
    apply(
        &state,
        &auth,
        origin,
        &conversation_id,
        ConversationUpdate::Reopen { agent_id },
    )
    .await
}

pub async fn hand_back_to_bot(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(conversation_id): Path<String>,
) -> Result<Json<ConversationChangeResponse>, ApiError> {
    apply(
        &state,
        &auth,
        origin,
        &conversation_id,
        ConversationUpdate::HandBackToBot,
    )
    .await
}

/// What the person taking over was given when the bot handed the conversation over.
pub async fn handover_context(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(conversation_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    Ok(Json(
        state
            .app
            .handover_context(principal.account_id(), conversation_id)
            .await?,
    ))
}
