//! Sessions and passwords: the caller's login sessions (list, revoke one, revoke the others),
//! an admin's view of a user's sessions, changing one's own password, and resetting a forgotten
//! one by e-mail.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_domain::id::{TokenId, UserId};
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
use crate::state::AppState;
use crate::wire::{
    ChangePasswordRequest, ConfirmPasswordResetRequest, List, PasswordResetAccepted,
    PasswordResetRequest, RevokedResponse, SessionInfo,
};

pub async fn list_own(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<SessionInfo>>, ApiError> {
    let sessions = state
        .app
        .user_sessions(principal.account_id(), principal.user_id())
        .await?;
    Ok(Json(List {
        data: sessions
            .into_iter()
            .map(|session| SessionInfo::new(session, Some(principal.token_id)))
            .collect(),
    }))
}

pub async fn revoke_own(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(session_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let session_id: TokenId = parse_id(&session_id, "session")?;
    state
        .app
        .revoke_session(&auth.actor(origin), auth.0.user_id(), session_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn revoke_others(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ClientOrigin(origin): ClientOrigin,
) -> Result<Json<RevokedResponse>, ApiError> {
    let revoked = state.app.revoke_other_sessions(&principal, &origin).await?;
    Ok(Json(RevokedResponse { revoked }))
}

pub async fn list_users(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
) -> Result<Json<List<SessionInfo>>, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    auth.require(Role::can_manage_account)?;
    let sessions = state
        .app
        .user_sessions(auth.0.account_id(), user_id)
        .await?;
    let current = (user_id == auth.0.user_id()).then_some(auth.0.token_id);
    Ok(Json(List {
        data: sessions
            .into_iter()
            .map(|session| SessionInfo::new(session, current))
            .collect(),
    }))
}

pub async fn revoke_users(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path((user_id, session_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user_id: UserId = parse_id(&user_id, "user")?;
    let session_id: TokenId = parse_id(&session_id, "session")?;
    auth.require(Role::can_manage_account)?;
    state
        .app
        .revoke_session(&auth.actor(origin), user_id, session_id)
        .await?;
    tracing::info!(%user_id, %session_id, by = %auth.0.user_id(), "session revoked by an admin");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn change_password(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<Json<RevokedResponse>, ApiError> {
    let revoked = state
        .app
        .change_password(
            &principal,
            &request.current_password,
            &request.new_password,
            &origin,
        )
        .await?;
    Ok(Json(RevokedResponse { revoked }))
}

pub async fn request_reset(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PasswordResetRequest>,
) -> Result<(StatusCode, Json<PasswordResetAccepted>), ApiError> {
    state.app.request_password_reset(&request.email)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PasswordResetAccepted {
            message: "If a user has this e-mail address, a link to choose a new password is on its way.",
        }),
    ))
}

pub async fn confirm_reset(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(request): ApiJson<ConfirmPasswordResetRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .confirm_password_reset(&request.token, &request.new_password, &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
