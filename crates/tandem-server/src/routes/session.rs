//! The workspace's browser session: log in (the session cookie is set), read the session (the
//! user and the CSRF token, e.g. after a reload), log out (the cookie is cleared).

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::session::{clear_cookie, csrf_token, session_cookie, set_cookie};
use crate::state::AppState;
use crate::wire::{LoginRequest, SessionResponse};

pub async fn create(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let now = state.app.now();
    let account = request.account_id.map(Into::into);
    let (token, record, user) = state
        .app
        .login(&request.email, &request.password, account, now)
        .await?;
    super::credentials::describe_session(&state, &record, &extensions, &headers).await;
    tracing::info!(user_id = %user.id, "user started a browser session");
    let max_age = record
        .expires_at
        .map_or(0, |expires| (expires - now).get_seconds());
    let cookie = set_cookie(&token, max_age, state.channels.is_https());
    let body = SessionResponse {
        csrf_token: csrf_token(&token),
        expires_at: record.expires_at,
        user: user.into(),
    };
    Ok(([(SET_COOKIE, cookie)], Json(body)).into_response())
}

pub async fn show(
    headers: HeaderMap,
    Auth(principal): Auth,
) -> Result<Json<SessionResponse>, ApiError> {
    let token = session_cookie(&headers).ok_or(ApiError::Unauthenticated)?;
    Ok(Json(SessionResponse {
        csrf_token: csrf_token(token),
        expires_at: None,
        user: principal.user.into(),
    }))
}

pub async fn delete(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Response, ApiError> {
    state.app.logout(&principal).await?;
    let cookie = clear_cookie(state.channels.is_https());
    Ok(([(SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}
