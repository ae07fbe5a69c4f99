//! The bot profile through the API: the demo account starts with the demo bank's profile;
//! admins replace it; a bad profile is refused with every problem's path and never replaces
//! the good one.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{ADMIN, ANA, TestServer, error_fields as paths, on_every_backend};

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
    let (status, read) = server.get("/api/v1/bot/profile", &ana).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["source"], SMALL_PROFILE);
}

#[tokio::test]
async fn bot_profiles_are_validated_before_they_replace_the_current_one() {
    on_every_backend!(profiles_are_validated_and_replaced);
}
