//! The audit trail end to end: people's changes (a role, a team's name, an inbox's channel
//! settings, a transfer) are recorded with who, from where, before and after, and no secret;
//! the log filters, pages and exports CSV for admins only, and one account never sees another's.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_app::secret::hash_password;
use tandem_domain::user::Role;
use tandem_store::{AccountSeed, UserSeed};

use crate::harness::{ADMIN, ANA, BRUNO, PASSWORD, TestServer, on_every_backend};
use crate::provider::{TWILIO_SID, TWILIO_TOKEN};

const NEW_AUTH_TOKEN: &str = "twilio-auth-token-rotated-9999";

fn text(body: &Value, pointer: &str) -> String {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {body}"))
        .to_owned()
}

pub(crate) async fn user_id(server: &TestServer, admin: &str, email: &str) -> String {
    let (_, users) = server.get("/api/v1/users", admin).await;
    users["data"]
        .as_array()
        .expect("users")
        .iter()
        .find(|user| user["email"] == email)
        .map(|user| text(user, "/id"))
        .expect("the user")
}

/// The entries of the admin's audit log matching `query`.
pub(crate) async fn entries(server: &TestServer, admin: &str, query: &str) -> Vec<Value> {
    let (status, page) = server
        .get(&format!("/api/v1/audit-log?{query}"), admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    page["data"].as_array().expect("entries").clone()
}

async fn csv(server: &TestServer, token: &str, query: &str) -> (StatusCode, String, String) {
    let response = server
        .client
        .get(format!("{}/api/v1/audit-log?{query}", server.base))
        .bearer_auth(token)
        .header("accept", "text/csv")
        .send()
        .await
        .expect("the CSV request");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.expect("the CSV body"))
}

