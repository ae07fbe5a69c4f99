//! Routing through the real server: customers wait in their team's line and are told their
//! place, agents who come online are given conversations and hear it on the WebSocket,
//! capacity holds unless a supervisor overrides, going offline returns conversations to the
//! queue ahead of newer ones, transfers go to another team's line, SLA clocks start and stop,
//! and a closed team's customers are told when it is back.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{
    ADMIN, ANA, BRUNO, TestServer, bot_message_texts, channel_message, error_fields,
    on_every_backend,
};

async fn put(server: &TestServer, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    server
        .call(Method::PUT, path, Some(token), Some(body))
        .await
}

async fn set_presence(server: &TestServer, token: &str, presence: &str) -> (StatusCode, Value) {
    put(
        server,
        "/api/v1/me/presence",
        token,
        json!({"presence": presence}),
    )
    .await
}

async fn user_id(server: &TestServer, token: &str) -> String {
    let (_, me) = server.get("/api/v1/me", token).await;
    me["id"].as_str().expect("id").to_owned()
}

async fn create_team(server: &TestServer, admin: &str, name: &str, routing: Value) -> String {
    let (status, team) = server
        .post(
            "/api/v1/teams",
            admin,
            json!({"name": name, "routing": routing}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    team["id"].as_str().expect("id").to_owned()
}

async fn add_member(server: &TestServer, admin: &str, team: &str, user: &str) {
    let (status, body) = server
        .call(
            Method::PUT,
            &format!("/api/v1/teams/{team}/members/{user}"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

async fn customer_writes(server: &TestServer, phone: &str, external_id: &str) -> String {
    let (status, body) = server.inbound(phone, "Preciso de ajuda", external_id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["conversation"]["status"], "queued");
    body["conversation"]["id"].as_str().expect("id").to_owned()
}

async fn agents_take_the_queue_in_order(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let ana = server.login(ANA).await;
    let bruno = server.login(BRUNO).await;
    let (ana_id, bruno_id) = (user_id(server, &ana).await, user_id(server, &bruno).await);
    let desk = create_team(
        server,
        &admin,
        "Atendimento",
        json!({"fallback": true, "first_response_sla_seconds": 600}),
    )
    .await;
    let specialists = create_team(server, &admin, "Especialistas", json!({"priority": 2})).await;
    for member in [&ana_id, &bruno_id] {
        add_member(server, &admin, &desk, member).await;
        let (status, body) = put(
            server,
            &format!("/api/v1/agents/{member}/capacity"),
            &admin,
            json!({"capacity": 1}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["effective_capacity"], 1);
    }

    let first = customer_writes(server, "+5511900000001", "r-1").await;
    let second = customer_writes(server, "+5511900000002", "r-2").await;
    let routing = server
        .eventually(
            &format!("/api/v1/conversations/{second}/routing"),
            &admin,
            |body| body["queue"]["position"] == 2,
        )
        .await;
    assert_eq!(routing["team_id"], desk.as_str(), "{backend:?}");
    assert_eq!(
        routing["queue"]["estimated_wait_seconds"],
        Value::Null,
        "nobody is online"
    );
    assert_eq!(routing["sla"][0]["target"], "first_response");
    assert_eq!(routing["sla"][0]["stage"], "on_track");
    let told = |texts: &[String], place: &str| {
        texts
            .iter()
            .any(|text| text.contains(&format!("número {place} da fila")))
    };
    let texts = server
        .bot_texts_once(&admin, &second, |texts| told(texts, "2"))
        .await;
    assert!(
        told(&texts, "2"),
        "{backend:?}: the customer hears their place: {texts:?}"
    );

    // Ana comes online: the first in line is hers at once, and she hears it.
    let mut socket = server.websocket(&ana).await;
    let (status, presence) = set_presence(server, &ana, "online").await;
    assert_eq!(status, StatusCode::OK, "{presence}");
    assert_eq!(presence["presence"], "online");
    let assigned = loop {
        let event = socket.next_of("conversation.updated").await;
        if event["events"]
            .as_array()
            .is_some_and(|events| events.iter().any(|e| e == "assigned"))
        {
            break event;
        }
    };
    assert_eq!(
        assigned["conversation"]["id"],
        first.as_str(),
        "{backend:?}"
    );
    assert_eq!(assigned["conversation"]["assignee_id"], ana_id.as_str());
    let (_, queue) = server.get("/api/v1/queue", &admin).await;
    assert_eq!(queue["data"][0]["conversation_id"], second.as_str());
    assert_eq!(queue["data"][0]["position"], 1);

    // A third customer; Ana is full, so a manual assignment needs a supervisor's override.
    let third = customer_writes(server, "+5511900000003", "r-3").await;
    let to_ana = json!({"agent_id": ana_id});
    let (status, refused) = server
        .post(
            &format!("/api/v1/conversations/{third}/assign"),
            &admin,
            to_ana.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "agent_at_capacity");
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{third}/assign"),
            &ana,
            json!({"override_capacity": true}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "agents cannot override capacity"
    );
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{third}/assign"),
            &admin,
            json!({"agent_id": ana_id, "override_capacity": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Ana replies on the first: its first-response clock stops.
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{first}/messages"),
            &ana,
            json!({"text": "Olá! Sou a Ana."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, routing) = server
        .get(&format!("/api/v1/conversations/{first}/routing"), &admin)
        .await;
    assert!(routing["sla"][0]["stopped_at"].is_string(), "{routing}");
    assert_eq!(routing["queue"], Value::Null);

    // Ana leaves: her two conversations go back, ahead of the second customer, who came later.
    let (status, _) = set_presence(server, &ana, "offline").await;
    assert_eq!(status, StatusCode::OK);
    let (_, queue) = server.get("/api/v1/queue", &admin).await;
    let order: Vec<&str> = queue["data"]
        .as_array()
        .expect("queue")
        .iter()
        .map(|entry| entry["conversation_id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        order,
        [first.as_str(), second.as_str(), third.as_str()],
        "{backend:?}"
    );

    // Bruno comes online and gets the first in line; the second goes to the specialists.
    set_presence(server, &bruno, "online").await;
    server
        .eventually(&format!("/api/v1/conversations/{first}"), &admin, |c| {
            c["assignee_id"] == bruno_id.as_str()
        })
        .await;
    let (status, moved) = server
        .post(
            &format!("/api/v1/conversations/{second}/transfer"),
            &admin,
            json!({"team_id": specialists, "note": "Quer aumentar o limite; CPF já conferido."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["conversation"]["team_id"], specialists.as_str());
    // The note waits for whoever takes it; the customer is told which team continues.
    let (_, transcript) = server
        .get(
            &format!("/api/v1/conversations/{second}/messages?limit=100"),
            &admin,
        )
        .await;
    assert!(
        transcript["data"]
            .as_array()
            .expect("messages")
            .iter()
            .any(|message| {
                message["private"] == true
                    && message["text"] == "Quer aumentar o limite; CPF já conferido."
            }),
        "{transcript}"
    );
    server
        .bot_texts_once(&admin, &second, |texts| {
            texts
                .iter()
                .any(|text| text.starts_with("Transferi sua conversa para a equipe Especialistas."))
        })
        .await;
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{second}/transfer"),
            &admin,
            json!({"team_id": specialists, "note": 7}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(crate::harness::error_fields(&body), ["note"]);
    let (_, agents) = server.get("/api/v1/agents", &admin).await;
    let bruno_status = agents["data"]
        .as_array()
        .expect("agents")
        .iter()
        .find(|agent| agent["user_id"] == bruno_id.as_str())
        .expect("bruno")
        .clone();
    assert_eq!(bruno_status["load"], 1, "{agents}");
    assert_eq!(bruno_status["presence"], "online");
}

#[tokio::test]
async fn agents_take_the_queue_in_order_within_capacity() {
    on_every_backend!(agents_take_the_queue_in_order);
}

async fn routing_input_is_checked(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let (status, body) = server
        .post(
            "/api/v1/teams",
            &admin,
            json!({"name": "Noite", "routing": {
                "languages": ["fr"],
                "answer_timeout_seconds": 0,
                "business_hours": {
                    "time_zone": "America/Atlantis",
                    "weekly": {"mon": [["18:00", "08:00"]]},
                    "holidays": ["2026-02-30"]
                }
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        error_fields(&body),
        [
            "routing.languages[0]",
            "routing.answer_timeout_seconds",
            "routing.business_hours.time_zone",
            "routing.business_hours.weekly.mon[0]",
            "routing.business_hours.holidays[0]",
        ]
    );
    let (status, body) = server
        .post(
            "/api/v1/teams",
            &admin,
            json!({"name": "Noite", "routing": {"strategy": "fastest"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["routing.strategy"]);
    let (status, body) = set_presence(server, &admin, "busy").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["presence"]);
    let me = user_id(server, &admin).await;
    let (status, body) = put(
        server,
        &format!("/api/v1/agents/{me}/capacity"),
        &admin,
        json!({"capacity": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["capacity"]);
    let (status, body) = put(
        server,
        "/api/v1/routing/settings",
        &admin,
        json!({"default_capacity": 1000}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["default_capacity"]);
    let ana = server.login(ANA).await;
    let (status, _) = put(
        server,
        "/api/v1/routing/settings",
        &ana,
        json!({"default_capacity": 2}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn routing_settings_presence_and_capacity_are_checked_field_by_field() {
    on_every_backend!(routing_input_is_checked);
}

async fn a_closed_team_says_when_it_is_back(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let (_, inbox) = server
        .post(
            "/api/v1/inboxes",
            &admin,
            json!({"name": "Aurora chat", "channel": "api", "first_responder": "bot"}),
        )
        .await;
    let inbox_token = inbox["api_token"].as_str().expect("token").to_owned();
    // Open only 08:00–09:00 in São Paulo, with today and tomorrow (there) as holidays: the
    // team is closed now, whatever the hour, and back at 08:00 on a later day.
    let today = jiff::Timestamp::now()
        .in_tz("America/Sao_Paulo")
        .expect("zone")
        .date();
    let tomorrow = today.tomorrow().expect("a date");
    let every_day: serde_json::Map<String, Value> =
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .into_iter()
            .map(|day| (day.to_owned(), json!([["08:00", "09:00"]])))
            .collect();
    for (name, out_of_hours) in [("Plantão", "wait"), ("Bot", "stay_with_bot")] {
        let (status, body) = server
            .post(
                "/api/v1/teams",
                &admin,
                json!({"name": name, "routing": {
                    "fallback": true,
                    "out_of_hours": out_of_hours,
                    "business_hours": {
                        "time_zone": "America/Sao_Paulo",
                        "weekly": every_day,
                        "holidays": [today.to_string(), tomorrow.to_string()],
                    },
                }}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let phone = if out_of_hours == "wait" {
            "+5511977770001"
        } else {
            "+5511977770002"
        };
        let (status, body) = server
            .post(
                "/api/v1/channel/messages",
                &inbox_token,
                channel_message(
                    phone,
                    "Quero falar com um atendente humano",
                    &format!("closed-{name}"),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["conversation"]["id"].as_str().expect("id").to_owned();
        let texts = server
            .bot_texts_once(&admin, &id, |texts| {
                texts.iter().any(|text| text.contains("fora do horário"))
            })
            .await;
        let closed = texts
            .iter()
            .find(|text| text.contains("fora do horário"))
            .unwrap_or_else(|| panic!("{backend:?}: no out-of-hours message in {texts:?}"));
        assert!(closed.contains("às 08:00"), "{closed}");
        let (_, conversation) = server
            .get(&format!("/api/v1/conversations/{id}"), &admin)
            .await;
        if out_of_hours == "wait" {
            assert!(closed.contains("uma pessoa responde"), "{closed}");
            assert_eq!(conversation["status"], "queued", "{backend:?}");
        } else {
            assert!(closed.contains("sigo aqui para ajudar"), "{closed}");
            assert_eq!(conversation["status"], "bot", "{backend:?}");
        }
        // The first team stops taking new conversations so the second is the fallback.
        let (_, teams) = server.get("/api/v1/teams", &admin).await;
        for team in teams["data"].as_array().expect("teams") {
            let id = team["id"].as_str().expect("id");
            server
                .call(
                    Method::PATCH,
                    &format!("/api/v1/teams/{id}"),
                    Some(&admin),
                    Some(json!({"routing": {"languages": ["en"]}})),
                )
                .await;
        }
    }
    // A customer of a human-first inbox hears it from the queue, once.
    server
        .post(
            "/api/v1/teams",
            &admin,
            json!({"name": "Humano", "routing": {
                "fallback": true,
                "business_hours": {
                    "time_zone": "America/Sao_Paulo",
                    "weekly": every_day,
                    "holidays": [today.to_string(), tomorrow.to_string()],
                },
            }}),
        )
        .await;
    let id = customer_writes(server, "+5511977770003", "closed-human").await;
    let texts = server
        .bot_texts_once(&admin, &id, |texts| !texts.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let texts_later = bot_message_texts(&server.client, &server.base, &admin, &id).await;
    assert_eq!(texts, texts_later, "{backend:?}: told once");
    assert_eq!(texts.len(), 1, "{backend:?}: {texts:?}");
    assert!(
        texts[0].contains("fora do horário") && texts[0].contains("às 08:00"),
        "{texts:?}"
    );
}

#[tokio::test]
async fn out_of_hours_customers_are_told_when_the_team_is_back() {
    on_every_backend!(a_closed_team_says_when_it_is_back);
}

/// With a one-second grace, an SLA of two seconds and an answer timeout of two seconds: the
/// clocks escalate, a silent agent loses the conversation to a colleague, and an agent whose
/// last connection drops goes offline and gives back what they held.
async fn timers_move_conversations_on(backend: tandem_store::Backend) {
    let running = TestServer::spawn_with(backend, |config| config.presence_grace_seconds = 1).await;
    let server = &running;
    let admin = server.login(ADMIN).await;
    let ana = server.login(ANA).await;
    let bruno = server.login(BRUNO).await;
    let (ana_id, bruno_id) = (user_id(server, &ana).await, user_id(server, &bruno).await);
    let desk = create_team(
        server,
        &admin,
        "Atendimento",
        json!({"fallback": true, "first_response_sla_seconds": 2, "answer_timeout_seconds": 2}),
    )
    .await;
    add_member(server, &admin, &desk, &ana_id).await;

    let waiting = customer_writes(server, "+5511900000011", "t-1").await;
    let events_path = format!("/api/v1/conversations/{waiting}/events");
    let names = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .map(|events| {
                events
                    .iter()
                    .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let escalated = server
        .eventually(&events_path, &admin, |body| {
            names(body).contains(&"sla_breached".to_owned())
        })
        .await;
    let kinds = names(&escalated);
    for expected in ["sla_near_breach", "sla_breached", "priority_raised"] {
        assert!(
            kinds.iter().any(|k| k == expected),
            "{backend:?}: {kinds:?}"
        );
    }

    // Ana takes it but says nothing: two seconds later it goes to Bruno.
    let ana_socket = server.websocket(&ana).await;
    set_presence(server, &ana, "online").await;
    server
        .eventually(&format!("/api/v1/conversations/{waiting}"), &admin, |c| {
            c["assignee_id"] == ana_id.as_str()
        })
        .await;
    add_member(server, &admin, &desk, &bruno_id).await;
    set_presence(server, &bruno, "online").await;
    server
        .eventually(&format!("/api/v1/conversations/{waiting}"), &admin, |c| {
            c["assignee_id"] == bruno_id.as_str()
        })
        .await;
    let (_, events) = server.get(&events_path, &admin).await;
    assert!(
        names(&events).contains(&"answer_timed_out".to_owned()),
        "{backend:?}: {events}"
    );
    // Bruno answers in time and keeps it.
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{waiting}/messages"),
            &bruno,
            json!({"text": "Oi, sou o Bruno."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Ana's socket drops; a second later she is offline (she holds nothing now).
    ana_socket.close().await;
    let agents = server
        .eventually("/api/v1/agents", &admin, |body| {
            body["data"].as_array().is_some_and(|agents| {
                agents
                    .iter()
                    .any(|a| a["user_id"] == ana_id.as_str() && a["presence"] == "offline")
            })
        })
        .await;
    let bruno_now = agents["data"]
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["user_id"] == bruno_id.as_str())
        .expect("bruno")
        .clone();
    assert_eq!(
        bruno_now["presence"], "online",
        "Bruno never connected: he stays as he set"
    );
    let (_, conversation) = server
        .get(&format!("/api/v1/conversations/{waiting}"), &admin)
        .await;
    assert_eq!(
        conversation["assignee_id"],
        bruno_id.as_str(),
        "{backend:?}"
    );
    running.stop().await;
}

#[tokio::test]
async fn slas_escalate_silent_agents_lose_conversations_and_dropped_agents_go_offline() {
    for backend in tandem_store::testing::backends() {
        timers_move_conversations_on(backend).await;
    }
}
