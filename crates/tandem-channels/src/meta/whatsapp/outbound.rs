//! Sending on WhatsApp: the Cloud API request for a text, reply buttons, a list, a file by
//! link or a pre-approved template, within WhatsApp's limits.

use serde_json::{Map, Value, json};

use crate::config::WhatsappConfig;
use crate::meta::graph::graph_post;
use crate::meta::quick_replies::{distinct, with_numbered_options};
use crate::meta::webhook::KIND_MAX;
use crate::{
    AttachmentKind, OutboundError, OutboundFile, OutboundMessage, ProviderRequest, QuickReply,
    Template, truncate,
};

/// WhatsApp's longest text message.
const WHATSAPP_TEXT_MAX: usize = 4096;
/// WhatsApp's longest media caption.
const WHATSAPP_CAPTION_MAX: usize = 1024;
/// WhatsApp's longest body of an interactive (button or list) message.
const WHATSAPP_INTERACTIVE_BODY_MAX: usize = 1024;
const WHATSAPP_BUTTONS_MAX: usize = 3;
const WHATSAPP_BUTTON_TITLE_MAX: usize = 20;
const WHATSAPP_BUTTON_ID_MAX: usize = 256;
const WHATSAPP_ROWS_MAX: usize = 10;
const WHATSAPP_ROW_TITLE_MAX: usize = 24;
const WHATSAPP_ROW_ID_MAX: usize = 200;
const WHATSAPP_ROW_DESCRIPTION_MAX: usize = 72;
/// The label of the button that opens a list (at most 20 characters).
const WHATSAPP_LIST_BUTTON: &str = "Options";

/// The Cloud API request sending `message` from the configured number. `graph_url` is a base
/// such as `https://graph.facebook.com/v21.0` (a trailing slash is tolerated). A template wins
/// over the text; 1–3 quick replies become reply buttons, 4–10 a list, more a numbered text.
pub fn whatsapp_request(
    graph_url: &str,
    config: &WhatsappConfig,
    message: &OutboundMessage,
) -> Result<ProviderRequest, OutboundError> {
    let to = whatsapp_recipient(&message.to)?;
    let (kind, content) = match (&message.template, &message.file) {
        (Some(template), _) => ("template", whatsapp_template(template)),
        (None, Some(file)) => whatsapp_media(file, &message.text)?,
        (None, None) => whatsapp_content(&message.text, &message.quick_replies)?,
    };
    let mut body = Map::new();
    body.insert("messaging_product".into(), "whatsapp".into());
    body.insert("recipient_type".into(), "individual".into());
    body.insert("to".into(), to.into());
    body.insert("type".into(), kind.into());
    body.insert(kind.into(), content);
    Ok(graph_post(
        graph_url,
        &config.phone_number_id,
        &config.access_token,
        Value::Object(body),
    ))
}

/// The Cloud API's `to`: the phone number's digits, without `+`.
fn whatsapp_recipient(to: &str) -> Result<String, OutboundError> {
    let digits = to.trim().strip_prefix('+').unwrap_or(to.trim());
    if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits.to_owned())
    } else {
        Err(OutboundError::Recipient(format!(
            "{:?} is not a phone number in E.164",
            truncate(to, KIND_MAX)
        )))
    }
}

/// A media message: the file by link, the text as its caption (audio and stickers have none).
fn whatsapp_media(file: &OutboundFile, text: &str) -> Result<(&'static str, Value), OutboundError> {
    let kind = match file.kind {
        AttachmentKind::Image => "image",
        AttachmentKind::Audio => "audio",
        AttachmentKind::Video => "video",
        AttachmentKind::Sticker => "sticker",
        _ => "document",
    };
    let mut content = Map::new();
    content.insert("link".into(), file.url.clone().into());
    let text = text.trim();
    if !text.is_empty() {
        if matches!(kind, "audio" | "sticker") {
            return Err(OutboundError::Unsupported(
                "WhatsApp audio and stickers carry no caption; send the text on its own",
            ));
        }
        if text.chars().count() > WHATSAPP_CAPTION_MAX {
            return Err(OutboundError::Unsupported(
                "a WhatsApp caption holds at most 1024 characters",
            ));
        }
        content.insert("caption".into(), text.into());
    }
    if kind == "document"
        && let Some(name) = &file.file_name
    {
        content.insert("filename".into(), name.clone().into());
    }
    Ok((kind, Value::Object(content)))
}

