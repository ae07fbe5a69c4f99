//! The demo core-banking API over HTTP, driven in-process with `oneshot`: every endpoint's
//! success shape, its errors, and the contract with the demo bot profile's actions.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode};
use jiff::civil::{Date, date};
use serde_json::{Value, json};
use tower::ServiceExt;

use tandem_demo_bank::{DEMO_CUSTOMERS, demo_cpfs, router};

/// A Friday, so business-day arithmetic is visible.
const TODAY: Date = date(2026, 11, 13);
const MARIANA: &str = "52998224725";
const OTAVIO: &str = "14890235779";
/// Valid check digits, but nobody in the demo table.
const STRANGER: &str = "11144477735";
const BAD_CHECK_DIGITS: &str = "52998224724";

/// The key the tests' API is built with.
const KEY: &str = "test-core-banking-key";

fn app() -> Router {
    router(KEY, || TODAY)
}

async fn call(
    app: Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
    language: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {KEY}"));
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("a valid request");
    let response = app.oneshot(request).await.expect("routers are infallible");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a small body");
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, json)
}

async fn get(uri: &str) -> (StatusCode, Value) {
    call(app(), Method::GET, uri, None, None).await
}

async fn post(uri: &str, body: Value) -> (StatusCode, Value) {
    call(app(), Method::POST, uri, Some(body), None).await
}

/// One endpoint asked about one CPF, the way the bot would ask.
async fn ask(endpoint: Endpoint, cpf: &str) -> (StatusCode, Value) {
    match endpoint {
        Endpoint::Post(path) => post(path, json!({"cpf": cpf, "date": "2026-11-20"})).await,
        Endpoint::Query(path) => get(&format!("{path}?cpf={cpf}")).await,
        Endpoint::Balance => get(&format!("/accounts/{cpf}/balance")).await,
    }
}

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Post(&'static str),
    Query(&'static str),
    Balance,
}

const ENDPOINTS: [Endpoint; 8] = [
    Endpoint::Post("/boletos/second-copy"),
    Endpoint::Balance,
    Endpoint::Post("/statements"),
    Endpoint::Post("/cards/block"),
    Endpoint::Query("/cards/invoice"),
    Endpoint::Query("/cards/delivery"),
    Endpoint::Query("/loans/offer"),
    Endpoint::Post("/appointments/reschedule"),
];

#[tokio::test]
async fn second_copy_returns_amount_due_date_and_a_digitable_line() {
    let (status, body) = post("/boletos/second-copy", json!({"cpf": MARIANA})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["amount"], "129,90");
    assert_eq!(body["due_date"], "18/11/2026");
    let line = body["digitable_line"].as_str().unwrap();
    assert_eq!(line.chars().filter(char::is_ascii_digit).count(), 47);
    assert!(line.starts_with("99990.0010"), "{line}");
}

#[tokio::test]
async fn an_overdue_boleto_comes_back_due_today_with_fee_and_interest() {
    let (status, body) = post("/boletos/second-copy", json!({"cpf": "123.456.789-09"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["amount"], "498,55");
    assert_eq!(body["due_date"], "13/11/2026");
}

#[tokio::test]
async fn balance_returns_available_and_invested() {
    let (status, body) = get(&format!("/accounts/{MARIANA}/balance")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"available": "4.872,31", "invested": "15.300,00"})
    );
}

#[tokio::test]
async fn statement_returns_the_masked_email() {
    let (status, body) = post("/statements", json!({"cpf": MARIANA})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"email": "ma***@example.com"}));
}

#[tokio::test]
async fn card_block_returns_digits_a_protocol_and_delivery_days() {
    let (status, body) = post("/cards/block", json!({"cpf": MARIANA})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"last_digits": "4821", "protocol": "AUR-26111301", "delivery_days": 7})
    );
}

#[tokio::test]
async fn every_protocol_matches_the_profiles_reference_pattern() {
    // The profile's pattern is `\bAUR-?\d{8}\b`.
    for cpf in demo_cpfs() {
        let (status, body) = post("/cards/block", json!({"cpf": cpf})).await;
        if status == StatusCode::NOT_FOUND {
            continue;
        }
        let protocol = body["protocol"].as_str().unwrap();
        let digits = protocol.strip_prefix("AUR-").unwrap();
        assert_eq!(digits.len(), 8, "{protocol}");
        assert!(
            digits.bytes().all(|byte| byte.is_ascii_digit()),
            "{protocol}"
        );
    }
}

