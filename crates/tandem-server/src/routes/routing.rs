//! Routing: agents' presence and capacity, the account's default capacity, the queue, and a
//! conversation's place in it with its SLA clocks.

use axum::Json;
use axum::extract::{Path, State};

use tandem_domain::event::Actor;
use tandem_domain::id::{ConversationId, UserId};
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use crate::wire::{
    AgentStatusResponse, CapacityRequest, ConversationRoutingResponse, List, PresenceRequest,
    QueueEntryResponse, RoutingSettings,
};

/// Every user's presence, capacity and current load.
pub async fn agents(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<AgentStatusResponse>>, ApiError> {
    let statuses = state
        .app
        .store
        .agent_statuses(principal.account_id())
        .await?;
    Ok(Json(List {
        data: statuses.into_iter().map(Into::into).collect(),
    }))
}

async fn agent_status(
    state: &AppState,
    auth: &Auth,
    user_id: UserId,
) -> Result<AgentStatusResponse, ApiError> {
    state
        .app
        .store
        .agent_statuses(auth.0.account_id())
        .await?
        .into_iter()
        .find(|status| status.user_id == user_id)
        .map(Into::into)
        .ok_or(ApiError::NotFound("user"))
}

/// Sets the caller's presence. Online agents are given conversations at once; going offline
/// returns the caller's open conversations to the queue.
pub async fn set_presence(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<PresenceRequest>,
) -> Result<Json<AgentStatusResponse>, ApiError> {
    let principal = &auth.0;
    state
        .app
        .store
        .set_presence(
            principal.account_id(),
            principal.user_id(),
            request.presence,
            Actor::User(principal.user_id()),
            tandem_app::now(),
        )
        .await?;
    state.routing.kick(principal.account_id());
    Ok(Json(
        agent_status(&state, &auth, principal.user_id()).await?,
    ))
}

/// Sets an agent's own capacity (`null`: the account's default). Admins and supervisors.
pub async fn set_capacity(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<CapacityRequest>,
) -> Result<Json<AgentStatusResponse>, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_teams)?;
    state
        .app
        .store
        .set_capacity(auth.0.account_id(), user_id, request.capacity)
        .await?;
    state.routing.kick(auth.0.account_id());
    Ok(Json(agent_status(&state, &auth, user_id).await?))
}

/// The account's routing settings.
pub async fn settings(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<RoutingSettings>, ApiError> {
    let default_capacity = state
        .app
        .store
        .default_capacity(principal.account_id())
        .await?;
    Ok(Json(RoutingSettings { default_capacity }))
}

/// Replaces the account's routing settings. Admins.
pub async fn replace_settings(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<RoutingSettings>,
) -> Result<Json<RoutingSettings>, ApiError> {
    auth.require(Role::can_manage_account)?;
    state
        .app
        .store
        .set_default_capacity(auth.0.account_id(), request.default_capacity)
        .await?;
    state.routing.kick(auth.0.account_id());
    Ok(Json(request))
}

/// The queue in order, each conversation with its place in its team's line.
pub async fn queue(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<QueueEntryResponse>>, ApiError> {
    let entries = state.app.store.queue(principal.account_id()).await?;
    Ok(Json(List {
        data: entries.into_iter().map(Into::into).collect(),
    }))
}

/// A conversation's team, its place in the queue while it waits, and its SLA clocks.
pub async fn conversation_routing(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(conversation_id): Path<String>,
) -> Result<Json<ConversationRoutingResponse>, ApiError> {
    let conversation_id: ConversationId = parse_id(&conversation_id, "conversation")?;
    let store = &state.app.store;
    let account_id = principal.account_id();
    let conversation = store.conversation(account_id, conversation_id).await?;
    let queue = store
        .queue_status(account_id, conversation_id, tandem_app::now())
        .await?;
    let sla = store.sla_clocks(account_id, conversation_id).await?;
    Ok(Json(ConversationRoutingResponse {
        team_id: conversation.team_id.map(|id| id.0),
        queue: queue.map(Into::into),
        sla: sla.into_iter().map(Into::into).collect(),
    }))
}
