//! Routing: agents' presence and capacity, the account's default capacity, the queue, and a
//! conversation's place in it with its SLA clocks.

use axum::Json;
use axum::extract::{Path, State};

use tandem_domain::id::{ConversationId, UserId};
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
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
    let statuses = state.app.agent_statuses(principal.account_id()).await?;
    Ok(Json(List {
        data: statuses.into_iter().map(Into::into).collect(),
    }))
}

/// Sets the caller's presence. Online agents are given conversations at once; going offline
/// returns the caller's open conversations to the queue.
pub async fn set_presence(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<PresenceRequest>,
) -> Result<Json<AgentStatusResponse>, ApiError> {
    let status = state
        .app
        .set_presence(
            principal.account_id(),
            principal.user_id(),
            request.presence,
        )
        .await?;
    Ok(Json(status.into()))
}

/// Sets an agent's own capacity (`null`: the account's default). Admins and supervisors.
pub async fn set_capacity(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<CapacityRequest>,
) -> Result<Json<AgentStatusResponse>, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_teams)?;
    let status = state
        .app
        .set_capacity(&auth.actor(origin), user_id, request.capacity)
        .await?;
    Ok(Json(status.into()))
}

/// The account's routing settings.
pub async fn settings(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<RoutingSettings>, ApiError> {
    let default_capacity = state.app.default_capacity(principal.account_id()).await?;
    Ok(Json(RoutingSettings { default_capacity }))
}

/// Replaces the account's routing settings. Admins.
pub async fn replace_settings(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    ApiJson(request): ApiJson<RoutingSettings>,
) -> Result<Json<RoutingSettings>, ApiError> {
    auth.require(Role::can_manage_account)?;
    state
        .app
        .set_default_capacity(&auth.actor(origin), request.default_capacity)
        .await?;
    Ok(Json(request))
}

/// The queue in order, each conversation with its place in its team's line.
pub async fn queue(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<QueueEntryResponse>>, ApiError> {
    let entries = state.app.queue(principal.account_id()).await?;
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
    let routing = state
        .app
        .conversation_routing(principal.account_id(), conversation_id)
        .await?;
    Ok(Json(ConversationRoutingResponse {
        team_id: routing.team_id.map(|id| id.0),
        queue: routing.queue.map(Into::into),
        sla: routing.sla.into_iter().map(Into::into).collect(),
    }))
}