#[tokio::test]
async fn card_invoice_returns_amount_and_the_next_due_date() {
    let (status, body) = get(&format!("/cards/invoice?cpf={MARIANA}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"amount": "1.347,82", "due_date": "10/12/2026"})
    );
}

#[tokio::test]
async fn card_delivery_returns_status_and_estimated_date_in_business_days() {
    let (status, body) = get(&format!("/cards/delivery?cpf={MARIANA}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"status": "em trânsito", "status_code": "in_transit", "estimated_date": "18/11/2026"})
    );
}

#[tokio::test]
async fn loan_offer_returns_amount_rate_and_installments() {
    let (status, body) = get(&format!("/loans/offer?cpf={MARIANA}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"max_amount": "25.000,00", "monthly_rate": "1,89", "max_installments": 48})
    );
}

#[tokio::test]
async fn reschedule_keeps_time_and_branch_and_moves_weekends_to_monday() {
    let (status, body) = post(
        "/appointments/reschedule",
        json!({"cpf": MARIANA, "date": "2026-11-19"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"date": "19/11/2026", "time": "10:30", "branch": "Paulista"})
    );
    let (_, saturday) = post(
        "/appointments/reschedule",
        json!({"cpf": MARIANA, "date": "2026-11-21"}),
    )
    .await;
    assert_eq!(saturday["date"], "23/11/2026");
}

#[tokio::test]
async fn accept_language_formats_for_english_and_spanish() {
    let uri = format!("/loans/offer?cpf={MARIANA}");
    let (_, english) = call(app(), Method::GET, &uri, None, Some("en-US,en;q=0.9")).await;
    assert_eq!(english["max_amount"], "25,000.00");
    assert_eq!(english["monthly_rate"], "1.89");
    let uri = format!("/cards/delivery?cpf={MARIANA}");
    let (_, english) = call(app(), Method::GET, &uri, None, Some("en")).await;
    assert_eq!(english["status"], "in transit");
    assert_eq!(english["estimated_date"], "Nov 18, 2026");
    let (_, spanish) = call(app(), Method::GET, &uri, None, Some("es-AR")).await;
    assert_eq!(spanish["status"], "en camino");
    assert_eq!(spanish["estimated_date"], "18/11/2026");
}

#[tokio::test]
async fn dates_follow_the_injected_clock() {
    let later = router(KEY, || date(2027, 1, 29));
    let (_, body) = call(
        later,
        Method::GET,
        &format!("/cards/invoice?cpf={MARIANA}"),
        None,
        None,
    )
    .await;
    assert_eq!(body["due_date"], "10/02/2027");
    let (first, _) = post("/cards/block", json!({"cpf": MARIANA})).await;
    let (second, again) = post("/cards/block", json!({"cpf": MARIANA})).await;
    assert_eq!((first, second), (StatusCode::OK, StatusCode::OK));
    assert_eq!(again["protocol"], "AUR-26111301", "deterministic");
}

#[tokio::test]
async fn every_endpoint_answers_every_complete_demo_customer() {
    for customer in DEMO_CUSTOMERS
        .iter()
        .filter(|customer| customer.cpf != OTAVIO)
    {
        for endpoint in ENDPOINTS {
            let (status, body) = ask(endpoint, customer.cpf).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{endpoint:?} {}: {body}",
                customer.name
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_cpf_is_404_unknown_customer_everywhere() {
    for endpoint in ENDPOINTS {
        let (status, body) = ask(endpoint, STRANGER).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint:?}");
        assert_eq!(body["error"]["code"], "unknown_customer", "{endpoint:?}");
        assert!(body["error"]["message"].is_string());
    }
}

#[tokio::test]
async fn a_malformed_cpf_is_422_naming_the_field_everywhere() {
    for cpf in [BAD_CHECK_DIGITS, "123", "abc"] {
        for endpoint in ENDPOINTS {
            let (status, body) = ask(endpoint, cpf).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{endpoint:?} {cpf}"
            );
            assert_eq!(body["error"]["code"], "invalid_input");
            assert_eq!(
                body["error"]["details"],
                json!([{
                    "field": "cpf",
                    "code": "invalid_cpf",
                    "message": body["error"]["details"][0]["message"],
                }]),
                "{endpoint:?} {cpf}"
            );
        }
    }
}

#[tokio::test]
async fn a_missing_cpf_is_422_naming_the_field() {
    for path in [
        "/boletos/second-copy",
        "/statements",
        "/cards/block",
        "/appointments/reschedule",
    ] {
        let (status, body) = post(path, json!({"date": "2026-11-20"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(body["error"]["details"][0]["field"], "cpf", "{path}");
        assert_eq!(body["error"]["details"][0]["code"], "missing", "{path}");
    }
    for path in ["/cards/invoice", "/cards/delivery", "/loans/offer"] {
        let (status, body) = get(path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(body["error"]["details"][0]["field"], "cpf", "{path}");
    }
    let (status, body) = post("/cards/block", json!({"cpf": 52998224725u64})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"][0]["code"], "not_a_string");
}

#[tokio::test]
async fn a_bad_reschedule_date_is_422_naming_the_date() {
    let cases = [
        (json!({"cpf": MARIANA}), "missing"),
        (
            json!({"cpf": MARIANA, "date": "20/11/2026"}),
            "invalid_date",
        ),
        (
            json!({"cpf": MARIANA, "date": "2026-11-12"}),
            "date_in_past",
        ),
        (
            json!({"cpf": MARIANA, "date": "2027-06-01"}),
            "date_too_far",
        ),
    ];
    for (request, code) in cases {
        let (status, body) = post("/appointments/reschedule", request).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        assert_eq!(
            body["error"]["details"],
            json!([{"field": "date", "code": code, "message": body["error"]["details"][0]["message"]}])
        );
    }
    let (_, both) = post("/appointments/reschedule", json!({})).await;
    let fields: Vec<&Value> = both["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|detail| &detail["field"])
        .collect();
    assert_eq!(fields, ["cpf", "date"]);
}

#[tokio::test]
async fn a_request_without_the_key_is_401_and_reads_nothing() {
    for authorization in [None, Some("Bearer wrong-key"), Some(KEY)] {
        let mut request = Request::get(format!("/accounts/{MARIANA}/balance"));
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let response = app()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated");
        assert!(body.get("available").is_none());
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_400() {
    for raw in ["not json", "[1, 2]", "\"52998224725\""] {
        let request = Request::post("/cards/block")
            .header("authorization", format!("Bearer {KEY}"))
            .header("content-type", "application/json")
            .body(Body::from(raw))
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{raw}");
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"]["code"], "invalid_json");
    }
}

#[tokio::test]
async fn a_basic_account_has_balance_and_statement_but_nothing_else() {
    let expected = [
        (ENDPOINTS[0], Some("no_open_boleto")),
        (ENDPOINTS[1], None),
        (ENDPOINTS[2], None),
        (ENDPOINTS[3], Some("no_card")),
        (ENDPOINTS[4], Some("no_card")),
        (ENDPOINTS[5], Some("no_card")),
        (ENDPOINTS[6], Some("no_loan_offer")),
        (ENDPOINTS[7], Some("no_appointment")),
    ];
    for (endpoint, code) in expected {
        let (status, body) = ask(endpoint, OTAVIO).await;
        match code {
            None => assert_eq!(status, StatusCode::OK, "{endpoint:?}"),
            Some(code) => {
                assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint:?}");
                assert_eq!(body["error"]["code"], code, "{endpoint:?}");
            }
        }
    }
}

#[tokio::test]
async fn an_unknown_path_is_a_json_404() {
    let (status, body) = get("/accounts").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "route_not_found");
}

/// One `action:` block of the demo profile, read as text.
#[derive(Debug, Default)]
struct ProfileAction {
    method: String,
    path: String,
    send: Vec<String>,
    result_fields: Vec<String>,
}

/// The `action:` blocks of `profiles/demo-bank.yaml`: method, path after
/// `{core_banking_url}`, the sent slots and every `{result.X}` its replies use.
fn profile_actions() -> Vec<ProfileAction> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tandem-bot/profiles/demo-bank.yaml"
    );
    let yaml = std::fs::read_to_string(path).expect("the demo profile is readable");
    let mut actions = Vec::new();
    let mut current: Option<(usize, ProfileAction)> = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if let Some((action_indent, action)) = &mut current {
            if trimmed.is_empty() || indent > *action_indent {
                if let Some(method) = trimmed.strip_prefix("method:") {
                    action.method = method.trim().to_owned();
                } else if let Some(url) = trimmed.strip_prefix("url:") {
                    let url = url.trim().trim_matches('"');
                    action.path = url
                        .strip_prefix("{core_banking_url}")
                        .unwrap_or_else(|| panic!("not on core_banking_url: {url}"))
                        .to_owned();
                } else if let Some(send) = trimmed.strip_prefix("send:") {
                    action.send = send
                        .trim()
                        .trim_matches(['[', ']'])
                        .split(',')
                        .map(|slot| slot.trim().to_owned())
                        .filter(|slot| !slot.is_empty())
                        .collect();
                }
                for piece in trimmed.split("{result.").skip(1) {
                    let field = piece
                        .split(['}', '|'])
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    if !action.result_fields.contains(&field) {
                        action.result_fields.push(field);
                    }
                }
                continue;
            }
            if let Some((_, action)) = current.take() {
                actions.push(action);
            }
        }
        if trimmed == "action:" {
            current = Some((indent, ProfileAction::default()));
        }
    }
    if let Some((_, action)) = current {
        actions.push(action);
    }
    actions
}

#[test]
fn the_profile_has_the_eight_actions_this_api_serves() {
    let mut calls: Vec<String> = profile_actions()
        .iter()
        .map(|action| {
            format!(
                "{} {} [{}] -> {}",
                action.method,
                action.path,
                action.send.join(", "),
                action.result_fields.join(", ")
            )
        })
        .collect();
    calls.sort();
    assert_eq!(
        calls,
        [
            "GET /accounts/{cpf}/balance [] -> available, invested",
            "GET /cards/delivery [cpf] -> status, estimated_date",
            "GET /cards/invoice [cpf] -> amount, due_date",
            "GET /loans/offer [cpf] -> max_amount, monthly_rate, max_installments",
            "POST /appointments/reschedule [cpf, date] -> date, time, branch",
            "POST /boletos/second-copy [cpf] -> amount, due_date, digitable_line",
            "POST /cards/block [cpf] -> last_digits, protocol, delivery_days",
            "POST /statements [cpf] -> email",
        ]
    );
}

#[tokio::test]
async fn every_result_field_the_profile_prints_is_served() {
    // Requests are built the way tandem-bot builds them: slots filled into the path,
    // sent slots as query parameters for GET and as a JSON object of strings for POST.
    let slot = |name: &str| match name {
        "cpf" => MARIANA.to_owned(),
        "date" => "2026-11-20".to_owned(),
        other => panic!("the profile sends a slot this test does not know: {other}"),
    };
    for action in profile_actions() {
        let mut uri = action.path.replace("{cpf}", &slot("cpf"));
        let (method, body) = match action.method.as_str() {
            "GET" => {
                let query: Vec<String> = action
                    .send
                    .iter()
                    .map(|name| format!("{name}={}", slot(name)))
                    .collect();
                if !query.is_empty() {
                    uri = format!("{uri}?{}", query.join("&"));
                }
                (Method::GET, None)
            }
            "POST" => {
                let body: serde_json::Map<String, Value> = action
                    .send
                    .iter()
                    .map(|name| (name.clone(), Value::String(slot(name))))
                    .collect();
                (Method::POST, Some(Value::Object(body)))
            }
            other => panic!("unexpected method {other}"),
        };
        for language in [None, Some("es"), Some("en")] {
            let (status, result) = call(app(), method.clone(), &uri, body.clone(), language).await;
            assert_eq!(status, StatusCode::OK, "{action:?}: {result}");
            for field in &action.result_fields {
                let value = field
                    .split('.')
                    .try_fold(&result, |value, segment| value.get(segment));
                assert!(
                    value.is_some_and(|value| !value.is_null()),
                    "{} {} lacks result.{field}: {result}",
                    action.method,
                    action.path
                );
            }
        }
    }
}
