//! Login protection through HTTP: throttling and lockout per e-mail address and per client
//! address (with a stopped clock that the test moves, so nothing sleeps), the password policy,
//! two-factor authentication end to end (codes computed here from the secret with RFC 6238), a
//! per-account two-factor requirement, and re-authentication before sensitive changes.

use std::sync::Arc;

use jiff::SignedDuration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_app::ports::{Clock, ManualClock};
use tandem_app::totp;

use crate::harness::{ADMIN, ANA, BRUNO, PASSWORD, TestServer, error_fields};

/// A server on each backend with a stopped clock, trusting the loopback proxy's
/// `X-Forwarded-For`.
pub(crate) async fn servers() -> Vec<(TestServer, Arc<ManualClock>)> {
    let mut servers = Vec::new();
    for backend in tandem_store::testing::backends() {
        let clock = Arc::new(ManualClock::stopped_now());
        let server = TestServer::spawn_with_clock(backend, clock.clone(), |config| {
            config.trusted_proxies = vec!["127.0.0.1".into(), "::1".into()];
        })
        .await;
        servers.push((server, clock));
    }
    servers
}

/// Logs in from `client` (sent as `X-Forwarded-For`); the status, body and `Retry-After`.
pub(crate) async fn login_from(
    server: &TestServer,
    client: &str,
    email: &str,
    password: &str,
) -> (StatusCode, Value, Option<String>) {
    let response = server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .header("x-forwarded-for", client)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap(), retry_after)
}

fn retry_after_seconds(body: &Value) -> i64 {
    body["error"]["retry_after_seconds"].as_i64().unwrap()
}

#[tokio::test]
async fn thirty_wrong_passwords_lock_the_address_and_the_lockout_grows_then_expires() {
    for (server, clock) in servers().await {
        let backend = server.backend;
        let mut statuses = Vec::new();
        for n in 0..30 {
            // Each guess from its own client address: only the e-mail address's count matters here.
            let client = format!("198.51.100.{n}");
            let (status, _, _) = login_from(&server, &client, ANA, "wrong password").await;
            statuses.push(status.as_u16());
        }
        assert_eq!(statuses[..5], [401; 5], "{backend:?}: {statuses:?}");
        assert!(
            statuses[5..].iter().all(|s| *s == 429),
            "{backend:?}: {statuses:?}"
        );

        // The right password is refused while the address waits, with the time to wait.
        let (status, body, retry_after) = login_from(&server, "192.0.2.1", ANA, PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}: {body}");
        assert_eq!(body["error"]["code"], "too_many_attempts");
        assert_eq!(retry_after_seconds(&body), 1);
        assert_eq!(retry_after.as_deref(), Some("1"));

        // Each further failure, made once the wait is over, doubles the wait up to 15 minutes.
        let mut waits = vec![1];
        for _ in 0..5 {
            clock.advance(SignedDuration::from_secs(*waits.last().unwrap()));
            let (status, _, _) = login_from(&server, "192.0.2.1", ANA, "wrong password").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend:?}");
            let (_, body, _) = login_from(&server, "192.0.2.1", ANA, PASSWORD).await;
            waits.push(retry_after_seconds(&body));
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 900], "{backend:?}");

        // An unknown address is throttled exactly the same way.
        for _ in 0..5 {
            login_from(
                &server,
                "192.0.2.2",
                "nobody@aurora.example",
                "wrong password",
            )
            .await;
        }
        let (status, body, _) = login_from(
            &server,
            "192.0.2.2",
            "nobody@aurora.example",
            "wrong password",
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}");
        assert_eq!(retry_after_seconds(&body), 1);

        // Fifteen minutes later the lockout is over and the right password logs in.
        clock.advance(SignedDuration::from_secs(899));
        let (status, _, _) = login_from(&server, "192.0.2.1", ANA, PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "{backend:?}: a second early"
        );
        clock.advance(SignedDuration::from_secs(1));
        let (status, body, _) = login_from(&server, "192.0.2.1", ANA, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {body}");
        server.stop().await;
    }
}

#[tokio::test]
async fn one_client_guessing_across_many_addresses_is_throttled_but_others_are_not() {
    for (server, _clock) in servers().await {
        let backend = server.backend;
        for n in 0..20 {
            let email = format!("guess{n}@aurora.example");
            let (status, _, _) = login_from(&server, "203.0.113.7", &email, "wrong password").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend:?}: attempt {n}");
        }
        // A fresh address from the same client waits; so does a real user's right password.
        let (status, body, retry_after) = login_from(
            &server,
            "203.0.113.7",
            "fresh@aurora.example",
            "wrong password",
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}: {body}");
        assert!(retry_after.is_some());
        let (status, _, _) = login_from(&server, "203.0.113.7", BRUNO, PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}");
        // Another client, and the same person from elsewhere, are not slowed down.
        let (status, _, _) = login_from(&server, "203.0.113.8", BRUNO, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}");
        server.stop().await;
    }
}

