//! Where every customer message enters, whatever channel it came from: stored (and durable)
//! first, then what follows is set in motion (`reactions`). E-mail arrives here too, automated
//! mail (out-of-office replies, bounces, lists) excepted, so the bot never converses with an
//! autoresponder.
//!
//! Every message passes one rule here (`admitted`): its texts lose their control characters,
//! a text over the cap is cut with a mark (`tandem_domain::text`; the API channel and the
//! widget refuse such a text before it gets here) and logged, and an external id must not be
//! blank, since a blank one would make every later blank-id message a "duplicate".

use tandem_channels::email::InboundEmail;
use tandem_domain::id::{AccountId, InboxId};
use tandem_domain::inbox::Inbox;
use tandem_domain::message::{Attachment, MAX_EXTERNAL_ID_CHARS, Transcription};
use tandem_domain::text::{clean_text, fit_text, fit_text_to};
use tandem_domain::validation::MAX_NAME_CHARS;
use tandem_nlu::masking::{CARD_DATA, mask_kinds};

use tandem_store::MediaFetchOutcome;

use crate::model::{InboundMessage, InboundOutcome};
use crate::{App, AppError};

impl App {
    /// Stores a customer message and sets what follows in motion: the bot answers a
    /// conversation it has, the routing worker places a queued one. A repeated delivery does
    /// nothing more. Card numbers and security codes are masked before anything is stored
    /// ([`mask_card_data`]).
    pub async fn accept_inbound(
        &self,
        account_id: AccountId,
        inbound: &InboundMessage,
    ) -> Result<InboundOutcome, AppError> {
        let inbound = mask_card_data(&admitted(inbound)?);
        let outcome = self
            .store
            .append_inbound_message(account_id, &inbound, self.now())
            .await?;
        if !outcome.is_duplicate {
            self.after_customer_message(account_id, &outcome).await;
        }
        Ok(outcome)
    }

    /// Stores a customer's e-mail like any message; automated mail is logged and dropped
    /// (`None`).
    pub async fn accept_email(
        &self,
        inbox: &Inbox,
        email: InboundEmail,
    ) -> Result<Option<InboundOutcome>, AppError> {
        if email.automated {
            tracing::info!(inbox_id = %inbox.id, "automated e-mail (auto-reply, bounce or list) not answered");
            return Ok(None);
        }
        let mut email = email;
        let contents = std::mem::take(&mut email.contents);
        let inbound = email_inbound(inbox.id, email);
        let outcome = self.accept_inbound(inbox.account_id, &inbound).await?;
        if !outcome.is_duplicate {
            self.keep_email_files(&outcome, contents).await;
        }
        Ok(Some(outcome))
    }

    /// Keeps an e-mail's attachments as files on its stored message; one refused (a type not
    /// kept, too large) is marked unavailable with the reason.
    async fn keep_email_files(&self, outcome: &InboundOutcome, contents: Vec<Vec<u8>>) {
        let message = &outcome.message;
        for (index, content) in contents.into_iter().enumerate() {
            let Some(attachment) = message.attachments.get(index) else {
                break;
            };
            let kept = self
                .keep_attachment_file(
                    message,
                    attachment,
                    outcome.conversation.inbox_id,
                    outcome.conversation.contact_id,
                    &content,
                )
                .await;
            let file_id = kept.as_ref().ok().map(|file| file.id);
            let outcome = match kept {
                Ok(file) => MediaFetchOutcome::Stored(file),
                Err(AppError::FileRefused(refused)) => {
                    MediaFetchOutcome::Unavailable(refused.to_string())
                }
                Err(error) => {
                    tracing::warn!(message_id = %message.id, %error, "keeping an e-mail's attachment failed");
                    MediaFetchOutcome::Unavailable("it could not be kept".to_owned())
                }
            };
            if let Err(error) = self.store.record_kept_file(message, index, outcome).await {
                tracing::warn!(message_id = %message.id, %error, "recording an e-mail's attachment failed");
                if let Some(file_id) = file_id {
                    self.remove_contents(message.account_id, &[file_id]).await;
                }
            }
        }
    }
}

