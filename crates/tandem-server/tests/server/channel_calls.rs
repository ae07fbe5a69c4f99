//! E-mail (inbound-parse webhook, IMAP polling, threaded SMTP replies, against real local mail
//! servers), Twilio Voice (speech to the bot, its answer spoken, a handover enqueued) and
//! Messenger/Instagram webhooks, end to end.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tandem_mail::testing::MailServers;
use tandem_store::Backend;

use crate::harness::{ADMIN, TestServer, create_channel_inbox, meta_signature};
use crate::provider::{GRAPH_TOKEN, Provider, TWILIO_SID, TWILIO_TOKEN};

const INBOUND_SECRET: &str = "inbound-secret-0123456789";

fn customer_email(message_id: &str, in_reply_to: Option<&str>, body: &str) -> Vec<u8> {
    let threading = in_reply_to
        .map(|id| format!("In-Reply-To: <{id}>\r\nReferences: <{id}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: Cliente Teste <cliente@example.com>\r\nTo: support@tandem.test\r\nSubject: Boleto\r\n\
         Message-ID: <{message_id}>\r\n{threading}Date: Sat, 21 Nov 2026 10:00:00 -0300\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn email_in_by_webhook_and_imap_and_threaded_replies_out_by_smtp() {
    let servers = match MailServers::start() {
        Ok(servers) => servers,
        Err(unavailable) => {
            eprintln!("skipped: {unavailable}");
            return;
        }
    };
    for backend in tandem_store::testing::backends() {
        email_on(backend, &servers).await;
    }
}

async fn email_on(backend: Backend, servers: &MailServers) {
    let (smtp, imap) = (servers.smtp(), servers.imap("support"));
    let server = TestServer::spawn_with(backend, |config| {
        config.outbound_allow = vec![
            format!("{}:{}", smtp.host, smtp.port),
            format!("{}:{}", imap.host, imap.port),
        ];
    })
    .await;
    let admin = server.login(ADMIN).await;
    // One mailbox per engine: a new server polls its mailbox from the start, and must not find
    // the other run's mail there.
    let mailbox = format!("support-{}", format!("{backend:?}").to_lowercase());
    let inbox = create_channel_inbox(
        &server,
        &admin,
        "email",
        json!({"address": "support@tandem.test", "display_name": "Banco Aurora", "smtp": servers.smtp(),
               "imap": servers.imap(&mailbox), "inbound_secret": INBOUND_SECRET}),
    )
    .await;
    assert_eq!(inbox["channel_config"]["smtp"]["password"], "********");
    let url = inbox["channel_webhook_url"].as_str().unwrap().to_owned();
    let first_id = format!("first-{backend:?}@example.com");
    let post = |secret: &str, raw: Vec<u8>| {
        server
            .client
            .post(&url)
            .bearer_auth(secret)
            .header("content-type", "message/rfc822")
            .body(raw)
            .send()
    };
    let replies_before = servers.messages_for("cliente").len();
    let raw = customer_email(
        &first_id,
        None,
        "Não consigo pagar o boleto, preciso da segunda via.\r\n\r\n-- \r\nCliente Teste\r\nDiretor",
    );
    assert_eq!(
        post("wrong-secret-0000000", raw.clone())
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(INBOUND_SECRET, raw.clone()).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(
        post(INBOUND_SECRET, raw).await.unwrap().status(),
        StatusCode::OK,
        "a repeat is one message"
    );

    let replies = wait_for_mail(servers, "cliente", replies_before + 1).await;
    let reply = String::from_utf8_lossy(&replies[replies_before]).to_string();
    assert!(
        reply.contains(&format!("In-Reply-To: <{first_id}>")),
        "{reply}"
    );
    assert!(
        reply.contains(&format!("References: <{first_id}>")),
        "{reply}"
    );
    assert!(reply.contains("Subject: Re: Boleto"), "{reply}");
    assert!(
        reply.contains("From: \"Banco Aurora\" <support@tandem.test>")
            || reply.contains("From: Banco Aurora <support@tandem.test>"),
        "{reply}"
    );

    let (_, conversations) = server.get("/api/v1/conversations", &admin).await;
    let conversation = conversations["data"][0]["id"].as_str().unwrap().to_owned();
    let (_, page) = server
        .get(
            &format!("/api/v1/conversations/{conversation}/messages"),
            &admin,
        )
        .await;
    let first = &page["data"][0];
    assert_eq!(
        first["text"], "Não consigo pagar o boleto, preciso da segunda via.",
        "signature stripped"
    );

    let second_id = format!("second-{backend:?}@example.com");
    servers
        .deliver(
            &format!("{mailbox}@tandem.test"),
            &customer_email(&second_id, Some(&first_id), "Obrigado!\r\n\r\nEm sáb., 21 de nov. de 2026 10:00, Banco Aurora escreveu:\r\n> Olá"),
        )
        .await
        .expect("delivered to the mailbox");
    let page = server
        .eventually(
            &format!("/api/v1/conversations/{conversation}/messages?limit=100"),
            &admin,
            |page| {
                page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["external_id"] == second_id.as_str())
            },
        )
        .await;
    let polled = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["external_id"] == second_id.as_str())
        .unwrap();
    assert_eq!(polled["text"], "Obrigado!", "the quoted history is cut");
    let (_, listed) = server.get("/api/v1/conversations", &admin).await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        1,
        "the reply joins the same conversation"
    );
    server.stop().await;
}

