//! Login, logout, the current user and their personal API tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Extensions, HeaderMap, StatusCode};

use tandem_domain::id::TokenId;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
use crate::state::AppState;
use crate::wire::{
    CreateTokenRequest, List, LoginRequest, LoginResponse, TokenResponse, UserResponse,
};

pub async fn login(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let account = request.account_id.map(Into::into);
    let (token, record, user) = state
        .app
        .login(&request.email, &request.password, account, state.app.now())
        .await?;
    super::credentials::describe_session(&state, &record, &extensions, &headers).await;
    tracing::info!(user_id = %user.id, "user logged in");
    Ok(Json(LoginResponse {
        token,
        expires_at: record.expires_at,
        user: user.into(),
    }))
}

pub async fn logout(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<StatusCode, ApiError> {
    state.app.logout(&principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(Auth(principal): Auth) -> Json<UserResponse> {
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
    ApiJson(request): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    let (secret, token) = state
        .app
        .create_api_token(
            &principal,
            &request.name,
            request.expires_in_days,
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
