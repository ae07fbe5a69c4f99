//! The audit trail's security events end to end: logins (token and second step), failures,
//! lockouts and logouts; enabling, using and disabling a second factor; re-authentication;
//! passwords, sessions and API tokens — each recorded with who, from where and no secret, and
//! a failure for an address nobody has recorded nowhere.

use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::audit::{entries, user_id};
use crate::harness::{ADMIN, ANA, BRUNO, PASSWORD, TestServer, on_every_backend};
use crate::login_protection::{code, enrol, login_from, password_step, servers};

/// The one entry of `action`.
async fn only(server: &TestServer, admin: &str, action: &str) -> Value {
    let found = entries(server, admin, &format!("action={action}")).await;
    assert_eq!(found.len(), 1, "{action}: {found:?}");
    found[0].clone()
}

/// A POST from `client` (as `X-Forwarded-For`) with a `User-Agent`.
async fn post_from(
    server: &TestServer,
    client: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = server
        .client
        .post(format!("{}{path}", server.base))
        .header("x-forwarded-for", client)
        .header("user-agent", "audit-test/1.0")
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn logins_lockouts_and_the_second_factor_are_in_the_audit_trail() {
    for (server, clock) in servers().await {
        let admin = server.login(ADMIN).await;
        let ana_id = user_id(&server, &admin, ANA).await;
        let bruno_id = user_id(&server, &admin, BRUNO).await;
        let succeeded = entries(&server, &admin, "action=auth.login_succeeded").await;
        assert!(
            succeeded
                .iter()
                .any(|entry| entry["actor_email"] == ADMIN && entry["after"]["two_factor"] == false),
            "{succeeded:?}"
        );

        // Wrong passwords for Bruno until the address must wait.
        let mut failures = 0;
        let refused = loop {
            let (status, body, _) =
                login_from(&server, "198.51.100.7", BRUNO, "not the password").await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                break body;
            }
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
            failures += 1;
            assert!(failures < 20, "never refused");
        };
        // An address nobody has: nothing to record it in.
        let (status, _, _) =
            login_from(&server, "198.51.100.8", "nobody@aurora.example", "a guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let failed = entries(&server, &admin, "action=auth.login_failed").await;
        assert_eq!(failed.len(), failures, "{failed:?}");
        for entry in &failed {
            assert_eq!(entry["subject_id"], bruno_id.as_str());
            assert_eq!(entry["actor_id"], Value::Null, "nobody was authenticated");
            assert_eq!(entry["ip"], "198.51.100.7");
        }
        let locked = only(&server, &admin, "auth.locked_out").await;
        assert_eq!(locked["subject_id"], bruno_id.as_str());
        assert_eq!(
            locked["after"]["retry_after_seconds"],
            refused["error"]["retry_after_seconds"]
        );
        let everything = entries(&server, &admin, "action=auth.").await;
        assert!(!Value::from(everything).to_string().contains("nobody@"));

        // Ana enables a second factor, gets a code wrong, then logs in with a recovery code.
        let ana = server.login(ANA).await;
        let (secret, recovery) = enrol(&server, &clock, &ana).await;
        let enabled = only(&server, &admin, "two_factor.enabled").await;
        assert_eq!(
            (
                &enabled["actor_id"],
                &enabled["after"]["recovery_codes_issued"]
            ),
            (&json!(ana_id), &json!(10))
        );
        let challenge = password_step(&server, ANA).await;
        let verify = |code: &str| {
            post_from(
                &server,
                "203.0.113.9",
                "/api/v1/auth/2fa/verify",
                None,
                json!({"challenge_token": challenge["challenge_token"], "code": code}),
            )
        };
        let (status, body) = verify("000000").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let wrong = only(&server, &admin, "two_factor.verify_failed").await;
        assert_eq!(
            (&wrong["subject_id"], &wrong["actor_id"]),
            (&json!(ana_id), &Value::Null)
        );
        let (status, session) = verify(&recovery[0]).await;
        assert_eq!(status, StatusCode::OK, "{session}");
        let used = only(&server, &admin, "two_factor.recovery_code_used").await;
        assert_eq!(used["subject_id"], ana_id.as_str());
        let second_step = entries(&server, &admin, "action=auth.login_succeeded")
            .await
            .into_iter()
            .find(|entry| entry["after"]["two_factor"] == true)
            .expect("the login through the second step");
        assert_eq!(
            (
                &second_step["actor_id"],
                &second_step["ip"],
                &second_step["user_agent"]
            ),
            (
                &json!(ana_id),
                &json!("203.0.113.9"),
                &json!("audit-test/1.0")
            )
        );
        // The session knows its client, like a password login's.
        let token = session["token"].as_str().unwrap().to_owned();
        let (_, sessions) = server.get("/api/v1/auth/sessions", &token).await;
        let current = sessions["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|session| session["current"] == true)
            .expect("the current session")
            .clone();
        assert_eq!(
            (&current["client_ip"], &current["user_agent"]),
            (&json!("203.0.113.9"), &json!("audit-test/1.0"))
        );
        assert_eq!(second_step["after"]["session_id"], current["id"]);

        // Disabling: first with a wrong password, then for real.
        let disable = |password: &str, code: String| {
            server.post(
                "/api/v1/auth/2fa/disable",
                &token,
                json!({"current_password": password, "code": code}),
            )
        };
        let (status, body) = disable("not my password", code(&secret, &clock, 0)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let reauth = only(&server, &admin, "auth.reauthentication_failed").await;
        assert_eq!(reauth["actor_id"], ana_id.as_str());
        clock.advance(SignedDuration::from_mins(1));
        let (status, body) = disable(PASSWORD, code(&secret, &clock, 0)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let disabled = only(&server, &admin, "two_factor.disabled").await;
        assert_eq!(disabled["actor_id"], ana_id.as_str());

        // Logging out.
        let (status, _) = server
            .call(Method::POST, "/api/v1/auth/logout", Some(&token), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let logout = only(&server, &admin, "auth.logout").await;
        assert_eq!(
            (&logout["subject_kind"], &logout["subject_id"]),
            (&json!("session"), &current["id"])
        );
        server.stop().await;
    }
}

async fn credentials_and_sessions(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let admin_id = user_id(server, &admin, ADMIN).await;
    let ana_id = user_id(server, &admin, ANA).await;
    let ana = server.login(ANA).await;
    server.login(ANA).await;
    server.login(ANA).await;

    // A browser login is recorded like a token login.
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/auth/session",
            None,
            Some(json!({"email": BRUNO, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bruno_id = user_id(server, &admin, BRUNO).await;
    let logins = entries(
        server,
        &admin,
        &format!("action=auth.login_succeeded&actor_id={bruno_id}"),
    )
    .await;
    assert_eq!(logins.len(), 1, "{logins:?}");

    // An API token: its name and expiry, never its secret.
    let (status, token) = server
        .post(
            "/api/v1/me/tokens",
            &ana,
            json!({"name": "ci", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let created = only(server, &admin, "api_token.created").await;
    assert_eq!(
        (
            &created["subject_id"],
            &created["after"]["name"],
            &created["after"]["expires_at"]
        ),
        (&token["id"], &json!("ci"), &token["expires_at"])
    );
    let secret = token["token"].as_str().unwrap();
    assert!(!created.to_string().contains(secret));

    // Ana ends one of her sessions; the admin ends another.
    let (_, sessions) = server.get("/api/v1/auth/sessions", &ana).await;
    let others: Vec<String> = sessions["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|session| session["current"] == false)
        .map(|session| session["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(others.len(), 2, "{sessions}");
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/auth/sessions/{}", others[0]),
            Some(&ana),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/users/{ana_id}/sessions/{}", others[1]),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let revoked = entries(server, &admin, "action=session.revoked").await;
    let by: Vec<(Value, Value, Value)> = revoked
        .iter()
        .map(|entry| {
            (
                entry["subject_id"].clone(),
                entry["actor_id"].clone(),
                entry["after"]["user_id"].clone(),
            )
        })
        .collect();
    assert!(
        by.contains(&(json!(others[0]), json!(ana_id), json!(ana_id))),
        "{by:?}"
    );
    assert!(
        by.contains(&(json!(others[1]), json!(admin_id), json!(ana_id))),
        "{by:?}"
    );

    // Ana's other sessions end at once, the count recorded.
    server.login(ANA).await;
    let (status, body) = server
        .post("/api/v1/auth/sessions/revoke-others", &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let all_others = only(server, &admin, "session.others_revoked").await;
    assert_eq!(
        (&all_others["actor_id"], &all_others["after"]["revoked"]),
        (&json!(ana_id), &body["revoked"])
    );

    // A password change: a wrong current password, then the change.
    let change = |current: &str| {
        server.post(
            "/api/v1/auth/password",
            &ana,
            json!({"current_password": current, "new_password": "a brand new password 42"}),
        )
    };
    assert_eq!(
        change("not my password").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        only(server, &admin, "auth.reauthentication_failed").await["actor_id"],
        ana_id.as_str()
    );
    let (status, body) = change(PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let changed = only(server, &admin, "user.password_changed").await;
    assert_eq!(
        (
            &changed["subject_id"],
            &changed["actor_id"],
            &changed["after"]["sessions_ended"]
        ),
        (&json!(ana_id), &json!(ana_id), &body["revoked"])
    );
    let everything = entries(server, &admin, "").await;
    assert!(!Value::from(everything).to_string().contains("brand new"));
}

#[tokio::test]
async fn passwords_sessions_and_api_tokens_are_in_the_audit_trail() {
    on_every_backend!(credentials_and_sessions);
}
