//! The workspace's browser session: log in (the session cookie is set, or a two-factor
//! challenge answered), read the session (the user and the CSRF token, e.g. after a reload), log
//! out (the cookie is cleared).

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use tandem_app::auth::{LoginOutcome, NewSession};
use tandem_app::model::ChallengeFlow;
use tandem_domain::Timestamp;

use super::auth::challenge_response;
use crate::error::ApiError;
use crate::extract::{ApiJson, ClientOrigin, Enrolling};
use crate::session::{clear_cookie, csrf_token, session_cookie, set_cookie};
use crate::state::AppState;
use crate::wire::{LoginRequest, SessionResponse};

pub async fn create(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let now = state.app.now();
    let account = request.account_id.map(Into::into);
    let outcome = state
        .app
        .login(
            &request.email,
            &request.password,
            account,
            ChallengeFlow::Browser,
            &origin,
            now,
        )
        .await
        .inspect_err(|error| tracing::info!(%error, "browser login refused"))?;
    Ok(match outcome {
        LoginOutcome::Session(session) => browser_session(&state, *session, now),
        LoginOutcome::TwoFactorRequired(challenge) => challenge_response(challenge),
    })
}

/// Sets the session cookie and answers the session with its CSRF token.
pub(super) fn browser_session(state: &AppState, session: NewSession, now: Timestamp) -> Response {
    tracing::info!(user_id = %session.user.id, "user started a browser session");
    let max_age = session
        .record
        .expires_at
        .map_or(0, |expires| (expires - now).get_seconds());
    let cookie = set_cookie(&session.token, max_age, state.channels.is_https());
    let body = SessionResponse {
        csrf_token: csrf_token(&session.token),
        expires_at: session.record.expires_at,
        user: session.user.into(),
        two_factor_enrolment_required: session.must_enrol_two_factor,
    };
    ([(SET_COOKIE, cookie)], Json(body)).into_response()
}

pub async fn show(
    headers: HeaderMap,
    Enrolling(principal): Enrolling,
) -> Result<Json<SessionResponse>, ApiError> {
    let token = session_cookie(&headers).ok_or(ApiError::Unauthenticated)?;
    Ok(Json(SessionResponse {
        csrf_token: csrf_token(token),
        expires_at: None,
        two_factor_enrolment_required: principal.must_enrol_two_factor,
        user: principal.user.into(),
    }))
}

pub async fn delete(
    State(state): State<AppState>,
    Enrolling(principal): Enrolling,
    ClientOrigin(origin): ClientOrigin,
) -> Result<Response, ApiError> {
    state.app.logout(&principal, &origin).await?;
    let cookie = clear_cookie(state.channels.is_https());
    Ok(([(SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}