fn whatsapp_template(template: &Template) -> Value {
    let mut content = Map::new();
    content.insert("name".into(), template.name.clone().into());
    content.insert("language".into(), json!({"code": template.language}));
    if !template.parameters.is_empty() {
        let parameters: Vec<Value> = template
            .parameters
            .iter()
            .map(|text| json!({"type": "text", "text": text}))
            .collect();
        content.insert(
            "components".into(),
            json!([{"type": "body", "parameters": parameters}]),
        );
    }
    Value::Object(content)
}

/// A text, button or list message's `type` and content object.
fn whatsapp_content(
    text: &str,
    options: &[QuickReply],
) -> Result<(&'static str, Value), OutboundError> {
    if text.trim().is_empty() {
        return Err(OutboundError::Unsupported("an empty text message"));
    }
    let interactive = text.chars().count() <= WHATSAPP_INTERACTIVE_BODY_MAX;
    if interactive
        && (1..=WHATSAPP_BUTTONS_MAX).contains(&options.len())
        && distinct(options, WHATSAPP_BUTTON_TITLE_MAX, WHATSAPP_BUTTON_ID_MAX)
    {
        let buttons: Vec<Value> = options
            .iter()
            .map(|option| {
                json!({"type": "reply", "reply": {
                    "id": truncate(&option.id, WHATSAPP_BUTTON_ID_MAX),
                    "title": truncate(&option.title, WHATSAPP_BUTTON_TITLE_MAX),
                }})
            })
            .collect();
        let content = json!({
            "type": "button",
            "body": {"text": text},
            "action": {"buttons": buttons},
        });
        return Ok(("interactive", content));
    }
    if interactive
        && (WHATSAPP_BUTTONS_MAX + 1..=WHATSAPP_ROWS_MAX).contains(&options.len())
        && distinct(options, WHATSAPP_ROW_TITLE_MAX, WHATSAPP_ROW_ID_MAX)
    {
        let rows: Vec<Value> = options.iter().map(whatsapp_row).collect();
        let content = json!({
            "type": "list",
            "body": {"text": text},
            "action": {
                "button": truncate(WHATSAPP_LIST_BUTTON, WHATSAPP_BUTTON_TITLE_MAX),
                "sections": [{"rows": rows}],
            },
        });
        return Ok(("interactive", content));
    }
    let body = with_numbered_options(text, options);
    if body.chars().count() > WHATSAPP_TEXT_MAX {
        return Err(OutboundError::Unsupported(
            "text longer than 4096 characters",
        ));
    }
    Ok(("text", json!({"preview_url": false, "body": body})))
}

