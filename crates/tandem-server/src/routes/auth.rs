//! Login (throttled, with a second step for two-factor users), logout, the current user and
//! their personal API tokens (issued only with the password again).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use tandem_app::auth::{Challenge, LoginOutcome, NewSession};
use tandem_app::model::ChallengeFlow;
use tandem_domain::id::TokenId;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, Enrolling, parse_id};
use crate::state::AppState;
use crate::wire::{
    CreateTokenRequest, List, LoginRequest, LoginResponse, TokenResponse,
    TwoFactorChallengeResponse, UserResponse,
};

pub async fn login(
    State(state): State<AppState>,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let account = request.account_id.map(Into::into);
    let outcome = state
        .app
        .login(
            &request.email,
            &request.password,
            account,
            ChallengeFlow::Token,
            &origin,
            state.app.now(),
        )
        .await
        .inspect_err(|error| tracing::info!(%error, "login refused"))?;
    Ok(match outcome {
        LoginOutcome::Session(session) => token_session(*session).into_response(),
        LoginOutcome::TwoFactorRequired(challenge) => challenge_response(challenge),
    })
}

/// A bearer-token session's answer.
pub(super) fn token_session(session: NewSession) -> Json<LoginResponse> {
    tracing::info!(user_id = %session.user.id, "user logged in");
    Json(LoginResponse {
        token: session.token,
        expires_at: session.record.expires_at,
        user: session.user.into(),
        two_factor_enrolment_required: session.must_enrol_two_factor,
    })
}

/// The answer to a right password that needs a code next.
pub(super) fn challenge_response(challenge: Challenge) -> Response {
    Json(TwoFactorChallengeResponse {
        two_factor_required: true,
        challenge_token: challenge.token,
        expires_at: challenge.expires_at,
    })
    .into_response()
}

pub async fn logout(
    State(state): State<AppState>,
    Enrolling(principal): Enrolling,
    ClientOrigin(origin): ClientOrigin,
) -> Result<StatusCode, ApiError> {
    state.app.logout(&principal, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(Enrolling(principal): Enrolling) -> Json<UserResponse> {
    Json(principal.user.into())
}

pub async fn list_tokens(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<TokenResponse>>, ApiError> {
    let tokens = state
        .app
        .api_tokens(principal.account_id(), principal.user_id())
        .await?;
    Ok(Json(List {
        data: tokens
            .into_iter()
            .map(|token| TokenResponse {
                id: token.id.0,
                name: token.name,
                created_at: token.created_at,
                expires_at: token.expires_at,
                last_used_at: token.last_used_at,
                token: None,
            })
            .collect(),
    }))
}

pub async fn create_token(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ClientOrigin(origin): ClientOrigin,
    ApiJson(request): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    state
        .app
        .reauthenticate(
            &principal,
            request.current_password.as_deref(),
            &origin,
            state.app.now(),
        )
        .await?;
    let (secret, token) = state
        .app
        .create_api_token(
            &principal,
            &request.name,
            request.expires_in_days,
            &origin,
            state.app.now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse {
            id: token.id.0,
            name: token.name,
            created_at: token.created_at,
            expires_at: token.expires_at,
            last_used_at: token.last_used_at,
            token: Some(secret),
        }),
    ))
}

pub async fn delete_token(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(token_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let token_id: TokenId = parse_id(&token_id, "token")?;
    state
        .app
        .delete_api_token(&auth.actor(origin), token_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
