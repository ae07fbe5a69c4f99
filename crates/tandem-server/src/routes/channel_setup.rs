//! Connecting a channel: credentials checked with the provider before saving (admins), and each
//! inbox's channel health (supervisors and admins).

use axum::Json;
use axum::extract::{Path, State};

use tandem_domain::id::InboxId;
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use crate::wire::{ChannelHealthResponse, VerifyChannelRequest, VerifyChannelResponse};

pub async fn verify(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<VerifyChannelRequest>,
) -> Result<Json<VerifyChannelResponse>, ApiError> {
    auth.require(Role::can_manage_account)?;
    let account = state
        .app
        .verify_channel(
            &auth.0,
            request.inbox_id.map(InboxId),
            &request.channel,
            request.channel_config,
        )
        .await?;
    Ok(Json(VerifyChannelResponse {
        verified: account.is_some(),
        account,
    }))
}

pub async fn health(
    State(state): State<AppState>,
    auth: Auth,
    Path(inbox_id): Path<String>,
) -> Result<Json<ChannelHealthResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_teams)?;
    let health = state.app.channel_health(&auth.0, inbox_id).await?;
    Ok(Json(health.into()))
}