/// The message as it may be stored: texts cleaned, the text fitted to the cap (a cut is logged),
/// the contact's name fitted to a name's length; a blank or overlong external id is refused.
fn admitted(inbound: &InboundMessage) -> Result<InboundMessage, AppError> {
    let external_id = match inbound.external_id.as_deref().map(clean_text) {
        None => None,
        Some(id) if id.trim().is_empty() => {
            tracing::warn!(inbox_id = %inbound.inbox_id, "customer message without an id refused");
            return Err(AppError::invalid(
                "external_id",
                "required",
                "a delivery's id must not be blank",
            ));
        }
        Some(id) if id.chars().count() > MAX_EXTERNAL_ID_CHARS => {
            return Err(AppError::invalid(
                "external_id",
                "too_long",
                format!("must be at most {MAX_EXTERNAL_ID_CHARS} characters"),
            ));
        }
        Some(id) => Some(id.trim().to_owned()),
    };
    let text = fit_text(&inbound.text);
    if let Some(chars) = text.cut_from {
        tracing::warn!(inbox_id = %inbound.inbox_id, chars, "customer message over the length cap stored cut and marked");
    }
    let contact_name = inbound
        .contact_name
        .as_deref()
        .map(|name| fit_text_to(name.trim(), MAX_NAME_CHARS).text)
        .filter(|name| !name.trim().is_empty());
    Ok(InboundMessage {
        inbox_id: inbound.inbox_id,
        identity: inbound.identity.clone(),
        contact_name,
        text: text.text,
        external_id,
        attachments: inbound.attachments.iter().map(clean_attachment).collect(),
        channel_data: inbound.channel_data.clone().map(clean_json),
        reply_address: inbound
            .reply_address
            .as_deref()
            .map(|address| clean_text(address).into_owned()),
    })
}

/// An attachment's texts without control characters. A transcription never comes from
/// outside; audio that needs one but names no content to fetch is marked as never heard (so the
/// bot asks the customer to type rather than waiting for words that cannot come).
fn clean_attachment(attachment: &Attachment) -> Attachment {
    let clean =
        |value: &Option<String>| value.as_deref().map(|value| clean_text(value).into_owned());
    let unheard = attachment.needs_transcription && !attachment.awaits_fetch();
    Attachment {
        transcription: unheard.then(|| Transcription::Failed {
            reason: "the provider named no audio to fetch".to_owned(),
        }),
        media_id: clean(&attachment.media_id),
        url: clean(&attachment.url),
        mime_type: clean(&attachment.mime_type),
        sha256: clean(&attachment.sha256),
        file_name: clean(&attachment.file_name),
        caption: clean(&attachment.caption),
        ..attachment.clone()
    }
}

/// Channel particulars with every string cleaned (PostgreSQL's JSON cannot hold a NUL).
fn clean_json(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(clean_text(&text).into_owned()),
        Value::Array(items) => Value::Array(items.into_iter().map(clean_json).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, value)| (clean_text(&key).into_owned(), clean_json(value)))
                .collect(),
        ),
        other => other,
    }
}

/// `inbound` with every card number (last four digits kept) and card security code masked
/// in its text and its channel particulars (an e-mail's subject, a button's payload), so that
/// no channel stores, shows or forwards them in clear (PCI DSS 3.3, 3.4). Other personal data
/// stays: the bot may need a CPF to act on it, and is masked wherever it is shown instead.
fn mask_card_data(inbound: &InboundMessage) -> InboundMessage {
    let mut masked = inbound.clone();
    masked.text = mask_kinds(&inbound.text, CARD_DATA);
    if let Some(data) = &mut masked.channel_data {
        mask_strings(data);
    }
    masked
}

/// Masks card data in every string of a JSON value.
fn mask_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => *text = mask_kinds(text, CARD_DATA),
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_strings),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(mask_strings),
        _ => {}
    }
}

/// A parsed e-mail as the store's inbound message, its subject and threading kept with it.
fn email_inbound(inbox_id: InboxId, email: InboundEmail) -> InboundMessage {
    let channel_data = serde_json::json!({
        "subject": email.subject,
        "in_reply_to": email.in_reply_to,
        "references": email.references,
    });
    let mut inbound = provider_inbound(inbox_id, email.message);
    inbound.channel_data = Some(channel_data);
    inbound
}

/// A provider's message as the store's inbound message.
pub fn provider_inbound(
    inbox_id: InboxId,
    message: tandem_channels::InboundMessage,
) -> InboundMessage {
    let channel_data = message
        .reply_payload
        .map(|payload| serde_json::json!({ "reply_payload": payload }));
    InboundMessage {
        inbox_id,
        identity: message.sender,
        contact_name: message.sender_name,
        text: message.text,
        external_id: Some(message.external_id),
        attachments: message.attachments,
        channel_data,
        reply_address: Some(message.reply_address),
    }
}
