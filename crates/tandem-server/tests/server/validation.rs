//! Bad input, missing sessions and wrong roles get specific JSON errors naming the field,
//! never a 500.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN, ANA, BRUNO, TestServer, error_fields as fields, on_every_backend};

async fn bad_input_is_named(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;

    let (status, body) = server
        .post(
            "/api/v1/users",
            &admin,
            json!({"email": "not-an-email", "name": "", "role": "boss", "password": "short"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{backend:?}: {body}"
    );
    let mut named = fields(&body);
    named.sort();
    assert_eq!(named, ["email", "name", "password", "role"], "{body}");

    let (status, body) = server
        .post("/api/v1/users", &admin, json!({"email": "x@y.z"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        fields(&body)[0],
        "name",
        "the first missing field is named: {body}"
    );

    let (status, body) = server
        .post(
            "/api/v1/channel/messages",
            &server.inbox_token,
            json!({"contact": {"identity": {"kind": "pigeon", "value": "x"}}, "text": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let named = fields(&body);
    assert!(
        named.contains(&"contact.identity.kind".to_owned()),
        "{body}"
    );
    assert!(named.contains(&"text".to_owned()), "{body}");

    let (status, body) = server
        .post(
            "/api/v1/channel/messages",
            &server.inbox_token,
            json!({"contact": {"name": "Maria"}, "text": "oi"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["contact.identity"], "{body}");

    let response = server
        .client
        .post(format!("{}/api/v1/teams", server.base))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "malformed_json");

    let (status, body) = server.get("/api/v1/conversations?limit=0", &admin).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["limit"]);
    let (status, body) = server
        .get("/api/v1/conversations?status=sleeping", &admin)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["status"]);
    let (status, body) = server
        .get("/api/v1/conversations?cursor=garbage", &admin)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["cursor"]);

    for path in [
        "/api/v1/conversations/not-an-id",
        "/api/v1/conversations/01900000-0000-7000-8000-000000000000",
        "/api/v1/users/01900000-0000-7000-8000-000000000000",
        "/api/v1/no/such/route",
    ] {
        let (status, body) = server.get(path, &admin).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert!(body["error"]["code"].is_string(), "{path}: {body}");
    }

    let (status, body) = server
        .call(Method::DELETE, "/api/v1/conversations", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let huge = "x".repeat(1024 * 1024 + 1);
    for path in [
        "/api/v1/teams",
        "/api/v1/conversations/01900000-0000-7000-8000-000000000000/assign",
    ] {
        let response = server
            .client
            .post(format!("{}{path}", server.base))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(huge.clone())
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        let body: Value = response.json().await.expect("a JSON error");
        assert_eq!(body["error"]["code"], "payload_too_large", "{path}: {body}");
    }

    let (status, body) = server.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "unauthenticated");
    let (status, _) = server.get("/api/v1/me", "tdm_s_forged").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_input_gets_errors_that_name_the_field() {
    on_every_backend!(bad_input_is_named);
}

async fn roles_and_ownership_are_enforced(server: &TestServer) {
    let backend = server.backend;
    let ana = server.login(ANA).await;
    let bruno = server.login(BRUNO).await;

    let (status, body) = server
        .post(
            "/api/v1/users",
            &ana,
            json!({"email": "eve@aurora.example", "name": "Eve", "role": "admin", "password": "a long password"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?}: {body}");
    let (status, _) = server
        .post("/api/v1/teams", &ana, json!({"name": "Mine"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, created) = server.inbound("+5511933332222", "reembolso", "r-1").await;
    let conversation = created["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let base = format!("/api/v1/conversations/{conversation}");
    let (status, _) = server
        .post(&format!("{base}/assign"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (_, me) = server.get("/api/v1/me", &bruno).await;
    let bruno_id = me["id"].as_str().expect("id");
    let (status, body) = server
        .post(
            &format!("{base}/assign"),
            &ana,
            json!({"agent_id": bruno_id}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "agents do not assign others: {body}"
    );

    let (status, body) = server
        .post(
            &format!("{base}/messages"),
            &bruno,
            json!({"text": "Eu assumo!"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "assigned_to_another_agent");
    let (status, _) = server
        .post(
            &format!("{base}/messages"),
            &bruno,
            json!({"text": "nota", "private": true}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "colleagues may leave private notes"
    );

    let (status, _) = server
        .post(&format!("{base}/resolve"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = server
        .post(&format!("{base}/resolve"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "illegal_transition");

    let admin = server.login(ADMIN).await;
    let (status, body) = server
        .post(&format!("{base}/reopen"), &admin, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server
        .post(
            &format!("{base}/assign"),
            &admin,
            json!({"agent_id": bruno_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "admins may assign anyone: {body}");
    assert_eq!(body["conversation"]["assignee_id"], bruno_id);
}

#[tokio::test]
async fn roles_and_ownership_are_enforced_with_specific_errors() {
    on_every_backend!(roles_and_ownership_are_enforced);
}
