//! The API channel: an integration posts its customers' messages here, authenticated by the
//! inbox's token. The message is stored (and durable) before the answer is sent.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;

use tandem_app::model::InboundMessage;
use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::inbox::Inbox;
use tandem_domain::message::{MAX_EXTERNAL_ID_CHARS, validate_text};
use tandem_domain::validation::{MAX_NAME_CHARS, Validator};

use crate::error::ApiError;
use crate::extract::{ApiJson, bearer_token};
use crate::state::AppState;
use crate::wire::{ChannelMessageRequest, ChannelMessageResponse};

/// The inbox whose API-channel token authenticated the request.
pub struct ChannelInbox(pub Inbox);

impl FromRequestParts<AppState> for ChannelInbox {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        let inbox = state
            .app
            .api_channel_inbox(token)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        tracing::Span::current().record("inbox_id", tracing::field::display(inbox.id));
        Ok(ChannelInbox(inbox))
    }
}

pub async fn receive_message(
    State(state): State<AppState>,
    ChannelInbox(inbox): ChannelInbox,
    ApiJson(request): ApiJson<ChannelMessageRequest>,
) -> Result<(StatusCode, Json<ChannelMessageResponse>), ApiError> {
    let mut validator = Validator::new();
    validate_text(&mut validator, "text", &request.text);
    validator.optional_text(
        "contact.name",
        request.contact.name.as_deref(),
        MAX_NAME_CHARS,
    );
    validator.optional_text(
        "external_id",
        request.external_id.as_deref(),
        MAX_EXTERNAL_ID_CHARS,
    );
    let kind = request.contact.identity.kind.parse::<IdentityKind>();
    let identity = kind.as_ref().ok().map(|kind| {
        Identity::parse(
            *kind,
            &request.contact.identity.value,
            "contact.identity.value",
        )
    });
    if kind.is_err() {
        validator.reject(
            "contact.identity.kind",
            "unknown_identity_kind",
            "unknown identity kind",
        );
    }
    if let Some(Err(error)) = &identity {
        for detail in &error.0 {
            validator.reject(&detail.field, detail.code, detail.message.clone());
        }
    }
    validator.finish()?;
    let identity = identity.and_then(Result::ok).ok_or_else(|| {
        ApiError::invalid_field("contact.identity", "invalid_identity", "invalid identity")
    })?;
    let inbound = InboundMessage {
        inbox_id: inbox.id,
        identity,
        contact_name: request.contact.name.map(|name| name.trim().to_owned()),
        text: request.text,
        external_id: request.external_id.map(|id| id.trim().to_owned()),
        attachments: Vec::new(),
        channel_data: None,
        reply_address: None,
    };
    let outcome = state.app.accept_inbound(inbox.account_id, &inbound).await?;
    let status = if outcome.is_duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(ChannelMessageResponse {
            duplicate: outcome.is_duplicate,
            contact_id: outcome.conversation.contact_id.0,
            conversation: outcome.conversation.into(),
            message: outcome.message.into(),
        }),
    ))
}
