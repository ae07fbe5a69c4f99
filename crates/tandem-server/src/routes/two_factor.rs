//! Two-factor authentication: the user's status, setup (a new secret), enabling it with a first
//! code (recovery codes shown once), disabling it (password and code), and the login's second
//! step. Setup and enabling take a session that must still enrol (`Enrolling`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use tandem_app::model::ChallengeFlow;

use super::auth::token_session;
use super::session::browser_session;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, Enrolling};
use crate::state::AppState;
use crate::wire::{
    DisableTwoFactorRequest, EnableTwoFactorRequest, EnableTwoFactorResponse,
    TwoFactorSetupResponse, TwoFactorStatusResponse, VerifyTwoFactorRequest,
};

pub async fn status(
    State(state): State<AppState>,
    Enrolling(principal): Enrolling,
) -> Result<Json<TwoFactorStatusResponse>, ApiError> {
    let status = state.app.two_factor_status(&principal).await?;
    Ok(Json(status.into()))
}

pub async fn setup(
    State(state): State<AppState>,
    Enrolling(principal): Enrolling,
) -> Result<Json<TwoFactorSetupResponse>, ApiError> {
    let enrolment = state
        .app
        .begin_two_factor(&principal, state.app.now())
        .await?;
    Ok(Json(TwoFactorSetupResponse {
        secret: enrolment.secret,
        otpauth_uri: enrolment.otpauth_uri,
    }))
}

pub async fn enable(
    State(state): State<AppState>,
    Enrolling(principal): Enrolling,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(request): ApiJson<EnableTwoFactorRequest>,
) -> Result<Json<EnableTwoFactorResponse>, ApiError> {
    let recovery_codes = state
        .app
        .enable_two_factor(&principal, &request.code, &origin, state.app.now())
        .await?;
    tracing::info!(user_id = %principal.user_id(), "two-factor authentication enabled");
    Ok(Json(EnableTwoFactorResponse { recovery_codes }))
}

pub async fn disable(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(request): ApiJson<DisableTwoFactorRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .disable_two_factor(
            &principal,
            request.current_password.as_deref(),
            &request.code,
            &origin,
            state.app.now(),
        )
        .await?;
    tracing::info!(user_id = %principal.user_id(), "two-factor authentication disabled");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn verify(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(request): ApiJson<VerifyTwoFactorRequest>,
) -> Result<Response, ApiError> {
    let now = state.app.now();
    let (flow, session) = state
        .app
        .verify_two_factor(&request.challenge_token, &request.code, &origin, now)
        .await
        .inspect_err(|error| tracing::info!(%error, "two-factor code refused"))?;
    Ok(match flow {
        ChallengeFlow::Token => token_session(session).into_response(),
        ChallengeFlow::Browser => browser_session(&state, session, now),
    })
}
