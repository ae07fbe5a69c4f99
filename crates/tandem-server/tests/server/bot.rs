//! The built-in bot through the real server: it greets once, answers from the demo bank's
//! profile in the customer's language, hands over with a reason and a context when a rule
//! fires, keeps quiet while a person owns the conversation, and resumes after hand-back.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    ADMIN, ANA, TestServer, bot_inbox, bot_message_texts, channel_message, on_every_backend,
};

/// A customer on the demo account's bot-first inbox.
struct Customer<'a> {
    server: &'a TestServer,
    inbox_token: String,
    phone: String,
    turns: usize,
    conversation: Option<String>,
}

impl Customer<'_> {
    /// Sends a message and waits until the bot has answered it (or handed over); returns the
    /// bot's new messages.
    async fn says(&mut self, text: &str, admin: &str) -> Vec<String> {
        self.turns += 1;
        let before = self.bot_messages(admin).await.len();
        let (status, body) = self
            .server
            .post(
                "/api/v1/channel/messages",
                &self.inbox_token,
                channel_message(&self.phone, text, &format!("{}-{}", self.phone, self.turns)),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.conversation = body["conversation"]["id"].as_str().map(str::to_owned);
        // Up to 20 s: the first turn trains the engine, and CI machines are busy.
        for _ in 0..400 {
            let messages = self.bot_messages(admin).await;
            if messages.len() > before {
                // Replies of one turn are stored together.
                return messages[before..].to_vec();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the bot did not answer {text:?}");
    }

    async fn bot_messages(&self, admin: &str) -> Vec<String> {
        match &self.conversation {
            Some(id) => bot_message_texts(&self.server.client, &self.server.base, admin, id).await,
            None => Vec::new(),
        }
    }

    async fn conversation(&self, admin: &str) -> Value {
        let id = self.conversation.as_deref().expect("a conversation");
        self.server
            .get(&format!("/api/v1/conversations/{id}"), admin)
            .await
            .1
    }

    async fn events(&self, admin: &str) -> Vec<Value> {
        let id = self.conversation.as_deref().expect("a conversation");
        let (_, events) = self
            .server
            .get(&format!("/api/v1/conversations/{id}/events"), admin)
            .await;
        events["data"].as_array().cloned().unwrap_or_default()
    }
}

async fn bot_answers_and_hands_over(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let inbox_token = bot_inbox(server, &admin).await;
    let mut maria = Customer {
        server,
        inbox_token: inbox_token.clone(),
        phone: "+5511911112222".into(),
        turns: 0,
        conversation: None,
    };

    let first = maria.says("Olá, bom dia", &admin).await;
    assert!(
        first.iter().any(|text| text.contains("Aurora")),
        "{backend:?}: greeting {first:?}"
    );
    let hours = maria
        .says("qual o horário de atendimento de vocês?", &admin)
        .await;
    assert!(
        hours.iter().any(|text| text.contains("8h às 20h")),
        "{backend:?}: {hours:?}"
    );
    assert!(
        !hours
            .iter()
            .any(|text| text.starts_with("Olá! Eu sou a Aurora")),
        "greets once"
    );
    let thanks = maria.says("obrigado!", &admin).await;
    assert!(!thanks.is_empty());
    assert_eq!(
        maria.conversation(&admin).await["status"],
        "resolved",
        "'obrigado!' after an answer is not a handover: the bot closes the conversation"
    );

    let ana = server.login(ANA).await;
    let mut socket = server.websocket(&ana).await;
    let handover = maria.says("quero falar com um atendente", &admin).await;
    // Agents get the handover live, with its context.
    let pushed = loop {
        let event = socket.next_of("message.created").await;
        if event["handover_context"].is_object() {
            break event;
        }
    };
    assert_eq!(
        pushed["handover_context"]["reason"], "customer_request",
        "{pushed}"
    );
    assert_eq!(pushed["conversation"]["status"], "queued", "{pushed}");
    assert!(
        !handover.is_empty(),
        "the customer is told a person is coming"
    );
    let conversation = maria.conversation(&admin).await;
    assert_eq!(
        conversation["status"], "queued",
        "{backend:?}: {conversation}"
    );
    let events = maria.events(&admin).await;
    let requested = events
        .iter()
        .find(|event| event["type"] == "handover_requested")
        .expect("a handover_requested event");
    assert_eq!(
        requested["data"]["reason"], "customer_request",
        "{requested}"
    );
    assert!(requested["data"]["evidence"].is_object(), "{requested}");
    assert_eq!(requested["actor"]["type"], "bot");
    let id = maria.conversation.clone().expect("id");
    let (status, context) = server
        .get(
            &format!("/api/v1/conversations/{id}/handover_context"),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{context}");
    assert_eq!(context["reason"], "customer_request");
    assert_eq!(context["language"], "pt");
    let suggestion = context["suggested_first_reply"]
        .as_str()
        .unwrap_or_default();
    assert!(suggestion.starts_with("Olá, Maria!"), "{context}");
    assert_eq!(
        context["sentiment_trajectory"].as_array().map(Vec::len),
        Some(4),
        "one point per customer message: {context}"
    );
    assert!(context["summary"]["text"].is_string(), "{context}");
    assert_eq!(context["previous_conversations"], json!([]));

    // While a person owns the conversation the bot never speaks.
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{id}/assign"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let bot_messages_before = maria.bot_messages(&admin).await.len();
    let (status, _) = server
        .post(
            "/api/v1/channel/messages",
            &inbox_token,
            channel_message("+5511911112222", "e aí?", "maria-while-assigned"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(maria.bot_messages(&admin).await.len(), bot_messages_before);

    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{id}/hand_back_to_bot"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["conversation"]["status"], "bot");
    let resumed = maria.says("qual o horário de atendimento?", &admin).await;
    assert!(
        resumed.iter().any(|text| text.contains("8h às 20h")),
        "{resumed:?}"
    );
    assert!(
        !resumed
            .iter()
            .any(|text| text.starts_with("Olá! Eu sou a Aurora")),
        "no second greeting after hand-back: {resumed:?}"
    );

    let mut carlos = Customer {
        server,
        inbox_token,
        phone: "+5491144445555".into(),
        turns: 0,
        conversation: None,
    };
    let spanish = carlos
        .says("Hola, quiero hablar con un agente por favor", &admin)
        .await;
    assert!(!spanish.is_empty());
    let events = carlos.events(&admin).await;
    let requested = events
        .iter()
        .find(|event| event["type"] == "handover_requested")
        .expect("a handover in Spanish too");
    assert_eq!(requested["data"]["reason"], "customer_request");
    let id = carlos.conversation.clone().expect("id");
    let (_, context) = server
        .get(
            &format!("/api/v1/conversations/{id}/handover_context"),
            &admin,
        )
        .await;
    assert_eq!(context["language"], "es", "{context}");
    let suggestion = context["suggested_first_reply"]
        .as_str()
        .unwrap_or_default();
    assert!(suggestion.starts_with("¡Hola, Maria!"), "{context}");

    // Slot filling and an HTTP action against the demo core-banking API the server ships.
    let mut rafael = Customer {
        server,
        inbox_token: carlos.inbox_token.clone(),
        phone: "+5511933334444".into(),
        turns: 0,
        conversation: None,
    };
    let asked = rafael
        .says("preciso da segunda via do boleto", &admin)
        .await;
    assert!(
        asked.iter().any(|text| text.contains("CPF")),
        "{backend:?}: {asked:?}"
    );
    let answered = rafael.says("meu cpf é 529.982.247-25", &admin).await;
    assert!(
        answered
            .iter()
            .any(|text| text.contains("Linha digitável: 999")),
        "{backend:?}: the boleto comes from the demo core-banking API: {answered:?}"
    );
    assert_eq!(rafael.conversation(&admin).await["status"], "bot");

    // Policy replay: the current profile reproduces both handovers and the contained
    // conversation; a draft without the customer_request rule never hands over for that reason.
    let (status, replay) = server.post("/api/v1/bot/replay", &admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{backend:?}: {replay}");
    assert_eq!(replay["totals"]["unchanged"], 2, "{replay}");
    assert_eq!(replay["totals"]["still_contained"], 1, "{replay}");
    let (_, profile) = server.get("/api/v1/bot/profile", &admin).await;
    let source = profile["source"].as_str().expect("source");
    let draft = source.replacen(
        "customer_request:\n    enabled: true",
        "customer_request:\n    enabled: false",
        1,
    );
    assert_ne!(draft, source, "the draft differs");
    let (status, replay) = server
        .post(
            "/api/v1/bot/replay",
            &admin,
            json!({"source": draft, "limit": 50}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replay}");
    let totals = &replay["totals"];
    let moved = totals["now_contained"].as_u64().unwrap_or(0)
        + totals["reason_changed"].as_u64().unwrap_or(0);
    assert_eq!(moved, 2, "{backend:?}: {replay}");
    let conversations = replay["conversations"].as_array().expect("conversations");
    assert!(
        conversations
            .iter()
            .all(|c| c["draft"]["handover"]["reason"] != "customer_request"),
        "the switched-off rule never fires: {replay}"
    );
    let (_, still) = server.get("/api/v1/bot/profile", &admin).await;
    assert_eq!(
        still["source"], profile["source"],
        "a replay publishes nothing"
    );
    let (status, refused) = server
        .post("/api/v1/bot/replay", &admin, json!({"limit": 0}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
}

#[tokio::test]
async fn the_bot_answers_hands_over_and_resumes() {
    on_every_backend!(bot_answers_and_hands_over);
}

async fn broken_profile_hands_over(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let inbox_token = bot_inbox(server, &admin).await;
    // A profile that no longer loads (written around the API, which would refuse it).
    let (user, _) = server
        .app()
        .store()
        .credentials(ADMIN, None, 1)
        .await
        .expect("read")
        .pop()
        .expect("the admin");
    server
        .app()
        .store()
        .save_bot_profile(user.account_id, "persona: [", None, tandem_app::now())
        .await
        .expect("saved");
    let (status, body) = server
        .post(
            "/api/v1/channel/messages",
            &inbox_token,
            channel_message("+5511955556666", "preciso de ajuda", "broken-1"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["conversation"]["id"].as_str().expect("id").to_owned();
    let mut conversation = Value::Null;
    for _ in 0..400 {
        conversation = server
            .get(&format!("/api/v1/conversations/{id}"), &admin)
            .await
            .1;
        if conversation["status"] == "queued" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        conversation["status"], "queued",
        "{backend:?}: a person gets it"
    );
    let (_, events) = server
        .get(&format!("/api/v1/conversations/{id}/events"), &admin)
        .await;
    let requested = events["data"]
        .as_array()
        .and_then(|events| {
            events
                .iter()
                .find(|event| event["type"] == "handover_requested")
        })
        .cloned()
        .expect("a handover");
    assert_eq!(requested["data"]["reason"], "bot_failure", "{requested}");
    assert_eq!(requested["data"]["evidence"]["trigger"], "bot_error");
}

#[tokio::test]
async fn a_broken_bot_hands_the_customer_to_a_person() {
    on_every_backend!(broken_profile_hands_over);
}

/// Thanks after an answer resolve the conversation as the bot: the customer is answered, the
/// conversation is resolved by the bot (so it counts as contained), and a new message reopens
/// it with the bot.
async fn thanks_after_an_answer_resolve(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let inbox_token = bot_inbox(server, &admin).await;
    let mut joana = Customer {
        server,
        inbox_token,
        phone: "+5511933334444".into(),
        turns: 0,
        conversation: None,
    };
    joana.says("qual o horário de atendimento?", &admin).await;
    assert_eq!(joana.conversation(&admin).await["status"], "bot");
    let thanks = joana.says("valeu, era só isso, obrigada!", &admin).await;
    assert!(thanks[0].starts_with("Por nada!"), "{thanks:?}");
    let id = joana.conversation.clone().expect("a conversation");
    let resolved = server
        .eventually(&format!("/api/v1/conversations/{id}"), &admin, |body| {
            body["status"] == "resolved"
        })
        .await;
    assert!(resolved["assignee_id"].is_null(), "{resolved}");
    let events = joana.events(&admin).await;
    let resolution = events
        .iter()
        .find(|event| event["type"] == "resolved")
        .unwrap_or_else(|| panic!("a resolved event: {events:?}"));
    assert_eq!(resolution["actor"]["type"], "bot", "{resolution}");

    let again = joana.says("e qual o limite do pix à noite?", &admin).await;
    assert!(!again.is_empty());
    assert_eq!(joana.conversation(&admin).await["status"], "bot");
}

#[tokio::test]
async fn the_bot_resolves_a_conversation_the_customer_thanked_it_for() {
    on_every_backend!(thanks_after_an_answer_resolve);
}

#[tokio::test]
async fn the_bot_resolves_conversations_the_customer_went_quiet_in_after_its_answer() {
    for backend in tandem_store::testing::backends() {
        let clock = std::sync::Arc::new(tandem_app::ports::ManualClock::stopped_now());
        let server = TestServer::spawn_with_clock(backend, clock.clone(), |_| {}).await;
        let admin = server.login(ADMIN).await;
        let inbox_token = bot_inbox(&server, &admin).await;
        let customer = |phone: &str| Customer {
            server: &server,
            inbox_token: inbox_token.clone(),
            phone: phone.into(),
            turns: 0,
            conversation: None,
        };
        let mut answered = customer("+5511900000001");
        answered
            .says("qual o horário de atendimento?", &admin)
            .await;
        let mut waiting = customer("+5511900000002");
        let asked = waiting.says("segunda via do boleto", &admin).await;
        assert!(asked.iter().any(|text| text.contains("CPF")), "{asked:?}");
        let mut greeted = customer("+5511900000003");
        greeted.says("oi", &admin).await;

        clock.advance(jiff::SignedDuration::from_mins(29));
        assert_eq!(
            server.app().resolve_silent_conversations().await.unwrap(),
            0,
            "{backend:?}: not silent long enough"
        );
        clock.advance(jiff::SignedDuration::from_mins(2));
        assert_eq!(
            server.app().resolve_silent_conversations().await.unwrap(),
            1,
            "{backend:?}: only the answered conversation is done"
        );
        assert_eq!(answered.conversation(&admin).await["status"], "resolved");
        let goodbye = answered.bot_messages(&admin).await;
        assert!(
            goodbye
                .last()
                .is_some_and(|text| text.starts_with("Como não tivemos mais notícias")),
            "{goodbye:?}"
        );
        assert_eq!(waiting.conversation(&admin).await["status"], "bot");
        assert_eq!(greeted.conversation(&admin).await["status"], "bot");
        assert_eq!(
            server.app().resolve_silent_conversations().await.unwrap(),
            0,
            "{backend:?}: a resolved conversation is not closed twice"
        );
        server.stop().await;
    }
}
