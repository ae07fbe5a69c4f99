//! Credentials: sessions listed and revoked, API tokens that expire and record their last use,
//! a password change or reset ending what the old password opened, password reset links mailed
//! over real SMTP, and e-mail addresses unique per account only.

use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_app::secret::{generate_token, hash_password, token_hash};
use tandem_domain::id::{AccountId, TokenId, UserId};
use tandem_domain::user::Role;
use tandem_mail::testing::MailServers;
use tandem_store::{AccountSeed, TokenKind, UserSeed};

use crate::harness::{ADMIN, ANA, PASSWORD, TestServer, error_fields, on_every_backend};

const NEW_PASSWORD: &str = "a brand new password";

async fn login_as(
    server: &TestServer,
    email: &str,
    password: &str,
    account: Option<&str>,
) -> (StatusCode, Value) {
    let mut body = json!({"email": email, "password": password});
    if let Some(account) = account {
        body["account_id"] = json!(account);
    }
    server
        .call(Method::POST, "/api/v1/auth/login", None, Some(body))
        .await
}

async fn status_of(server: &TestServer, token: &str) -> StatusCode {
    server.get("/api/v1/me", token).await.0
}

/// A new API token for the session's user, whose password is still [`PASSWORD`].
async fn api_token(server: &TestServer, session: &str, mut body: Value) -> Value {
    body["current_password"] = json!(PASSWORD);
    let (status, token) = server.post("/api/v1/me/tokens", session, body).await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    token
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {value}"))
        .to_owned()
}

