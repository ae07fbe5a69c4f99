//! Reports through the real server: conversations driven through the HTTP API (a bot that
//! answers, a handover taken and resolved by an agent) show up in the summary, the groups, the
//! daily trend and the CSV export, in the account's time zone; bad queries are 4xx naming the
//! field, agents may not read reports, and CSV cells that start like formulas are neutralised.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN, ANA, TestServer, channel_message, error_fields, on_every_backend};

/// Today in São Paulo, the zone the test gives the account.
fn today() -> jiff::civil::Date {
    let zone = jiff::tz::TimeZone::get("America/Sao_Paulo").unwrap();
    jiff::Timestamp::now().to_zoned(zone).date()
}

/// Sends a customer message and waits until the bot has answered it; returns the
/// conversation's id.
async fn says(
    server: &TestServer,
    admin: &str,
    inbox_token: &str,
    phone: &str,
    text: &str,
    id: &str,
) -> String {
    let (status, body) = server
        .post(
            "/api/v1/channel/messages",
            inbox_token,
            channel_message(phone, text, id),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let conversation = body["conversation"]["id"].as_str().unwrap().to_owned();
    // Up to 20 s: the first turn trains the engine, and CI machines are busy.
    for _ in 0..400 {
        let (_, messages) = server
            .get(
                &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
                admin,
            )
            .await;
        let last_is_bot = messages["data"]
            .as_array()
            .and_then(|all| all.last())
            .is_some_and(|message| message["sender"]["type"] == "bot");
        if last_is_bot {
            return conversation;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bot did not answer {text:?}");
}

fn metric(body: &Value, name: &str) -> Value {
    body["metrics"][name].clone()
}

async fn reports_count_what_happened(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let ana = server.login(ANA).await;
    let (status, account) = server
        .call(
            Method::PATCH,
            "/api/v1/account",
            Some(&admin),
            Some(json!({"time_zone": "America/Sao_Paulo"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["time_zone"], "America/Sao_Paulo");
    let (status, inbox) = server
        .post(
            "/api/v1/inboxes",
            &admin,
            json!({"name": "=HYPERLINK(\"http://evil\")", "channel": "api", "first_responder": "bot"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inbox}");
    let inbox_id = inbox["id"].as_str().unwrap().to_owned();
    let token = inbox["api_token"].as_str().unwrap().to_owned();

    // Maria is greeted, then asks for a person, who takes the conversation and resolves it.
    let maria = says(
        server,
        &admin,
        &token,
        "+5511911112222",
        "Olá, bom dia",
        "m-1",
    )
    .await;
    says(
        server,
        &admin,
        &token,
        "+5511911112222",
        "quero falar com um atendente",
        "m-2",
    )
    .await;
    let base = format!("/api/v1/conversations/{maria}");
    let (status, body) = server
        .post(&format!("{base}/assign"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Ana comes online holding Maria's conversation: busy until she resolves it, then only
    // online (occupancy strictly between 0 and 1).
    let (status, body) = server
        .call(
            Method::PUT,
            "/api/v1/me/presence",
            Some(&ana),
            Some(json!({"presence": "online"})),
        )
        .await;
    assert!(status.is_success(), "{body}");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (status, body) = server
        .post(
            &format!("{base}/messages"),
            &ana,
            json!({"text": "Olá, Maria! Como posso ajudar?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = server
        .post(&format!("{base}/resolve"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // João's question is answered by the bot alone, and the conversation is closed.
    let joao = says(
        server,
        &admin,
        &token,
        "+5511933334444",
        "qual o horário de atendimento de vocês?",
        "j-1",
    )
    .await;
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{joao}/resolve"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let day = today();
    let range = format!("from={}&to={day}", day.yesterday().unwrap());
    let (status, summary) = server
        .get(
            &format!("/api/v1/reports/summary?{range}&group_by=inbox"),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["time_zone"], "America/Sao_Paulo");
    let ours = summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["key"] == inbox_id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{backend:?}: our inbox is a group: {summary}"));
    assert_eq!(ours["label"], "=HYPERLINK(\"http://evil\")");
    assert_eq!(
        metric(&ours, "conversations"),
        json!(2.0),
        "{backend:?}: {ours}"
    );
    assert_eq!(metric(&ours, "containment_rate"), json!(0.5), "{ours}");
    assert_eq!(metric(&ours, "handover_rate"), json!(0.5), "{ours}");
    assert_eq!(metric(&ours, "handled_conversations"), json!(1.0), "{ours}");
    // Maria's greeting was answered, her request for a person was not (it handed over);
    // João's question was answered.
    assert_eq!(metric(&ours, "bot_answer_rate"), json!(2.0 / 3.0), "{ours}");
    // None of the three was out of the bot's scope (a greeting, a request for a person, a
    // question its knowledge answers).
    assert_eq!(metric(&ours, "out_of_scope_rate"), json!(0.0), "{ours}");
    assert_eq!(
        metric(&ours, "handover_abandonment_rate"),
        json!(0.0),
        "{ours}"
    );
    assert!(metric(&ours, "time_to_agent_seconds").is_number(), "{ours}");
    assert!(
        metric(&ours, "first_human_response_seconds").is_number(),
        "{ours}"
    );
    assert_eq!(metric(&ours, "nps"), Value::Null, "no NPS answers: {ours}");

    let (status, reasons) = server
        .get(
            &format!("/api/v1/reports/summary?{range}&group_by=handover_reason"),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{reasons}");
    let customer_request = reasons["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["key"] == "customer_request")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        metric(&customer_request, "conversations"),
        json!(1.0),
        "{reasons}"
    );

    let (status, agents) = server
        .get(&format!("/api/v1/reports/agents?{range}"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{agents}");
    let ana_row = agents["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["label"] == "Ana Souza")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        metric(&ana_row, "handled_conversations"),
        json!(1.0),
        "{agents}"
    );
    let occupancy = metric(&ana_row, "occupancy").as_f64().unwrap_or(-1.0);
    assert!(occupancy > 0.0 && occupancy < 1.0, "{agents}");
    assert_eq!(
        agents["total"]["occupancy"].as_f64(),
        Some(occupancy),
        "only Ana was online: {agents}"
    );
    let admin_row = agents["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["label"] != "Ana Souza")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        metric(&admin_row, "occupancy"),
        Value::Null,
        "never online: {agents}"
    );

    let (status, trend) = server
        .get(
            &format!(
                "/api/v1/reports/trend?{range}&bucket=day&metric=conversations,containment_rate"
            ),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{trend}");
    let points = trend["points"].as_array().unwrap();
    assert_eq!(points.len(), 2, "{trend}");
    assert_eq!(points[1]["start"], day.to_string());
    assert_eq!(
        points[1]["metrics"].as_object().map(|m| m.len()),
        Some(2),
        "{trend}"
    );
    let total: f64 = points
        .iter()
        .map(|point| point["metrics"]["conversations"].as_f64().unwrap())
        .sum();
    assert_eq!(
        Some(total),
        summary["total"]["conversations"].as_f64(),
        "{trend}"
    );

    let response = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/reports/summary.csv?{range}&group_by=inbox",
            server.base
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"),
        "{:?}",
        response.headers()
    );
    let csv = response.text().await.unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("inbox,label,conversations,"),
        "{csv}"
    );
    assert!(lines.next().unwrap().starts_with("total,,"), "{csv}");
    assert!(
        csv.contains(&format!(
            "{inbox_id},\"'=HYPERLINK(\"\"http://evil\"\")\",2,"
        )),
        "the formula is neutralised: {csv}"
    );
}

#[tokio::test]
async fn reports_show_conversations_driven_through_the_api() {
    on_every_backend!(reports_count_what_happened);
}

async fn bad_report_queries_name_the_field(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let ana = server.login(ANA).await;
    let cases = [
        ("/api/v1/reports/summary?to=2026-11-01", "from"),
        (
            "/api/v1/reports/summary?from=2026-11-31&to=2026-12-01",
            "from",
        ),
        (
            "/api/v1/reports/summary?from=2026-11-02&to=2026-11-01",
            "from",
        ),
        (
            "/api/v1/reports/summary?from=2024-01-01&to=2026-11-01",
            "to",
        ),
        (
            "/api/v1/reports/summary?from=2026-11-01&to=2026-11-02&group_by=country",
            "group_by",
        ),
        (
            "/api/v1/reports/summary?from=2026-11-01&to=2026-11-02&fcr_days=0",
            "fcr_days",
        ),
        (
            "/api/v1/reports/trend?from=2026-11-01&to=2026-11-02&bucket=hour",
            "bucket",
        ),
        (
            "/api/v1/reports/trend?from=2026-11-01&to=2026-11-02&metric=happiness",
            "metric",
        ),
        ("/api/v1/reports/summary.csv?from=2026-11-01", "to"),
    ];
    for (path, field) in cases {
        let (status, body) = server.get(path, &admin).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(error_fields(&body), [field], "{path}: {body}");
    }
    let (status, _) = server
        .get(
            "/api/v1/reports/summary?from=2026-11-01&to=2026-11-02",
            &ana,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "agents do not read reports");
    let (status, body) = server
        .call(
            Method::PATCH,
            "/api/v1/account",
            Some(&admin),
            Some(json!({"time_zone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["time_zone"]);
    let (status, _) = server
        .call(
            Method::PATCH,
            "/api/v1/account",
            Some(&ana),
            Some(json!({"time_zone": "UTC"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, account) = server.get("/api/v1/account", &ana).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(account["time_zone"], "UTC");
}

#[tokio::test]
async fn bad_report_queries_are_refused_naming_the_field() {
    on_every_backend!(bad_report_queries_name_the_field);
}
