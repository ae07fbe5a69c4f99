//! Every webhook parser against arbitrary bytes and against the providers' documented payloads
//! with any value swapped for another: a parser answers events or a typed `WebhookError`,
//! never panics, and never yields a customer message without an id (a blank id would make
//! every later blank-id message a duplicate). The same parsers are fuzzed in `fuzz/`.

use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::Value;

use tandem_channels::{WebhookEvent, email, meta, telegram, twilio};
use tandem_domain::contact::IdentityKind;

const PHONE_NUMBER_ID: &str = "200000000000002";
const PAGE_ID: &str = "400000000000005";
const INSTAGRAM_ID: &str = "600000000000007";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn json_fixture(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).expect("a JSON fixture")
}

/// Customer messages carry an id that is not blank.
fn assert_messages_have_ids(events: &[WebhookEvent]) {
    for event in events {
        if let WebhookEvent::Message(message) = event {
            assert!(
                !tandem_channels::is_blank_id(&message.external_id),
                "a message without an id: {message:?}"
            );
        }
    }
}

/// Feeds one body to every JSON parser.
fn parse_everywhere(body: &[u8]) {
    if let Ok(events) = meta::parse_whatsapp(body, PHONE_NUMBER_ID) {
        assert_messages_have_ids(&events);
    }
    for (page, kind) in [
        (PAGE_ID, IdentityKind::Messenger),
        (INSTAGRAM_ID, IdentityKind::Instagram),
    ] {
        if let Ok(events) = meta::parse_messenger(body, page, kind) {
            assert_messages_have_ids(&events);
        }
    }
    if let Ok(events) = telegram::parse_update(body) {
        assert_messages_have_ids(&events);
    }
}

/// Any JSON value, small.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(Value::String(String::new())),
        Just(Value::String(" ".into())),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::hash_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// The `index`-th node of `value` in depth-first order (wrapping around), replaced.
fn replace_node(value: &mut Value, index: usize, replacement: Value) {
    fn count(value: &Value) -> usize {
        1 + match value {
            Value::Array(items) => items.iter().map(count).sum(),
            Value::Object(fields) => fields.values().map(count).sum(),
            _ => 0,
        }
    }
    fn walk(value: &mut Value, index: &mut usize, replacement: &mut Option<Value>) {
        if *index == 0 {
            if let Some(new) = replacement.take() {
                *value = new;
            }
            return;
        }
        *index -= 1;
        match value {
            Value::Array(items) => items
                .iter_mut()
                .for_each(|item| walk(item, index, replacement)),
            Value::Object(fields) => fields
                .values_mut()
                .for_each(|field| walk(field, index, replacement)),
            _ => {}
        }
    }
    let mut index = index % count(value);
    walk(value, &mut index, &mut Some(replacement));
}

const JSON_FIXTURES: [&str; 11] = [
    "meta_whatsapp_text.json",
    "meta_whatsapp_text_hostile.json",
    "meta_whatsapp_image.json",
    "meta_whatsapp_audio_voice.json",
    "meta_whatsapp_batch_with_duplicate.json",
    "meta_whatsapp_status_read.json",
    "meta_whatsapp_status_failed.json",
    "meta_whatsapp_unsupported.json",
    "meta_messenger_text.json",
    "meta_instagram_text_and_echo.json",
    "telegram_update_text.json",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn json_parsers_survive_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_everywhere(&body);
    }

    #[test]
    fn json_parsers_survive_any_value_of_a_real_payload_swapped(
        fixture_index in 0..JSON_FIXTURES.len(),
        swaps in prop::collection::vec((any::<usize>(), any_json()), 1..4),
    ) {
        let mut payload = json_fixture(JSON_FIXTURES[fixture_index]);
        for (index, replacement) in swaps {
            replace_node(&mut payload, index, replacement);
        }
        parse_everywhere(payload.to_string().as_bytes());
    }

    #[test]
    fn twilio_forms_survive_any_parameters(
        body in prop::collection::vec(any::<u8>(), 0..512),
        swaps in prop::collection::vec((any::<usize>(), any::<String>()), 0..4),
    ) {
        let arbitrary = twilio::form_pairs(&body);
        let _ = twilio::parse_sms(&arbitrary);
        let _ = twilio::parse_voice(&arbitrary);
        let mut real = twilio::form_pairs(&fixture("twilio_sms_inbound.form"));
        for (index, value) in swaps {
            let slot = index % real.len();
            real[slot].1 = value;
        }
        if let Ok(events) = twilio::parse_sms(&real) {
            assert_messages_have_ids(&events);
        }
        let _ = twilio::parse_voice(&real);
    }

    #[test]
    fn the_email_parser_survives_arbitrary_bytes_and_headers(
        body in prop::collection::vec(any::<u8>(), 0..1024),
        from in any::<String>(),
        subject in any::<String>(),
        message_id in any::<String>(),
        text in any::<String>(),
    ) {
        let _ = email::parse_email(&body);
        let raw = format!(
            "From: {from}\r\nTo: support@example.com\r\nSubject: {subject}\r\n\
             Message-ID: <{message_id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}"
        );
        if let Ok(parsed) = email::parse_email(raw.as_bytes()) {
            prop_assert!(!tandem_channels::is_blank_id(&parsed.message.external_id));
        }
    }
}
