//! Inboxes: anyone may list them; admins create, change and delete them and see their secrets.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use tandem_app::demo::INBOX_TOKEN_PREFIX;
use tandem_app::secret::{generate_token, token_hash};
use tandem_channels::config::ChannelConfig;
use tandem_domain::id::InboxId;
use tandem_domain::inbox::{ChannelKind, FirstResponder, validate_inbox};
use tandem_domain::user::Role;
use tandem_domain::validation::{MAX_NAME_CHARS, Validator};
use tandem_store::{InboxPatch, InboxSecrets, NewInbox};

use crate::channels::SettingsError;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, parse_id};
use crate::state::AppState;
use crate::wire::{CreateInboxRequest, InboxResponse, List, UpdateInboxRequest};

/// Validates and seals channel settings given for a `channel` inbox; secrets sent back masked
/// keep the values of the `previous` settings.
fn settings(
    state: &AppState,
    inbox_id: InboxId,
    channel: ChannelKind,
    given: Option<serde_json::Value>,
    previous: Option<&ChannelConfig>,
) -> Result<Option<String>, ApiError> {
    given
        .map(|value| {
            let config = ChannelConfig::parse(channel, value, "channel_config", previous)?;
            Ok(state.channels.seal(inbox_id, &config))
        })
        .transpose()
}

/// An inbox as its reader may see it: admins get the webhook secret, the masked channel
/// settings and the URLs to register with the provider.
async fn with_secret(
    state: &AppState,
    auth: &Auth,
    inbox_id: InboxId,
) -> Result<InboxResponse, ApiError> {
    if auth.0.role().can_manage_account() {
        let InboxSecrets {
            inbox,
            webhook_secret: secret,
            channel_config: sealed,
        } = state
            .app
            .store
            .inbox_with_secrets(auth.0.account_id(), inbox_id)
            .await?;
        let channel_config = match state.channels.open(&inbox, sealed.as_deref()) {
            Ok(config) => serde_json::to_value(config.masked()).ok(),
            Err(SettingsError::Missing) => None,
            Err(error) => Some(serde_json::json!({ "error": error.to_string() })),
        };
        let needs_config = inbox.channel.needs_config();
        Ok(InboxResponse {
            webhook_secret: Some(secret),
            channel_config,
            channel_webhook_url: needs_config.then(|| state.channels.webhook_url(inbox_id)),
            voice_url: (inbox.channel == ChannelKind::Voice)
                .then(|| state.channels.voice_url(inbox_id)),
            widget_snippet: (inbox.channel == ChannelKind::Web)
                .then(|| state.channels.widget_snippet(inbox_id)),
            ..inbox.into()
        })
    } else {
        Ok(state
            .app
            .store
            .inbox(auth.0.account_id(), inbox_id)
            .await?
            .into())
    }
}

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<List<InboxResponse>>, ApiError> {
    let inboxes = state.app.store.inboxes(principal.account_id()).await?;
    Ok(Json(List {
        data: inboxes.into_iter().map(Into::into).collect(),
    }))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(inbox_id): Path<String>,
) -> Result<Json<InboxResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    Ok(Json(with_secret(&state, &auth, inbox_id).await?))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<CreateInboxRequest>,
) -> Result<(StatusCode, Json<InboxResponse>), ApiError> {
    auth.require(Role::can_manage_account)?;
    let mut validator = Validator::new();
    validator.text("name", &request.name, MAX_NAME_CHARS);
    validator.finish()?;
    validate_inbox(None, request.webhook_url.as_deref())?;
    let channel: ChannelKind = request.channel.parse()?;
    let inbox_id = InboxId::generate();
    let channel_config = settings(&state, inbox_id, channel, request.channel_config, None)?;
    if channel.needs_config() && channel_config.is_none() {
        return Err(ApiError::invalid_field(
            "channel_config",
            "required",
            format!("a {channel} inbox needs its channel settings"),
        ));
    }
    let first_responder = request
        .first_responder
        .as_deref()
        .map(str::parse::<FirstResponder>)
        .transpose()?;
    let api_token = generate_token(INBOX_TOKEN_PREFIX);
    let webhook_secret = generate_token("whsec_");
    let new_inbox = NewInbox {
        name: request.name.trim().to_owned(),
        channel,
        first_responder: first_responder.unwrap_or(FirstResponder::Human),
        webhook_url: request.webhook_url,
        webhook_secret,
        api_token_hash: token_hash(&api_token),
        channel_config,
    };
    let inbox = state
        .app
        .store
        .create_inbox(auth.0.account_id(), inbox_id, &new_inbox, tandem_app::now())
        .await?;
    tracing::info!(inbox_id = %inbox.id, by = %auth.0.user_id(), "inbox created");
    Ok((
        StatusCode::CREATED,
        Json(InboxResponse {
            api_token: Some(api_token),
            ..with_secret(&state, &auth, inbox.id).await?
        }),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(inbox_id): Path<String>,
    ApiJson(request): ApiJson<UpdateInboxRequest>,
) -> Result<Json<InboxResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    validate_inbox(
        request.name.as_deref(),
        request.webhook_url.clone().flatten().as_deref(),
    )?;
    let InboxSecrets {
        inbox,
        channel_config: sealed,
        ..
    } = state
        .app
        .store
        .inbox_with_secrets(auth.0.account_id(), inbox_id)
        .await?;
    let previous = state.channels.open(&inbox, sealed.as_deref()).ok();
    let channel_config = settings(
        &state,
        inbox_id,
        inbox.channel,
        request.channel_config,
        previous.as_ref(),
    )?;
    let patch = InboxPatch {
        name: request.name.map(|name| name.trim().to_owned()),
        first_responder: request
            .first_responder
            .as_deref()
            .map(str::parse::<FirstResponder>)
            .transpose()?,
        webhook_url: request.webhook_url,
        api_token_hash: None,
        channel_config,
    };
    state
        .app
        .store
        .update_inbox(auth.0.account_id(), inbox_id, &patch)
        .await?;
    tracing::info!(%inbox_id, by = %auth.0.user_id(), "inbox updated");
    Ok(Json(with_secret(&state, &auth, inbox_id).await?))
}

/// Replaces the inbox's API-channel token; the old one stops working at once.
pub async fn rotate_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(inbox_id): Path<String>,
) -> Result<Json<InboxResponse>, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    let api_token = generate_token(INBOX_TOKEN_PREFIX);
    let patch = InboxPatch {
        api_token_hash: Some(token_hash(&api_token)),
        ..InboxPatch::default()
    };
    state
        .app
        .store
        .update_inbox(auth.0.account_id(), inbox_id, &patch)
        .await?;
    tracing::info!(%inbox_id, by = %auth.0.user_id(), "inbox token rotated");
    Ok(Json(InboxResponse {
        api_token: Some(api_token),
        ..with_secret(&state, &auth, inbox_id).await?
    }))
}

pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(inbox_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let inbox_id: InboxId = parse_id(&inbox_id, "inbox")?;
    auth.require(Role::can_manage_account)?;
    state
        .app
        .store
        .delete_inbox(auth.0.account_id(), inbox_id)
        .await?;
    tracing::info!(%inbox_id, by = %auth.0.user_id(), "inbox deleted");
    Ok(StatusCode::NO_CONTENT)
}
