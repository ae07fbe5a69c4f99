//! Both screens in a real browser: headless Chromium driven over WebDriver (chromedriver). A
//! customer in the demo site's widget and an agent in the workspace play one conversation end to
//! end, and screenshots of the main screens are saved under the target directory
//! (`tmp/screenshots/`). A second test walks the security screens: enrolling in two-factor
//! authentication, the login's code step, and an admin's changes that need their password again.
//! Without Chromium and chromedriver the test is skipped, except under
//! `CI=true`, where that is a failure (`.ci/run` installs them).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tandem_app::totp;
use tandem_store::Backend;
use tokio::process::{Child, Command};

use crate::harness::{ADMIN, ANA, BRUNO, PASSWORD, TestServer};
use crate::provider::{Provider, TELEGRAM_TOKEN};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// What a customer types that must stay text on both screens.
const INJECTION: &str = "<img src=x onerror=alert(1)>";

/// A chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    url: String,
    _process: Child,
}

impl Driver {
    /// `None` when Chromium is not installed here (a failure under `CI=true`).
    async fn start() -> Option<Driver> {
        let installed = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
        if !installed {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI needs {CHROMIUM} and {CHROMEDRIVER} (Debian: chromium chromium-driver)"
            );
            eprintln!("skipping the browser test: chromium and chromedriver are not installed");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let status = reqwest::Client::new();
        for _ in 0..100 {
            if status
                .get(format!("{url}/status"))
                .send()
                .await
                .is_ok_and(|response| response.status().is_success())
            {
                return Some(Driver {
                    url,
                    _process: process,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not come up on port {port}");
    }

    /// A new browser with its own profile (cookies, storage).
    async fn browser(&self) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--disable-gpu", "--window-size=1366,900", "--lang=pt-BR"],
            }),
        );
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a browser session")
    }
}

/// Where screenshots go: the target directory's scratch space.
fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

/// Polls a JavaScript condition (the body of a function returning a boolean) for 15 seconds.
async fn wait_until(browser: &Client, what: &str, condition: &str) {
    for _ in 0..150 {
        let holds = browser.execute(condition, vec![]).await.unwrap();
        if holds == Value::Bool(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = browser.source().await.unwrap_or_default();
    panic!(
        "timed out waiting until {what}; page:\n{}",
        &page[..page.len().min(4000)]
    );
}

/// An element inside the widget's shadow root.
async fn in_widget(browser: &Client, selector: &str) -> Element {
    let host = browser
        .find(Locator::Css("#tandem-widget"))
        .await
        .expect("the widget is on the page");
    host.shadow_root()
        .await
        .expect("the widget has a shadow root")
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|error| panic!("{selector} in the widget: {error}"))
}

/// The JavaScript for "in the widget, `expression` holds", `w` being its shadow root.
fn widget_condition(expression: &str) -> String {
    format!(
        "const host = document.querySelector('#tandem-widget'); \
         const w = host && host.shadowRoot; if (!w) return false; return Boolean({expression});"
    )
}

/// Texts of the widget's messages of one author class (`tw-bot`, `tw-agent`, ...).
fn widget_has_message(class: &str, text_part: &str) -> String {
    widget_condition(&format!(
        "[...w.querySelectorAll('.tw-message.{class} .tw-text')].some(e => e.textContent.includes({}))",
        json!(text_part)
    ))
}

async fn click(browser: &Client, selector: &str) {
    browser
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|error| panic!("{selector}: {error}"))
        .click()
        .await
        .unwrap_or_else(|error| panic!("clicking {selector}: {error}"));
}