#[tokio::test]
async fn weak_passwords_are_refused_with_a_field_error_wherever_a_password_is_set() {
    for (server, _clock) in servers().await {
        let backend = server.backend;
        let admin = server.login(ADMIN).await;
        let cases = [
            ("1234567890", "password_too_common"),
            ("short one", "password_too_short"),
            ("the santos family rocks", "password_contains_personal_info"),
        ];
        for (password, code) in cases {
            let (status, body) = server
                .post(
                    "/api/v1/users",
                    &admin,
                    json!({"email": "eve@aurora.example", "name": "Eve Santos", "role": "agent", "password": password}),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend:?}: {body}"
            );
            assert_eq!(error_fields(&body), ["password"], "{body}");
            assert_eq!(body["error"]["details"][0]["code"], code, "{body}");
        }
        let (_, me) = server.get("/api/v1/me", &server.login(ANA).await).await;
        let ana_path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
        let (status, body) = server
            .call(
                Method::PATCH,
                &ana_path,
                Some(&admin),
                Some(json!({"password": "1234567890", "current_password": PASSWORD})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}: {body}"
        );
        assert_eq!(body["error"]["details"][0]["code"], "password_too_common");
        server.stop().await;
    }
}

#[tokio::test]
async fn an_admin_setting_a_password_or_role_must_give_their_own_password_again() {
    for (server, _clock) in servers().await {
        let backend = server.backend;
        let admin = server.login(ADMIN).await;
        let (_, me) = server.get("/api/v1/me", &server.login(ANA).await).await;
        let ana_path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
        let new_password = json!({"password": "a brand new passphrase"});
        let (status, body) = server
            .call(Method::PATCH, &ana_path, Some(&admin), Some(new_password))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?}: {body}");
        assert_eq!(body["error"]["code"], "reauthentication_required");
        for body in [
            json!({"password": "a brand new passphrase", "current_password": "not my password"}),
            json!({"role": "supervisor"}),
        ] {
            let (status, answer) = server
                .call(Method::PATCH, &ana_path, Some(&admin), Some(body))
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?}: {answer}");
        }
        // Renaming is not sensitive.
        let (status, _) = server
            .call(
                Method::PATCH,
                &ana_path,
                Some(&admin),
                Some(json!({"name": "Ana S."})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = server
            .call(
                Method::PATCH,
                &ana_path,
                Some(&admin),
                Some(json!({"password": "a brand new passphrase", "current_password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {body}");
        // API tokens and the account's security settings ask too.
        let (status, _) = server
            .post("/api/v1/me/tokens", &admin, json!({"name": "ci"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = server
            .post(
                "/api/v1/me/tokens",
                &admin,
                json!({"name": "ci", "current_password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, _) = server
            .call(
                Method::PATCH,
                "/api/v1/account",
                Some(&admin),
                Some(json!({"require_two_factor": true})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        server.stop().await;
    }
}

/// The current code of a base32 secret by the server's clock, `steps` steps later.
pub(crate) fn code(secret: &str, clock: &ManualClock, steps: i64) -> String {
    let secret = data_encoding::BASE32_NOPAD
        .decode(secret.as_bytes())
        .unwrap();
    totp::code_at_step(&secret, totp::step_at(clock.now().as_second()) + steps)
}

/// Sets up and enables two-factor authentication for the session's user; returns the secret
/// and the recovery codes.
pub(crate) async fn enrol(
    server: &TestServer,
    clock: &ManualClock,
    token: &str,
) -> (String, Vec<String>) {
    let (status, setup) = server
        .post("/api/v1/auth/2fa/setup", token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(
        setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Tandem:")
    );
    let (status, body) = server
        .post("/api/v1/auth/2fa/enable", token, json!({"code": "000000"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["code"]);
    let (status, body) = server
        .post(
            "/api/v1/auth/2fa/enable",
            token,
            json!({"code": code(&secret, clock, 0)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes: Vec<String> = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

pub(crate) async fn password_step(server: &TestServer, email: &str) -> Value {
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["two_factor_required"], true, "{body}");
    assert!(body.get("token").is_none());
    body
}

async fn verify(server: &TestServer, challenge: &Value, code: &str) -> (StatusCode, Value) {
    server
        .call(
            Method::POST,
            "/api/v1/auth/2fa/verify",
            None,
            Some(json!({"challenge_token": challenge["challenge_token"], "code": code})),
        )
        .await
}

#[tokio::test]
async fn two_factor_login_takes_a_code_once_and_each_recovery_code_once() {
    for (server, clock) in servers().await {
        let backend = server.backend;
        let ana = server.login(ANA).await;
        let (secret, recovery) = enrol(&server, &clock, &ana).await;
        let (_, status) = server.get("/api/v1/auth/2fa", &ana).await;
        assert_eq!(status["enabled"], true, "{status}");
        assert_eq!(status["recovery_codes_left"], 10);

        // The password alone gives a challenge, not a session.
        let challenge = password_step(&server, ANA).await;
        let (status, body) = verify(&server, &challenge, "123456").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_two_factor_code");
        // The code used to enable is spent; the next step's code works once.
        let (status, _) = verify(&server, &challenge, &code(&secret, &clock, 0)).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{backend:?}: replayed enabling code"
        );
        clock.advance(SignedDuration::from_secs(30));
        let next = code(&secret, &clock, 0);
        let (status, body) = verify(&server, &challenge, &next).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {body}");
        let token = body["token"].as_str().unwrap().to_owned();
        let (status, _) = server.get("/api/v1/conversations", &token).await;
        assert_eq!(status, StatusCode::OK);
        // The challenge is spent, and the same code is refused on a new one.
        let (status, _) = verify(&server, &challenge, &next).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let again = password_step(&server, ANA).await;
        let (status, _) = verify(&server, &again, &next).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{backend:?}: replayed code"
        );

        // A recovery code (typed loosely) logs in once.
        let typed = recovery[0].to_uppercase();
        let (status, body) = verify(&server, &again, &typed).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {body}");
        let third = password_step(&server, ANA).await;
        let (status, _) = verify(&server, &third, &recovery[0]).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{backend:?}: reused recovery code"
        );

        // Disabling needs the password and a code.
        let (status, _) = server
            .post(
                "/api/v1/auth/2fa/disable",
                &token,
                json!({"code": recovery[1]}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = server
            .post(
                "/api/v1/auth/2fa/disable",
                &token,
                json!({"current_password": PASSWORD, "code": recovery[1]}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{backend:?}: {body}");
        let (status, body) = server
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": ANA, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body["token"].is_string(), "{body}");
        server.stop().await;
    }
}

#[tokio::test]
async fn guessing_codes_after_the_password_is_throttled_like_passwords() {
    for (server, clock) in servers().await {
        let backend = server.backend;
        let ana = server.login(ANA).await;
        enrol(&server, &clock, &ana).await;
        // Each round costs the address two attempts (the password, the code), and a right
        // password refunds nothing until the code is right too: the fifth attempt (the third
        // password) opens a wait, so the third code is not even checked.
        let mut statuses = Vec::new();
        for _ in 0..3 {
            let challenge = password_step(&server, ANA).await;
            let (status, _) = verify(&server, &challenge, "000000").await;
            statuses.push(status.as_u16());
        }
        assert_eq!(statuses, [401, 401, 429], "{backend:?}");
        let (status, body) = server
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": ANA, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}: {body}");
        server.stop().await;
    }
}

#[tokio::test]
async fn an_account_that_requires_two_factor_lets_users_without_it_only_enrol() {
    for (server, clock) in servers().await {
        let backend = server.backend;
        let admin = server.login(ADMIN).await;
        let (status, body) = server
            .call(
                Method::PATCH,
                "/api/v1/account",
                Some(&admin),
                Some(json!({"require_two_factor": true, "current_password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {body}");
        assert_eq!(body["require_two_factor"], true);

        // Bruno's password still works, but his session can only enrol.
        let (status, login) = server
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": BRUNO, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(login["two_factor_enrolment_required"], true, "{login}");
        let bruno = login["token"].as_str().unwrap().to_owned();
        let (status, body) = server.get("/api/v1/conversations", &bruno).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?}: {body}");
        assert_eq!(body["error"]["code"], "two_factor_enrolment_required");
        let (status, _) = server.get("/api/v1/me", &bruno).await;
        assert_eq!(status, StatusCode::OK);
        let (_, status_body) = server.get("/api/v1/auth/2fa", &bruno).await;
        assert_eq!(status_body["required"], true);
        assert_eq!(status_body["enabled"], false);

        enrol(&server, &clock, &bruno).await;
        let (status, _) = server.get("/api/v1/conversations", &bruno).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: enrolled");
        server.stop().await;
    }
}
