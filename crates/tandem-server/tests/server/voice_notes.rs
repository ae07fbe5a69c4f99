//! Voice notes end to end: a signed WhatsApp voice note is fetched from the Graph stand-in,
//! transcribed — by the embedded Whisper (the real model in `TANDEM_TEST_WHISPER_MODEL`), or by
//! a scripted OpenAI-compatible transcription server on loopback — and answered by the bot like
//! the typed question; words the bot cannot trust, or none, get a plain request to type, never
//! a handover.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use reqwest::StatusCode;
use serde_json::{Value, json};

use tandem_store::Backend;

use crate::harness::{self, ADMIN, TestServer, create_channel_inbox};
use crate::provider::{GRAPH_TOKEN, Provider, TWILIO_SID};

const APP_SECRET: &str = "test_app_secret_0123456789abcdef";
const PHONE_NUMBER_ID: &str = "200000000000002";
/// The media id of the shared voice-note fixture.
const FIXTURE_MEDIA_ID: &str = "300000000000004";

/// The Whisper model directory, or `None` to skip (a failure under `CI=true`).
pub fn whisper_model() -> Option<PathBuf> {
    match std::env::var_os("TANDEM_TEST_WHISPER_MODEL") {
        Some(path) => Some(path.into()),
        None if std::env::var_os("CI").is_some_and(|ci| ci == "true") => {
            panic!("CI=true but TANDEM_TEST_WHISPER_MODEL names no Whisper model directory")
        }
        None => None,
    }
}

/// `text` spoken by espeak-ng's `voice`, as a WhatsApp voice note (Ogg/Opus, 16 kHz mono).
pub fn spoken(text: &str, voice: &str) -> Vec<u8> {
    let wav = tandem_speech::synthetic::espeak_wav(text, voice);
    let pcm = tandem_speech::audio::decode(&wav, "audio/wav", Duration::from_secs(60)).unwrap();
    tandem_speech::synthetic::whatsapp_voice_note(pcm.samples())
}

pub fn voice_note(wa_id: &str, message_id: &str, media_id: &str) -> Vec<u8> {
    harness::whatsapp_webhook(
        wa_id,
        message_id,
        json!({"type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus", "id": media_id, "voice": true}}),
    )
}

fn typed(wa_id: &str, message_id: &str, text: &str) -> Vec<u8> {
    harness::whatsapp_webhook(
        wa_id,
        message_id,
        json!({"type": "text", "text": {"body": text}}),
    )
}

