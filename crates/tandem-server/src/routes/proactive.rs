//! Proactive messages: the company writes first (a WhatsApp template, or a plain message on
//! other channels) and the conversation opens with the bot, which handles the replies.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use tandem_channels::Template;
use tandem_domain::contact::IdentityKind;
use tandem_domain::id::{ContactId, InboxId};
use tandem_domain::inbox::ChannelKind;
use tandem_domain::message::validate_text;
use tandem_domain::user::Role;
use tandem_domain::validation::Validator;
use tandem_store::{ProactiveMessage, StoreError};

use crate::error::ApiError;
use crate::extract::{ApiJson, Auth};
use crate::state::AppState;
use crate::wire::{MessageCreatedResponse, ProactiveMessageRequest};

/// Sends a proactive message; supervisors and admins only (campaigns are not an agent's call).
pub async fn send(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(request): ApiJson<ProactiveMessageRequest>,
) -> Result<(StatusCode, Json<MessageCreatedResponse>), ApiError> {
    auth.require(Role::can_manage_teams)?;
    let account_id = auth.0.account_id();
    let inbox_id: InboxId = request
        .inbox_id
        .parse()
        .map_err(|_| ApiError::invalid_field("inbox_id", "invalid_id", "must be an inbox id"))?;
    let contact_id: ContactId = request
        .contact_id
        .parse()
        .map_err(|_| ApiError::invalid_field("contact_id", "invalid_id", "must be a contact id"))?;
    let mut validator = Validator::new();
    match (&request.text, &request.template) {
        (None, None) => validator.reject("text", "required", "give a text or a template"),
        (Some(text), _) => validate_text(&mut validator, "text", text),
        (None, Some(_)) => {}
    }
    if let Some(template) = &request.template {
        validator.text("template.name", &template.name, 512);
        validator.text("template.language", &template.language, 16);
    }
    validator.finish()?;
    let inbox = state
        .app
        .store
        .inbox(account_id, inbox_id)
        .await
        .map_err(|error| unknown(error, "inbox_id", "unknown_inbox", "no such inbox"))?;
    if request.template.is_some() && inbox.channel != ChannelKind::Whatsapp {
        return Err(ApiError::invalid_field(
            "template",
            "not_supported",
            "templates are a WhatsApp feature; send a text",
        ));
    }
    let contact = state
        .app
        .store
        .contact(account_id, contact_id)
        .await
        .map_err(|error| unknown(error, "contact_id", "unknown_contact", "no such contact"))?;
    let wanted = address_kinds(inbox.channel);
    let address = contact
        .identities
        .iter()
        .find(|identity| wanted.contains(&identity.kind))
        .map(|identity| channel_address(inbox.channel, &identity.value))
        .ok_or_else(|| {
            ApiError::invalid_field(
                "contact_id",
                "no_address_on_channel",
                format!(
                    "the contact has no identity a {} inbox can reach",
                    inbox.channel
                ),
            )
        })?;
    let template = request.template.map(|body| Template {
        name: body.name,
        language: body.language,
        parameters: body.parameters,
    });
    let text = request.text.unwrap_or_else(|| {
        template
            .as_ref()
            .map(|template| {
                format!(
                    "[template {}] {}",
                    template.name,
                    template.parameters.join(" · ")
                )
            })
            .unwrap_or_default()
    });
    let proactive = ProactiveMessage {
        inbox_id,
        contact_id,
        address,
        text,
        channel_data: serde_json::json!({
            "template": template,
            "campaign": request.context,
            "sent_by": auth.0.user_id().0,
        }),
    };
    let (conversation, message, events) = state
        .app
        .store
        .send_proactive_message(account_id, &proactive, tandem_app::now())
        .await?;
    tracing::info!(conversation_id = %conversation.id, by = %auth.0.user_id(), "proactive message queued");
    Ok((
        StatusCode::CREATED,
        Json(MessageCreatedResponse {
            conversation: conversation.into(),
            message: message.into(),
            events: events.into_iter().map(Into::into).collect(),
        }),
    ))
}

/// A reference the body names that does not exist in the account is a 422 naming the field;
/// any other store failure stays what it is (an outage is not bad input).
fn unknown(error: StoreError, field: &str, code: &'static str, message: &str) -> ApiError {
    match error {
        StoreError::NotFound { .. } => ApiError::invalid_field(field, code, message),
        other => other.into(),
    }
}

/// The identity kinds a channel reaches a contact by.
fn address_kinds(channel: ChannelKind) -> &'static [IdentityKind] {
    match channel {
        ChannelKind::Whatsapp | ChannelKind::Sms | ChannelKind::Voice => {
            &[IdentityKind::Phone, IdentityKind::Whatsapp]
        }
        ChannelKind::Messenger => &[IdentityKind::Messenger],
        ChannelKind::Instagram => &[IdentityKind::Instagram],
        ChannelKind::Telegram => &[IdentityKind::Telegram],
        ChannelKind::Email => &[IdentityKind::Email],
        ChannelKind::Api | ChannelKind::Web => &[],
    }
}

/// An identity's value as the channel's address (WhatsApp ids are the digits of the number).
fn channel_address(channel: ChannelKind, value: &str) -> String {
    match channel {
        ChannelKind::Whatsapp => value.trim_start_matches('+').to_owned(),
        _ => value.to_owned(),
    }
}
