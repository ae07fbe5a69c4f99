//! Phone calls the bot hands over (Twilio Voice), end to end: the agents online with a phone
//! are rung, the one who answers gets the conversation and the call's recording lands in it
//! transcribed; with nobody online the caller leaves a voicemail, fetched from the Twilio
//! stand-in and transcribed by the real Whisper model (`TANDEM_TEST_WHISPER_MODEL`), and the
//! conversation waits in the queue.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use tandem_store::Backend;

use crate::harness::{self, ADMIN, TestServer, create_channel_inbox};
use crate::provider::{Provider, TWILIO_SID, TWILIO_TOKEN};

/// The value of `attribute` on the first `element` of `twiml` (XML-unescaped).
fn attribute(twiml: &str, element: &str, attribute: &str) -> String {
    let start = twiml
        .find(&format!("<{element} "))
        .unwrap_or_else(|| panic!("no <{element}> in {twiml}"));
    let rest = &twiml[start..];
    let key = format!("{attribute}=\"");
    let from = rest.find(&key).unwrap() + key.len();
    let value = &rest[from..from + rest[from..].find('"').unwrap()];
    value.replace("&amp;", "&")
}

/// Sets the presence of the user of `token`.
async fn set_presence(server: &TestServer, token: &str, presence: &str) {
    let (status, body) = server
        .call(
            Method::PUT,
            "/api/v1/me/presence",
            Some(token),
            Some(json!({"presence": presence})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A caller who asks for a person; the TwiML of the handover.
async fn call_and_ask_for_a_person(
    server: &TestServer,
    url: &str,
    call_sid: &str,
    caller: &str,
) -> String {
    let base = [
        ("CallSid", call_sid),
        ("AccountSid", TWILIO_SID),
        ("From", caller),
        ("To", "+5511400000000"),
    ];
    server.twilio_post(url, &base).await;
    let mut person = base.to_vec();
    person.extend([
        ("SpeechResult", "Quero falar com um atendente humano"),
        ("Confidence", "0.9"),
        ("CallStatus", "in-progress"),
    ]);
    server.twilio_post(url, &person).await
}

/// A recording of `kind` (`voicemail`, `call_recording`) with a finished transcription.
fn transcribed_recording<'a>(messages: &'a [Value], kind: &str) -> Option<&'a Value> {
    messages.iter().find(|message| {
        message["external_id"]
            .as_str()
            .is_some_and(|id| id.starts_with(&format!("{kind}:")))
            && message["attachments"][0]["transcription"]["status"].is_string()
    })
}

#[tokio::test]
async fn a_handed_over_call_rings_the_agents_and_otherwise_takes_a_voicemail() {
    let Some(model) = crate::voice_notes::whisper_model() else {
        eprintln!("skipped: TANDEM_TEST_WHISPER_MODEL is not set");
        return;
    };
    for backend in tandem_store::testing::backends() {
        calls_on(backend, model.clone()).await;
    }
}

async fn calls_on(backend: Backend, model: std::path::PathBuf) {
    let provider = Provider::start().await;
    let spoken = tandem_speech::synthetic::espeak_wav("Quero a segunda via do boleto.", "pt-br");
    provider
        .serve_media("RE0000000000000000000000000000001", &spoken)
        .await;
    provider
        .serve_media("RE0000000000000000000000000000002", &spoken)
        .await;
    let server = TestServer::spawn_with(backend, |config| {
        provider.configure(config);
        config.speech_model_dir = Some(model);
    })
    .await;
    let admin = server.login(ADMIN).await;
    let inbox = create_channel_inbox(
        &server,
        &admin,
        "voice",
        json!({"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "handover": {"action": "agents"}}),
    )
    .await;
    let url = inbox["voice_url"].as_str().unwrap().to_owned();
    let (_, me) = server.get("/api/v1/me", &admin).await;
    let admin_id = me["id"].as_str().unwrap().to_owned();

    // An agent's phone must be one Twilio can ring.
    let user_path = format!("/api/v1/users/{admin_id}");
    let set_phone = |phone: &'static str| {
        server.call(
            Method::PATCH,
            &user_path,
            Some(&admin),
            Some(json!({"phone": phone})),
        )
    };
    let (status, refused) = set_phone("11 5555-0001").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(harness::error_fields(&refused), ["phone"], "{refused}");
    let (status, user) = set_phone("+5511955550001").await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["phone"], "+5511955550001");
    set_presence(&server, &admin, "online").await;

    // Handed over, the call rings the online agent's phone; the agent who answers hears who
    // is calling and gets the conversation.
    let handover = call_and_ask_for_a_person(
        &server,
        &url,
        "CA0000000000000000000000000000001",
        "+5511900000011",
    )
    .await;
    assert!(handover.contains("<Dial "), "{handover}");
    assert!(handover.contains(">+5511955550001</Number>"), "{handover}");
    let answered_url = attribute(&handover, "Number", "url");
    assert!(
        answered_url.contains(&format!("agent={admin_id}")),
        "{answered_url}"
    );
    let conversation = answered_url
        .split("conversation=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let whisper = server
        .twilio_post(
            &answered_url,
            &[
                ("CallSid", "CA0000000000000000000000000000009"),
                ("AccountSid", TWILIO_SID),
                ("From", "+5511400000000"),
                ("To", "+5511955550001"),
            ],
        )
        .await;
    assert!(whisper.contains("Ligação de"), "{whisper}");
    assert!(!whisper.contains("<Hangup"), "{whisper}");
    let (_, taken) = server
        .get(&format!("/api/v1/conversations/{conversation}"), &admin)
        .await;
    assert_eq!(taken["status"], "assigned", "{taken}");
    assert_eq!(taken["assignee_id"], admin_id.as_str());

    // The call ends; its recording lands in the conversation, transcribed.
    let ended = server
        .twilio_post(
            &attribute(&handover, "Dial", "action"),
            &[
                ("CallSid", "CA0000000000000000000000000000001"),
                ("AccountSid", TWILIO_SID),
                ("From", "+5511900000011"),
                ("To", "+5511400000000"),
                ("DialCallStatus", "completed"),
            ],
        )
        .await;
    assert!(ended.contains("<Hangup/>"), "{ended}");
    let recording_url = format!(
        "https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE0000000000000000000000000000001"
    );
    server
        .twilio_post(
            &attribute(&handover, "Dial", "recordingStatusCallback"),
            &[
                ("CallSid", "CA0000000000000000000000000000001"),
                ("AccountSid", TWILIO_SID),
                ("RecordingSid", "RE0000000000000000000000000000001"),
                ("RecordingUrl", &recording_url),
                ("RecordingDuration", "3"),
                ("RecordingStatus", "completed"),
            ],
        )
        .await;
    let messages = server
        .messages_within(&admin, &conversation, Duration::from_secs(120), |m| {
            transcribed_recording(m, "call_recording").is_some()
        })
        .await;
    let recording = transcribed_recording(&messages, "call_recording").unwrap();
    assert_eq!(
        recording["attachments"][0]["transcription"]["status"], "done",
        "{recording}"
    );
    assert!(recording["attachments"][0]["file_id"].is_string());
    assert!(
        recording["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("segunda via"),
        "{recording}"
    );

    // Nobody online: the caller is offered a voicemail, which is transcribed into the
    // conversation, left queued for an agent to call back.
    set_presence(&server, &admin, "offline").await;
    let handover = call_and_ask_for_a_person(
        &server,
        &url,
        "CA0000000000000000000000000000002",
        "+5511900000012",
    )
    .await;
    assert!(!handover.contains("<Dial"), "{handover}");
    assert!(handover.contains("Deixe seu recado"), "{handover}");
    let voicemail_url = attribute(&handover, "Record", "action");
    let voicemail_url_recording = format!(
        "https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE0000000000000000000000000000002"
    );
    let thanks = server
        .twilio_post(
            &voicemail_url,
            &[
                ("CallSid", "CA0000000000000000000000000000002"),
                ("AccountSid", TWILIO_SID),
                ("From", "+5511900000012"),
                ("To", "+5511400000000"),
                ("RecordingSid", "RE0000000000000000000000000000002"),
                ("RecordingUrl", &voicemail_url_recording),
                ("RecordingDuration", "3"),
            ],
        )
        .await;
    assert!(
        thanks.contains("Recebemos seu recado") && thanks.contains("<Hangup/>"),
        "{thanks}"
    );
    let queued = voicemail_url
        .split("conversation=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let messages = server
        .messages_within(&admin, &queued, Duration::from_secs(120), |m| {
            transcribed_recording(m, "voicemail").is_some()
        })
        .await;
    let voicemail = transcribed_recording(&messages, "voicemail").unwrap();
    assert!(
        voicemail["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("segunda via"),
        "{voicemail}"
    );
    let (_, waiting) = server
        .get(&format!("/api/v1/conversations/{queued}"), &admin)
        .await;
    assert_eq!(waiting["status"], "queued", "{waiting}");
    server.stop().await;
}
