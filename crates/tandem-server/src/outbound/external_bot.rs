//! The external-bot protocol, version `tandem.bot.v1` (`docs/external-bots.md`): for each
//! customer message Tandem's handover rules let through, a webhook signed like the outgoing
//! webhooks (`X-Tandem-Signature`) carries the message, the conversation's state and Tandem's
//! analysis to the company's bot, which answers in the webhook's response or later through
//! `POST /api/v1/bot/conversations/{id}/reply`.

use std::time::Duration;

use tandem_app::ports::{BoxFuture, ExternalBotError, ExternalBots, ExternalTurn};
use tandem_bot::profile::ExternalBot;
use tandem_bot::{ExternalHandover, ExternalReply};
use tandem_domain::event::HandoverReason;
use tandem_domain::id::MessageId;
use tandem_domain::message::validate_message_text;
use tandem_domain::validation::{ValidationError, Validator};

use super::guard::{GuardedClient, OutboundGuard, refusal};
use super::webhooks::signature;
use crate::wire::{
    ExternalAnalysis, ExternalConversation, ExternalEntity, ExternalIntent, ExternalMessage,
    ExternalReplyRequest, ExternalTurnPayload,
};

/// The protocol version this server speaks.
pub const PROTOCOL: &str = "tandem.bot.v1";
/// Most messages one reply may send.
pub const MAX_REPLIES: usize = 10;
/// Largest external state kept per conversation.
pub const MAX_STATE_BYTES: usize = 16 * 1024;
/// Largest webhook response read.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// The webhook body for one customer message.
fn turn_payload(turn: &ExternalTurn) -> ExternalTurnPayload {
    let ExternalTurn {
        conversation,
        contact,
        state,
        language,
        message_id,
        text,
        analysis,
    } = turn;
    ExternalTurnPayload {
        version: PROTOCOL,
        kind: "customer_message",
        account_id: conversation.account_id.0,
        conversation: ExternalConversation {
            id: conversation.id.0,
            inbox_id: conversation.inbox_id.0,
            language: language.code(),
            state: state.clone(),
        },
        contact: contact.clone().into(),
        message: ExternalMessage {
            id: message_id.0,
            text: text.clone(),
        },
        analysis: ExternalAnalysis {
            language: analysis.language.language.code(),
            intents: analysis
                .intents
                .iter()
                .map(|score| ExternalIntent {
                    intent: score.intent.clone(),
                    confidence: score.confidence,
                })
                .collect(),
            out_of_scope: analysis.out_of_scope,
            sentiment: analysis.sentiment.score,
            entities: analysis
                .entities
                .iter()
                .map(|entity| ExternalEntity {
                    kind: entity.kind,
                    value: entity.masked(),
                })
                .collect(),
        },
    }
}

/// External bots reached over HTTP, with a guarded client that follows no redirects.
#[derive(Debug)]
pub struct HttpExternalBots {
    client: GuardedClient,
}

impl HttpExternalBots {
    pub fn new(guard: &OutboundGuard) -> reqwest::Result<Self> {
        let client = guard.client(concat!("Tandem-Bot/", env!("CARGO_PKG_VERSION")), None)?;
        Ok(Self { client })
    }
}

impl ExternalBots for HttpExternalBots {
    fn send<'a>(
        &'a self,
        config: &'a ExternalBot,
        turn: &'a ExternalTurn,
    ) -> BoxFuture<'a, Result<Option<ExternalReply>, ExternalBotError>> {
        Box::pin(send(&self.client, config, turn))
    }
}

/// POSTs the turn, signed, and reads a reply from the response when there is one (`200`
/// with a JSON body); `202`/`204` or an empty body mean the reply will come through the API.
async fn send(
    http: &GuardedClient,
    config: &ExternalBot,
    turn: &ExternalTurn,
) -> Result<Option<ExternalReply>, ExternalBotError> {
    let body = serde_json::to_vec(&turn_payload(turn))
        .map_err(|error| ExternalBotError::InvalidReply(error.to_string()))?;
    let now = jiff::Timestamp::now().as_second();
    let response = http
        .post(&config.url)
        .map_err(|refused| ExternalBotError::Unreachable(refused.to_string()))?
        .timeout(Duration::from_secs(u64::from(config.timeout_seconds)))
        .header("content-type", "application/json")
        .header("x-tandem-bot-protocol", PROTOCOL)
        .header("x-tandem-signature", signature(&config.secret, now, &body))
        .body(body)
        .send()
        .await
        .map_err(|error| match refusal(&error) {
            Some(refused) => ExternalBotError::Unreachable(refused.to_string()),
            None => ExternalBotError::Unreachable(error.without_url().to_string()),
        })?;
    let status = response.status();
    if !status.is_success() {
        return Err(ExternalBotError::Status(status.as_u16()));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|error| ExternalBotError::Unreachable(error.to_string()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if bytes.len() > MAX_RESPONSE_BYTES {
        return Err(ExternalBotError::InvalidReply(format!(
            "the response is over {MAX_RESPONSE_BYTES} bytes"
        )));
    }
    let request: ExternalReplyRequest = serde_json::from_slice(&bytes)
        .map_err(|error| ExternalBotError::InvalidReply(error.to_string()))?;
    let reply =
        parse_reply(request).map_err(|error| ExternalBotError::InvalidReply(error.to_string()))?;
    Ok(Some(reply.reply))
}

/// A checked reply and the message it answers, if it names one.
#[derive(Debug)]
pub struct CheckedReply {
    pub in_reply_to: Option<MessageId>,
    pub reply: ExternalReply,
}

/// Checks a reply: the version, at most [`MAX_REPLIES`] valid texts, at least one text or a
/// handover, a known handover reason, a state of at most [`MAX_STATE_BYTES`].
pub fn parse_reply(request: ExternalReplyRequest) -> Result<CheckedReply, ValidationError> {
    let mut validator = Validator::new();
    if request.version != PROTOCOL {
        validator.reject(
            "version",
            "unsupported_version",
            format!("this server speaks {PROTOCOL}"),
        );
    }
    if request.replies.len() > MAX_REPLIES {
        validator.reject(
            "replies",
            "too_many",
            format!("at most {MAX_REPLIES} messages per reply"),
        );
    }
    for (index, text) in request.replies.iter().enumerate() {
        if let Err(ValidationError(errors)) = validate_message_text(text) {
            for error in errors {
                validator.reject(&format!("replies[{index}]"), error.code, error.message);
            }
        }
    }
    if request.replies.is_empty() && request.handover.is_none() {
        validator.reject(
            "replies",
            "required",
            "send at least one message, or a handover",
        );
    }
    let reason = request.handover.as_ref().map(|handover| {
        handover.reason.parse::<HandoverReason>().map_err(|_| {
            validator.reject(
                "handover.reason",
                "unknown_reason",
                "must be a handover reason such as customer_request or complexity",
            );
        })
    });
    let state_bytes = request
        .state
        .as_ref()
        .map_or(0, |state| state.to_string().len());
    if state_bytes > MAX_STATE_BYTES {
        validator.reject(
            "state",
            "too_large",
            format!("must be at most {MAX_STATE_BYTES} bytes of JSON"),
        );
    }
    validator.finish()?;
    let handover = match (request.handover, reason) {
        (Some(handover), Some(Ok(reason))) => Some(ExternalHandover {
            reason,
            note: handover.note,
        }),
        _ => None,
    };
    Ok(CheckedReply {
        in_reply_to: request.in_reply_to.map(MessageId),
        reply: ExternalReply {
            texts: request.replies,
            understood: request.understood,
            handover,
            state: request.state,
        },
    })
}
