//! Canned responses: every user reads them (the reply box offers them by shortcut); admins
//! write them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_app::model::CannedPatch;
use tandem_domain::id::CannedResponseId;
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
use crate::state::AppState;
use crate::wire::{CannedResponseRequest, CannedResponseResponse, List};

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<CannedResponseResponse>>, ApiError> {
    let canned = state.app.canned_responses(principal.account_id()).await?;
    Ok(Json(List {
        data: canned.into_iter().map(Into::into).collect(),
    }))
}

fn fields(request: CannedResponseRequest) -> CannedPatch {
    CannedPatch {
        shortcut: request.shortcut,
        title: request.title,
        text: request.text,
    }
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    ApiJson(request): ApiJson<CannedResponseRequest>,
) -> Result<(StatusCode, Json<CannedResponseResponse>), ApiError> {
    auth.require(Role::can_manage_account)?;
    let canned = state
        .app
        .create_canned_response(&auth.actor(origin), fields(request))
        .await?;
    Ok((StatusCode::CREATED, Json(canned.into())))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CannedResponseRequest>,
) -> Result<Json<CannedResponseResponse>, ApiError> {
    let id: CannedResponseId = parse_id(&id, "canned response")?;
    auth.require(Role::can_manage_account)?;
    let canned = state
        .app
        .update_canned_response(&auth.actor(origin), id, fields(request))
        .await?;
    Ok(Json(canned.into()))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: CannedResponseId = parse_id(&id, "canned response")?;
    auth.require(Role::can_manage_account)?;
    state
        .app
        .delete_canned_response(&auth.actor(origin), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
