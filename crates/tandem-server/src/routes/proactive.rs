//! Proactive messages (`tandem_app::proactive`): supervisors and admins write first to a
//! contact on a provider channel.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use tandem_app::proactive::NewProactiveMessage;
use tandem_channels::Template;
use tandem_domain::id::{ContactId, InboxId};
use tandem_domain::user::Role;

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, ClientOrigin};
use crate::state::AppState;
use crate::wire::{MessageCreatedResponse, ProactiveMessageRequest};

/// Sends a proactive message; supervisors and admins only (campaigns are not an agent's call).
pub async fn send(
    State(state): State<AppState>,
    auth: Auth,
    origin: ClientOrigin,
    ApiJson(request): ApiJson<ProactiveMessageRequest>,
) -> Result<(StatusCode, Json<MessageCreatedResponse>), ApiError> {
    auth.require(Role::can_manage_teams)?;
    let inbox_id: InboxId = request
        .inbox_id
        .parse()
        .map_err(|_| ApiError::invalid_field("inbox_id", "invalid_id", "must be an inbox id"))?;
    let contact_id: ContactId = request
        .contact_id
        .parse()
        .map_err(|_| ApiError::invalid_field("contact_id", "invalid_id", "must be a contact id"))?;
    let proactive = NewProactiveMessage {
        inbox_id,
        contact_id,
        text: request.text,
        template: request.template.map(|body| Template {
            name: body.name,
            language: body.language,
            parameters: body.parameters,
        }),
        context: request.context,
    };
    let (conversation, message, events) = state
        .app
        .send_proactive_message(&auth.0, &origin.0, proactive)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(MessageCreatedResponse {
            conversation: conversation.into(),
            message: message.into(),
            events: events.into_iter().map(Into::into).collect(),
        }),
    ))
}
