//! Teams and membership: anyone may read them; admins and supervisors change them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_domain::id::{TeamId, UserId};
use tandem_domain::team::{Team, validate_team};
use tandem_domain::user::Role;
use tandem_domain::validation::{MAX_NAME_CHARS, Validator};
use tandem_store::TeamPatch;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use crate::wire::{CreateTeamRequest, List, TeamResponse, UpdateTeamRequest, UserResponse};

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<TeamResponse>>, ApiError> {
    let store = &state.app.store;
    let teams = store.teams(principal.account_id()).await?;
    let mut routing = store.team_routing_specs(principal.account_id()).await?;
    Ok(Json(List {
        data: teams
            .into_iter()
            .map(|team| {
                let spec = routing.remove(&team.id).unwrap_or_default();
                TeamResponse::new(team, spec)
            })
            .collect(),
    }))
}

pub async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(team_id): Path<String>,
) -> Result<Json<TeamResponse>, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    let team = state
        .app
        .store
        .team(principal.account_id(), team_id)
        .await?;
    with_routing(&state, team).await.map(Json)
}

async fn with_routing(state: &AppState, team: Team) -> Result<TeamResponse, ApiError> {
    let spec = state
        .app
        .store
        .team_routing_specs(team.account_id)
        .await?
        .remove(&team.id)
        .unwrap_or_default();
    Ok(TeamResponse::new(team, spec))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<CreateTeamRequest>,
) -> Result<(StatusCode, Json<TeamResponse>), ApiError> {
    auth.require(Role::can_manage_teams)?;
    let mut validator = Validator::new();
    validator.text("name", &request.name, MAX_NAME_CHARS);
    validator.finish()?;
    validate_team(None, Some(&request.description))?;
    let team = state
        .app
        .store
        .create_team(
            auth.0.account_id(),
            request.name.trim(),
            &request.description,
            &request.routing.unwrap_or_default(),
            tandem_app::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(with_routing(&state, team).await?)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(team_id): Path<String>,
    ApiJson(request): ApiJson<UpdateTeamRequest>,
) -> Result<Json<TeamResponse>, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    auth.require(Role::can_manage_teams)?;
    validate_team(request.name.as_deref(), request.description.as_deref())?;
    let patch = TeamPatch {
        name: request.name.map(|name| name.trim().to_owned()),
        description: request.description,
        routing: request.routing,
    };
    let team = state
        .app
        .store
        .update_team(auth.0.account_id(), team_id, &patch)
        .await?;
    Ok(Json(with_routing(&state, team).await?))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(team_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    auth.require(Role::can_manage_teams)?;
    state
        .app
        .store
        .delete_team(auth.0.account_id(), team_id)
        .await?;
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
        .store
        .team_members(principal.account_id(), team_id)
        .await?;
    Ok(Json(List {
        data: users.into_iter().map(Into::into).collect(),
    }))
}

pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((team_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_teams)?;
    state
        .app
        .store
        .add_team_member(auth.0.account_id(), team_id, user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((team_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let team_id: TeamId = parse_id(&team_id, "team")?;
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_teams)?;
    state
        .app
        .store
        .remove_team_member(auth.0.account_id(), team_id, user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
