//! `/metrics` for operators: HTTP traffic by route template, open WebSockets, the bot's turns,
//! handovers by reason, outbound deliveries, the queue and the backlog; closed without the
//! configured token.

use reqwest::StatusCode;
use tandem_store::Backend;

use crate::harness::{ADMIN, TestServer, channel_message};

/// `GET /metrics` with `token`, if any: the status and the text.
pub async fn scrape(server: &TestServer, token: Option<&str>) -> (StatusCode, String) {
    let mut request = server.client.get(format!("{}/metrics", server.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The value of the sample line starting with `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn operators_see_traffic_sessions_bot_turns_handovers_and_the_queue() {
    for backend in tandem_store::testing::backends() {
        metrics_on(backend).await;
    }
}

async fn metrics_on(backend: Backend) {
    let server = TestServer::spawn_with(backend, |config| {
        config.metrics_token = Some(tandem_server::config::Secret::new("scrape-token"))
    })
    .await;
    assert_eq!(scrape(&server, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&server, Some("wrong")).await.0,
        StatusCode::UNAUTHORIZED
    );

    let admin = server.login(ADMIN).await;
    let socket = server.websocket(&admin).await;
    let (status, inbox) = server
        .post(
            "/api/v1/inboxes",
            &admin,
            serde_json::json!({"name": "Bot first", "channel": "api", "first_responder": "bot"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inbox}");
    let (status, created) = server
        .post(
            "/api/v1/channel/messages",
            inbox["api_token"].as_str().unwrap(),
            channel_message(
                "+5511977771234",
                "Quero falar com um atendente humano",
                "m-1",
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let conversation = created["conversation"]["id"].as_str().unwrap().to_owned();
    server
        .eventually(
            &format!("/api/v1/conversations/{conversation}"),
            &admin,
            |body| body["status"] == "queued" || body["status"] == "assigned",
        )
        .await;

    // The turn is counted just after it is stored: scrape until it shows.
    let (mut status, mut text) = (StatusCode::OK, String::new());
    for _ in 0..100 {
        (status, text) = scrape(&server, Some("scrape-token")).await;
        if sample(&text, "tandem_bot_turn_duration_seconds_count ").is_some_and(|n| n >= 1.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, StatusCode::OK);
    assert!(text.ends_with("# EOF\n"), "OpenMetrics text");
    assert_eq!(
        sample(&text, "tandem_websocket_connections "),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"tandem_http_requests_total{method="POST",route="/api/v1/channel/messages",status="201"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"tandem_http_requests_total{method="GET",route="/metrics",status="401"}"#
        ) == Some(2.0),
        "{text}"
    );
    assert!(
        sample(&text, r#"tandem_http_request_duration_seconds_count{method="GET",route="/api/v1/conversations/{conversation_id}"}"#)
            .is_some_and(|count| count >= 1.0),
        "requests are counted by route template, not by id: {text}"
    );
    assert!(!text.contains(&conversation), "no ids in series");
    assert_eq!(
        sample(&text, "tandem_bot_turn_duration_seconds_count "),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"tandem_handovers_total{reason="customer_request"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(sample(&text, "tandem_queue_depth ").is_some(), "{text}");
    assert!(
        sample(&text, "tandem_outbound_backlog ").is_some(),
        "{text}"
    );

    socket.close().await;
    let mut open = None;
    for _ in 0..100 {
        open = sample(
            &scrape(&server, Some("scrape-token")).await.1,
            "tandem_websocket_connections ",
        );
        if open == Some(0.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(open, Some(0.0), "a closed session is no longer counted");
    server.stop().await;
}
