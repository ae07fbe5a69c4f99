//! The steps of a phone call the bot handed over (Twilio Voice): ringing the agents (or the
//! team's line, or a Twilio queue), the agent who answers, the end of the dial (a voicemail when
//! nobody answered), the voicemail and the call's recording. Each step is a request Twilio signs
//! to the inbox's voice URL with `?step=` and the conversation.

use std::collections::HashMap;

use tandem_app::voice_calls::{CallRecording, CallRoute};
use tandem_channels::config::TwilioVoiceConfig;
use tandem_channels::twilio::{self, CallTarget};
use tandem_domain::id::{ConversationId, UserId};
use tandem_domain::inbox::Inbox;
use tandem_nlu::Language;

use super::channel_webhooks::EMPTY_TWIML;
use crate::error::{ApiError, BadRequestKind};
use crate::extract::parse_id;
use crate::state::AppState;

/// How long agents' phones ring before the caller is offered a voicemail.
const RING_SECONDS: u32 = 20;
/// The longest voicemail.
const VOICEMAIL_SECONDS: u32 = 120;

/// The TwiML that hands a call over after the bot's `lines`: ring whoever can answer, or take
/// a voicemail.
pub(super) async fn hand_over(
    state: &AppState,
    inbox: &Inbox,
    config: &TwilioVoiceConfig,
    conversation_id: ConversationId,
    lines: &[String],
    language: Language,
) -> Result<String, ApiError> {
    let route = state
        .app
        .call_route(inbox, &config.handover, conversation_id)
        .await?;
    let code = language.code();
    let url = |step: &str| step_url(state, inbox, conversation_id, step);
    let dial = |targets: Vec<CallTarget>| {
        twilio::twiml_dial(
            lines,
            code,
            &targets,
            RING_SECONDS,
            &url("dial_ended"),
            &url("recording"),
        )
    };
    Ok(match route {
        CallRoute::Enqueue(queue) => twilio::twiml_enqueue(lines, code, &queue),
        CallRoute::Agents(agents) => dial(
            agents
                .into_iter()
                .map(|(agent_id, address)| CallTarget {
                    address,
                    answered_url: format!("{}&agent={agent_id}", url("answered")),
                })
                .collect(),
        ),
        CallRoute::Line(number) => dial(vec![CallTarget {
            address: number,
            answered_url: url("answered"),
        }]),
        CallRoute::Voicemail => {
            let mut lines = lines.to_vec();
            lines.push(voicemail_prompt(language).to_owned());
            twilio::twiml_voicemail(&lines, code, &url("voicemail"), VOICEMAIL_SECONDS)
        }
    })
}

/// One step of a handed-over call, from its signed form `params`.
pub(super) async fn step(
    state: &AppState,
    inbox: &Inbox,
    step: &str,
    query: &HashMap<String, String>,
    params: &[(String, String)],
) -> Result<String, ApiError> {
    let conversation_id: ConversationId = parse_id(
        query.get("conversation").map_or("", String::as_str),
        "conversation",
    )?;
    let app = &state.app;
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    match step {
        "answered" => {
            let agent: Option<UserId> = query
                .get("agent")
                .map(|agent| parse_id(agent, "user"))
                .transpose()?;
            let (lines, language) = app.call_answered(inbox, conversation_id, agent).await?;
            Ok(twilio::twiml_say(&lines, language.code()))
        }
        "dial_ended" => {
            let language = app.call_language(inbox, conversation_id).await?;
            Ok(match param("DialCallStatus") {
                Some("completed" | "answered") => twilio::twiml_hang_up(&[], language.code()),
                _ => twilio::twiml_voicemail(
                    &[voicemail_prompt(language).to_owned()],
                    language.code(),
                    &step_url(state, inbox, conversation_id, "voicemail"),
                    VOICEMAIL_SECONDS,
                ),
            })
        }
        "voicemail" => {
            let language = app.call_language(inbox, conversation_id).await?;
            let Some(recording) = twilio::parse_recording(params) else {
                return Ok(twilio::twiml_hang_up(&[], language.code()));
            };
            app.keep_call_recording(
                inbox,
                conversation_id,
                param("CallSid"),
                &recording,
                CallRecording::Voicemail,
            )
            .await?;
            Ok(twilio::twiml_hang_up(
                &[voicemail_thanks(language).to_owned()],
                language.code(),
            ))
        }
        "recording" => {
            if let Some(recording) = twilio::parse_recording(params) {
                app.keep_call_recording(
                    inbox,
                    conversation_id,
                    param("CallSid"),
                    &recording,
                    CallRecording::Conversation,
                )
                .await?;
            }
            Ok(EMPTY_TWIML.to_owned())
        }
        other => Err(ApiError::BadRequest {
            kind: BadRequestKind::MalformedWebhook,
            message: format!("unknown voice step {other:?}"),
        }),
    }
}

/// The inbox's voice URL for one step of the call in `conversation_id`.
fn step_url(
    state: &AppState,
    inbox: &Inbox,
    conversation_id: ConversationId,
    step: &str,
) -> String {
    format!(
        "{}?step={step}&conversation={conversation_id}",
        state.channels.voice_url(inbox.id)
    )
}

/// Said before the beep when nobody can take the call.
fn voicemail_prompt(language: Language) -> &'static str {
    match language {
        Language::Portuguese => {
            "Ninguém da equipe pode atender agora. Deixe seu recado após o sinal e retornaremos a ligação."
        }
        Language::Spanish => {
            "Nadie del equipo puede atender ahora. Deja tu mensaje después del tono y te devolveremos la llamada."
        }
        Language::English => {
            "Nobody on the team can take your call right now. Leave a message after the tone and we will call you back."
        }
    }
}

/// Said after a voicemail, before hanging up.
fn voicemail_thanks(language: Language) -> &'static str {
    match language {
        Language::Portuguese => "Recebemos seu recado. Obrigado!",
        Language::Spanish => "Recibimos tu mensaje. ¡Gracias!",
        Language::English => "We got your message. Thank you!",
    }
}
