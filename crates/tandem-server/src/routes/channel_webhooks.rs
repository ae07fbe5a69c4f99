//! Provider webhooks: one URL per inbox (`/api/v1/channels/{inbox_id}/webhook`, and `/voice`
//! for Twilio calls). Each request is authenticated the provider's way (Meta's and Twilio's
//! signatures, Telegram's secret token, a bearer secret for inbound e-mail) before anything is
//! parsed; a request that fails is refused and nothing is stored. Unknown event types are
//! acknowledged and logged, so a provider never retries them.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use tandem_app::model::InboundMessage;
use tandem_channels::config::ChannelConfig;
use tandem_channels::twilio::{self, VoiceRequest};
use tandem_channels::{WebhookError, WebhookEvent, email, meta, telegram};
use tandem_domain::conversation::ConversationStatus;
use tandem_domain::id::{InboxId, MessageId};
use tandem_domain::inbox::{ChannelKind, Inbox};
use tandem_nlu::Language;

use crate::error::{ApiError, BadRequestKind};
use crate::extract::{bearer_matches, parse_id};
use crate::state::AppState;

/// TwiML that does nothing: the acknowledgement Twilio expects.
pub(super) const EMPTY_TWIML: &str =
    r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

/// Loads the inbox a webhook URL names and opens its settings.
async fn channel_inbox(
    state: &AppState,
    inbox_id: &str,
) -> Result<(Inbox, ChannelConfig), ApiError> {
    let inbox_id: InboxId = parse_id(inbox_id, "inbox")?;
    let (inbox, config) = state.app.channel_webhook_inbox(inbox_id).await?;
    tracing::Span::current().record("inbox_id", tracing::field::display(inbox.id));
    Ok((inbox, config))
}

fn refused(error: WebhookError) -> ApiError {
    match error {
        WebhookError::Unauthenticated(reason) => {
            tracing::warn!(reason, "channel webhook refused");
            ApiError::Unauthenticated
        }
        WebhookError::Malformed(message) => ApiError::BadRequest {
            kind: BadRequestKind::MalformedWebhook,
            message,
        },
    }
}