/// A WhatsApp inbox (the bot answering first) on `server`.
pub async fn whatsapp_inbox(server: &TestServer, admin: &str) -> String {
    create_channel_inbox(
        server,
        admin,
        "whatsapp",
        json!({"phone_number_id": PHONE_NUMBER_ID, "access_token": GRAPH_TOKEN, "app_secret": APP_SECRET, "verify_token": "verify"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Posts a signed webhook to the inbox.
pub async fn post(server: &TestServer, inbox: &str, body: Vec<u8>) {
    let signature = harness::meta_signature(APP_SECRET, &body);
    let answer = server
        .client
        .post(format!("{}/api/v1/channels/{inbox}/webhook", server.base))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
}

/// The id of a conversation of `inbox` other than `known`, once there is one.
async fn new_conversation(server: &TestServer, token: &str, inbox: &str, known: &[&str]) -> String {
    for _ in 0..200 {
        let (_, list) = server
            .get(&format!("/api/v1/conversations?inbox_id={inbox}"), token)
            .await;
        let found = list["data"].as_array().and_then(|conversations| {
            conversations
                .iter()
                .filter_map(|conversation| conversation["id"].as_str())
                .find(|id| !known.contains(id))
                .map(str::to_owned)
        });
        if let Some(id) = found {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no new conversation in inbox {inbox}");
}

fn bot_texts(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter(|message| message["sender"]["type"] == "bot")
        .map(|message| message["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_whatsapp_voice_note_gets_the_answer_the_typed_question_gets() {
    let Some(model) = whisper_model() else {
        eprintln!("skipped: TANDEM_TEST_WHISPER_MODEL is not set");
        return;
    };
    let question = "Quero a segunda via do boleto.";
    let note = spoken(question, "pt-br");
    for backend in tandem_store::testing::backends() {
        let provider = Provider::start().await;
        provider.serve_media(FIXTURE_MEDIA_ID, &note).await;
        let server = TestServer::spawn_with(backend, |config| {
            provider.configure(config);
            config.speech_model_dir = Some(model.clone());
        })
        .await;
        let admin = server.login(ADMIN).await;
        let inbox = whatsapp_inbox(&server, &admin).await;

        // The shared fixture: a signed voice note as WhatsApp sends it.
        let fixture = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/meta_whatsapp_audio_voice.body"),
        )
        .unwrap();
        post(&server, &inbox, fixture).await;
        let spoken_id = new_conversation(&server, &admin, &inbox, &[]).await;
        let heard = server
            .messages_within(&admin, &spoken_id, Duration::from_secs(120), |messages| {
                !bot_texts(messages).is_empty()
            })
            .await;

        // The same question typed by another customer.
        post(
            &server,
            &inbox,
            typed("5511900000002", "wamid.TYPED1", question),
        )
        .await;
        let typed_id = new_conversation(&server, &admin, &inbox, &[&spoken_id]).await;
        let answered = server
            .messages_within(&admin, &typed_id, Duration::from_secs(20), |messages| {
                !bot_texts(messages).is_empty()
            })
            .await;
        assert_eq!(
            bot_texts(&heard),
            bot_texts(&answered),
            "the voice note is answered like the typed question"
        );

        // The note is kept (the agent can play it) and its words are the message's text,
        // marked as a transcript in Portuguese.
        let note_message = heard
            .iter()
            .find(|message| message["direction"] == "inbound")
            .unwrap();
        let attachment = &note_message["attachments"][0];
        assert_eq!(attachment["kind"], "audio", "{note_message}");
        assert_eq!(
            attachment["transcription"]["status"], "done",
            "{attachment}"
        );
        assert_eq!(attachment["transcription"]["language"], "pt");
        assert!(attachment["transcription"]["confidence"].as_f64().unwrap() > 0.0);
        assert!(
            note_message["text"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("segunda via"),
            "{note_message}"
        );
        let file_id = attachment["file_id"].as_str().unwrap();
        let played = server
            .client
            .get(format!("{}/api/v1/files/{file_id}", server.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(played.status(), StatusCode::OK);
        assert_eq!(played.bytes().await.unwrap().as_ref(), note.as_slice());
        // The conversation stays with the bot, which is asking for what it needs.
        let (_, conversation) = server
            .get(&format!("/api/v1/conversations/{spoken_id}"), &admin)
            .await;
        assert_eq!(conversation["status"], "bot", "{conversation}");
        server.stop().await;
    }
}

/// Points a server's speech to text at the scripted transcription server at `address`.
pub fn use_transcription_server(config: &mut tandem_server::Config, address: &str) {
    config.outbound_allow.push(address.to_owned());
    config.speech_url = Some(format!("http://{address}/v1"));
    config.speech_api_key = Some(tandem_server::config::Secret::new("speech-key"));
}

/// A request's content type and body, as the transcription server received it.
type SentForm = (String, Vec<u8>);

/// A scripted OpenAI-compatible transcription server: answers the queued replies in order
/// and keeps what it was sent.
#[derive(Clone, Default)]
pub struct TranscriptionServer {
    replies: Arc<Mutex<VecDeque<(u16, Value)>>>,
    requests: Arc<Mutex<Vec<SentForm>>>,
}

impl TranscriptionServer {
    pub async fn start(replies: Vec<(u16, Value)>) -> (Self, String) {
        let server = Self {
            replies: Arc::new(Mutex::new(replies.into())),
            requests: Arc::default(),
        };
        let app = Router::new()
            .route("/v1/audio/transcriptions", axum::routing::post(transcribe))
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (server, address)
    }

    fn requests(&self) -> Vec<SentForm> {
        self.requests.lock().unwrap().clone()
    }
}

async fn transcribe(
    State(server): State<TranscriptionServer>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer speech-key") {
        return (axum::http::StatusCode::UNAUTHORIZED, "no key").into_response();
    }
    server
        .requests
        .lock()
        .unwrap()
        .push((content_type, body.to_vec()));
    let (status, reply) = server
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or((500, json!({"error": "no reply scripted"})));
    (
        axum::http::StatusCode::from_u16(status).unwrap(),
        axum::Json(reply),
    )
        .into_response()
}

#[tokio::test]
async fn voice_notes_through_a_transcription_server_and_the_ones_the_bot_cannot_trust() {
    for backend in tandem_store::testing::backends() {
        transcription_server_on(backend).await;
    }
}

async fn transcription_server_on(backend: Backend) {
    let (speech, address) = TranscriptionServer::start(vec![
        // Heard clearly: answered like typed text.
        (
            200,
            json!({"text": " Quero a segunda via do boleto. ", "language": "portuguese",
                "segments": [{"avg_logprob": -0.15}]}),
        ),
        // Heard, but not surely enough for the bot.
        (
            200,
            json!({"text": "hmm bzz", "language": "portuguese", "segments": [{"avg_logprob": -2.5}]}),
        ),
        // Refused.
        (400, json!({"error": {"message": "Invalid file format."}})),
    ])
    .await;
    let provider = Provider::start().await;
    for media in ["400000000000001", "400000000000002", "400000000000003"] {
        provider.serve_media(media, b"OggS-voice-note").await;
    }
    let server = TestServer::spawn_with(backend, |config| {
        provider.configure(config);
        use_transcription_server(config, &address);
    })
    .await;
    let admin = server.login(ADMIN).await;
    let inbox = whatsapp_inbox(&server, &admin).await;
    let customer = "5511900000009";

    post(
        &server,
        &inbox,
        voice_note(customer, "wamid.VOICE1", "400000000000001"),
    )
    .await;
    let id = new_conversation(&server, &admin, &inbox, &[]).await;
    let after_first = server
        .messages_within(&admin, &id, Duration::from_secs(20), |m| {
            !bot_texts(m).is_empty()
        })
        .await;
    let first = after_first
        .iter()
        .find(|message| message["direction"] == "inbound")
        .unwrap();
    assert_eq!(first["text"], "Quero a segunda via do boleto.");
    assert_eq!(
        first["attachments"][0]["transcription"],
        json!({"status": "done", "language": "pt", "confidence": 0.86})
    );
    let answer = bot_texts(&after_first).join(" ");
    assert!(answer.contains("CPF"), "{answer}");
    // The recording went as a form with the model, the customer's language and the audio.
    let (content_type, body) = speech.requests()[0].clone();
    assert!(content_type.starts_with("multipart/form-data; boundary="));
    let body = String::from_utf8_lossy(&body);
    assert!(
        body.contains("name=\"model\"\r\n\r\nwhisper-1\r\n"),
        "{body}"
    );
    assert!(body.contains("name=\"language\"\r\n\r\npt\r\n"), "{body}");
    assert!(body.contains("Content-Type: audio/ogg"), "{body}");
    assert!(body.contains("OggS-voice-note"), "{body}");

    // Unsure words and a refused recording: the customer is asked to type, twice, and the
    // conversation stays with the bot (two misunderstandings would have handed it over).
    let unheard = |messages: &[Value]| {
        bot_texts(messages)
            .iter()
            .filter(|text| text.contains("Não consegui entender o seu áudio"))
            .count()
    };
    post(
        &server,
        &inbox,
        voice_note(customer, "wamid.VOICE2", "400000000000002"),
    )
    .await;
    server
        .messages_within(&admin, &id, Duration::from_secs(20), |m| unheard(m) == 1)
        .await;
    post(
        &server,
        &inbox,
        voice_note(customer, "wamid.VOICE3", "400000000000003"),
    )
    .await;
    let messages = server
        .messages_within(&admin, &id, Duration::from_secs(20), |m| unheard(m) == 2)
        .await;
    let unsure = messages
        .iter()
        .find(|message| message["external_id"] == "wamid.VOICE2")
        .unwrap();
    assert_eq!(unsure["text"], "hmm bzz", "the agent still sees the words");
    assert_eq!(
        unsure["attachments"][0]["transcription"]["confidence"],
        json!(0.08)
    );
    let refused = messages
        .iter()
        .find(|message| message["external_id"] == "wamid.VOICE3")
        .unwrap();
    assert_eq!(refused["text"], "");
    assert_eq!(
        refused["attachments"][0]["transcription"]["status"],
        "failed"
    );
    assert!(
        refused["attachments"][0]["transcription"]["reason"]
            .as_str()
            .unwrap()
            .contains("Invalid file format"),
        "{refused}"
    );
    let (_, conversation) = server
        .get(&format!("/api/v1/conversations/{id}"), &admin)
        .await;
    assert_eq!(conversation["status"], "bot", "{conversation}");

    // An MMS voice note whose audio is not on Twilio (so never fetched) is answered at once
    // as unheard, rather than waited for.
    let sms = server.twilio_sms_inbox(&admin).await;
    server
        .twilio_post(
            &format!("{}/api/v1/channels/{sms}/webhook", server.base),
            &[
                ("MessageSid", "MMVOICE000000000000000000000000001"),
                ("AccountSid", TWILIO_SID),
                ("From", "+5511900000031"),
                ("To", "+5511400000000"),
                ("Body", ""),
                ("NumMedia", "1"),
                ("MediaUrl0", "https://media.example.com/voice.ogg"),
                ("MediaContentType0", "audio/ogg"),
            ],
        )
        .await;
    let mms = new_conversation(&server, &admin, &sms, &[]).await;
    let messages = server
        .messages_within(&admin, &mms, Duration::from_secs(20), |m| unheard(m) == 1)
        .await;
    let note = messages
        .iter()
        .find(|message| message["direction"] == "inbound")
        .unwrap();
    assert_eq!(
        note["attachments"][0]["transcription"]["status"], "failed",
        "{note}"
    );
    assert_eq!(
        speech.requests().len(),
        3,
        "nothing was sent to be transcribed"
    );
    server.stop().await;
}
