//! Proactive messages: a supervisor or admin (or a campaign) writes first to a contact on a
//! provider channel, as text or, on WhatsApp, a pre-approved template; the message opens (or
//! continues) the contact's conversation on that inbox and is queued for delivery.

use serde_json::json;

use tandem_channels::Template;
use tandem_domain::contact::IdentityKind;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::Event;
use tandem_domain::id::{ContactId, InboxId};
use tandem_domain::inbox::ChannelKind;
use tandem_domain::message::{Message, validate_text};
use tandem_domain::validation::Validator;
use tandem_store::{ProactiveMessage, StoreError};

use crate::audit::{Actor, AuditEvent, Origin};
use crate::{App, AppError, Principal};

/// A proactive message as asked for.
#[derive(Debug)]
pub struct NewProactiveMessage {
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    /// The text to send, or, with a template, the text the transcript shows.
    pub text: Option<String>,
    /// A pre-approved WhatsApp template (required outside the 24-hour window).
    pub template: Option<Template>,
    /// What the campaign is about, kept with the message for agents and reports.
    pub context: serde_json::Map<String, serde_json::Value>,
}

impl App {
    /// Queues a proactive message to a contact on a provider inbox, every bad field named.
    /// Recorded as `proactive.sent` (where and to whom, and the template's name; not the text).
    pub async fn send_proactive_message(
        &self,
        principal: &Principal,
        origin: &Origin,
        request: NewProactiveMessage,
    ) -> Result<(Conversation, Message, Vec<Event>), AppError> {
        let account_id = principal.account_id();
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
        let inbox = self
            .store
            .inbox(account_id, request.inbox_id)
            .await
            .map_err(|error| unknown(error, "inbox_id", "unknown_inbox", "no such inbox"))?;
        if request.template.is_some() && inbox.channel != ChannelKind::Whatsapp {
            return Err(AppError::invalid(
                "template",
                "not_supported",
                "templates are a WhatsApp feature; send a text",
            ));
        }
        let contact = self
            .store
            .contact(account_id, request.contact_id)
            .await
            .map_err(|error| unknown(error, "contact_id", "unknown_contact", "no such contact"))?;
        let wanted = address_kinds(inbox.channel);
        let address = contact
            .identities
            .iter()
            .find(|identity| wanted.contains(&identity.kind))
            .map(|identity| channel_address(inbox.channel, &identity.value))
            .ok_or_else(|| {
                AppError::invalid(
                    "contact_id",
                    "no_address_on_channel",
                    format!(
                        "the contact has no identity a {} inbox can reach",
                        inbox.channel
                    ),
                )
            })?;
        let template = request.template;
        let template_name = template.as_ref().map(|template| template.name.clone());
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
            inbox_id: request.inbox_id,
            contact_id: request.contact_id,
            address,
            text,
            channel_data: serde_json::json!({
                "template": template,
                "campaign": request.context,
                "sent_by": principal.user_id().0,
            }),
        };
        let (conversation, message, events) = self
            .store
            .send_proactive_message(account_id, &proactive, self.now())
            .await?;
        tracing::info!(conversation_id = %conversation.id, by = %principal.user_id(), "proactive message queued");
        let event = AuditEvent::new("proactive.sent", "message", message.id.0).after(json!({
            "inbox_id": request.inbox_id,
            "contact_id": request.contact_id,
            "conversation_id": conversation.id,
            "template": template_name,
        }));
        self.record(&Actor::user(&principal.user, origin.clone()), event)
            .await?;
        Ok((conversation, message, events))
    }
}

/// A reference the body names that does not exist in the account is bad input naming the
/// field; any other store failure stays what it is (an outage is not bad input).
fn unknown(error: StoreError, field: &str, code: &'static str, message: &str) -> AppError {
    match error {
        StoreError::NotFound { .. } => AppError::invalid(field, code, message),
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