async fn changing_the_password_ends_the_rest(server: &TestServer) {
    let current = server.login(ANA).await;
    let other = server.login(ANA).await;
    let token = text(
        &api_token(server, &current, json!({"name": "ci"})).await,
        "/token",
    );
    assert_eq!(status_of(server, &token).await, StatusCode::OK);

    let change = |current_password: &str, new_password: &str| json!({"current_password": current_password, "new_password": new_password});
    let (status, body) = server
        .post(
            "/api/v1/auth/password",
            &current,
            change("wrong password!", NEW_PASSWORD),
        )
        .await;
    assert_eq!(
        (status, error_fields(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["current_password".to_owned()]
        )
    );
    let (status, body) = server
        .post("/api/v1/auth/password", &current, change(PASSWORD, "short"))
        .await;
    assert_eq!(
        (status, error_fields(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["new_password".to_owned()]
        )
    );
    assert_eq!(
        status_of(server, &other).await,
        StatusCode::OK,
        "a refused change ends nothing"
    );

    let (status, body) = server
        .post(
            "/api/v1/auth/password",
            &current,
            change(PASSWORD, NEW_PASSWORD),
        )
        .await;
    assert_eq!(
        (status, &body["revoked"]),
        (StatusCode::OK, &json!(2)),
        "{body}"
    );
    assert_eq!(status_of(server, &current).await, StatusCode::OK);
    assert_eq!(status_of(server, &other).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(server, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login_as(server, ANA, PASSWORD, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_as(server, ANA, NEW_PASSWORD, None).await.0,
        StatusCode::OK
    );

    // An admin setting the password ends every session and token of the user too.
    let admin = server.login(ADMIN).await;
    let ana_id = text(&server.get("/api/v1/me", &current).await.1, "/id");
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{ana_id}"),
            Some(&admin),
            Some(json!({"password": PASSWORD, "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_of(server, &current).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_password_change_ends_other_sessions_and_every_api_token() {
    on_every_backend!(changing_the_password_ends_the_rest);
}

async fn sessions_listed_and_revoked(server: &TestServer) {
    let first = server.login(ANA).await;
    let second = server.login(ANA).await;
    let (status, list) = server.get("/api/v1/auth/sessions", &first).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let sessions = list["data"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{list}");
    assert_eq!(
        sessions
            .iter()
            .filter(|s| s["current"] == json!(true))
            .count(),
        1
    );
    assert!(
        sessions
            .iter()
            .all(|s| s["client_ip"] == json!("127.0.0.1")),
        "{list}"
    );
    let second_id = text(
        sessions
            .iter()
            .find(|s| s["current"] == json!(false))
            .unwrap(),
        "/id",
    );

    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/auth/sessions/{second_id}"),
            Some(&first),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(server, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(server, &first).await, StatusCode::OK);

    let third = server.login(ANA).await;
    let (status, body) = server
        .post("/api/v1/auth/sessions/revoke-others", &first, json!({}))
        .await;
    assert_eq!(
        (status, &body["revoked"]),
        (StatusCode::OK, &json!(1)),
        "{body}"
    );
    assert_eq!(status_of(server, &third).await, StatusCode::UNAUTHORIZED);

    // Admins see and end the sessions of their account's users; agents may not.
    let admin = server.login(ADMIN).await;
    let ana_id = text(&server.get("/api/v1/me", &first).await.1, "/id");
    let (status, _) = server
        .get(&format!("/api/v1/users/{ana_id}/sessions"), &first)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, list) = server
        .get(&format!("/api/v1/users/{ana_id}/sessions"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    let only = list["data"].as_array().unwrap();
    assert_eq!(
        (only.len(), &only[0]["current"]),
        (1, &json!(false)),
        "{list}"
    );
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{ana_id}/sessions/{}", text(&only[0], "/id")),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(server, &first).await, StatusCode::UNAUTHORIZED);

    // Logging out ends the current session.
    let fourth = server.login(ANA).await;
    let (status, _) = server.post("/api/v1/auth/logout", &fourth, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(status_of(server, &fourth).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_are_listed_with_their_client_and_revoked_one_by_one_or_all_others() {
    on_every_backend!(sessions_listed_and_revoked);
}

async fn tokens_expire_and_note_their_use(server: &TestServer) {
    let session = server.login(ANA).await;
    for days in [0, 366] {
        let (status, body) = server
            .post(
                "/api/v1/me/tokens",
                &session,
                json!({"name": "x", "expires_in_days": days, "current_password": PASSWORD}),
            )
            .await;
        assert_eq!(
            (status, error_fields(&body)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["expires_in_days".to_owned()]
            )
        );
    }
    let created = api_token(server, &session, json!({"name": "ci"})).await;
    let created_at: jiff::Timestamp = text(&created, "/created_at").parse().unwrap();
    let expires_at: jiff::Timestamp = text(&created, "/expires_at").parse().unwrap();
    assert_eq!(
        expires_at.duration_since(created_at),
        SignedDuration::from_hours(24 * 90)
    );
    assert_eq!(created["last_used_at"], Value::Null);
    let token = text(&created, "/token");
    let token_id: TokenId = text(&created, "/id").parse().unwrap();

    let last_used = || async {
        let (_, list) = server.get("/api/v1/me/tokens", &session).await;
        list["data"][0]["last_used_at"].clone()
    };
    assert_eq!(status_of(server, &token).await, StatusCode::OK);
    let first_use = last_used().await;
    assert!(first_use.is_string(), "{first_use}");
    assert_eq!(status_of(server, &token).await, StatusCode::OK);
    assert_eq!(
        last_used().await,
        first_use,
        "a second use within the minute writes nothing"
    );
    // Backdate the last use by two minutes: the next use records itself again.
    let now = server.app().now();
    let backdated = now - SignedDuration::from_mins(2);
    assert!(
        server
            .app()
            .store()
            .touch_token(token_id, backdated, now + SignedDuration::from_secs(1))
            .await
            .unwrap()
    );
    assert_eq!(status_of(server, &token).await, StatusCode::OK);
    let moved: jiff::Timestamp = last_used().await.as_str().unwrap().parse().unwrap();
    assert!(moved > backdated + SignedDuration::from_secs(60), "{moved}");

    // A token past its expiry is refused and no longer listed.
    let (account, user) = user_of(server, ANA).await;
    let expired = generate_token("tdm_p_");
    let long_ago = now - SignedDuration::from_hours(24 * 100);
    server
        .app()
        .store()
        .create_token(
            account,
            user,
            TokenKind::Api,
            "old",
            &token_hash(&expired),
            Some(now - SignedDuration::from_secs(1)),
            long_ago,
        )
        .await
        .unwrap();
    assert_eq!(status_of(server, &expired).await, StatusCode::UNAUTHORIZED);
    let (_, list) = server.get("/api/v1/me/tokens", &session).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn api_tokens_expire_and_record_their_last_use_at_most_once_a_minute() {
    on_every_backend!(tokens_expire_and_note_their_use);
}

/// A second account, "Boreal Seguros", whose admin has `PASSWORD`.
async fn boreal(server: &TestServer, users: &[(&str, &str)]) -> AccountId {
    let seed = AccountSeed {
        name: "Boreal Seguros".into(),
        users: users
            .iter()
            .map(|(email, password)| UserSeed {
                email: (*email).into(),
                name: "Boreal user".into(),
                role: Role::Admin,
                password_hash: hash_password(password).unwrap(),
            })
            .collect(),
        inboxes: Vec::new(),
        bot_profile: None,
    };
    let (account, _, _) = server
        .app()
        .store()
        .create_account(&seed, tandem_app::now())
        .await
        .unwrap();
    account.id
}

async fn one_email_in_two_accounts(server: &TestServer) {
    let boreal_id = boreal(server, &[("admin@boreal.example", PASSWORD)]).await;
    let boreal_admin = server.login("admin@boreal.example").await;
    let new_user =
        json!({"email": ANA, "name": "Ana Boreal", "role": "agent", "password": PASSWORD});
    let (status, created) = server
        .post("/api/v1/users", &boreal_admin, new_user.clone())
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "another account's address is no conflict: {created}"
    );
    let (status, again) = server.post("/api/v1/users", &boreal_admin, new_user).await;
    assert_eq!(
        (status, text(&again, "/error/code")),
        (StatusCode::CONFLICT, "email_taken".to_owned())
    );

    // The same address and password in both accounts: the client must choose.
    let (status, body) = login_as(server, ANA, PASSWORD, None).await;
    assert_eq!(
        (status, text(&body, "/error/code")),
        (StatusCode::CONFLICT, "account_required".to_owned()),
        "{body}"
    );
    let mut names: Vec<String> = body["error"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| text(a, "/name"))
        .collect();
    names.sort();
    assert_eq!(names, ["Banco Aurora", "Boreal Seguros"]);
    let (status, body) = login_as(server, ANA, PASSWORD, Some(&boreal_id.0.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], created["id"]);
    let boreal_session = text(&body, "/token");

    // Once only one account's password matches, no choice is needed.
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{}", text(&created, "/id")),
            Some(&boreal_admin),
            Some(json!({"password": NEW_PASSWORD, "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        status_of(server, &boreal_session).await,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = login_as(server, ANA, PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(body["user"]["id"], created["id"]);
    let (status, body) = login_as(server, ANA, NEW_PASSWORD, None).await;
    assert_eq!(
        (status, &body["user"]["id"]),
        (StatusCode::OK, &created["id"])
    );
}

#[tokio::test]
async fn an_email_used_in_another_account_is_no_conflict_and_login_asks_which_account() {
    on_every_backend!(one_email_in_two_accounts);
}

/// The reset secret in the link of a mail (quoted-printable soft line breaks undone).
fn reset_secret(mail: &[u8]) -> String {
    let mail = String::from_utf8_lossy(mail).replace("=\r\n", "");
    let start = mail.find("reset-password/").expect("a reset link") + "reset-password/".len();
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The account and id of the user with this address (in one account only).
async fn user_of(server: &TestServer, email: &str) -> (AccountId, UserId) {
    let (user, _) = server
        .app()
        .store()
        .credentials(email, None, 1)
        .await
        .unwrap()
        .pop()
        .unwrap();
    (user.account_id, user.id)
}

async fn mail_for(servers: &MailServers, local_part: &str, count: usize) -> Vec<Vec<u8>> {
    for _ in 0..200 {
        let mail = servers.messages_for(local_part);
        if mail.len() >= count {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail for {local_part}");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_a_single_use_link_mailed_over_smtp() {
    let servers = match MailServers::start() {
        Ok(servers) => servers,
        Err(unavailable) => {
            eprintln!("skipped: {unavailable}");
            return;
        }
    };
    for backend in tandem_store::testing::backends() {
        let port = servers.smtp().port;
        let server = TestServer::spawn_with(backend, |config| {
            config.smtp_url = Some(tandem_server::config::Secret::new(format!(
                "smtp://127.0.0.1:{port}?tls=none"
            )));
            config.mail_from = Some("Tandem <no-reply@tandem.test>".into());
        })
        .await;
        reset_over_smtp(&server, &servers).await;
        server.stop().await;
    }
}

async fn reset_over_smtp(server: &TestServer, servers: &MailServers) {
    // The demo's ana has a namesake in another account: each gets a link naming its account.
    boreal(server, &[(ANA, "boreal password 123")]).await;
    let session = server.login(ANA).await;
    let token = text(
        &api_token(server, &session, json!({"name": "ci"})).await,
        "/token",
    );
    let before = servers.messages_for("ana").len();
    let ask = |email: &str| {
        server.call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({"email": email})),
        )
    };
    let unknown = ask("ghost@aurora.example").await;
    let known = ask(ANA).await;
    assert_eq!(unknown.0, StatusCode::ACCEPTED);
    assert_eq!(
        unknown, known,
        "known and unknown addresses get the same answer"
    );
    let mail = mail_for(servers, "ana", before + 2).await;
    let aurora_mail = mail[before..]
        .iter()
        .find(|mail| String::from_utf8_lossy(mail).contains("Banco Aurora"))
        .expect("a link naming the demo account");
    assert!(
        mail[before..]
            .iter()
            .any(|mail| String::from_utf8_lossy(mail).contains("Boreal Seguros"))
    );
    let secret = reset_secret(aurora_mail);
    assert!(secret.starts_with("tdm_r_"), "{secret}");

    let confirm = |token: &str, password: &str| {
        server.call(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(json!({"token": token, "new_password": password})),
        )
    };
    let (status, body) = confirm(&secret, "short").await;
    assert_eq!(
        (status, error_fields(&body)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["new_password".to_owned()]
        )
    );
    let (status, body) = confirm("tdm_r_0123", NEW_PASSWORD).await;
    assert_eq!(
        (status, error_fields(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["token".to_owned()])
    );
    assert_eq!(
        confirm(&secret, NEW_PASSWORD).await.0,
        StatusCode::NO_CONTENT
    );
    // Recorded in the account whose link it was, by the user, from where it was used.
    let aurora_admin = server.login(ADMIN).await;
    let (_, audit) = server
        .get(
            "/api/v1/audit-log?action=user.password_reset",
            &aurora_admin,
        )
        .await;
    assert_eq!(audit["data"].as_array().map(Vec::len), Some(1), "{audit}");
    assert_eq!(audit["data"][0]["actor_email"], ANA);
    assert_eq!(audit["data"][0]["ip"], "127.0.0.1");
    let (status, body) = confirm(&secret, "yet another password").await;
    assert_eq!(
        (status, error_fields(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["token".to_owned()]),
        "single use"
    );
    assert_eq!(status_of(server, &session).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(server, &token).await, StatusCode::UNAUTHORIZED);
    let (status, _) = login_as(server, ANA, NEW_PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        servers.messages_for("ghost").is_empty(),
        "no mail for an unknown address"
    );

    // An expired link is refused.
    let (account, admin) = user_of(server, ADMIN).await;
    let expired = generate_token("tdm_r_");
    let now = server.app().now();
    server
        .app()
        .store()
        .create_password_reset(
            account,
            admin,
            &token_hash(&expired),
            now - SignedDuration::from_secs(1),
            now - SignedDuration::from_mins(31),
        )
        .await
        .unwrap();
    let (status, body) = confirm(&expired, NEW_PASSWORD).await;
    assert_eq!(
        (status, error_fields(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["token".to_owned()])
    );
}