/// Mail that arrived for `local_part`, once there are at least `count` (ten seconds at most).
async fn wait_for_mail(servers: &MailServers, local_part: &str, count: usize) -> Vec<Vec<u8>> {
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
async fn a_call_talks_to_the_bot_and_a_handover_enqueues_it() {
    for backend in tandem_store::testing::backends() {
        voice_on(backend).await;
    }
}

async fn voice_on(backend: Backend) {
    let server = TestServer::spawn(backend).await;
    let admin = server.login(ADMIN).await;
    let inbox = create_channel_inbox(
        &server,
        &admin,
        "voice",
        json!({"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "handover": {"action": "enqueue", "queue": "support"}}),
    )
    .await;
    let url = inbox["voice_url"].as_str().unwrap().to_owned();
    let call = |params: Vec<(&str, &str)>, idempotency: &str| {
        let params: Vec<(String, String)> = params
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let signature = tandem_channels::twilio::signature(TWILIO_TOKEN, &url, &params);
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        server
            .client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .header("i-twilio-idempotency-token", idempotency)
            .body(form)
            .send()
    };
    let base = vec![
        ("CallSid", "CA0001"),
        ("AccountSid", TWILIO_SID),
        ("From", "+5511900000003"),
        ("To", "+5511400000000"),
    ];
    let start = call(base.clone(), "i-1").await.unwrap();
    assert_eq!(start.status(), StatusCode::OK);
    let twiml = start.text().await.unwrap();
    assert!(
        twiml.contains(r#"<Gather input="speech""#) && twiml.contains("pt-BR"),
        "{twiml}"
    );

    let silent = |n: usize| {
        let url = format!("{url}?silence={n}");
        let params: Vec<(String, String)> = base
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let signature = tandem_channels::twilio::signature(TWILIO_TOKEN, &url, &params);
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        server
            .client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(form)
            .send()
    };
    assert!(twiml.contains("?silence=1"), "{twiml}");
    let again = silent(1).await.unwrap().text().await.unwrap();
    assert!(
        again.contains("Ainda está aí?") && again.contains("?silence=2"),
        "{again}"
    );
    let bye = silent(2).await.unwrap().text().await.unwrap();
    assert!(
        bye.contains("<Hangup/>") && !bye.contains("<Gather"),
        "a silent call ends: {bye}"
    );

    let mut speech = base.clone();
    speech.extend([
        (
            "SpeechResult",
            "Qual é o horário de atendimento das agências?",
        ),
        ("Confidence", "0.92"),
        ("CallStatus", "in-progress"),
    ]);
    let answer = call(speech, "i-2").await.unwrap().text().await.unwrap();
    assert!(
        answer.contains("<Say") && answer.contains("<Gather"),
        "the bot answers and listens: {answer}"
    );

    let mut person = base.clone();
    person.extend([
        ("SpeechResult", "Quero falar com um atendente humano"),
        ("Confidence", "0.9"),
        ("CallStatus", "in-progress"),
    ]);
    let handover = call(person, "i-3").await.unwrap().text().await.unwrap();
    assert!(
        handover.contains("<Enqueue>support</Enqueue>"),
        "{handover}"
    );

    let (status, _) = server
        .client
        .post(&url)
        .header("x-twilio-signature", "bm9wZQ==")
        .body("CallSid=CA0002&From=%2B5511900000004")
        .send()
        .await
        .map(|response| (response.status(), ()))
        .unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, conversations) = server.get("/api/v1/conversations", &admin).await;
    let conversation = &conversations["data"][0];
    assert_eq!(conversation["status"], "queued", "{conversation}");
    server.stop().await;
}

#[tokio::test]
async fn messenger_and_instagram_messages_reach_the_bot_and_echoes_are_ignored() {
    for backend in tandem_store::testing::backends() {
        messenger_on(backend).await;
    }
}

async fn messenger_on(backend: Backend) {
    let provider = Provider::start().await;
    let server = TestServer::spawn_with(backend, |config| provider.configure(config)).await;
    let admin = server.login(ADMIN).await;
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    let signatures: Value =
        serde_json::from_slice(&std::fs::read(fixtures.join("meta_signatures.json")).unwrap())
            .unwrap();
    let secret = signatures["meta_app_secret"].as_str().unwrap();
    for (channel, file) in [
        ("messenger", "meta_messenger_text.body"),
        ("instagram", "meta_instagram_text_and_echo.body"),
    ] {
        let body = std::fs::read(fixtures.join(file)).unwrap();
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        let page_id = parsed["entry"][0]["id"].as_str().unwrap();
        let inbox = create_channel_inbox(
            &server,
            &admin,
            channel,
            json!({"page_id": page_id, "page_access_token": GRAPH_TOKEN, "app_secret": secret, "verify_token": "v"}),
        )
        .await;
        let url = inbox["channel_webhook_url"].as_str().unwrap();
        let answer = server
            .client
            .post(url)
            .header("x-hub-signature-256", meta_signature(secret, &body))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{channel}");
        let sender = parsed["entry"][0]["messaging"][0]["sender"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let sent = provider
            .sent_once(|sent| {
                sent.iter()
                    .any(|s| s.body["recipient"]["id"] == sender.as_str())
            })
            .await;
        let reply = sent
            .iter()
            .find(|s| s.body["recipient"]["id"] == sender.as_str())
            .unwrap();
        assert_eq!(
            reply.path,
            format!("/v21.0/{page_id}/messages"),
            "{channel}"
        );
        assert_eq!(reply.body["messaging_type"], "RESPONSE");
    }
    let (_, conversations) = server.get("/api/v1/conversations", &admin).await;
    assert_eq!(
        conversations["data"].as_array().unwrap().len(),
        2,
        "the Instagram echo opened nothing"
    );
    server.stop().await;
}
