//! Channels end to end against provider stand-ins: inbound webhooks (signatures, idempotency,
//! unknown events), the bot's answer going out through the outbound queue (retries, permanent
//! failures, restarts), delivery reports, identity unification, contact merging and proactive
//! messages.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{Value, json};

use tandem_store::Backend;

use crate::harness::{self, ADMIN, TestServer, create_channel_inbox};
use crate::provider::{GRAPH_TOKEN, Provider, TELEGRAM_TOKEN, TWILIO_SID, TWILIO_TOKEN};

const APP_SECRET: &str = "test_app_secret_0123456789abcdef";
const VERIFY_TOKEN: &str = "test-verify-token-xyz";
const PHONE_NUMBER_ID: &str = "200000000000002";
const TELEGRAM_SECRET: &str = "tg_Secret-Token_123";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A signed-to-be WhatsApp webhook body carrying `value` (messages or statuses) for the test
/// number.
fn whatsapp_webhook(mut value: Value) -> Vec<u8> {
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] =
        json!({"display_phone_number": "5511400000000", "phone_number_id": PHONE_NUMBER_ID});
    json!({"object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]})
    .to_string()
    .into_bytes()
}

fn meta_signature(body: &[u8]) -> String {
    harness::meta_signature(APP_SECRET, body)
}

async fn spawn(provider: &Provider, backend: Backend) -> TestServer {
    TestServer::spawn_with(backend, |config| provider.configure(config)).await
}

/// Creates an inbox of `channel` with `config`; returns its id.
async fn inbox(server: &TestServer, admin: &str, channel: &str, config: Value) -> String {
    let body = create_channel_inbox(server, admin, channel, config).await;
    assert!(
        body["channel_webhook_url"]
            .as_str()
            .unwrap()
            .ends_with("/webhook"),
        "{body}"
    );
    body["id"].as_str().unwrap().to_owned()
}

async fn whatsapp_inbox(server: &TestServer, admin: &str) -> String {
    let id = inbox(
        server,
        admin,
        "whatsapp",
        json!({"phone_number_id": PHONE_NUMBER_ID, "access_token": GRAPH_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}),
    )
    .await;
    let (_, shown) = server.get(&format!("/api/v1/inboxes/{id}"), admin).await;
    assert_eq!(shown["channel_config"]["phone_number_id"], PHONE_NUMBER_ID);
    assert_eq!(
        shown["channel_config"]["access_token"], "********",
        "secrets are masked"
    );
    let (status, patched) = server
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/inboxes/{id}"),
            Some(admin),
            Some(json!({"channel_config": shown["channel_config"]})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "settings sent back masked keep their secrets: {patched}"
    );
    id
}

async fn post_meta(
    server: &TestServer,
    inbox: &str,
    body: &[u8],
    signature: Option<&str>,
) -> StatusCode {
    let mut request = server
        .client
        .post(format!("{}/api/v1/channels/{inbox}/webhook", server.base))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    request.send().await.expect("answer").status()
}

async fn conversations(server: &TestServer, admin: &str) -> Vec<Value> {
    server.get("/api/v1/conversations", admin).await.1["data"]
        .as_array()
        .unwrap()
        .clone()
}

async fn transcript(server: &TestServer, admin: &str, conversation: &str) -> Vec<Value> {
    server
        .get(
            &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
            admin,
        )
        .await
        .1["data"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn whatsapp_inbound_bot_answer_outbound_and_delivery_reports() {
    for backend in tandem_store::testing::backends() {
        whatsapp_inbound_bot_answer_outbound_and_delivery_reports_on(backend).await;
    }
}

async fn whatsapp_inbound_bot_answer_outbound_and_delivery_reports_on(backend: Backend) {
    let provider = Provider::start().await;
    let server = spawn(&provider, backend).await;
    let admin = server.login(ADMIN).await;
    let inbox = whatsapp_inbox(&server, &admin).await;

    let verify = server
        .client
        .get(format!(
            "{}/api/v1/channels/{inbox}/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(verify.status(), StatusCode::OK);
    assert_eq!(verify.text().await.unwrap(), "1158201444");
    let wrong = server
        .client
        .get(format!("{}/api/v1/channels/{inbox}/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);

    let body = fixture("meta_whatsapp_text.body");
    let mut tampered = body.clone();
    let at = tampered.iter().position(|&b| b == b'O').unwrap();
    tampered[at] = b'0';
    assert_eq!(
        post_meta(&server, &inbox, &tampered, Some(&meta_signature(&body))).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post_meta(&server, &inbox, &body, None).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        conversations(&server, &admin).await.is_empty(),
        "a refused webhook stores nothing"
    );

    let deliveries: Vec<_> = (0..5)
        .map(|_| {
            let (server_base, client, inbox, body) = (
                server.base.clone(),
                server.client.clone(),
                inbox.clone(),
                body.clone(),
            );
            tokio::spawn(async move {
                client
                    .post(format!("{server_base}/api/v1/channels/{inbox}/webhook"))
                    .header("x-hub-signature-256", meta_signature(&body))
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for delivery in deliveries {
        assert_eq!(delivery.await.unwrap(), StatusCode::OK);
    }
    let listed = conversations(&server, &admin).await;
    assert_eq!(listed.len(), 1, "five deliveries, one conversation");
    let conversation = listed[0]["id"].as_str().unwrap().to_owned();
    let messages = transcript(&server, &admin, &conversation).await;
    let inbound: Vec<_> = messages
        .iter()
        .filter(|m| m["direction"] == "inbound")
        .collect();
    assert_eq!(inbound.len(), 1, "five deliveries, one message");
    assert_eq!(inbound[0]["external_id"], "wamid.TEST_TEXT_0001");
    let (_, contact) = server
        .get(
            &format!(
                "/api/v1/contacts/{}",
                listed[0]["contact_id"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(contact["name"], "Cliente Teste");
    assert_eq!(
        contact["identities"][0],
        json!({"kind": "phone", "value": "+5511900000001"})
    );

    let sent = provider.sent_once(|sent| !sent.is_empty()).await;
    assert_eq!(sent[0].path, format!("/v21.0/{PHONE_NUMBER_ID}/messages"));
    assert_eq!(sent[0].body["to"], "5511900000001");
    let bot_texts = server
        .bot_texts_once(&admin, &conversation, |texts| !texts.is_empty())
        .await;
    let sent_text = sent[0].body["text"]["body"]
        .as_str()
        .or(sent[0].body["interactive"]["body"]["text"].as_str())
        .unwrap();
    assert_eq!(sent_text, bot_texts[0], "the bot's first message went out");
    assert_eq!(
        sent[0].body["interactive"]["action"]["buttons"][0]["reply"]["title"],
        "Falar com uma pessoa",
        "the bot offers a person: {:?}",
        sent[0].body
    );

    let wamid = "wamid.SENT0";
    let message = server
        .eventually(
            &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
            &admin,
            |page| {
                page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["external_id"] == wamid && m["delivery_status"] == "sent")
            },
        )
        .await;
    assert!(message.is_object());
    let report = |status: &str| {
        whatsapp_webhook(json!({"statuses": [{"id": wamid, "status": status,
            "timestamp": "1750000100", "recipient_id": "5511900000001"}]}))
    };
    for status in ["read", "delivered"] {
        let body = report(status);
        assert_eq!(
            post_meta(&server, &inbox, &body, Some(&meta_signature(&body))).await,
            StatusCode::OK
        );
    }
    let messages = transcript(&server, &admin, &conversation).await;
    let delivered = messages.iter().find(|m| m["external_id"] == wamid).unwrap();
    assert_eq!(
        delivered["delivery_status"], "read",
        "a late 'delivered' does not undo 'read'"
    );

    let unsupported = fixture("meta_whatsapp_unsupported.body");
    assert_eq!(
        post_meta(
            &server,
            &inbox,
            &unsupported,
            Some(&meta_signature(&unsupported))
        )
        .await,
        StatusCode::OK,
        "unknown message types are acknowledged"
    );
    server.stop().await;
}

#[tokio::test]
async fn failed_sends_are_retried_until_delivered_once_and_refusals_are_shown() {
    for backend in tandem_store::testing::backends() {
        failed_sends_are_retried_until_delivered_once_and_refusals_are_shown_on(backend).await;
    }
}

async fn failed_sends_are_retried_until_delivered_once_and_refusals_are_shown_on(backend: Backend) {
    let provider = Provider::start().await;
    provider.fail_next(3);
    let server = spawn(&provider, backend).await;
    let admin = server.login(ADMIN).await;
    let inbox = whatsapp_inbox(&server, &admin).await;
    let body = fixture("meta_whatsapp_text.body");
    assert_eq!(
        post_meta(&server, &inbox, &body, Some(&meta_signature(&body))).await,
        StatusCode::OK
    );
    let conversation = conversations(&server, &admin).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = server
        .eventually(
            &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
            &admin,
            |page| {
                let bot: Vec<_> = page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| m["sender"]["type"] == "bot")
                    .collect();
                !bot.is_empty() && bot.iter().all(|m| m["delivery_status"] == "sent")
            },
        )
        .await;
    let bot_messages = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["sender"]["type"] == "bot")
        .count();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let sent = provider.sent().await;
    assert_eq!(
        sent.len(),
        bot_messages,
        "each message accepted once, not again: {sent:?}"
    );
    assert_eq!(
        provider.attempts(),
        bot_messages + 3,
        "three failures, then each once"
    );

    provider
        .refuse_with(400, json!({"error": {"message": "Re-engagement message", "type": "OAuthException", "code": 131047}}))
        .await;
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &admin,
            json!({"text": "Olá, ainda está aí?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let page = server
        .eventually(
            &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
            &admin,
            |page| {
                page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["delivery_status"] == "failed")
            },
        )
        .await;
    let failed = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["delivery_status"] == "failed")
        .unwrap();
    assert_eq!(failed["text"], "Olá, ainda está aí?");
    assert!(
        failed["delivery_error"]
            .as_str()
            .unwrap()
            .contains("24-hour"),
        "{failed}"
    );

    // The inbox's health shows it: the last message received, the deliveries, and the failure
    // with the provider's reason.
    let (status, health) = server
        .get(&format!("/api/v1/inboxes/{inbox}/health"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert!(health["last_inbound_at"].is_string(), "{health}");
    assert!(health["last_delivered_at"].is_string(), "{health}");
    assert_eq!(health["delivered_24h"], bot_messages, "{health}");
    assert_eq!(health["failed_24h"], 1, "{health}");
    assert_eq!(health["failing"][0]["message_id"], failed["id"], "{health}");
    assert_eq!(
        health["failing"][0]["conversation_id"],
        conversation.as_str()
    );
    assert_eq!(health["failing"][0]["status"], "failed");
    assert!(
        health["failing"][0]["error"]
            .as_str()
            .unwrap()
            .contains("24-hour"),
        "{health}"
    );
    let agent = server.login(harness::ANA).await;
    let (status, _) = server
        .get(&format!("/api/v1/inboxes/{inbox}/health"), &agent)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test]
async fn telegram_and_sms_reach_the_bot_and_answers_go_back_on_the_same_channel() {
    for backend in tandem_store::testing::backends() {
        telegram_and_sms_reach_the_bot_and_answers_go_back_on_the_same_channel_on(backend).await;
    }
}

async fn telegram_and_sms_reach_the_bot_and_answers_go_back_on_the_same_channel_on(
    backend: Backend,
) {
    let provider = Provider::start().await;
    let server = spawn(&provider, backend).await;
    let admin = server.login(ADMIN).await;
    let telegram = inbox(
        &server,
        &admin,
        "telegram",
        json!({"bot_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET}),
    )
    .await;
    let update = fixture("telegram_update_text.json");
    let post_update = |secret: Option<&'static str>| {
        let mut request = server
            .client
            .post(format!(
                "{}/api/v1/channels/{telegram}/webhook",
                server.base
            ))
            .header("content-type", "application/json")
            .body(update.clone());
        if let Some(secret) = secret {
            request = request.header("x-telegram-bot-api-secret-token", secret);
        }
        request.send()
    };
    assert_eq!(
        post_update(Some("tg_Secret-Token_123x"))
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post_update(None).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post_update(Some(TELEGRAM_SECRET)).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        post_update(Some(TELEGRAM_SECRET)).await.unwrap().status(),
        StatusCode::OK
    );
    let sent = provider
        .sent_once(|sent| sent.iter().any(|s| s.api == "telegram"))
        .await;
    let reply = sent.iter().find(|s| s.api == "telegram").unwrap();
    assert_eq!(reply.body["chat_id"], 800000009);
    assert_eq!(
        reply.body["reply_markup"]["inline_keyboard"][0][0]["callback_data"], "talk_to_person",
        "{:?}",
        reply.body
    );

    let pressed = json!({"update_id": 900000002, "callback_query": {"id": "4382bfdwdsb323b2d9",
        "from": {"id": 800000009, "is_bot": false, "first_name": "Cliente"}, "chat_instance": "1", "data": "talk_to_person",
        "message": {"message_id": 1000, "date": 1750000900, "chat": {"id": 800000009, "type": "private"}, "text": "Olá",
            "reply_markup": {"inline_keyboard": [[{"text": "Falar com uma pessoa", "callback_data": "talk_to_person"}]]}}}});
    let answer = server
        .client
        .post(format!(
            "{}/api/v1/channels/{telegram}/webhook",
            server.base
        ))
        .header("x-telegram-bot-api-secret-token", TELEGRAM_SECRET)
        .json(&pressed)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(
        answer["method"], "answerCallbackQuery",
        "the button stops spinning"
    );
    assert_eq!(answer["callback_query_id"], "4382bfdwdsb323b2d9");

    let sms = inbox(
        &server,
        &admin,
        "sms",
        json!({"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "from_number": "+5511400000000"}),
    )
    .await;
    let url = format!("{}/api/v1/channels/{sms}/webhook", server.base);
    let params: Vec<(String, String)> = [
        ("MessageSid", "SMTEST0000000000000000000000000001"),
        ("AccountSid", TWILIO_SID),
        ("From", "+5511900000001"),
        ("To", "+5511400000000"),
        ("Body", "Quero a segunda via do boleto"),
        ("NumMedia", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    let signature = tandem_channels::twilio::signature(TWILIO_TOKEN, &url, &params);
    let post_sms = |signature: String| {
        server
            .client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(form.clone())
            .send()
    };
    assert_eq!(
        post_sms("bm90IGl0".into()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let answer = post_sms(signature).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer.text().await.unwrap().contains("<Response"));
    let sent = provider
        .sent_once(|sent| sent.iter().any(|s| s.api == "twilio"))
        .await;
    let reply = sent.iter().find(|s| s.api == "twilio").unwrap();
    assert_eq!(reply.body["To"], "+5511900000001");
    assert_eq!(reply.body["From"], "+5511400000000");
    assert!(
        reply.body["StatusCallback"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/channels/{sms}/webhook"))
    );

    let whatsapp = whatsapp_inbox(&server, &admin).await;
    let body = fixture("meta_whatsapp_text.body");
    assert_eq!(
        post_meta(&server, &whatsapp, &body, Some(&meta_signature(&body))).await,
        StatusCode::OK
    );
    let listed = server
        .eventually("/api/v1/conversations", &admin, |page| {
            page["data"].as_array().unwrap().len() == 3
        })
        .await;
    let contact_of = |inbox: &str| {
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["inbox_id"] == inbox)
            .unwrap()["contact_id"]
            .clone()
    };
    assert_eq!(
        contact_of(&sms),
        contact_of(&whatsapp),
        "one phone on SMS and WhatsApp is one contact"
    );
    server.stop().await;
}

#[tokio::test]
async fn merging_contacts_is_audited_and_proactive_templates_open_a_bot_conversation() {
    for backend in tandem_store::testing::backends() {
        merging_contacts_is_audited_and_proactive_templates_open_a_bot_conversation_on(backend)
            .await;
    }
}

async fn merging_contacts_is_audited_and_proactive_templates_open_a_bot_conversation_on(
    backend: Backend,
) {
    let provider = Provider::start().await;
    let server = spawn(&provider, backend).await;
    let admin = server.login(ADMIN).await;
    let whatsapp = whatsapp_inbox(&server, &admin).await;
    let create = |identities: Value| {
        server.post(
            "/api/v1/contacts",
            &admin,
            json!({"identities": identities}),
        )
    };
    let (_, phone) = create(json!([{"kind": "phone", "value": "+55 11 90000-0002"}])).await;
    let (_, email) = create(json!([{"kind": "email", "value": "Cliente@Example.com"}])).await;
    let (status, merged) = server
        .post(
            &format!("/api/v1/contacts/{}/merge", phone["id"].as_str().unwrap()),
            &admin,
            json!({"contact_id": email["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert_eq!(
        merged["identities"].as_array().unwrap().len(),
        2,
        "{merged}"
    );
    let (status, _) = server
        .get(
            &format!("/api/v1/contacts/{}", email["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, audit) = server
        .get("/api/v1/audit-log?action=contact.merged", &admin)
        .await;
    assert_eq!(audit["data"][0]["action"], "contact.merged");
    assert_eq!(audit["data"][0]["before"]["merged_contact_id"], email["id"]);

    let (status, created) = server
        .post(
            "/api/v1/proactive-messages",
            &admin,
            json!({"inbox_id": whatsapp, "contact_id": phone["id"],
                   "template": {"name": "boleto_due", "language": "pt_BR", "parameters": ["Ana", "10/12"]},
                   "context": {"campaign": "boletos-dezembro"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["conversation"]["status"], "bot");
    let (_, audit) = server
        .get("/api/v1/audit-log?action=proactive.sent", &admin)
        .await;
    assert_eq!(audit["data"][0]["subject_id"], created["message"]["id"]);
    assert_eq!(
        audit["data"][0]["after"],
        json!({"inbox_id": whatsapp, "contact_id": phone["id"],
               "conversation_id": created["conversation"]["id"], "template": "boleto_due"})
    );
    let sent = provider.sent_once(|sent| !sent.is_empty()).await;
    assert_eq!(sent[0].body["type"], "template");
    assert_eq!(sent[0].body["to"], "5511900000002");
    assert_eq!(sent[0].body["template"]["name"], "boleto_due");
    assert_eq!(
        sent[0].body["template"]["components"][0]["parameters"][1]["text"],
        "10/12"
    );
    let (status, refused) = server
        .post(
            "/api/v1/proactive-messages",
            &admin,
            json!({"inbox_id": whatsapp, "contact_id": email["id"], "text": "Olá"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    server.stop().await;
}

#[tokio::test]
async fn a_clarification_offers_its_choices_as_buttons() {
    for backend in tandem_store::testing::backends() {
        a_clarification_offers_its_choices_as_buttons_on(backend).await;
    }
}

async fn a_clarification_offers_its_choices_as_buttons_on(backend: Backend) {
    let provider = Provider::start().await;
    let server = spawn(&provider, backend).await;
    let admin = server.login(ADMIN).await;
    let inbox = whatsapp_inbox(&server, &admin).await;
    let body = whatsapp_webhook(json!({
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": "5511900000009"}],
        "messages": [{"from": "5511900000009", "id": "wamid.CLARIFY1", "timestamp": "1750000000", "type": "text", "text": {"body": "pix noturno"}}]}));
    assert_eq!(
        post_meta(&server, &inbox, &body, Some(&meta_signature(&body))).await,
        StatusCode::OK
    );
    let sent = provider
        .sent_once(|sent| {
            sent.iter().any(|s| {
                s.body["interactive"]["action"]["buttons"]
                    .as_array()
                    .is_some_and(|b| b.len() == 3)
            })
        })
        .await;
    let question = sent
        .iter()
        .find(|s| {
            s.body["interactive"]["action"]["buttons"]
                .as_array()
                .is_some_and(|b| b.len() == 3)
        })
        .unwrap();
    let buttons = question.body["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap();
    assert_eq!(buttons[0]["reply"]["id"], "1", "{buttons:?}");
    assert_eq!(buttons[1]["reply"]["id"], "2", "{buttons:?}");
    assert_eq!(buttons[2]["reply"]["id"], "talk_to_person", "{buttons:?}");

    let pressed = whatsapp_webhook(json!({
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": "5511900000009"}],
        "messages": [{"from": "5511900000009", "id": "wamid.PRESSED1", "timestamp": "1750000010", "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "talk_to_person", "title": buttons[2]["reply"]["title"]}}}]}));
    assert_eq!(
        post_meta(&server, &inbox, &pressed, Some(&meta_signature(&pressed))).await,
        StatusCode::OK
    );
    let listed = server
        .eventually("/api/v1/conversations", &admin, |page| {
            page["data"][0]["status"] == "queued" || page["data"][0]["status"] == "assigned"
        })
        .await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        1,
        "the button press hands over"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_resolved_conversation_asks_for_a_rating_and_records_the_answers() {
    for backend in tandem_store::testing::backends() {
        survey_on(backend).await;
    }
}

async fn survey_on(backend: Backend) {
    let provider = Provider::start().await;
    let server = TestServer::spawn_with(backend, |config| {
        provider.configure(config);
        config.nps_sample_percent = 100;
    })
    .await;
    let admin = server.login(ADMIN).await;
    let inbox = whatsapp_inbox(&server, &admin).await;
    let customer = |id: &str, message: Value| {
        let mut message = message;
        message["from"] = json!("5511900000010");
        message["id"] = json!(id);
        message["timestamp"] = json!("1750000000");
        whatsapp_webhook(
            json!({"contacts": [{"profile": {"name": "Cliente"}, "wa_id": "5511900000010"}],
            "messages": [message]}),
        )
    };
    let send = |body: Vec<u8>| {
        let (server, inbox) = (&server, &inbox);
        async move {
            assert_eq!(
                post_meta(server, inbox, &body, Some(&meta_signature(&body))).await,
                StatusCode::OK
            );
        }
    };
    send(customer(
        "wamid.S1",
        json!({"type": "text", "text": {"body": "Qual o horário das agências?"}}),
    ))
    .await;
    let conversation = server
        .eventually("/api/v1/conversations", &admin, |page| {
            page["data"].as_array().is_some_and(|c| c.len() == 1)
        })
        .await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .bot_texts_once(&admin, &conversation, |texts| !texts.is_empty())
        .await;
    let (status, resolved) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/resolve"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");

    let sent = provider
        .sent_once(|sent| sent.iter().any(|s| s.body["interactive"]["type"] == "list"))
        .await;
    let survey = sent
        .iter()
        .find(|s| s.body["interactive"]["type"] == "list")
        .unwrap();
    let rows = survey.body["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap();
    assert_eq!(rows.len(), 5, "{:?}", survey.body);
    assert_eq!(rows[1]["id"], "4");

    send(customer(
        "wamid.S2",
        json!({"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "4", "title": rows[1]["title"]}}}),
    ))
    .await;
    let said = |text: &'static str| {
        move |sent: &[crate::provider::Sent]| {
            sent.iter().any(|s| {
                s.body["text"]["body"]
                    .as_str()
                    .is_some_and(|body| body.contains(text))
            })
        }
    };
    let nps = provider.sent_once(said("De 0 a 10")).await;
    let question = nps
        .iter()
        .find(|s| said("De 0 a 10")(std::slice::from_ref(s)))
        .unwrap();
    assert!(
        question.body["text"]["body"]
            .as_str()
            .unwrap()
            .contains("11. 0"),
        "eleven scores, listed as numbered lines: {:?}",
        question.body
    );
    send(customer(
        "wamid.S3",
        json!({"type": "text", "text": {"body": "9 - ótimo, obrigado"}}),
    ))
    .await;
    send(customer(
        "wamid.S4",
        json!({"type": "text", "text": {"body": "10"}}),
    ))
    .await;
    let events = server
        .eventually(
            &format!("/api/v1/conversations/{conversation}/events"),
            &admin,
            |page| {
                page["data"].as_array().is_some_and(|events| {
                    events
                        .iter()
                        .filter(|e| e["type"] == "survey_answered")
                        .count()
                        == 3
                })
            },
        )
        .await;
    let answers: Vec<_> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "survey_answered")
        .map(|e| {
            (
                e["data"]["survey"].clone(),
                e["data"]["score"].clone(),
                e["data"]["comment"].clone(),
            )
        })
        .collect();
    assert_eq!(
        answers,
        [
            (json!("csat"), json!(4), Value::Null),
            (json!("nps"), json!(9), json!("ótimo, obrigado")),
            (json!("nps"), json!(10), Value::Null),
        ],
        "the CSAT, then the NPS answered twice (the last counts): {events}"
    );
    let (_, shown) = server
        .get(&format!("/api/v1/conversations/{conversation}"), &admin)
        .await;
    assert_eq!(
        shown["status"], "resolved",
        "a rating does not reopen the conversation"
    );

    send(customer(
        "wamid.S5",
        json!({"type": "text", "text": {"body": "Agora preciso de ajuda com o cartão"}}),
    ))
    .await;
    server
        .eventually(
            &format!("/api/v1/conversations/{conversation}"),
            &admin,
            |body| body["status"] != "resolved",
        )
        .await;
    server.stop().await;
}

#[tokio::test]
async fn credentials_are_checked_with_the_provider_before_an_inbox_is_saved() {
    let provider = Provider::start().await;
    let server = spawn(&provider, Backend::Sqlite).await;
    let admin = server.login(ADMIN).await;
    let verify = |channel: &str, config: Value| {
        let body = json!({"channel": channel, "channel_config": config});
        let server = &server;
        let admin = admin.clone();
        async move { server.post("/api/v1/inboxes/verify", &admin, body).await }
    };

    let (status, body) = verify(
        "telegram",
        json!({"bot_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"verified": true, "account": "@aurora_banco_bot"})
    );
    let (status, body) = verify(
        "telegram",
        json!({"bot_token": "123456:fake", "secret_token": TELEGRAM_SECRET}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(harness::error_fields(&body), ["channel_config.bot_token"]);
    assert_eq!(body["error"]["details"][0]["code"], "rejected_by_provider");
    assert_eq!(body["error"]["details"][0]["message"], "Unauthorized");

    let twilio = |token: &str| json!({"account_sid": TWILIO_SID, "auth_token": token, "from_number": "+15550001111"});
    let (status, body) = verify("sms", twilio(TWILIO_TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["account"], "Banco Aurora");
    let (status, body) = verify("sms", twilio("wrong")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(harness::error_fields(&body), ["channel_config.auth_token"]);

    let (status, body) = verify("telegram", json!({"bot_token": TELEGRAM_TOKEN})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        harness::error_fields(&body)
            .iter()
            .any(|field| field.starts_with("channel_config")),
        "a missing setting is named before anything is asked: {body}"
    );
    // Saved, the inbox is registered with Telegram; Telegram wants an https address, which this
    // test server does not have, and its reason is given back.
    let created = create_channel_inbox(
        &server,
        &admin,
        "telegram",
        json!({"bot_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET}),
    )
    .await;
    assert_eq!(
        created["webhook_registration"]["registered"], false,
        "{created}"
    );
    assert!(
        created["webhook_registration"]["error"]
            .as_str()
            .is_some_and(|error| error.contains("HTTPS url must be provided")),
        "{created}"
    );
    let saved = created["id"].as_str().unwrap().to_owned();

    // An inbox being edited: a secret left masked is checked as saved.
    let (status, body) = server
        .post(
            "/api/v1/inboxes/verify",
            &admin,
            json!({"inbox_id": saved, "channel": "telegram",
                   "channel_config": {"bot_token": "********", "secret_token": "********"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["account"], "@aurora_banco_bot");
    let (status, body) = server
        .post(
            "/api/v1/inboxes/verify",
            &admin,
            json!({"inbox_id": saved, "channel": "sms", "channel_config": twilio(TWILIO_TOKEN)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(harness::error_fields(&body), ["channel"]);

    let agent = server.login(harness::ANA).await;
    let (status, _) = server
        .post(
            "/api/v1/inboxes/verify",
            &agent,
            json!({"channel": "telegram", "channel_config": {"bot_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET}}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test]
async fn a_telegram_inbox_is_registered_with_telegram_when_saved() {
    let provider = Provider::start().await;
    let server = TestServer::spawn_with(Backend::Sqlite, |config| {
        provider.configure(config);
        config.public_url = Some("https://tandem.example".into());
    })
    .await;
    let admin = server.login(ADMIN).await;
    let created = create_channel_inbox(
        &server,
        &admin,
        "telegram",
        json!({"bot_token": TELEGRAM_TOKEN, "secret_token": TELEGRAM_SECRET}),
    )
    .await;
    assert_eq!(
        created["webhook_registration"],
        json!({"registered": true}),
        "{created}"
    );
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        provider.registered_webhooks().await,
        [
            json!({"url": format!("https://tandem.example/api/v1/channels/{id}/webhook"),
                "secret_token": TELEGRAM_SECRET,
                "allowed_updates": ["message", "callback_query"]})
        ]
    );
    let (status, renamed) = server
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/inboxes/{id}"),
            Some(&admin),
            Some(json!({"name": "Telegram Aurora"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert!(
        renamed.get("webhook_registration").is_none(),
        "a rename registers nothing"
    );
    assert_eq!(provider.registered_webhooks().await.len(), 1);
    server.stop().await;
}
