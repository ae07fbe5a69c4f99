//! The bot profile through the API: the demo account starts with the demo bank's profile;
//! admins replace it; a bad profile is refused with every problem's path and never replaces
//! the good one.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{
    ADMIN, ANA, TestServer, bot_inbox, channel_message, error_fields as paths, on_every_backend,
};

const SMALL_PROFILE: &str = r#"
persona:
  name: Aurora
  greeting:
    pt: "Olá! Sou a Aurora."
languages:
  supported: [pt]
  default: pt
intents:
  - name: opening_hours
    examples:
      pt:
        - "qual o horário de atendimento"
        - "que horas vocês abrem"
        - "vocês abrem no sábado"
        - "até que horas funciona"
        - "horário de funcionamento"
        - "estão abertos agora"
        - "que horas fecha"
        - "funcionam domingo"
    reply:
      pt: "Atendemos de segunda a sexta, das 8h às 20h."
  - name: balance
    examples:
      pt:
        - "qual meu saldo"
        - "quanto tenho na conta"
        - "ver saldo"
        - "saldo disponível"
        - "quero saber meu saldo"
        - "consultar saldo da conta"
        - "meu saldo por favor"
        - "quanto dinheiro eu tenho"
    reply:
      pt: "Seu saldo aparece na tela inicial do app."
"#;

async fn profiles_are_validated_and_replaced(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let (status, demo) = server.get("/api/v1/bot/profile", &admin).await;
    assert_eq!(status, StatusCode::OK, "{backend:?}: {demo}");
    assert!(demo["intents"].as_u64().unwrap_or(0) >= 25, "{demo}");
    assert!(demo["articles"].as_u64().unwrap_or(0) >= 30, "{demo}");
    assert_eq!(demo["languages"], json!(["pt", "es", "en"]));

    let broken = SMALL_PROFILE
        .replace("default: pt", "default: pt\n  colour: blue")
        .replace("name: balance", "name: opening_hours");
    let (status, refused) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"source": broken})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{backend:?}: {refused}"
    );
    let named = paths(&refused);
    assert!(
        named.iter().any(|p| p == "source.languages.colour"),
        "{refused}"
    );
    assert!(
        named
            .iter()
            .any(|p| p.starts_with("source.intents[1].name")),
        "{refused}"
    );
    let (_, still) = server.get("/api/v1/bot/profile", &admin).await;
    assert_eq!(
        still["source"], demo["source"],
        "a bad profile never replaces the good one"
    );

    let (status, refused) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"source": "persona: ["})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    let ana = server.login(ANA).await;
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&ana),
            Some(json!({"source": SMALL_PROFILE})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "agents do not edit the bot");

    let (status, saved) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"source": SMALL_PROFILE})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{backend:?}: {saved}");
    assert_eq!(saved["intents"], 2);
    let (_, me) = server.get("/api/v1/me", &admin).await;
    assert_eq!(saved["updated_by"], me["id"]);
    // Recorded once, its size but not its text; the refused ones not at all.
    let (_, audit) = server
        .get("/api/v1/audit-log?action=bot_profile.saved", &admin)
        .await;
    assert_eq!(audit["data"].as_array().map(Vec::len), Some(1), "{audit}");
    assert_eq!(audit["data"][0]["actor_id"], me["id"]);
    assert_eq!(
        audit["data"][0]["after"],
        json!({"inbox_id": null, "source_bytes": SMALL_PROFILE.len()})
    );
    let (status, read) = server.get("/api/v1/bot/profile", &ana).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["source"], SMALL_PROFILE);
}

#[tokio::test]
async fn bot_profiles_are_validated_before_they_replace_the_current_one() {
    on_every_backend!(profiles_are_validated_and_replaced);
}

/// The bot's first message to a new customer of the inbox whose channel token is `token`.
async fn first_reply(
    server: &TestServer,
    admin: &str,
    token: &str,
    phone: &str,
    external_id: &str,
) -> String {
    let (_, body) = server
        .post(
            "/api/v1/channel/messages",
            token,
            crate::harness::channel_message(phone, "Oi", external_id),
        )
        .await;
    let id = body["conversation"]["id"].as_str().expect("id").to_owned();
    let texts = server
        .bot_texts_once(admin, &id, |texts| !texts.is_empty())
        .await;
    texts[0].clone()
}

