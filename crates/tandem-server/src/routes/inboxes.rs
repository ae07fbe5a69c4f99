//! Inboxes: anyone may list them; admins create, change and delete them and see their secrets.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_app::model::InboxSecrets;
use tandem_domain::id::InboxId;
use tandem_domain::inbox::ChannelKind;
use tandem_domain::user::Role;

use tandem_app::channels::SettingsError;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin, parse_id};
use crate::state::AppState;
use crate::wire::{CreateInboxRequest, InboxResponse, List, UpdateInboxRequest};

/// An inbox as admins see it: with the webhook secret, the masked channel settings and the
/// URLs to register with the provider.
fn with_secrets(state: &AppState, secrets: InboxSecrets) -> InboxResponse {
    let InboxSecrets {
        inbox,
        webhook_secret: secret,
        channel_config: sealed,
    } = secrets;
    let channel_config = match state.channels.open(&inbox, sealed.as_deref()) {
        Ok(config) => serde_json::to_value(config.masked()).ok(),
        Err(SettingsError::Missing) => None,
        Err(error) => Some(serde_json::json!({ "error": error.to_string() })),
    };
    let needs_config = inbox.channel.needs_config();
    InboxResponse {
        webhook_secret: Some(secret),
        channel_config,
        channel_webhook_url: needs_config.then(|| state.channels.webhook_url(inbox.id)),
        voice_url: (inbox.channel == ChannelKind::Voice)
            .then(|| state.channels.voice_url(inbox.id)),
        widget_snippet: (inbox.channel == ChannelKind::Web)
            .then(|| state.channels.widget_snippet(inbox.id)),
        ..inbox.into()
    }
}

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<InboxResponse>>, ApiError> {
    let inboxes = state.app.inboxes(principal.account_id()).await?;
    Ok(Json(List {
        data: inboxes.into_iter().map(Into::into).collect(),
    }))
}

/// Admins get the inbox's secrets, masked settings and provider URLs; others the inbox.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(inbox_id): Path<String>,
) -> Result<Json<InboxResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    let account_id = auth.0.account_id();
    let response = if auth.0.role().can_manage_account() {
        with_secrets(
            &state,
            state.app.inbox_with_secrets(account_id, inbox_id).await?,
        )
    } else {
        state.app.inbox(account_id, inbox_id).await?.into()
    };
    Ok(Json(response))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    ApiJson(request): ApiJson<CreateInboxRequest>,
) -> Result<(StatusCode, Json<InboxResponse>), ApiError> {
    auth.require(Role::can_manage_account)?;
    let (api_token, inbox) = state
        .app
        .create_inbox(
            &auth.actor(origin),
            &request.name,
            &request.channel,
            request.first_responder.as_deref(),
            request.webhook_url,
            request.channel_config,
        )
        .await?;
    tracing::info!(inbox_id = %inbox.inbox.id, by = %auth.0.user_id(), "inbox created");
    let registration = state.app.register_channel_webhook(&inbox).await;
    Ok((
        StatusCode::CREATED,
        Json(InboxResponse {
            api_token,
            webhook_registration: registration.map(Into::into),
            ..with_secrets(&state, inbox)
        }),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(inbox_id): Path<String>,
    ApiJson(request): ApiJson<UpdateInboxRequest>,
) -> Result<Json<InboxResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    let settings_changed = request.channel_config.is_some();
    let inbox = state
        .app
        .update_inbox(
            &auth.actor(origin),
            inbox_id,
            request.name,
            request.first_responder.as_deref(),
            request.webhook_url,
            request.channel_config,
        )
        .await?;
    tracing::info!(%inbox_id, by = %auth.0.user_id(), "inbox updated");
    let registration = if settings_changed {
        state.app.register_channel_webhook(&inbox).await
    } else {
        None
    };
    Ok(Json(InboxResponse {
        webhook_registration: registration.map(Into::into),
        ..with_secrets(&state, inbox)
    }))
}

/// Replaces the inbox's API-channel token; the old one stops working at once.
pub async fn rotate_token(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(inbox_id): Path<String>,
) -> Result<Json<InboxResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    let (api_token, inbox) = state
        .app
        .rotate_inbox_token(&auth.actor(origin), inbox_id)
        .await?;
    tracing::info!(%inbox_id, by = %auth.0.user_id(), "inbox token rotated");
    Ok(Json(InboxResponse {
        api_token: Some(api_token),
        ..with_secrets(&state, inbox)
    }))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    Path(inbox_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    state
        .app
        .delete_inbox(&auth.actor(origin), inbox_id)
        .await?;
    tracing::info!(%inbox_id, by = %auth.0.user_id(), "inbox deleted");
    Ok(StatusCode::NO_CONTENT)
}
