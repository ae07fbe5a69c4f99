//! Liveness, readiness, the operational metrics (`/metrics`) and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use crate::extract::{Auth, bearer_matches, bearer_token};
use crate::state::AppState;
use tandem_domain::user::Role;

/// The API's OpenAPI 3.1 document, kept beside the code and checked by the tests.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// The process is up.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: its database answers.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.app.check_database().await.map_err(|error| {
        tracing::warn!(%error, "readiness check failed");
        ApiError::Unavailable
    })?;
    Ok(Json(json!({ "status": "ready" })))
}

pub async fn openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI)
}

/// `GET /metrics`: the OpenMetrics text, for a scrape with the configured metrics token or an
/// admin's bearer token; 401 without credentials, whether or not a metrics token is set.
pub async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let metrics = &state.metrics;
    let is_scraper = metrics
        .token()
        .is_some_and(|expected| bearer_matches(&headers, expected));
    if !is_scraper {
        let token = bearer_token(&headers).ok_or(ApiError::Unauthenticated)?;
        let principal = state.app.authenticate(token, state.app.now()).await?;
        Auth(principal).require(Role::can_manage_account)?;
    }
    let text = metrics.render(&state.app).await?;
    Ok((
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
