//! Teams and membership: anyone may read them; admins and supervisors change them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_app::model::TeamPatch;
use tandem_app::teams::TeamWithRouting;
use tandem_domain::id::{TeamId, UserId};
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
use crate::state::AppState;
use crate::wire::{CreateTeamRequest, List, TeamResponse, UpdateTeamRequest, UserResponse};

fn respond(team: TeamWithRouting) -> TeamResponse {
    TeamResponse::new(team.team, team.routing)
}

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<TeamResponse>>, ApiError> {
    let teams = state.app.teams(principal.account_id()).await?;
    Ok(Json(List {
        data: teams.into_iter().map(respond).collect(),
    }))
}

pub async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(team_id): Path<String>,
) -> Result<Json<TeamResponse>, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    let team = state.app.team(principal.account_id(), team_id).await?;
    Ok(Json(respond(team)))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    ApiJson(request): ApiJson<CreateTeamRequest>,
) -> Result<(StatusCode, Json<TeamResponse>), ApiError> {
    auth.require(Role::can_manage_teams)?;
    let team = state
        .app
        .create_team(
            &auth.actor(origin),
            &request.name,
            &request.description,
            request.routing,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(respond(team))))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(team_id): Path<String>,
    ApiJson(request): ApiJson<UpdateTeamRequest>,
) -> Result<Json<TeamResponse>, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    auth.require(Role::can_manage_teams)?;
    let patch = TeamPatch {
        name: request.name,
        description: request.description,
        routing: request.routing,
    };
    let team = state
        .app
        .update_team(&auth.actor(origin), team_id, patch)
        .await?;
    Ok(Json(respond(team)))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(team_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    auth.require(Role::can_manage_teams)?;
    state.app.delete_team(&auth.actor(origin), team_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn members(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(team_id): Path<String>,
) -> Result<Json<List<UserResponse>>, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    let users = state
        .app
        .team_members(principal.account_id(), team_id)
        .await?;
    Ok(Json(List {
        data: users.into_iter().map(Into::into).collect(),
    }))
}

pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path((team_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_teams)?;
    state
        .app
        .add_team_member(&auth.actor(origin), team_id, user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path((team_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_teams)?;
    state
        .app
        .remove_team_member(&auth.actor(origin), team_id, user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