/// Meta's subscription handshake (`GET` with `hub.mode`, `hub.verify_token`, `hub.challenge`).
pub async fn verify(
    State(state): State<AppState>,
    Path(inbox_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<String, ApiError> {
    let (_, config) = channel_inbox(&state, &inbox_id).await?;
    let verify_token = match &config {
        ChannelConfig::Whatsapp(c) => &c.verify_token,
        ChannelConfig::MetaPage(c) => &c.verify_token,
        _ => return Err(ApiError::RouteNotFound),
    };
    let param = |name: &str| query.get(name).map(String::as_str);
    meta::verify_subscription(
        verify_token,
        param("hub.mode"),
        param("hub.verify_token"),
        param("hub.challenge"),
    )
    .map_err(|error| match error {
        WebhookError::Unauthenticated(_) => ApiError::Forbidden,
        other => refused(other),
    })
}

/// A provider's webhook: customer messages, delivery reports and everything else it sends.
pub async fn receive(
    State(state): State<AppState>,
    Path(inbox_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (inbox, config) = channel_inbox(&state, &inbox_id).await?;
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let events = match &config {
        ChannelConfig::Whatsapp(c) => {
            meta::verify_signature(&c.app_secret, &body, header("x-hub-signature-256"))
                .and_then(|()| meta::parse_whatsapp(&body, &c.phone_number_id))
        }
        ChannelConfig::MetaPage(c) => {
            let kind = match inbox.channel {
                ChannelKind::Instagram => tandem_domain::contact::IdentityKind::Instagram,
                _ => tandem_domain::contact::IdentityKind::Messenger,
            };
            meta::verify_signature(&c.app_secret, &body, header("x-hub-signature-256"))
                .and_then(|()| meta::parse_messenger(&body, &c.page_id, kind))
        }
        ChannelConfig::Telegram(c) => {
            telegram::verify_secret(&c.secret_token, header("x-telegram-bot-api-secret-token"))
                .and_then(|()| telegram::parse_update(&body))
        }
        ChannelConfig::TwilioSms(c) => twilio_form(&state, &uri, &headers, &body, &c.auth_token)
            .and_then(|params| twilio::parse_sms(&params)),
        ChannelConfig::Email(c) => {
            let expected = c
                .inbound_secret
                .as_deref()
                .ok_or(ApiError::NotFound("inbox"))?;
            if !bearer_matches(&headers, expected) {
                return Err(refused(WebhookError::Unauthenticated(
                    "inbound e-mail secret",
                )));
            }
            let parsed = email::parse_email(&body).map_err(refused)?;
            let outcome = state.app.accept_email(&inbox, parsed).await?;
            let status = match outcome {
                Some(outcome) if !outcome.is_duplicate => StatusCode::CREATED,
                _ => StatusCode::OK,
            };
            return Ok(status.into_response());
        }
        ChannelConfig::TwilioVoice(_) => return Err(ApiError::RouteNotFound),
    }
    .map_err(refused)?;
    // A pressed Telegram button spins until the bot answers the callback query; the answer
    // rides on the webhook's response (the Bot API reads a method call there).
    let callback_query = events.iter().find_map(|event| match event {
        WebhookEvent::Message(message) => message
            .external_id
            .strip_prefix("callback:")
            .map(str::to_owned),
        _ => None,
    });
    for event in events {
        state.app.accept_channel_event(&inbox, event).await?;
    }
    Ok(match inbox.channel {
        ChannelKind::Telegram if callback_query.is_some() => axum::Json(serde_json::json!({
            "method": "answerCallbackQuery",
            "callback_query_id": callback_query,
        }))
        .into_response(),
        ChannelKind::Sms => twiml_response(EMPTY_TWIML.to_owned()),
        ChannelKind::Whatsapp | ChannelKind::Messenger | ChannelKind::Instagram => {
            "EVENT_RECEIVED".into_response()
        }
        _ => StatusCode::OK.into_response(),
    })
}

/// A Twilio webhook's form, once its `X-Twilio-Signature` proves it: Twilio signs the public
/// URL it called (`public_url` and the path and query) with the parameters.
fn twilio_form(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    auth_token: &str,
) -> Result<Vec<(String, String)>, WebhookError> {
    let params = twilio::form_pairs(body);
    let url = format!("{}{uri}", state.channels.public_url);
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|value| value.to_str().ok());
    twilio::verify_signature(auth_token, &url, &params, signature)?;
    Ok(params)
}

pub(super) fn twiml_response(twiml: String) -> Response {
    ([(CONTENT_TYPE, "text/xml; charset=utf-8")], twiml).into_response()
}

/// Twilio Voice: a call starting, the caller's speech from a `<Gather>`, or the call ending.
/// Speech is a customer message; the bot's answer is spoken back, and a handover rings the
/// agents (or the team's line, or a Twilio queue) as the inbox says — or takes a voicemail
/// when nobody can answer. The steps of a handed-over call (`?step=`) are in `call_handover`.
pub async fn voice(
    State(state): State<AppState>,
    Path(inbox_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (inbox, config) = channel_inbox(&state, &inbox_id).await?;
    let ChannelConfig::TwilioVoice(config) = config else {
        return Err(ApiError::RouteNotFound);
    };
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let params = twilio_form(&state, &uri, &headers, &body, &config.auth_token).map_err(refused)?;
    let query: HashMap<String, String> = uri
        .query()
        .map(|query| {
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if let Some(step) = query.get("step") {
        return super::call_handover::step(&state, &inbox, step, &query, &params)
            .await
            .map(twiml_response);
    }
    let call = twilio::parse_voice(&params).map_err(refused)?;
    let action_url = state.channels.voice_url(inbox.id);
    if matches!(
        call.call_status.as_deref(),
        Some("completed" | "busy" | "failed" | "no-answer" | "canceled")
    ) {
        return Ok(twiml_response(EMPTY_TWIML.to_owned()));
    }
    let Some(speech) = call
        .speech
        .clone()
        .filter(|speech| !speech.trim().is_empty())
    else {
        // A call starting, or a caller who said nothing (Twilio follows the `<Redirect>` after
        // the `<Gather>`): greet, ask once more, then say goodbye rather than loop forever.
        let language = state.app.inbox_language(inbox.account_id, inbox.id).await?;
        let code = twilio::speech_language(language.code());
        let silences = query
            .get("silence")
            .and_then(|value| value.parse::<u8>().ok())
            .unwrap_or(0);
        let prompt = match silences {
            0 => greeting(language),
            1 => still_there(language),
            _ => {
                return Ok(twiml_response(twilio::twiml_hang_up(
                    &[goodbye(language).to_owned()],
                    code,
                )));
            }
        };
        let next = format!("{action_url}?silence={}", silences + 1);
        return Ok(twiml_response(twilio::twiml_listen(
            &[prompt.to_owned()],
            code,
            &next,
        )));
    };
    let idempotency = header("i-twilio-idempotency-token")
        .map_or_else(|| MessageId::generate().to_string(), str::to_owned);
    let inbound = speech_message(&inbox, &call, speech, &idempotency);
    let spoken = state.app.voice_turn(&inbox, &inbound).await?;
    let code = twilio::speech_language(spoken.language.code());
    Ok(twiml_response(match spoken.status {
        ConversationStatus::Queued | ConversationStatus::Assigned => {
            super::call_handover::hand_over(
                &state,
                &inbox,
                &config,
                spoken.conversation_id,
                &spoken.lines,
                spoken.language,
            )
            .await?
        }
        ConversationStatus::Resolved => twilio::twiml_hang_up(&spoken.lines, code),
        ConversationStatus::Bot => twilio::twiml_listen(&spoken.lines, code, &action_url),
    }))
}

fn speech_message(
    inbox: &Inbox,
    call: &VoiceRequest,
    speech: String,
    idempotency: &str,
) -> InboundMessage {
    InboundMessage {
        inbox_id: inbox.id,
        identity: call.caller.clone(),
        contact_name: None,
        text: speech,
        external_id: Some(format!("{}:{idempotency}", call.call_sid)),
        attachments: Vec::new(),
        channel_data: Some(serde_json::json!({
            "call_sid": call.call_sid,
            "speech_confidence": call.confidence,
        })),
        reply_address: Some(call.caller_number.clone()),
    }
}

/// Asked when a caller said nothing.
fn still_there(language: Language) -> &'static str {
    match language {
        Language::Portuguese => "Ainda está aí? Diga como posso ajudar.",
        Language::Spanish => "¿Sigue ahí? Dígame en qué puedo ayudarle.",
        Language::English => "Are you still there? Tell me how I can help.",
    }
}

/// Said before hanging up on a silent call.
fn goodbye(language: Language) -> &'static str {
    match language {
        Language::Portuguese => "Obrigado pela ligação. Até logo!",
        Language::Spanish => "Gracias por llamar. ¡Hasta luego!",
        Language::English => "Thank you for calling. Goodbye!",
    }
}

/// The first thing a caller hears.
fn greeting(language: Language) -> &'static str {
    match language {
        Language::Portuguese => "Olá! Como posso ajudar?",
        Language::Spanish => "¡Hola! ¿En qué puedo ayudarle?",
        Language::English => "Hello! How can I help you?",
    }
}
