//! Account isolation: a user of one account gets 404 for every id of another account, on every
//! endpoint that takes an id, and changes nothing there.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_app::secret::hash_password;
use tandem_domain::user::Role;
use tandem_store::{AccountSeed, UserSeed};

use crate::harness::{ADMIN, PASSWORD, TestServer, channel_message, on_every_backend};

/// Ids of everything one account holds.
struct Holdings {
    user: String,
    team: String,
    inbox: String,
    contact: String,
    conversation: String,
    token: String,
}

fn id(body: &Value, pointer: &str) -> String {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {body}"))
        .to_owned()
}

/// Creates a second account through the store (accounts are created by the operator's
/// `tandem accounts create`) and fills it through the API.
async fn other_account(server: &TestServer) -> (String, Holdings) {
    let seed = AccountSeed {
        name: "Boreal Seguros".into(),
        users: vec![UserSeed {
            email: "admin@boreal.example".into(),
            name: "Bia".into(),
            role: Role::Admin,
            password_hash: hash_password(PASSWORD).expect("hash"),
        }],
        inboxes: Vec::new(),
        bot_profile: None,
    };
    server
        .app()
        .store
        .create_account(&seed, tandem_app::now())
        .await
        .expect("second account");
    let admin = server.login("admin@boreal.example").await;
    let (status, inbox) = server
        .post(
            "/api/v1/inboxes",
            &admin,
            json!({"name": "Boreal app", "channel": "api"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inbox}");
    let inbox_token = id(&inbox, "/api_token");
    let (status, inbound) = server
        .post(
            "/api/v1/channel/messages",
            &inbox_token,
            channel_message("+5521977776666", "Quero cancelar meu seguro", "boreal-1"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{inbound}");
    let (status, user) = server
        .post(
            "/api/v1/users",
            &admin,
            json!({"email": "carla@boreal.example", "name": "Carla", "role": "agent", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let (status, team) = server
        .post("/api/v1/teams", &admin, json!({"name": "Sinistros"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let (status, token) = server
        .post("/api/v1/me/tokens", &admin, json!({"name": "ERP"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let holdings = Holdings {
        user: id(&user, "/id"),
        team: id(&team, "/id"),
        inbox: id(&inbox, "/id"),
        contact: id(&inbound, "/contact_id"),
        conversation: id(&inbound, "/conversation/id"),
        token: id(&token, "/id"),
    };
    (admin, holdings)
}

async fn foreign_ids_are_not_found(server: &TestServer) {
    let backend = server.backend;
    let (their_admin, theirs) = other_account(server).await;
    let admin = server.login(ADMIN).await;
    let (_, me) = server.get("/api/v1/me", &admin).await;
    let my_id = id(&me, "/id");
    let (_, my_teams) = server
        .post("/api/v1/teams", &admin, json!({"name": "Cartões"}))
        .await;
    let my_team = id(&my_teams, "/id");
    let (status, mine) = server.inbound("+5511955554444", "oi", "aurora-1").await;
    assert_eq!(status, StatusCode::CREATED);
    let my_conversation = id(&mine, "/conversation/id");

    let conversation = format!("/api/v1/conversations/{}", theirs.conversation);
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/users/{}", theirs.user), None),
        (
            Method::PATCH,
            format!("/api/v1/users/{}", theirs.user),
            Some(json!({"name": "X"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/users/{}", theirs.user),
            None,
        ),
        (Method::GET, format!("/api/v1/teams/{}", theirs.team), None),
        (
            Method::PATCH,
            format!("/api/v1/teams/{}", theirs.team),
            Some(json!({"name": "X"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/teams/{}", theirs.team),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/teams/{}/members", theirs.team),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/teams/{}/members/{my_id}", theirs.team),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/teams/{}/members/{my_id}", theirs.team),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/teams/{my_team}/members/{}", theirs.user),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/inboxes/{}", theirs.inbox),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/inboxes/{}", theirs.inbox),
            Some(json!({"name": "X"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/inboxes/{}", theirs.inbox),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/inboxes/{}/token", theirs.inbox),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/contacts/{}", theirs.contact),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/contacts/{}", theirs.contact),
            Some(json!({"name": "X"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/contacts/{}", theirs.contact),
            None,
        ),
        (Method::GET, conversation.clone(), None),
        (Method::GET, format!("{conversation}/messages"), None),
        (
            Method::POST,
            format!("{conversation}/messages"),
            Some(json!({"text": "olá"})),
        ),
        (Method::GET, format!("{conversation}/events"), None),
        (
            Method::POST,
            format!("{conversation}/assign"),
            Some(json!({})),
        ),
        (Method::POST, format!("{conversation}/unassign"), None),
        (Method::POST, format!("{conversation}/resolve"), None),
        (Method::POST, format!("{conversation}/reopen"), None),
        (
            Method::POST,
            format!("{conversation}/hand_back_to_bot"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/me/tokens/{}", theirs.token),
            None,
        ),
        (Method::GET, format!("{conversation}/routing"), None),
        (
            Method::POST,
            format!("{conversation}/transfer"),
            Some(json!({"team_id": my_team})),
        ),
        (
            Method::PUT,
            format!("/api/v1/agents/{}/capacity", theirs.user),
            Some(json!({"capacity": 2})),
        ),
        (
            Method::GET,
            format!("/api/v1/inboxes/{}/bot/profile", theirs.inbox),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/inboxes/{}/bot/profile", theirs.inbox),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/bot/conversations/{}/reply", theirs.conversation),
            Some(
                json!({"version": "tandem.bot.v1", "in_reply_to": theirs.conversation, "replies": ["oi"]}),
            ),
        ),
    ];
    for (method, path, body) in requests {
        let (status, answer) = server.call(method.clone(), &path, Some(&admin), body).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{backend:?}: {method} {path} answered {answer}"
        );
        assert_eq!(
            answer["error"]["code"], "not_found",
            "{method} {path}: {answer}"
        );
    }

    // Our conversation cannot be sent to their team.
    let (status, answer) = server
        .post(
            &format!("/api/v1/conversations/{my_conversation}/transfer"),
            &admin,
            json!({"team_id": theirs.team}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{backend:?}: {answer}"
    );
    assert_eq!(
        answer["error"]["details"][0]["field"], "team_id",
        "{answer}"
    );

    // Their agent cannot be given one of our conversations.
    let (status, answer) = server
        .post(
            &format!("/api/v1/conversations/{my_conversation}/assign"),
            &admin,
            json!({"agent_id": theirs.user}),
        )
        .await;
    assert!(status.is_client_error(), "{backend:?}: {status} {answer}");
    assert_eq!(
        answer["error"]["details"][0]["field"], "agent_id",
        "{answer}"
    );

    // Lists never show the other account's rows, even when filtered by its ids.
    let (_, listed) = server
        .get(
            &format!("/api/v1/conversations?inbox_id={}", theirs.inbox),
            &admin,
        )
        .await;
    assert_eq!(listed["data"], json!([]), "{backend:?}");
    for list in ["users", "teams", "inboxes", "contacts", "conversations"] {
        let (_, body) = server.get(&format!("/api/v1/{list}"), &admin).await;
        let text = body.to_string();
        for foreign in [
            &theirs.user,
            &theirs.team,
            &theirs.inbox,
            &theirs.contact,
            &theirs.conversation,
        ] {
            assert!(
                !text.contains(foreign.as_str()),
                "{backend:?}: /{list} leaks {foreign}"
            );
        }
    }

    // Nothing of theirs changed.
    for path in [
        format!("/api/v1/users/{}", theirs.user),
        format!("/api/v1/teams/{}", theirs.team),
        format!("/api/v1/inboxes/{}", theirs.inbox),
        format!("/api/v1/contacts/{}", theirs.contact),
    ] {
        let (status, body) = server.get(&path, &their_admin).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_ne!(body["name"], "X", "{path}");
    }
    // Each account sees only its own bot profile: the demo account has one, theirs none.
    let (status, _) = server.get("/api/v1/bot/profile", &admin).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server.get("/api/v1/bot/profile", &their_admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{backend:?}");

    let (_, still) = server.get(&conversation, &their_admin).await;
    assert_eq!(still["status"], "queued", "{backend:?}");
    let (_, transcript) = server
        .get(&format!("{conversation}/messages"), &their_admin)
        .await;
    assert_eq!(transcript["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn another_accounts_ids_are_not_found_on_any_endpoint() {
    on_every_backend!(foreign_ids_are_not_found);
}
