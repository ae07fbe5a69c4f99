//! Users of the account: anyone may list them; only admins change them, and setting a password
//! or a role needs the admin's own password again (`current_password`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_domain::id::UserId;
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
use crate::state::AppState;
use crate::wire::{CreateUserRequest, List, UpdateUserRequest, UserResponse};

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<UserResponse>>, ApiError> {
    let users = state.app.users(principal.account_id()).await?;
    Ok(Json(List {
        data: users.into_iter().map(Into::into).collect(),
    }))
}

pub async fn show(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(user_id): Path<String>,
) -> Result<Json<UserResponse>, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    let user = state.app.user(principal.account_id(), user_id).await?;
    Ok(Json(user.into()))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    auth.require(Role::can_manage_account)?;
    let user = state
        .app
        .create_user(
            &auth.actor(origin),
            &request.email,
            &request.name,
            &request.role,
            &request.password,
        )
        .await?;
    tracing::info!(user_id = %user.id, by = %auth.0.user_id(), "user created");
    Ok((StatusCode::CREATED, Json(user.into())))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> Result<Json<UserResponse>, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_account)?;
    if request.password.is_some() || request.role.is_some() {
        state
            .app
            .reauthenticate(
                &auth.0,
                request.current_password.as_deref(),
                &origin.0,
                state.app.now(),
            )
            .await?;
    }
    let user = state
        .app
        .update_user(
            &auth.actor(origin),
            user_id,
            request.name,
            request.role.as_deref(),
            request.phone,
            request.password,
        )
        .await?;
    tracing::info!(%user_id, by = %auth.0.user_id(), "user updated");
    Ok(Json(user.into()))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_account)?;
    state.app.delete_user(&auth.actor(origin), user_id).await?;
    tracing::info!(%user_id, by = %auth.0.user_id(), "user deleted");
    Ok(StatusCode::NO_CONTENT)
}
