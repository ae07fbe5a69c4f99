//! Account isolation: a user of one account gets 404 for every id of another account, on every
//! endpoint that takes an id (a 422 naming the field when the id is in the body), and changes
//! nothing there.

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

/// Merges contact `from` into contact `into` as the holder of `token`.
async fn merge(server: &TestServer, token: &str, into: &str, from: &str) -> (StatusCode, Value) {
    server
        .post(
            &format!("/api/v1/contacts/{into}/merge"),
            token,
            json!({ "contact_id": from }),
        )
        .await
}

/// Creates a contact known by an e-mail address; returns its id.
async fn email_contact(server: &TestServer, token: &str, email: &str) -> String {
    let (status, contact) = server
        .post(
            "/api/v1/contacts",
            token,
            json!({"identities": [{"kind": "email", "value": email}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{contact}");
    id(&contact, "/id")
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
        .store()
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
        .post(
            "/api/v1/me/tokens",
            &admin,
            json!({"name": "ERP", "current_password": PASSWORD}),
        )
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
    let my_contact = id(&mine, "/contact_id");
    let my_inbox = id(&mine, "/conversation/inbox_id");

    // Each account merges two of its own contacts, so each has one audit-log entry.
    let my_duplicate = email_contact(server, &admin, "maria@aurora-cliente.example").await;
    let (status, merged) = merge(server, &admin, &my_contact, &my_duplicate).await;
    assert_eq!(status, StatusCode::OK, "{backend:?}: {merged}");
    let their_duplicate =
        email_contact(server, &their_admin, "cliente@boreal-cliente.example").await;
    let (status, merged) = merge(server, &their_admin, &theirs.contact, &their_duplicate).await;
    assert_eq!(status, StatusCode::OK, "{backend:?}: {merged}");

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
        (
            Method::GET,
            format!("/api/v1/contacts/{}/export", theirs.contact),
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
            format!("/api/v1/contacts/{}/merge", theirs.contact),
            Some(json!({"contact_id": my_contact})),
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

    // Their contact cannot be merged into ours: it is an unknown reference, and stays theirs.
    let (status, answer) = merge(server, &admin, &my_contact, &theirs.contact).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{backend:?}: {answer}"
    );
    assert_eq!(
        answer["error"]["details"][0]["field"], "contact_id",
        "{answer}"
    );
    assert_eq!(
        answer["error"]["details"][0]["code"], "unknown_reference",
        "{answer}"
    );
    let (status, contact) = server
        .get(
            &format!("/api/v1/contacts/{}", theirs.contact),
            &their_admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{backend:?}: {contact}");
    assert!(
        contact.to_string().contains("+5521977776666"),
        "{backend:?}: their contact lost its identity: {contact}"
    );
    let (status, contact) = server
        .get(&format!("/api/v1/contacts/{my_contact}"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{backend:?}: {contact}");
    let text = contact.to_string();
    assert!(text.contains("+5511955554444"), "{backend:?}: {contact}");
    assert!(!text.contains("+5521977776666"), "{backend:?}: {contact}");

    // No proactive message from their inbox, nor to their contact.
    for (inbox, contact, field, code) in [
        (&theirs.inbox, &my_contact, "inbox_id", "unknown_inbox"),
        (&my_inbox, &theirs.contact, "contact_id", "unknown_contact"),
        (&theirs.inbox, &theirs.contact, "inbox_id", "unknown_inbox"),
    ] {
        let (status, answer) = server
            .post(
                "/api/v1/proactive-messages",
                &admin,
                json!({"inbox_id": inbox, "contact_id": contact, "text": "Olá!"}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}: {inbox} {contact}: {answer}"
        );
        assert_eq!(answer["error"]["details"][0]["field"], field, "{answer}");
        assert_eq!(answer["error"]["details"][0]["code"], code, "{answer}");
    }

    // Their API inbox has no channel webhook (nor does any API inbox): the provider URLs are
    // not found, with or without a token.
    for (method, path) in [
        (
            Method::GET,
            format!(
                "/api/v1/channels/{}/webhook?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
                theirs.inbox
            ),
        ),
        (
            Method::POST,
            format!("/api/v1/channels/{}/webhook", theirs.inbox),
        ),
        (
            Method::POST,
            format!("/api/v1/channels/{}/voice", theirs.inbox),
        ),
    ] {
        let body = (method == Method::POST).then(|| json!({}));
        for token in [None, Some(admin.as_str())] {
            let (status, answer) = server
                .call(method.clone(), &path, token, body.clone())
                .await;
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
    for list in [
        "users",
        "teams",
        "inboxes",
        "contacts",
        "conversations",
        "audit-log",
    ] {
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
    // Each account's audit log holds its own merge only; the refused merges left nothing.
    let (status, audit) = server
        .get("/api/v1/audit-log?action=contact.merged", &admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{backend:?}: {audit}");
    assert_eq!(
        audit["data"].as_array().map(Vec::len),
        Some(1),
        "{backend:?}: {audit}"
    );
    assert_eq!(audit["data"][0]["action"], "contact.merged", "{audit}");
    assert_eq!(
        audit["data"][0]["subject_id"],
        my_contact.as_str(),
        "{audit}"
    );
    assert_eq!(
        audit["data"][0]["before"]["merged_contact_id"],
        my_duplicate.as_str(),
        "{audit}"
    );
    assert!(
        !audit.to_string().contains(their_duplicate.as_str()),
        "{backend:?}: our audit log shows their merge: {audit}"
    );
    let (status, audit) = server
        .get("/api/v1/audit-log?action=contact.merged", &their_admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{backend:?}: {audit}");
    assert_eq!(
        audit["data"].as_array().map(Vec::len),
        Some(1),
        "{backend:?}: {audit}"
    );
    assert_eq!(
        audit["data"][0]["subject_id"],
        theirs.contact.as_str(),
        "{audit}"
    );
    assert_eq!(
        audit["data"][0]["before"]["merged_contact_id"],
        their_duplicate.as_str(),
        "{audit}"
    );
    let text = audit.to_string();
    for ours in [&my_contact, &my_duplicate, &my_id] {
        assert!(
            !text.contains(ours.as_str()),
            "{backend:?}: their audit log shows {ours}: {audit}"
        );
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
    // The refused proactive messages opened no conversation there (nor here: the lists above).
    let (_, listed) = server.get("/api/v1/conversations", &their_admin).await;
    assert_eq!(
        listed["data"].as_array().map(Vec::len),
        Some(1),
        "{backend:?}: {listed}"
    );
}

#[tokio::test]
async fn another_accounts_ids_are_not_found_on_any_endpoint() {
    on_every_backend!(foreign_ids_are_not_found);
}