async fn an_inbox_may_have_its_own_profile(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let mut inboxes = Vec::new();
    for name in ["Loja", "Geral"] {
        let (status, inbox) = server
            .post(
                "/api/v1/inboxes",
                &admin,
                json!({"name": name, "channel": "api", "first_responder": "bot"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{inbox}");
        inboxes.push((
            inbox["id"].as_str().expect("id").to_owned(),
            inbox["api_token"].as_str().expect("token").to_owned(),
        ));
    }
    let (shop, shop_token) = &inboxes[0];
    let (_, general_token) = &inboxes[1];
    let path = format!("/api/v1/inboxes/{shop}/bot/profile");
    let (status, _) = server.get(&path, &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no profile of its own yet");
    let ana = server.login(ANA).await;
    let own = SMALL_PROFILE.replace("Olá! Sou a Aurora.", "Olá! Aqui é a Lia, da loja.");
    let (status, _) = server
        .call(Method::PUT, &path, Some(&ana), Some(json!({"source": own})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, saved) = server
        .call(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({"source": own})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (status, body) = server
        .call(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({"source": "persona: ["})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/v1/inboxes/01900000-0000-7000-8000-000000000000/bot/profile",
            Some(&admin),
            Some(json!({"source": own})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let shop_greeting = first_reply(server, &admin, shop_token, "+5511944440001", "p-1").await;
    assert!(
        shop_greeting.contains("Lia, da loja"),
        "{backend:?}: {shop_greeting}"
    );
    let general_greeting =
        first_reply(server, &admin, general_token, "+5511944440002", "p-2").await;
    assert!(
        general_greeting.contains("Aurora"),
        "{backend:?}: the account's profile serves the other inbox: {general_greeting}"
    );

    let (status, _) = server.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let back = first_reply(server, &admin, shop_token, "+5511944440003", "p-3").await;
    assert!(back.contains("Aurora"), "{backend:?}: {back}");
}

#[tokio::test]
async fn an_inbox_profile_serves_that_inbox_and_the_account_profile_the_rest() {
    on_every_backend!(an_inbox_may_have_its_own_profile);
}

#[tokio::test]
async fn the_profiles_rules_label_conversations_from_what_customers_write() {
    on_every_backend!(rules_label_conversations);
}

async fn rules_label_conversations(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let (_, demo) = server.get("/api/v1/bot/profile", &admin).await;
    let source = demo["source"].as_str().expect("the demo source").to_owned();
    let refused =
        format!("{source}\nlabel_rules:\n  - label: \"Not A Label!\"\n    channels: [fax]\n");
    let (status, body) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"source": refused})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let named = paths(&body);
    assert!(
        named.iter().any(|p| p == "source.label_rules[0].label")
            && named
                .iter()
                .any(|p| p == "source.label_rules[0].channels[0]"),
        "{body}"
    );
    let labelled = format!(
        "{source}\nlabel_rules:\n  - label: boleto\n    intents: [second_copy_boleto]\n  - label: procon\n    keywords: [procon, reclame aqui]\n"
    );
    let (status, body) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"source": labelled})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let inbox = bot_inbox(server, &admin).await;
    let (status, sent) = server
        .post(
            "/api/v1/channel/messages",
            &inbox,
            channel_message("+5511977770001", "quero a segunda via do boleto", "rule-1"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let conversation = sent["conversation"]["id"].as_str().unwrap().to_owned();
    server
        .eventually(
            &format!("/api/v1/conversations/{conversation}"),
            &admin,
            |c| c["labels"] == json!(["boleto"]),
        )
        .await;
    server
        .post(
            "/api/v1/channel/messages",
            &inbox,
            channel_message("+5511977770001", "se não resolver vou no Procon", "rule-2"),
        )
        .await;
    server
        .eventually(
            &format!("/api/v1/conversations/{conversation}"),
            &admin,
            |c| c["labels"] == json!(["boleto", "procon"]),
        )
        .await;
}

async fn the_form_edits_the_document_and_tries_the_draft(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let (status, saved) = server.get("/api/v1/bot/profile", &admin).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let mut document = saved["document"].clone();
    assert_eq!(document["persona"]["name"], saved["bot_name"], "{document}");
    let intents = document["intents"].as_array_mut().expect("intents");
    let hours = intents
        .iter_mut()
        .find(|intent| intent["name"] == "opening_hours")
        .expect("the demo answers opening hours");
    hours["reply"]["pt"] = json!("Abrimos todos os dias, das 7h às 23h.");

    let question = "qual o horário de atendimento?";
    let (status, tried) = server
        .post(
            "/api/v1/bot/try",
            &admin,
            json!({"messages": [question], "document": document}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tried}");
    assert!(
        tried.to_string().contains("das 7h às 23h"),
        "the draft answers: {tried}"
    );
    let (_, saved_answer) = server
        .post("/api/v1/bot/try", &admin, json!({"messages": [question]}))
        .await;
    assert!(
        !saved_answer.to_string().contains("das 7h às 23h"),
        "the saved profile is untouched: {saved_answer}"
    );

    let mut broken = document.clone();
    broken["persona"]["colour"] = json!("blue");
    let (status, refused) = server
        .post(
            "/api/v1/bot/try",
            &admin,
            json!({"messages": [question], "document": broken}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(paths(&refused), ["source.persona.colour"]);
    let (status, refused) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"source": "persona: {}", "document": document})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(paths(&refused), ["document"]);

    let (status, replaced) = server
        .call(
            Method::PUT,
            "/api/v1/bot/profile",
            Some(&admin),
            Some(json!({"document": document})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert!(
        replaced["source"]
            .as_str()
            .expect("source")
            .contains("das 7h às 23h"),
        "stored as YAML"
    );
    assert_eq!(replaced["document"], document);
}

#[tokio::test]
async fn a_form_edits_the_profile_as_a_document_and_tries_an_unsaved_draft() {
    on_every_backend!(the_form_edits_the_document_and_tries_the_draft);
}
