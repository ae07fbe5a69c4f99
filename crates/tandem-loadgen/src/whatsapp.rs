//! The WhatsApp Cloud API as the generator plays it: inbound text webhooks (the shape of Meta's
//! documented payload, see `shared/fixtures/meta_whatsapp_text.json`) and the sends the server
//! makes to the Graph API (`POST /{version}/{phone_number_id}/messages`).

use serde::Deserialize;
use serde_json::json;

/// Display number of the simulated business phone (any digits do).
const DISPLAY_PHONE_NUMBER: &str = "5511400000000";
/// The WhatsApp Business Account id in webhook entries.
const BUSINESS_ACCOUNT_ID: &str = "100000000000001";

/// One customer text message as Meta delivers it, ready to sign.
#[derive(Debug, Clone, Copy)]
pub struct InboundText<'a> {
    pub phone_number_id: &'a str,
    /// The customer's number, digits only.
    pub from: &'a str,
    pub profile_name: &'a str,
    /// The message id (`wamid....`).
    pub message_id: &'a str,
    pub text: &'a str,
    pub unix_seconds: u64,
}

impl InboundText<'_> {
    /// The webhook body (compact JSON, signed as sent).
    pub fn body(&self) -> Vec<u8> {
        json!({
            "object": "whatsapp_business_account",
            "entry": [{
                "id": BUSINESS_ACCOUNT_ID,
                "changes": [{
                    "field": "messages",
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": DISPLAY_PHONE_NUMBER,
                            "phone_number_id": self.phone_number_id,
                        },
                        "contacts": [{"profile": {"name": self.profile_name}, "wa_id": self.from}],
                        "messages": [{
                            "from": self.from,
                            "id": self.message_id,
                            "timestamp": self.unix_seconds.to_string(),
                            "type": "text",
                            "text": {"body": self.text},
                        }],
                    },
                }],
            }],
        })
        .to_string()
        .into_bytes()
    }
}

/// What the generator reads of a Cloud API send.
#[derive(Debug, Deserialize)]
pub struct GraphSend {
    pub messaging_product: Option<String>,
    pub to: Option<String>,
    text: Option<GraphText>,
    interactive: Option<GraphInteractive>,
}

#[derive(Debug, Deserialize)]
struct GraphText {
    body: String,
}

#[derive(Debug, Deserialize)]
struct GraphInteractive {
    body: Option<GraphInteractiveBody>,
}

#[derive(Debug, Deserialize)]
struct GraphInteractiveBody {
    text: String,
}

impl GraphSend {
    /// The visible text: a text message's body, or an interactive message's (buttons, lists).
    pub fn text(&self) -> Option<&str> {
        match (&self.text, &self.interactive) {
            (Some(text), _) => Some(&text.body),
            (None, Some(interactive)) => interactive.body.as_ref().map(|body| body.text.as_str()),
            (None, None) => None,
        }
    }
}

/// The Cloud API's answer to an accepted send, carrying the new message's id.
pub fn accepted_send(to: &str, message_id: &str) -> String {
    json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": message_id}],
    })
    .to_string()
}

/// The Graph API's answer to a bad access token.
pub fn invalid_token() -> String {
    json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}})
        .to_string()
}

#[cfg(test)]
mod tests {
    use tandem_channels::WebhookEvent;

    use super::*;

    #[test]
    fn inbound_text_is_what_the_servers_parser_reads() {
        let inbound = InboundText {
            phone_number_id: "700000000000001",
            from: "998765400000007",
            profile_name: "Cliente 7",
            message_id: "wamid.lg876543m12",
            text: "qual o limite do pix?",
            unix_seconds: 1_750_000_000,
        };
        let events =
            tandem_channels::meta::parse_whatsapp(&inbound.body(), "700000000000001").unwrap();
        let [WebhookEvent::Message(message)] = events.as_slice() else {
            panic!("expected one message, got {events:?}");
        };
        assert_eq!(message.text, "qual o limite do pix?");
        assert_eq!(message.external_id, "wamid.lg876543m12");
        assert_eq!(message.sender.value, "+998765400000007");
        assert_eq!(message.sender_name.as_deref(), Some("Cliente 7"));
    }

    #[test]
    fn sends_show_their_text_whether_plain_or_interactive() {
        let plain: GraphSend = serde_json::from_value(json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "5511",
            "type": "text", "text": {"body": "Olá!", "preview_url": false}
        }))
        .unwrap();
        assert_eq!(plain.text(), Some("Olá!"));
        assert_eq!(plain.to.as_deref(), Some("5511"));
        let buttons: GraphSend = serde_json::from_value(json!({
            "messaging_product": "whatsapp", "to": "5511", "type": "interactive",
            "interactive": {"type": "button", "body": {"text": "Como foi?"},
                            "action": {"buttons": []}}
        }))
        .unwrap();
        assert_eq!(buttons.text(), Some("Como foi?"));
    }

    #[test]
    fn accepted_sends_carry_the_message_id() {
        let answer: serde_json::Value =
            serde_json::from_str(&accepted_send("5511", "wamid.out1")).unwrap();
        assert_eq!(answer["messages"][0]["id"], "wamid.out1");
        assert_eq!(answer["messaging_product"], "whatsapp");
    }
}