async fn changes_are_recorded_with_who_where_and_values(server: &TestServer) {
    let backend = server.backend;
    let admin = server.login(ADMIN).await;
    let admin_id = user_id(server, &admin, ADMIN).await;
    let bruno_id = user_id(server, &admin, BRUNO).await;

    // An admin makes Bruno a supervisor, from a browser that names itself.
    let response = server
        .client
        .patch(format!("{}/api/v1/users/{bruno_id}", server.base))
        .bearer_auth(&admin)
        .header("user-agent", "Mozilla/5.0 (audit test)")
        .json(&json!({
            "role": "supervisor",
            "password": "a brand new password",
            "current_password": PASSWORD,
        }))
        .send()
        .await
        .expect("the role change");
    assert_eq!(response.status(), StatusCode::OK);

    // ...renames a team...
    let (status, team) = server
        .post("/api/v1/teams", &admin, json!({"name": "Cartões"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let team_id = text(&team, "/id");
    let (status, body) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/teams/{team_id}"),
            Some(&admin),
            Some(json!({"name": "Cartões e Pix"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // ...and gives a voice inbox a new Twilio auth token.
    let (status, inbox) = server
        .post(
            "/api/v1/inboxes",
            &admin,
            json!({"name": "Central", "channel": "voice", "channel_config": {
                "account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN,
                "handover": {"action": "enqueue", "queue": "support"}}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inbox}");
    let inbox_id = text(&inbox, "/id");
    let (status, body) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/inboxes/{inbox_id}"),
            Some(&admin),
            Some(json!({"name": "Central 24h", "channel_config": {
                "account_sid": TWILIO_SID, "auth_token": NEW_AUTH_TOKEN,
                "handover": {"action": "enqueue", "queue": "support"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // An agent takes a customer's conversation and transfers it to the team.
    let ana = server.login(ANA).await;
    let ana_id = user_id(server, &admin, ANA).await;
    let (status, inbound) = server
        .inbound("+5511944443333", "meu cartão foi clonado", "audit-1")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inbound}");
    let conversation_id = text(&inbound, "/conversation/id");
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{conversation_id}/assign"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{conversation_id}/transfer"),
            &ana,
            json!({"team_id": team_id}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let all = entries(server, &admin, "limit=100").await;
    let find = |action: &str| {
        all.iter()
            .find(|entry| entry["action"] == action)
            .unwrap_or_else(|| panic!("{backend:?}: no {action} in {all:?}"))
            .clone()
    };
    let role = find("user.role_changed");
    assert_eq!(role["actor_id"], admin_id.as_str(), "{role}");
    assert_eq!(role["actor_email"], ADMIN, "{role}");
    assert_eq!(role["ip"], "127.0.0.1", "{role}");
    assert_eq!(role["user_agent"], "Mozilla/5.0 (audit test)", "{role}");
    assert_eq!(role["subject_kind"], "user");
    assert_eq!(role["subject_id"], bruno_id.as_str());
    assert_eq!(role["before"]["role"], "agent", "{role}");
    assert_eq!(role["after"]["role"], "supervisor", "{role}");
    assert_eq!(role["after"]["password"], "[redacted]", "{role}");

    let renamed = find("team.updated");
    assert_eq!(renamed["subject_id"], team_id.as_str());
    assert_eq!(renamed["before"], json!({"name": "Cartões"}), "{renamed}");
    assert_eq!(
        renamed["after"],
        json!({"name": "Cartões e Pix"}),
        "{renamed}"
    );

    let updated = find("inbox.updated");
    assert_eq!(updated["subject_id"], inbox_id.as_str());
    assert_eq!(updated["before"]["name"], "Central", "{updated}");
    assert_eq!(updated["after"]["name"], "Central 24h", "{updated}");
    assert_eq!(
        updated["after"]["channel_settings"]["auth_token"], "[redacted]",
        "{updated}"
    );
    assert_eq!(
        updated["after"]["channel_settings"]["account_sid"], TWILIO_SID,
        "{updated}"
    );

    let transferred = find("conversation.transferred");
    assert_eq!(transferred["actor_id"], ana_id.as_str(), "{transferred}");
    assert_eq!(transferred["ip"], "127.0.0.1");
    assert_eq!(transferred["before"]["assignee_id"], ana_id.as_str());
    assert_eq!(transferred["after"]["team_id"], team_id.as_str());
    assert_eq!(transferred["after"]["status"], "queued", "{transferred}");
    find("conversation.assigned");

    // No secret anywhere, in JSON or CSV.
    let (status, kind, sheet) = csv(server, &admin, "").await;
    assert_eq!(status, StatusCode::OK, "{sheet}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    for secret in [
        TWILIO_TOKEN,
        NEW_AUTH_TOKEN,
        "a brand new password",
        "argon2",
    ] {
        let json = Value::Array(all.clone()).to_string();
        assert!(!json.contains(secret), "{backend:?}: {secret} in {json}");
        assert!(!sheet.contains(secret), "{backend:?}: {secret} in {sheet}");
    }
    assert!(
        sheet.starts_with("id,created_at,actor_id,actor_email,actor_name,ip,user_agent,action,"),
        "{sheet}"
    );
    assert!(sheet.contains("user.role_changed"), "{sheet}");

    // Filters, in JSON and CSV alike.
    let users = entries(server, &admin, "action=user.").await;
    assert!(!users.is_empty());
    assert!(
        users
            .iter()
            .all(|entry| text(entry, "/action").starts_with("user."))
    );
    let by_ana = entries(
        server,
        &admin,
        &format!("actor_id={ana_id}&action=conversation."),
    )
    .await;
    let actions: Vec<String> = by_ana.iter().map(|entry| text(entry, "/action")).collect();
    assert_eq!(
        actions,
        ["conversation.transferred", "conversation.assigned"],
        "{backend:?}"
    );
    let the_team = entries(
        server,
        &admin,
        &format!("subject_kind=team&subject_id={team_id}"),
    )
    .await;
    assert_eq!(the_team.len(), 2, "{backend:?}: created and renamed");
    let (_, _, team_sheet) = csv(server, &admin, &format!("subject_id={team_id}")).await;
    assert_eq!(team_sheet.trim_end().lines().count(), 3, "{team_sheet}");
    let future = entries(server, &admin, "from=2100-01-01T00:00:00Z").await;
    assert!(future.is_empty());

    // Cursor pages cover the log once.
    let (_, first) = server.get("/api/v1/audit-log?limit=2", &admin).await;
    let cursor = text(&first, "/next_cursor");
    let (_, second) = server
        .get(
            &format!("/api/v1/audit-log?limit=2&cursor={cursor}"),
            &admin,
        )
        .await;
    assert_eq!(second["data"][0]["id"], all[2]["id"], "{backend:?}");

    // Bad filters name their field; agents may not read the log.
    let (status, body) = server.get("/api/v1/audit-log?from=yesterday", &admin).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "from", "{body}");
    let (status, body) = server.get("/api/v1/audit-log", &ana).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, _) = csv(server, &ana, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another account's admin sees none of it.
    server
        .app()
        .store()
        .create_account(
            &AccountSeed {
                name: "Boreal Seguros".into(),
                users: vec![UserSeed {
                    email: "admin@boreal.example".into(),
                    name: "Bia".into(),
                    role: Role::Admin,
                    password_hash: hash_password(PASSWORD).expect("hash"),
                }],
                inboxes: Vec::new(),
                bot_profile: None,
            },
            tandem_app::now(),
        )
        .await
        .expect("second account");
    let theirs = server.login("admin@boreal.example").await;
    let (status, page) = server.get("/api/v1/audit-log", &theirs).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // Only their own admin's login: nothing of the other account.
    let theirs_only: Vec<(&Value, &Value)> = page["data"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| (&entry["action"], &entry["actor_email"]))
        .collect();
    assert_eq!(
        theirs_only,
        [(
            &json!("auth.login_succeeded"),
            &json!("admin@boreal.example")
        )],
        "{backend:?}: {page}"
    );
    let (_, _, their_sheet) = csv(server, &theirs, "").await;
    assert_eq!(their_sheet.trim_end().lines().count(), 2, "{their_sheet}");
}

#[tokio::test]
async fn peoples_changes_are_in_the_audit_log_for_admins_only() {
    on_every_backend!(changes_are_recorded_with_who_where_and_values);
}
