//! Canned responses: every user reads them (the reply box offers them by shortcut); admins
//! write them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_domain::canned::{CannedResponse, validate};
use tandem_domain::id::CannedResponseId;
use tandem_domain::user::Role;
use tandem_domain::validation::Validator;
use tandem_store::CannedPatch;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use crate::wire::{CannedResponseRequest, CannedResponseResponse, List};

impl From<CannedResponse> for CannedResponseResponse {
    fn from(canned: CannedResponse) -> Self {
        Self {
            id: canned.id.0,
            shortcut: canned.shortcut,
            title: canned.title,
            text: canned.text,
            created_at: canned.created_at,
            updated_at: canned.updated_at,
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<CannedResponseResponse>>, ApiError> {
    let canned = state
        .app
        .store
        .canned_responses(principal.account_id())
        .await?;
    Ok(Json(List {
        data: canned.into_iter().map(Into::into).collect(),
    }))
}

/// Checks the given fields; creating needs all three.
fn checked(request: &CannedResponseRequest, creating: bool) -> Result<(), ApiError> {
    let mut validator = Validator::new();
    if creating {
        for (field, value) in [
            ("shortcut", &request.shortcut),
            ("title", &request.title),
            ("text", &request.text),
        ] {
            if value.is_none() {
                validator.reject(field, "required", "is required");
            }
        }
    }
    validate(
        &mut validator,
        request.shortcut.as_deref(),
        request.title.as_deref(),
        request.text.as_deref(),
    );
    Ok(validator.finish()?)
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<CannedResponseRequest>,
) -> Result<(StatusCode, Json<CannedResponseResponse>), ApiError> {
    auth.require(Role::can_manage_account)?;
    checked(&request, true)?;
    let canned = state
        .app
        .store
        .create_canned_response(
            auth.0.account_id(),
            request.shortcut.as_deref().unwrap_or_default(),
            request.title.as_deref().unwrap_or_default().trim(),
            request.text.as_deref().unwrap_or_default().trim(),
            tandem_app::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(canned.into())))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CannedResponseRequest>,
) -> Result<Json<CannedResponseResponse>, ApiError> {
    let id: CannedResponseId = parse_id(&id, "canned response")?;
    auth.require(Role::can_manage_account)?;
    checked(&request, false)?;
    let patch = CannedPatch {
        shortcut: request.shortcut,
        title: request.title.map(|title| title.trim().to_owned()),
        text: request.text.map(|text| text.trim().to_owned()),
    };
    let canned = state
        .app
        .store
        .update_canned_response(auth.0.account_id(), id, patch, tandem_app::now())
        .await?;
    Ok(Json(canned.into()))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: CannedResponseId = parse_id(&id, "canned response")?;
    auth.require(Role::can_manage_account)?;
    state
        .app
        .store
        .delete_canned_response(auth.0.account_id(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