/// A list row; a title too long for the row is kept whole (as far as it fits) in the
/// description.
fn whatsapp_row(option: &QuickReply) -> Value {
    let title = truncate(&option.title, WHATSAPP_ROW_TITLE_MAX);
    let mut row = Map::new();
    row.insert(
        "id".into(),
        truncate(&option.id, WHATSAPP_ROW_ID_MAX).into(),
    );
    row.insert("title".into(), title.into());
    if title.len() < option.title.len() {
        row.insert(
            "description".into(),
            truncate(&option.title, WHATSAPP_ROW_DESCRIPTION_MAX).into(),
        );
    }
    Value::Object(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpMethod;
    use crate::meta::testing::{PHONE_NUMBER_ID, json_body, outbound};

    fn whatsapp_config() -> WhatsappConfig {
        WhatsappConfig {
            phone_number_id: PHONE_NUMBER_ID.into(),
            access_token: "EAAG-token".into(),
            app_secret: "secret".into(),
            verify_token: "verify".into(),
        }
    }

    #[test]
    fn whatsapp_text_request() {
        let request = whatsapp_request(
            "https://graph.facebook.com/v21.0/",
            &whatsapp_config(),
            &outbound("Olá, Ana!", 0),
        )
        .unwrap();
        assert_eq!(request.method, HttpMethod::Post);
        assert_eq!(
            request.url,
            "https://graph.facebook.com/v21.0/200000000000002/messages"
        );
        assert_eq!(
            request.headers,
            [
                ("Authorization".to_owned(), "Bearer EAAG-token".to_owned()),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ]
        );
        assert_eq!(
            json_body(&request),
            &json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "5511900000001",
                "type": "text",
                "text": {"preview_url": false, "body": "Olá, Ana!"},
            })
        );
    }

    #[test]
    fn whatsapp_quick_replies_become_buttons_a_list_or_numbered_text() {
        let graph = "https://graph.facebook.com/v21.0";
        let buttons =
            whatsapp_request(graph, &whatsapp_config(), &outbound("Escolha:", 3)).unwrap();
        assert_eq!(
            json_body(&buttons)["interactive"],
            json!({
                "type": "button",
                "body": {"text": "Escolha:"},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": "opt-1", "title": "Opção número 1 com t"}},
                    {"type": "reply", "reply": {"id": "opt-2", "title": "Opção número 2 com t"}},
                    {"type": "reply", "reply": {"id": "opt-3", "title": "Opção número 3 com t"}},
                ]},
            })
        );
        assert_eq!(json_body(&buttons)["type"], "interactive");

        let list = whatsapp_request(graph, &whatsapp_config(), &outbound("Escolha:", 5)).unwrap();
        let interactive = &json_body(&list)["interactive"];
        assert_eq!(interactive["type"], "list");
        assert_eq!(interactive["action"]["button"], "Options");
        let rows = interactive["action"]["sections"][0]["rows"]
            .as_array()
            .unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(
            rows[4],
            json!({"id": "opt-5", "title": "Opção número 5 com títul",
                "description": "Opção número 5 com título longo"})
        );

        let many = whatsapp_request(graph, &whatsapp_config(), &outbound("Escolha:", 12)).unwrap();
        let body = &json_body(&many)["text"]["body"];
        let expected_lines: Vec<String> = (1..=12)
            .map(|n| format!("{n}. Opção número {n} com título longo"))
            .collect();
        assert_eq!(
            body.as_str().unwrap(),
            format!("Escolha:\n\n{}", expected_lines.join("\n"))
        );
        assert_eq!(json_body(&many)["type"], "text");

        let long = "a".repeat(1025);
        let too_long_for_buttons =
            whatsapp_request(graph, &whatsapp_config(), &outbound(&long, 2)).unwrap();
        assert_eq!(json_body(&too_long_for_buttons)["type"], "text");

        let mut twins = outbound("Escolha:", 2);
        twins.quick_replies[1].title = format!("{} (2)", twins.quick_replies[0].title);
        let twins = whatsapp_request(graph, &whatsapp_config(), &twins).unwrap();
        assert_eq!(json_body(&twins)["type"], "text");
    }

    #[test]
    fn whatsapp_templates() {
        let mut message = outbound("ignored when a template is set", 2);
        message.template = Some(Template {
            name: "pedido_enviado".into(),
            language: "pt_BR".into(),
            parameters: vec!["Ana".into(), "#1234".into()],
        });
        let request = whatsapp_request("https://g", &whatsapp_config(), &message).unwrap();
        assert_eq!(
            json_body(&request),
            &json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": "5511900000001",
                "type": "template",
                "template": {
                    "name": "pedido_enviado",
                    "language": {"code": "pt_BR"},
                    "components": [{"type": "body", "parameters": [
                        {"type": "text", "text": "Ana"},
                        {"type": "text", "text": "#1234"},
                    ]}],
                },
            })
        );
        if let Some(template) = &mut message.template {
            template.parameters.clear();
        }
        let request = whatsapp_request("https://g", &whatsapp_config(), &message).unwrap();
        assert_eq!(
            json_body(&request)["template"],
            json!({"name": "pedido_enviado", "language": {"code": "pt_BR"}})
        );
    }

    #[test]
    fn whatsapp_refuses_bad_recipients_and_oversized_text() {
        for to in [
            "",
            "+55 11 90000-0001",
            "5511abc00001",
            "123",
            "wa:5511900000001",
        ] {
            let mut message = outbound("oi", 0);
            message.to = to.into();
            assert!(
                matches!(
                    whatsapp_request("https://g", &whatsapp_config(), &message),
                    Err(OutboundError::Recipient(_))
                ),
                "{to:?}"
            );
        }
        let mut digits = outbound("oi", 0);
        digits.to = "5511900000001".into();
        let request = whatsapp_request("https://g", &whatsapp_config(), &digits).unwrap();
        assert_eq!(json_body(&request)["to"], "5511900000001");
        assert_eq!(
            whatsapp_request(
                "https://g",
                &whatsapp_config(),
                &outbound(&"é".repeat(4097), 0)
            ),
            Err(OutboundError::Unsupported(
                "text longer than 4096 characters"
            ))
        );
        assert!(
            whatsapp_request(
                "https://g",
                &whatsapp_config(),
                &outbound(&"é".repeat(4096), 0)
            )
            .is_ok()
        );
        assert_eq!(
            whatsapp_request("https://g", &whatsapp_config(), &outbound(" ", 0)),
            Err(OutboundError::Unsupported("an empty text message"))
        );
    }
}
