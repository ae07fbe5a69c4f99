//! A person's saved views of the conversation list: each user sees and changes only their own.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_domain::id::SavedViewId;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use crate::wire::{CreateSavedViewRequest, List, SavedViewResponse};

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<SavedViewResponse>>, ApiError> {
    let views = state.app.saved_views(&principal).await?;
    Ok(Json(List {
        data: views.into_iter().map(Into::into).collect(),
    }))
}

pub async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiJson(request): ApiJson<CreateSavedViewRequest>,
) -> Result<(StatusCode, Json<SavedViewResponse>), ApiError> {
    let view = state
        .app
        .save_view(&principal, &request.name, &request.filters)
        .await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

pub async fn remove(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(view_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let view_id: SavedViewId = parse_id(&view_id, "view")?;
    state.app.delete_view(&principal, view_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