async fn type_into(browser: &Client, selector: &str, text: &str) {
    browser
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|error| panic!("{selector}: {error}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Opens the workspace and waits for its login form.
async fn open_workspace(browser: &Client, base: &str) {
    browser.goto(&format!("{base}/app/")).await.unwrap();
    wait_until(
        browser,
        "the login form shows",
        "const e = document.querySelector('#login-email'); return !!e && e.offsetParent !== null;",
    )
    .await;
}

/// Logs in on the workspace's form.
async fn log_in(browser: &Client, email: &str) {
    type_into(browser, "#login-email", email).await;
    type_into(browser, "#login-password", PASSWORD).await;
    click(browser, "#login-submit").await;
}

async fn customer_says(customer: &Client, text: &str) {
    in_widget(customer, "#tw-input")
        .await
        .send_keys(text)
        .await
        .unwrap();
    in_widget(customer, "#tw-send").await.click().await.unwrap();
}

#[tokio::test]
async fn a_customer_and_an_agent_play_one_conversation_in_real_browsers() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let server = TestServer::spawn(Backend::Sqlite).await;
    let agent = driver.browser().await;
    let customer = driver.browser().await;

    // The agent logs in to the workspace and waits on the inbox.
    open_workspace(&agent, &server.base).await;
    screenshot(&agent, "workspace-login").await;
    log_in(&agent, ANA).await;
    wait_for_inbox(&agent).await;

    // The customer asks a routine question in the widget and the bot answers.
    open_demo_widget(&customer, &server.base).await;
    customer_says(&customer, "Qual o horário de atendimento?").await;
    wait_until(
        &customer,
        "the bot answers",
        &widget_has_message("tw-bot", "8h"),
    )
    .await;
    customer_says(&customer, INJECTION).await;
    wait_until(
        &customer,
        "the customer's message shows",
        &widget_has_message("tw-customer", INJECTION),
    )
    .await;
    screenshot(&customer, "widget-bot-answer").await;

    // The customer asks for a person; the conversation appears in the agent's list, live.
    in_widget(&customer, "#tw-handover")
        .await
        .click()
        .await
        .unwrap();
    wait_until(
        &customer,
        "the customer sees their place in line",
        &widget_condition(
            "w.querySelector('#tw-queue') && /\\d/.test(w.querySelector('#tw-queue').textContent)",
        ),
    )
    .await;
    wait_until(
        &agent,
        "the conversation appears without a reload",
        "return document.querySelectorAll('#conversation-list .conversation-row').length > 0;",
    )
    .await;
    screenshot(&agent, "workspace-inbox").await;

    // The agent opens it, reads the handover context, takes it and replies.
    click(&agent, "#conversation-list .conversation-row").await;
    wait_until(
        &agent,
        "the context panel shows why the bot handed over",
        "const r = document.querySelector('#context-panel #handover-reason'); return !!r && r.textContent.trim().length > 0;",
    )
    .await;
    wait_until(
        &agent,
        "the customer's injection attempt shows as text",
        &format!(
            "return [...document.querySelectorAll('#transcript .message-customer .message-text')].some(e => e.textContent.includes({}));",
            json!(INJECTION)
        ),
    )
    .await;
    let injected = agent
        .execute(
            "return document.querySelectorAll('#transcript img').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        injected,
        json!(0),
        "customer text never becomes markup in the workspace"
    );
    let unassigned = agent
        .execute(
            "const b = document.querySelector('#action-assign-me'); return !!b && !b.disabled && !b.hidden && b.offsetParent !== null;",
            vec![],
        )
        .await
        .unwrap();
    if unassigned == json!(true) {
        click(&agent, "#action-assign-me").await;
    }
    wait_until(
        &agent,
        "the reply box is usable",
        "const r = document.querySelector('#reply-text'); return !!r && !r.disabled;",
    )
    .await;
    type_into(
        &agent,
        "#reply-text",
        "Oi! Sou a Ana, vou te ajudar. <b>negrito?</b>",
    )
    .await;
    click(&agent, "#reply-send").await;
    screenshot(&agent, "workspace-conversation").await;

    // The customer sees the agent join and reply, as text.
    wait_until(
        &customer,
        "the agent's reply arrives",
        &widget_has_message("tw-agent", "Sou a Ana"),
    )
    .await;
    let markup = customer
        .execute(
            &widget_condition(
                "w.querySelectorAll('#tw-messages img, #tw-messages b').length === 0",
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        markup,
        json!(true),
        "no message becomes markup in the widget"
    );
    screenshot(&customer, "widget-agent-reply").await;

    // The agent teaches the bot their reply; an admin reviews it under Admin > Learning.
    wait_until(
        &agent,
        "the agent's reply offers \"teach the bot\"",
        "return !!document.querySelector('#transcript .message-agent .teach-bot');",
    )
    .await;
    click(&agent, "#transcript .message-agent .teach-bot").await;
    wait_until(
        &agent,
        "the reply is sent for review",
        "return !!document.querySelector('.toast-ok');",
    )
    .await;

    // The agent resolves; the customer rates the conversation.
    click(&agent, "#action-resolve").await;
    wait_until(
        &customer,
        "the rating is offered",
        &widget_condition("w.querySelector('#tw-rating') && !w.querySelector('#tw-rating').hidden"),
    )
    .await;
    in_widget(&customer, ".tw-star[data-score=\"5\"]")
        .await
        .click()
        .await
        .unwrap();
    in_widget(&customer, "#tw-rating-comment")
        .await
        .send_keys("Resolveu rápido")
        .await
        .unwrap();
    in_widget(&customer, "#tw-rating-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_until(
        &customer,
        "the customer is thanked",
        &widget_condition(
            "w.querySelector('#tw-rating-thanks') && !w.querySelector('#tw-rating-thanks').hidden",
        ),
    )
    .await;
    screenshot(&customer, "widget-rating").await;

    // The rating is stored on the conversation.
    let admin = server.login(ADMIN).await;
    let (status, conversations) = server
        .get("/api/v1/conversations?status=resolved", &admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    let conversation = conversations["data"][0]["id"].as_str().unwrap().to_owned();
    let (_, events) = server
        .get(
            &format!("/api/v1/conversations/{conversation}/events"),
            &admin,
        )
        .await;
    let rating = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["type"] == "survey_answered")
        .unwrap_or_else(|| panic!("no rating stored: {events}"));
    assert_eq!(rating["data"]["score"], 5);
    assert_eq!(rating["data"]["comment"], "Resolveu rápido");

    // A supervisor's view of the same account.
    let supervisor = driver.browser().await;
    open_workspace(&supervisor, &server.base).await;
    log_in(&supervisor, ADMIN).await;
    wait_until(
        &supervisor,
        "the supervisor link shows",
        "const n = document.querySelector('#nav-supervisor'); return !!n && !n.hidden && n.offsetParent !== null;",
    )
    .await;
    click(&supervisor, "#nav-supervisor").await;
    wait_until(
        &supervisor,
        "the supervisor view shows",
        "return !!document.querySelector('#supervisor-agents');",
    )
    .await;
    screenshot(&supervisor, "workspace-supervisor").await;
    // Its reports card counts the conversation and its rating, with the three trend charts, lists
    // the agents with their occupancy and the customer's answer with its comment.
    wait_until(
        &supervisor,
        "the reports card shows the rated conversation",
        "const row = document.querySelector('#supervisor-reports tr.report-total'); \
         const cell = (metric) => row && row.querySelector(`td[data-metric=\"${metric}\"]`).textContent; \
         return !!row && cell('conversations') !== '0' && cell('csat_positive_rate') === '100%' \
           && document.querySelectorAll('#supervisor-reports svg.trend-chart').length === 3 \
           && document.querySelectorAll('#reports-agents tr.report-agent td[data-metric=\"occupancy\"]').length > 0 \
           && [...document.querySelectorAll('#reports-surveys .survey-comment')].some(c => c.textContent.includes('Resolveu rápido'));",
    )
    .await;
    supervisor
        .execute(
            "document.querySelector('#supervisor-reports').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&supervisor, "workspace-reports").await;
    supervisor
        .goto(&format!("{}/app/#/admin/learning", server.base))
        .await
        .unwrap();
    wait_until(
        &supervisor,
        "the taught reply waits for review, as text",
        "return [...document.querySelectorAll('.learning-suggestion .learning-body')].some(e => e.value.includes('Sou a Ana')) \
         && document.querySelectorAll('.learning-suggestion b').length === 0;",
    )
    .await;
    screenshot(&supervisor, "workspace-learning").await;

    for browser in [agent, customer, supervisor] {
        browser.close().await.unwrap();
    }
    server.stop().await;
}

/// An agent's day in the workspace: the alert settings, going online and seeing at once what
/// routing assigned, the unread count in the tab title, the keyboard shortcuts, and the phone
/// layout, with screenshots of each.
#[tokio::test]
async fn an_agent_goes_online_is_alerted_and_works_from_the_keyboard_and_a_phone() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let server = TestServer::spawn(Backend::Sqlite).await;
    let agent = driver.browser().await;
    open_workspace(&agent, &server.base).await;
    log_in(&agent, ANA).await;
    wait_for_inbox(&agent).await;

    // Her alert settings, kept per user.
    click(&agent, "#alerts-button").await;
    wait_until(
        &agent,
        "the alert settings open",
        "const p = document.querySelector('#alerts-panel'); return !!p && !p.hidden \
         && !!document.querySelector('#alert-sound') && !!document.querySelector('#alert-title');",
    )
    .await;
    screenshot(&agent, "workspace-alert-settings").await;
    click(&agent, "#alerts-close").await;

    // Two customers ask for a person while she is away; going online shows what she got.
    for (phone, text) in [
        ("+5511970000001", "quero falar com um atendente"),
        (
            "+5511970000002",
            "preciso falar com uma pessoa sobre meu cartão",
        ),
    ] {
        let (status, body) = server.inbound(phone, text, &format!("{phone}-1")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let admin = server.login(ADMIN).await;
    server
        .eventually("/api/v1/conversations?status=queued", &admin, |body| {
            body["data"]
                .as_array()
                .is_some_and(|queued| queued.len() == 2)
        })
        .await;
    run(
        &agent,
        "const p = document.querySelector('#presence'); p.value = 'online'; \
         p.dispatchEvent(new Event('change', { bubbles: true }));",
    )
    .await;
    wait_until(
        &agent,
        "going online lists the conversations routing assigned",
        "return document.querySelectorAll('#online-assignments .online-assignment').length > 0;",
    )
    .await;
    screenshot(&agent, "workspace-going-online").await;
    click(&agent, "#online-assignments-close").await;

    // A customer writes again while she is elsewhere: the tab title counts it.
    let (status, body) = server
        .inbound("+5511970000001", "oi, alguém aí?", "+5511970000001-2")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    wait_until(
        &agent,
        "the tab title counts unread customer messages",
        "return /^\\(\\d+\\) Tandem$/.test(document.title);",
    )
    .await;

    // The keyboard: "?" lists the shortcuts, "j" opens the first conversation.
    run(
        &agent,
        "document.dispatchEvent(new KeyboardEvent('keydown', { key: '?', bubbles: true }));",
    )
    .await;
    wait_until(
        &agent,
        "the shortcuts are listed",
        "const d = document.querySelector('#shortcuts-help'); return !!d && d.open \
         && d.querySelectorAll('kbd').length >= 6;",
    )
    .await;
    screenshot(&agent, "workspace-shortcuts").await;
    click(&agent, "#shortcuts-help-close").await;
    run(
        &agent,
        "document.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));",
    )
    .await;
    wait_until(
        &agent,
        "j opens a conversation",
        "return !!document.querySelector('#transcript');",
    )
    .await;

    // At phone width the list and the conversation are separate screens, nothing scrolls sideways.
    agent.set_window_size(360, 740).await.unwrap();
    click(&agent, "#nav-back").await;
    wait_until(
        &agent,
        "the phone shows the list alone",
        "return document.body.dataset.screen === 'inbox' \
         && document.documentElement.scrollWidth <= window.innerWidth;",
    )
    .await;
    screenshot(&agent, "workspace-phone-inbox").await;
    click(&agent, "#conversation-list .conversation-row").await;
    wait_until(
        &agent,
        "the phone shows the conversation alone",
        "return document.body.dataset.screen === 'conversation' && !!document.querySelector('#transcript') \
         && document.documentElement.scrollWidth <= window.innerWidth;",
    )
    .await;
    screenshot(&agent, "workspace-phone-conversation").await;

    // A team created a moment ago is offered in the transfer dialog, without a reload; the
    // transfer carries a note, and the customer is told which team continues.
    agent.set_window_size(1366, 768).await.unwrap();

    // Labels: on the open conversation, then the rows checked for a bulk action.
    click(&agent, "#action-labels").await;
    wait_until(
        &agent,
        "the labels dialog opens",
        "const d = document.querySelector('#labels-dialog'); return !!d && d.open;",
    )
    .await;
    type_into(&agent, "#labels-input", "VIP, segunda via").await;
    click(&agent, "#labels-save").await;
    wait_until(
        &agent,
        "the conversation shows its labels",
        "return [...document.querySelectorAll('#conversation-labels .label-chip')].map(c => c.textContent.trim()).join(',') === 'segunda via,vip';",
    )
    .await;
    click(
        &agent,
        "#conversation-list .conversation-item input.row-select",
    )
    .await;
    wait_until(
        &agent,
        "the bulk bar offers its actions",
        "const b = document.querySelector('#bulk-bar'); return !!b && !b.hidden && !!document.querySelector('#bulk-resolve');",
    )
    .await;
    screenshot(&agent, "workspace-labels").await;
    click(&agent, "#bulk-clear").await;

    let (status, team) = server
        .post("/api/v1/teams", &admin, json!({"name": "Cartões"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let team_id = team["id"].as_str().expect("a team id").to_owned();
    click(&agent, "#action-transfer").await;
    wait_until(
        &agent,
        "the new team is offered",
        &format!(
            "return !!document.querySelector('#transfer-target option[value=\"team:{team_id}\"]');"
        ),
    )
    .await;
    run(
        &agent,
        &format!("document.querySelector('#transfer-target').value = 'team:{team_id}';"),
    )
    .await;
    type_into(
        &agent,
        "#transfer-note",
        "Quer aumentar o limite do cartão.",
    )
    .await;
    screenshot(&agent, "workspace-transfer").await;
    click(&agent, "#transfer-confirm").await;
    let moved = server
        .eventually("/api/v1/conversations?status=queued", &admin, |body| {
            body["data"]
                .as_array()
                .is_some_and(|queued| queued.iter().any(|c| c["team_id"] == team_id.as_str()))
        })
        .await;
    let conversation = moved["data"]
        .as_array()
        .and_then(|queued| queued.iter().find(|c| c["team_id"] == team_id.as_str()))
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("{moved}"))
        .to_owned();
    server
        .bot_texts_once(&admin, &conversation, |texts| {
            texts.iter().any(|text| text.contains("equipe Cartões"))
        })
        .await;

    agent.close().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn a_team_searches_keeps_contacts_saves_views_and_edits_the_bot_in_a_form() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let provider = Provider::start().await;
    let server = TestServer::spawn_with(Backend::Sqlite, |config| provider.configure(config)).await;
    let admin = server.login(ADMIN).await;
    let ana_token = server.login(ANA).await;
    let mut conversations = Vec::new();
    for (phone, text) in [
        (
            "+5511980000001",
            "Preciso da segunda via do BOLETO de março",
        ),
        (
            "+5511980000002",
            "quero falar com um atendente sobre a fatura",
        ),
    ] {
        let (status, body) = server.inbound(phone, text, &format!("{phone}-1")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        conversations.push(body["conversation"]["id"].as_str().expect("id").to_owned());
    }
    let agent = driver.browser().await;
    open_workspace(&agent, &server.base).await;
    log_in(&agent, ANA).await;
    wait_until(
        &agent,
        "the inbox shows",
        "return !!document.querySelector('#conversation-search');",
    )
    .await;

    // Search: the conversation by two words (one cut short), with its snippet marked.
    type_into(&agent, "#conversation-search", "segunda bol").await;
    wait_until(
        &agent,
        "the search finds the conversation with its words marked",
        &format!(
            "const hit = document.querySelector('.search-hit[data-conversation-id=\"{}\"]'); \
             return !!hit && [...hit.querySelectorAll('mark')].map(m => m.textContent).join(',') === 'segunda,BOLETO';",
            conversations[0]
        ),
    )
    .await;
    screenshot(&agent, "workspace-search").await;
    run(
        &agent,
        "const f = document.querySelector('#conversation-search'); f.value = ''; \
         f.dispatchEvent(new Event('input', { bubbles: true }));",
    )
    .await;
    wait_until(
        &agent,
        "the list is back",
        "return document.querySelector('#search-results').hidden;",
    )
    .await;

    // A saved view: the current filters under a name, shown as the list's title when applied.
    click(&agent, "#view-save").await;
    wait_until(
        &agent,
        "the save-view dialog opens",
        "return !!document.querySelector('#view-name');",
    )
    .await;
    type_into(&agent, "#view-name", "Minha fila").await;
    click(&agent, "#view-save-confirm").await;
    wait_until(
        &agent,
        "the view is listed",
        "return [...document.querySelectorAll('.saved-view')].some(v => v.textContent.includes('Minha fila'));",
    )
    .await;
    let (_, views) = server.get("/api/v1/views", &ana_token).await;
    assert_eq!(views["data"][0]["name"], "Minha fila", "{views}");
    screenshot(&agent, "workspace-saved-views").await;

    // Transfer to a named colleague, with a note; the customer is told who continues.
    let transferred = &conversations[1];
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{transferred}/assign"),
            &ana_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    agent
        .goto(&format!(
            "{}/app/#/conversations/{transferred}",
            server.base
        ))
        .await
        .unwrap();
    wait_until(
        &agent,
        "the conversation opens",
        "return !!document.querySelector('#action-transfer');",
    )
    .await;
    click(&agent, "#action-transfer").await;
    wait_until(
        &agent,
        "the transfer dialog offers agents",
        "return !!document.querySelector('#transfer-kind-agent');",
    )
    .await;
    click(&agent, "#transfer-kind-agent").await;
    let bruno = crate::audit::user_id(&server, &admin, BRUNO).await;
    run(
        &agent,
        &format!("document.querySelector('#transfer-agent').value = '{bruno}';"),
    )
    .await;
    type_into(
        &agent,
        "#transfer-note",
        "A fatura veio em dobro; já conferi.",
    )
    .await;
    screenshot(&agent, "workspace-transfer-agent").await;
    click(&agent, "#transfer-confirm").await;
    server
        .eventually(
            &format!("/api/v1/conversations/{transferred}"),
            &admin,
            |body| body["assignee_id"] == bruno.as_str(),
        )
        .await;
    server
        .bot_texts_once(&admin, transferred, |texts| {
            texts
                .iter()
                .any(|text| text.starts_with("Bruno vai continuar"))
        })
        .await;

    // Contacts: the list, a profile, a note.
    click(&agent, "#nav-contacts").await;
    wait_until(
        &agent,
        "the contacts are listed",
        "return document.querySelectorAll('.contact-row').length >= 2;",
    )
    .await;
    type_into(&agent, "#contact-search", "980000001").await;
    wait_until(
        &agent,
        "the search narrows the list to one contact",
        "return document.querySelectorAll('.contact-row').length === 1;",
    )
    .await;
    click(&agent, ".contact-row").await;
    wait_until(
        &agent,
        "the profile shows the contact's conversation",
        &format!(
            "return !!document.querySelector('.contact-conversation[data-conversation-id=\"{}\"]');",
            conversations[0]
        ),
    )
    .await;
    type_into(&agent, "#contact-note-text", "Prefere contato pela manhã.").await;
    click(&agent, "#contact-note-add").await;
    wait_until(
        &agent,
        "the note is kept",
        "return [...document.querySelectorAll('.contact-note')].some(n => n.textContent.includes('Prefere contato pela manhã.'));",
    )
    .await;
    screenshot(&agent, "workspace-contact").await;
    agent.close().await.unwrap();

    // A supervisor merges the other contact in, after the preview (its conversation resolved
    // first: a contact keeps one open conversation per inbox).
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{transferred}/resolve"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lead = driver.browser().await;
    open_workspace(&lead, &server.base).await;
    log_in(&lead, ADMIN).await;
    wait_until(
        &lead,
        "the workspace shows",
        "return !!document.querySelector('#nav-contacts');",
    )
    .await;
    let (_, shown) = server
        .get(
            &format!("/api/v1/conversations/{}", conversations[0]),
            &admin,
        )
        .await;
    let kept = shown["contact_id"].as_str().expect("contact").to_owned();
    lead.goto(&format!("{}/app/#/contacts/{kept}", server.base))
        .await
        .unwrap();
    wait_until(
        &lead,
        "the merge section shows",
        "return !!document.querySelector('#contact-merge-search');",
    )
    .await;
    type_into(&lead, "#contact-merge-search", "980000002").await;
    wait_until(
        &lead,
        "the other contact is offered",
        "return !!document.querySelector('.contact-merge-option');",
    )
    .await;
    click(&lead, ".contact-merge-option").await;
    wait_until(
        &lead,
        "the preview shows what the merge does",
        "const p = document.querySelector('#contact-merge-preview'); \
         return !!p && !p.hidden && !!document.querySelector('#contact-merge-removed') \
           && !!document.querySelector('#contact-merge-confirm');",
    )
    .await;
    screenshot(&lead, "workspace-contact-merge").await;
    click(&lead, "#contact-merge-confirm").await;
    wait_until(
        &lead,
        "the profile lists both conversations",
        "return document.querySelectorAll('.contact-conversation').length === 2;",
    )
    .await;

    // Reports: one agent's figures and conversations.
    click(&lead, "#nav-supervisor").await;
    wait_until(
        &lead,
        "the agents table offers a drill-down",
        "return !!document.querySelector('.report-agent-open');",
    )
    .await;
    click(&lead, ".report-agent-open").await;
    wait_until(
        &lead,
        "the drill-down opens",
        "const d = document.querySelector('#agent-drilldown'); return !!d && !d.hidden;",
    )
    .await;
    screenshot(&lead, "workspace-agent-drilldown").await;

    // Connecting Telegram: the form names each setting, "Verify" asks Telegram who the bot is;
    // saved, the inbox is registered with Telegram (refused here: this test server's address is
    // not https, and Telegram's reason is shown), and its health is shown.
    lead.goto(&format!("{}/app/#/admin/inboxes", server.base))
        .await
        .unwrap();
    wait_until(
        &lead,
        "the inboxes page shows",
        "return !!document.querySelector('#admin-inboxes-new');",
    )
    .await;
    click(&lead, "#admin-inboxes-new").await;
    wait_until(
        &lead,
        "the inbox form shows",
        "return !!document.querySelector('#inbox-channel');",
    )
    .await;
    type_into(&lead, "#admin-inboxes-name", "Telegram Aurora").await;
    run(
        &lead,
        "const c = document.querySelector('#inbox-channel'); c.value = 'telegram'; \
         c.dispatchEvent(new Event('change', { bubbles: true }));",
    )
    .await;
    wait_until(
        &lead,
        "the Telegram settings are asked for",
        "return !!document.querySelector('.channel-field[data-key=\"bot_token\"]');",
    )
    .await;
    type_into(
        &lead,
        ".channel-field[data-key=\"bot_token\"]",
        "123456:wrong",
    )
    .await;
    click(&lead, "#channel-verify").await;
    wait_until(
        &lead,
        "a wrong token is refused with Telegram's reason",
        "const r = document.querySelector('#channel-verify-result'); \
         return !!r && r.dataset.state === 'failed' && r.textContent.includes('Unauthorized');",
    )
    .await;
    run(
        &lead,
        &format!(
            "const f = document.querySelector('.channel-field[data-key=\"bot_token\"]'); f.value = '{TELEGRAM_TOKEN}'; \
             f.dispatchEvent(new Event('input', {{ bubbles: true }}));"
        ),
    )
    .await;
    click(&lead, "#channel-verify").await;
    wait_until(
        &lead,
        "the right token names the bot",
        "const r = document.querySelector('#channel-verify-result'); \
         return !!r && r.dataset.state === 'verified' && r.textContent.includes('@aurora_banco_bot');",
    )
    .await;
    screenshot(&lead, "workspace-channel-verify").await;
    click(&lead, "#inbox-form button[type=submit]").await;
    wait_until(
        &lead,
        "the saved inbox shows its address, Telegram's answer to the registration and its health",
        "const refused = document.querySelector('#channel-telegram-refused'); \
         return !!document.querySelector('#channel-webhook-url') \
           && !!refused && refused.textContent.includes('HTTPS url must be provided') \
           && !!document.querySelector('#inbox-health[data-state=\"healthy\"]');",
    )
    .await;
    screenshot(&lead, "workspace-channel-health").await;

    // The bot in a form: an answer changed and tried unsaved; the saved profile stays as it was.
    lead.goto(&format!("{}/app/#/admin/bot", server.base))
        .await
        .unwrap();
    wait_until(
        &lead,
        "the form view shows the intents",
        "return document.querySelectorAll('.bot-intent').length > 20;",
    )
    .await;
    run(
        &lead,
        "const card = [...document.querySelectorAll('.bot-intent')] \
           .find(c => c.querySelector('.bot-intent-name').value === 'opening_hours'); \
         const answer = card.querySelector('.bot-intent-answer[data-lang=\"pt\"]'); \
         answer.value = 'Abrimos todos os dias, das 7h às 23h.'; \
         answer.dispatchEvent(new Event('input', { bubbles: true }));",
    )
    .await;
    wait_until(
        &lead,
        "the unsaved draft is offered to try",
        "return document.querySelector('#bot-try-draft').checked;",
    )
    .await;
    type_into(&lead, "#bot-try-text", "qual o horário de atendimento?").await;
    click(&lead, "#bot-try-send").await;
    wait_until(
        &lead,
        "the draft answers",
        "return [...document.querySelectorAll('.bot-try-turn')].some(t => t.textContent.includes('das 7h às 23h'));",
    )
    .await;
    screenshot(&lead, "workspace-bot-form").await;
    let (_, saved) = server.get("/api/v1/bot/profile", &admin).await;
    assert!(
        !saved["source"]
            .as_str()
            .expect("source")
            .contains("das 7h às 23h"),
        "trying saves nothing"
    );

    // The web chat gets a profile of its own, started from the account's (the unsaved draft
    // above is let go when asked).
    let (_, inboxes) = server.get("/api/v1/inboxes", &admin).await;
    let web = inboxes["data"]
        .as_array()
        .and_then(|all| all.iter().find(|inbox| inbox["channel"] == "web"))
        .and_then(|inbox| inbox["id"].as_str())
        .expect("the demo's web chat")
        .to_owned();
    run(&lead, "window.confirm = () => true;").await;
    run(
        &lead,
        &format!(
            "const s = document.querySelector('#bot-profile-of'); s.value = '{web}'; \
             s.dispatchEvent(new Event('change', {{ bubbles: true }}));"
        ),
    )
    .await;
    wait_until(
        &lead,
        "the web chat is said to use the account's profile",
        "const b = document.querySelector('#bot-inbox-own'); return !!b && b.offsetParent !== null;",
    )
    .await;
    click(&lead, "#bot-inbox-own").await;
    wait_until(
        &lead,
        "its own draft starts from the account's profile",
        "const e = document.querySelector('#bot-editor'); \
         return !!e && !e.hidden && document.querySelectorAll('.bot-intent').length > 20;",
    )
    .await;
    click(&lead, "#bot-save").await;
    server
        .eventually(
            &format!("/api/v1/inboxes/{web}/bot/profile"),
            &admin,
            |body| body["bot_name"] == "Aurora",
        )
        .await;

    lead.close().await.unwrap();
    server.stop().await;
}

/// A file for a browser to pick: `content` written under the test's scratch directory.
fn file_to_pick(name: &str, content: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("picked-files");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn files_go_both_ways_between_the_widget_and_the_workspace() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let server = TestServer::spawn(Backend::Sqlite).await;
    let agent = driver.browser().await;
    let customer = driver.browser().await;
    open_workspace(&agent, &server.base).await;
    log_in(&agent, ANA).await;
    wait_for_inbox(&agent).await;

    // The customer asks for a person and sends a picture from the widget.
    open_demo_widget(&customer, &server.base).await;
    customer_says(
        &customer,
        "Quero falar com um atendente, vou mandar o comprovante",
    )
    .await;
    wait_until(
        &customer,
        "the customer's message shows",
        &widget_has_message("tw-customer", "comprovante"),
    )
    .await;
    let picture = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots/widget-agent-reply.png"),
    )
    .unwrap();
    in_widget(&customer, "input.tandem-attach-input")
        .await
        .send_keys(&file_to_pick("comprovante.png", &picture))
        .await
        .unwrap();
    wait_until(
        &customer,
        "the customer's picture shows in the widget",
        &widget_condition(
            "[...w.querySelectorAll('.tandem-file img')].some(i => i.complete && i.naturalWidth > 0)",
        ),
    )
    .await;

    // The agent sees the picture in the transcript, served by the server.
    open_first_conversation(&agent).await;
    wait_until(
        &agent,
        "the customer's picture shows in the transcript",
        "return [...document.querySelectorAll('#transcript .message-attachments img')].some(i => i.complete && i.naturalWidth > 0 && i.src.includes('/api/v1/files/'));",
    )
    .await;
    let unassigned = agent
        .execute(
            "const b = document.querySelector('#action-assign-me'); return !!b && !b.disabled && !b.hidden && b.offsetParent !== null;",
            vec![],
        )
        .await
        .unwrap();
    if unassigned == json!(true) {
        click(&agent, "#action-assign-me").await;
    }

    // The agent answers with a document; the customer can download it.
    wait_until(
        &agent,
        "the reply box is usable",
        "const r = document.querySelector('#reply-text'); return !!r && !r.disabled;",
    )
    .await;
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    agent
        .find(Locator::Css("input.attach-input"))
        .await
        .unwrap()
        .send_keys(&file_to_pick("segunda-via.pdf", pdf))
        .await
        .unwrap();
    type_into(&agent, "#reply-text", "Aqui está a segunda via do boleto.").await;
    wait_until(
        &agent,
        "the chosen file shows before sending",
        "return [...document.querySelectorAll('.attach-chip')].some(c => c.textContent.includes('segunda-via.pdf'));",
    )
    .await;
    screenshot(&agent, "workspace-files").await;
    click(&agent, "#reply-send").await;
    wait_until(
        &agent,
        "the sent document shows in the transcript",
        "return [...document.querySelectorAll('#transcript .attachment-file')].some(a => a.textContent.includes('segunda-via.pdf'));",
    )
    .await;
    wait_until(
        &customer,
        "the document reaches the widget",
        &widget_condition(
            "[...w.querySelectorAll('.tandem-file a')].some(a => a.textContent.includes('segunda-via.pdf'))",
        ),
    )
    .await;
    wait_until(
        &customer,
        "the agent's text reaches the widget",
        &widget_has_message("tw-agent", "segunda via"),
    )
    .await;
    screenshot(&customer, "widget-files").await;
}

#[tokio::test]
async fn an_agent_plays_a_customers_voice_note_and_reads_its_transcript() {
    use crate::voice_notes::{
        TranscriptionServer, post, spoken, use_transcription_server, voice_note, whatsapp_inbox,
    };
    let Some(driver) = Driver::start().await else {
        return;
    };
    let (_speech, address) = TranscriptionServer::start(vec![(
        200,
        json!({"text": "Quero falar com um atendente, meu cartão foi bloqueado.", "language": "portuguese",
            "segments": [{"avg_logprob": -0.12}]}),
    )])
    .await;
    let provider = Provider::start().await;
    provider
        .serve_media(
            "500000000000001",
            &spoken(
                "Quero falar com um atendente, meu cartão foi bloqueado.",
                "pt-br",
            ),
        )
        .await;
    let server = TestServer::spawn_with(Backend::Sqlite, |config| {
        provider.configure(config);
        use_transcription_server(config, &address);
    })
    .await;
    let admin = server.login(ADMIN).await;
    let inbox = whatsapp_inbox(&server, &admin).await;
    let agent = driver.browser().await;
    open_workspace(&agent, &server.base).await;
    log_in(&agent, ANA).await;
    wait_for_inbox(&agent).await;

    // A voice note asking for a person: transcribed, handed over, and the agent sees both.
    post(
        &server,
        &inbox,
        voice_note("5511900000021", "wamid.VOICE_BROWSER", "500000000000001"),
    )
    .await;
    open_first_conversation(&agent).await;
    wait_until(
        &agent,
        "the voice note plays in the transcript",
        "return [...document.querySelectorAll('#transcript audio')].some(a => a.src.includes('/api/v1/files/') && a.readyState >= 1 && a.duration > 1);",
    )
    .await;
    wait_until(
        &agent,
        "the transcript is marked with its language and confidence",
        "return [...document.querySelectorAll('#transcript .attachment-transcript')].some(n => n.textContent.includes('pt') && n.textContent.includes('89%'));",
    )
    .await;
    let words = text_of(&agent, "#transcript .message-customer .message-text").await;
    assert!(words.contains("cartão foi bloqueado"), "{words}");
    screenshot(&agent, "workspace-voice-note").await;
}

/// A visible element's text (JavaScript's `textContent`, trimmed).
async fn text_of(browser: &Client, selector: &str) -> String {
    let text = browser
        .execute(
            &format!(
                "return document.querySelector({}).textContent.trim();",
                json!(selector)
            ),
            vec![],
        )
        .await
        .unwrap();
    text.as_str().unwrap().to_owned()
}

/// Runs `script` (a statement) in the page.
async fn run(browser: &Client, script: &str) {
    browser.execute(script, vec![]).await.unwrap();
}

/// The current TOTP code of a base32 secret by this machine's clock (the server accepts the
/// step before and after too).
fn current_code(secret: &str) -> String {
    let secret = data_encoding::BASE32_NOPAD
        .decode(secret.as_bytes())
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp::code_at_step(&secret, totp::step_at(i64::try_from(now).unwrap()))
}

/// On the Security page: sets up two-factor authentication with the secret shown as text and
/// returns the recovery codes shown once.
async fn enrol_on_security_page(browser: &Client) -> Vec<String> {
    wait_until(
        browser,
        "the two-factor card offers a setup",
        "const b = document.querySelector('#two-factor-setup'); return !!b && b.offsetParent !== null;",
    )
    .await;
    click(browser, "#two-factor-setup").await;
    wait_until(
        browser,
        "the secret and its otpauth URI show as text",
        "const s = document.querySelector('#two-factor-secret'); const u = document.querySelector('#two-factor-uri'); \
         return !!s && s.textContent.length >= 16 && !!u && u.textContent.startsWith('otpauth://totp/');",
    )
    .await;
    let secret = text_of(browser, "#two-factor-secret").await;
    type_into(browser, "#two-factor-enable-code", &current_code(&secret)).await;
    click(browser, "#two-factor-enable-submit").await;
    wait_until(
        browser,
        "ten recovery codes show",
        "return document.querySelectorAll('#two-factor-recovery-codes li').length === 10;",
    )
    .await;
    let codes = browser
        .execute(
            "return [...document.querySelectorAll('#two-factor-recovery-codes li')].map(e => e.textContent.trim());",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(codes).unwrap()
}

/// Opens the demo site and its chat widget.
async fn open_demo_widget(browser: &Client, base: &str) {
    browser.goto(&format!("{base}/demo")).await.unwrap();
    wait_until(
        browser,
        "the widget loads",
        &widget_condition("w.querySelector('#tw-launcher')"),
    )
    .await;
    in_widget(browser, "#tw-launcher")
        .await
        .click()
        .await
        .unwrap();
}

/// Opens the first conversation of the list, once there is one. The row is found and clicked
/// in one script: the list re-renders as the conversation changes, and a row found by one
/// WebDriver call may be gone by the next.
async fn open_first_conversation(browser: &Client) {
    wait_until(
        browser,
        "the conversation appears and is opened",
        "const row = document.querySelector('#conversation-list .conversation-row'); if (!row) return false; row.click(); return true;",
    )
    .await;
}

/// Waits for the inbox, the workspace's first page.
async fn wait_for_inbox(browser: &Client) {
    wait_until(
        browser,
        "the inbox shows",
        "return !!document.querySelector('#conversation-list');",
    )
    .await;
}

#[tokio::test]
async fn users_enrol_in_two_factor_and_admins_confirm_changes_with_their_password() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let server = TestServer::spawn(Backend::Sqlite).await;

    // An agent enrols on the Security page and keeps the recovery codes.
    let agent = driver.browser().await;
    open_workspace(&agent, &server.base).await;
    log_in(&agent, ANA).await;
    wait_for_inbox(&agent).await;
    click(&agent, "#nav-security").await;
    let codes = enrol_on_security_page(&agent).await;
    screenshot(&agent, "workspace-two-factor-codes").await;
    click(&agent, "#two-factor-done").await;
    wait_until(
        &agent,
        "the card says two-factor is on, with ten codes left",
        "const s = document.querySelector('#two-factor-status'); \
         return !!s && s.textContent.includes('10') && !!document.querySelector('#two-factor-disable');",
    )
    .await;

    // Signing in again asks for a code: a wrong one is refused on the spot, a recovery code
    // opens the workspace.
    click(&agent, "#logout").await;
    open_workspace(&agent, &server.base).await;
    log_in(&agent, ANA).await;
    wait_until(
        &agent,
        "the code step shows",
        "const e = document.querySelector('#login-code'); return !!e && e.offsetParent !== null;",
    )
    .await;
    type_into(&agent, "#login-code", "not-a-code").await;
    click(&agent, "#two-factor-submit").await;
    wait_until(
        &agent,
        "the wrong code is refused",
        "const e = document.querySelector('#two-factor-error'); return !!e && !e.hidden && e.textContent.length > 0;",
    )
    .await;
    run(&agent, "document.querySelector('#login-code').value = '';").await;
    type_into(&agent, "#login-code", &codes[0]).await;
    click(&agent, "#two-factor-submit").await;
    wait_for_inbox(&agent).await;

    // An admin changes a user's role: a wrong password of their own is refused under the field,
    // the right one saves.
    let admin = driver.browser().await;
    open_workspace(&admin, &server.base).await;
    log_in(&admin, ADMIN).await;
    wait_for_inbox(&admin).await;
    admin
        .goto(&format!("{}/app/#/admin/users", server.base))
        .await
        .unwrap();
    let bruno_row = format!(
        "[...document.querySelectorAll('#admin-users tr')].find(r => r.textContent.includes({}))",
        json!(BRUNO)
    );
    wait_until(
        &admin,
        "the users list shows Bruno",
        &format!("return !!{bruno_row};"),
    )
    .await;
    run(
        &admin,
        &format!("{bruno_row}.querySelector('button.edit').click();"),
    )
    .await;
    wait_until(
        &admin,
        "the editor asks for the admin's password",
        "return !!document.querySelector('#admin-users-current_password');",
    )
    .await;
    run(
        &admin,
        "document.querySelector('#admin-users-role').value = 'supervisor';",
    )
    .await;
    type_into(&admin, "#admin-users-current_password", "not my password").await;
    click(&admin, "#admin-users-editor button[type=submit]").await;
    wait_until(
        &admin,
        "the wrong password shows under its field",
        "return [...document.querySelectorAll('#admin-users-editor .field-error')].some(e => !e.hidden && e.textContent.startsWith('current_password'));",
    )
    .await;
    screenshot(&admin, "workspace-admin-reauthentication").await;
    let admin_token = server.login(ADMIN).await;
    let (_, users) = server.get("/api/v1/users", &admin_token).await;
    let bruno = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["email"] == BRUNO)
        .unwrap()
        .clone();
    assert_eq!(bruno["role"], "agent", "a wrong password changes nothing");
    run(
        &admin,
        "document.querySelector('#admin-users-current_password').value = '';",
    )
    .await;
    type_into(&admin, "#admin-users-current_password", PASSWORD).await;
    click(&admin, "#admin-users-editor button[type=submit]").await;
    wait_until(
        &admin,
        "the change is saved",
        "return !!document.querySelector('.toast-ok');",
    )
    .await;
    let id = bruno["id"].as_str().unwrap();
    let (_, bruno) = server
        .get(&format!("/api/v1/users/{id}"), &admin_token)
        .await;
    assert_eq!(bruno["role"], "supervisor");

    // The admin requires two-factor authentication for everyone, with their password.
    admin
        .goto(&format!("{}/app/#/admin/security", server.base))
        .await
        .unwrap();
    wait_until(
        &admin,
        "the account security form shows",
        "return !!document.querySelector('#admin-security-require_two_factor');",
    )
    .await;
    click(&admin, "#admin-security-require_two_factor").await;
    type_into(&admin, "#admin-security-current_password", PASSWORD).await;
    click(&admin, ".admin-section form button[type=submit]").await;
    wait_until(
        &admin,
        "the setting is saved",
        "return !!document.querySelector('.toast-info');",
    )
    .await;

    // A user without it is taken straight to the Security page, told why, and enrols.
    let supervisor = driver.browser().await;
    open_workspace(&supervisor, &server.base).await;
    log_in(&supervisor, BRUNO).await;
    wait_until(
        &supervisor,
        "the Security page says the account requires two-factor",
        "const n = document.querySelector('#two-factor-required'); \
         return !!n && n.offsetParent !== null && location.hash === '#/security' \
           && document.querySelector('#main-nav').hidden;",
    )
    .await;
    screenshot(&supervisor, "workspace-two-factor-required").await;
    enrol_on_security_page(&supervisor).await;
    click(&supervisor, "#two-factor-done").await;
    wait_for_inbox(&supervisor).await;

    for browser in [agent, admin, supervisor] {
        browser.close().await.unwrap();
    }
    server.stop().await;
}
