//! Sending on Messenger and Instagram: the Send API request answering a customer, with quick
//! replies when they fit, or a file by link.

use serde_json::{Map, Value, json};

use crate::config::MetaPageConfig;
use crate::meta::graph::graph_post;
use crate::meta::quick_replies::{distinct, with_numbered_options};
use crate::meta::webhook::KIND_MAX;
use crate::{
    AttachmentKind, OutboundError, OutboundFile, OutboundMessage, ProviderRequest, refuse_template,
    truncate,
};

/// The Send API's longest text.
const PAGE_TEXT_MAX: usize = 2000;
const PAGE_QUICK_REPLIES_MAX: usize = 13;
const PAGE_QUICK_REPLY_TITLE_MAX: usize = 20;
const PAGE_QUICK_REPLY_PAYLOAD_MAX: usize = 1000;

/// The Send API request (Messenger and Instagram) answering the customer `message.to`.
/// Up to 13 quick replies become buttons, more a numbered text; templates are refused.
pub fn page_request(
    graph_url: &str,
    config: &MetaPageConfig,
    message: &OutboundMessage,
) -> Result<ProviderRequest, OutboundError> {
    refuse_template(message)?;
    let to = message.to.trim();
    if to.is_empty() || !to.chars().all(|c| c.is_ascii_digit()) {
        return Err(OutboundError::Recipient(format!(
            "{:?} is not a page-scoped id",
            truncate(to, KIND_MAX)
        )));
    }
    if let Some(file) = &message.file {
        return page_file_request(graph_url, config, to, file, &message.text);
    }
    if message.text.trim().is_empty() {
        return Err(OutboundError::Unsupported("an empty text message"));
    }
    let options = &message.quick_replies;
    let buttons = (1..=PAGE_QUICK_REPLIES_MAX).contains(&options.len())
        && distinct(
            options,
            PAGE_QUICK_REPLY_TITLE_MAX,
            PAGE_QUICK_REPLY_PAYLOAD_MAX,
        );
    let text = if buttons {
        message.text.clone()
    } else {
        with_numbered_options(&message.text, options)
    };
    if text.chars().count() > PAGE_TEXT_MAX {
        return Err(OutboundError::Unsupported(
            "text longer than 2000 characters",
        ));
    }
    let mut content = Map::new();
    content.insert("text".into(), text.into());
    if buttons {
        let quick_replies = options
            .iter()
            .map(|option| {
                json!({
                    "content_type": "text",
                    "title": truncate(&option.title, PAGE_QUICK_REPLY_TITLE_MAX),
                    "payload": truncate(&option.id, PAGE_QUICK_REPLY_PAYLOAD_MAX),
                })
            })
            .collect();
        content.insert("quick_replies".into(), Value::Array(quick_replies));
    }
    let body = json!({
        "recipient": {"id": to},
        "messaging_type": "RESPONSE",
        "message": content,
    });
    Ok(graph_post(
        graph_url,
        &config.page_id,
        &config.page_access_token,
        body,
    ))
}

/// A file by link; the Send API gives an attachment no caption, so a text with it is refused
/// rather than lost.
fn page_file_request(
    graph_url: &str,
    config: &MetaPageConfig,
    to: &str,
    file: &OutboundFile,
    text: &str,
) -> Result<ProviderRequest, OutboundError> {
    if !text.trim().is_empty() {
        return Err(OutboundError::Unsupported(
            "Messenger and Instagram send a file without text; send the text on its own",
        ));
    }
    let kind = match file.kind {
        AttachmentKind::Image | AttachmentKind::Sticker => "image",
        AttachmentKind::Audio => "audio",
        AttachmentKind::Video => "video",
        _ => "file",
    };
    let body = json!({
        "recipient": {"id": to},
        "messaging_type": "RESPONSE",
        "message": {"attachment": {"type": kind, "payload": {"url": file.url, "is_reusable": false}}},
    });
    Ok(graph_post(
        graph_url,
        &config.page_id,
        &config.page_access_token,
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Template;
    use crate::meta::testing::{MESSENGER_PAGE, json_body, outbound};

    fn page_config() -> MetaPageConfig {
        MetaPageConfig {
            page_id: MESSENGER_PAGE.into(),
            page_access_token: "EAAP-token".into(),
            app_secret: "secret".into(),
            verify_token: "verify".into(),
        }
    }

    #[test]
    fn page_requests_carry_quick_replies() {
        let mut message = outbound("Posso ajudar?", 2);
        message.to = "500000000000006".into();
        let request =
            page_request("https://graph.facebook.com/v21.0", &page_config(), &message).unwrap();
        assert_eq!(
            request.url,
            "https://graph.facebook.com/v21.0/400000000000005/messages"
        );
        assert_eq!(
            request.headers[0],
            ("Authorization".to_owned(), "Bearer EAAP-token".to_owned())
        );
        assert_eq!(
            json_body(&request),
            &json!({
                "recipient": {"id": "500000000000006"},
                "messaging_type": "RESPONSE",
                "message": {"text": "Posso ajudar?", "quick_replies": [
                    {"content_type": "text", "title": "Opção número 1 com t", "payload": "opt-1"},
                    {"content_type": "text", "title": "Opção número 2 com t", "payload": "opt-2"},
                ]},
            })
        );

        let mut many = outbound("Escolha:", 14);
        many.to = "500000000000006".into();
        let request = page_request("https://g", &page_config(), &many).unwrap();
        let message = &json_body(&request)["message"];
        assert_eq!(message.get("quick_replies"), None);
        assert!(
            message["text"]
                .as_str()
                .unwrap()
                .ends_with("\n14. Opção número 14 com título longo")
        );
    }

    #[test]
    fn page_requests_refuse_templates_bad_recipients_and_long_text() {
        let mut template = outbound("oi", 0);
        template.to = "500000000000006".into();
        template.template = Some(Template {
            name: "t".into(),
            language: "pt_BR".into(),
            parameters: vec![],
        });
        assert_eq!(
            page_request("https://g", &page_config(), &template),
            Err(OutboundError::Unsupported(
                "templates are a WhatsApp feature"
            ))
        );
        for to in ["", "abc", "5000 0006"] {
            let mut message = outbound("oi", 0);
            message.to = to.into();
            assert!(matches!(
                page_request("https://g", &page_config(), &message),
                Err(OutboundError::Recipient(_))
            ));
        }
        let mut long = outbound(&"x".repeat(2001), 0);
        long.to = "500000000000006".into();
        assert_eq!(
            page_request("https://g", &page_config(), &long),
            Err(OutboundError::Unsupported(
                "text longer than 2000 characters"
            ))
        );
    }
}
