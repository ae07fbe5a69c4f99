//! Where every customer message enters, whatever channel it came from: stored (and durable)
//! first, then what follows is set in motion (`reactions`). E-mail arrives here too, automated
//! mail (out-of-office replies, bounces, lists) excepted, so the bot never converses with an
//! autoresponder.

use tandem_channels::email::InboundEmail;
use tandem_domain::id::{AccountId, InboxId};
use tandem_domain::inbox::Inbox;
use tandem_nlu::masking::{CARD_DATA, mask_kinds};

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
        let inbound = mask_card_data(inbound);
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
        let inbound = email_inbound(inbox.id, email);
        self.accept_inbound(inbox.account_id, &inbound)
            .await
            .map(Some)
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
