//! Twilio: `X-Twilio-Signature`, SMS/MMS webhooks and sends, voice webhooks and the TwiML that
//! answers them.

use base64::prelude::{BASE64_STANDARD, Engine as _};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::message::DeliveryStatus;

use crate::config::TwilioSmsConfig;
use crate::{
    Attachment, AttachmentKind, HttpMethod, InboundMessage, OutboundError, OutboundMessage,
    ProviderRequest, RequestBody, SendOutcome, StatusUpdate, WebhookError, WebhookEvent,
    outcome_for_failure, refuse_template, truncate,
};

type HmacSha1 = Hmac<Sha1>;

/// Twilio's limit on an outbound message body, in characters.
const MAX_SMS_CHARS: usize = 1600;

/// An MMS carries at most ten media items.
const MAX_MEDIA: usize = 10;

/// base64(HMAC-SHA1(auth_token, url + concatenation of key+value for params sorted by key,
/// then value)), as Twilio signs its webhooks.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    // HMAC takes keys of any length, so there always is a MAC to encode.
    signing_mac(auth_token, url, params)
        .map(|mac| BASE64_STANDARD.encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Checks `X-Twilio-Signature` over a form webhook in constant time, trying the URL as given
/// and with the default port added or the port removed, as Twilio's own validators do. A URL
/// carrying `bodySHA256` belongs to a JSON webhook and is refused here: its body must be
/// checked too, with [`verify_json_signature`].
pub fn verify_signature(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: Option<&str>,
) -> Result<(), WebhookError> {
    if query_value(url, "bodySHA256").is_some() {
        return Err(WebhookError::Unauthenticated(
            "a bodySHA256 webhook must be verified with its body",
        ));
    }
    check_signature(auth_token, url, params, header)
}

/// Checks a JSON webhook: `X-Twilio-Signature` signs the URL alone, and the URL's `bodySHA256`
/// query parameter must be the hex SHA-256 of the raw `body`.
pub fn verify_json_signature(
    auth_token: &str,
    url: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), WebhookError> {
    let Some(expected) = query_value(url, "bodySHA256") else {
        return Err(WebhookError::Unauthenticated(
            "the webhook URL carries no bodySHA256",
        ));
    };
    check_signature(auth_token, url, &[], header)?;
    let matches = hex::decode(expected.trim())
        .is_ok_and(|expected| bool::from(Sha256::digest(body).as_slice().ct_eq(&expected)));
    if !matches {
        return Err(WebhookError::Unauthenticated(
            "the body does not match bodySHA256",
        ));
    }
    Ok(())
}

/// Decodes an `application/x-www-form-urlencoded` body into pairs, in order.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// An SMS/MMS webhook (an inbound message, or a status callback for one we sent) → events.
pub fn parse_sms(params: &[(String, String)]) -> Result<Vec<WebhookEvent>, WebhookError> {
    let get = |key| param(params, key);
    let external_id = get("MessageSid")
        .or_else(|| get("SmsSid"))
        .filter(|sid| !crate::is_blank_id(sid))
        .ok_or_else(|| WebhookError::Malformed("missing MessageSid".into()))?;
    // A status callback has no Body at all; an inbound MMS without text has an empty one.
    let has_body = params.iter().any(|(key, _)| key == "Body");
    if let (Some(status), false) = (get("MessageStatus"), has_body) {
        return Ok(vec![status_event(external_id, status, get("ErrorCode"))]);
    }
    let from = get("From").ok_or_else(|| WebhookError::Malformed("missing From".into()))?;
    let sender = Identity::parse(IdentityKind::Phone, from, "From")
        .map_err(|error| WebhookError::Malformed(error.to_string()))?;
    let media_count = match get("NumMedia") {
        None => 0,
        Some(count) => count
            .trim()
            .parse::<usize>()
            .map_err(|_| WebhookError::Malformed("NumMedia is not a number".into()))?,
    };
    let attachments = (0..media_count.min(MAX_MEDIA))
        .filter_map(|index| {
            let url = param(params, &format!("MediaUrl{index}"));
            let mime_type = param(params, &format!("MediaContentType{index}"));
            (url.is_some() || mime_type.is_some()).then(|| media(url, mime_type))
        })
        .collect();
    Ok(vec![WebhookEvent::Message(InboundMessage {
        external_id: external_id.to_owned(),
        sender,
        sender_name: None,
        reply_address: from.to_owned(),
        text: get("Body").unwrap_or_default().to_owned(),
        attachments,
        reply_payload: None,
        sent_at: None,
    })])
}

/// `POST /2010-04-01/Accounts/{sid}/Messages.json` (`api_url` like `https://api.twilio.com`),
/// Basic auth `sid:token`, form `To`/`From`/`Body` (+`StatusCallback` when given). SMS has no
/// buttons, so quick replies are appended as numbered lines.
pub fn sms_request(
    api_url: &str,
    config: &TwilioSmsConfig,
    message: &OutboundMessage,
    status_callback: Option<&str>,
) -> Result<ProviderRequest, OutboundError> {
    refuse_template(message)?;
    let to = message.to.trim();
    if !is_e164(to) {
        return Err(OutboundError::Recipient(format!(
            "{to:?} is not a phone number in E.164"
        )));
    }
    let mut text = message.text.trim_end().to_owned();
    for (number, reply) in message.quick_replies.iter().enumerate() {
        let separator = match (number, text.is_empty()) {
            (_, true) => "",
            (0, false) => "\n\n",
            _ => "\n",
        };
        text.push_str(&format!("{separator}{}. {}", number + 1, reply.title));
    }
    if text.trim().is_empty() && message.file.is_none() {
        return Err(OutboundError::Unsupported("an SMS needs text"));
    }
    if text.chars().count() > MAX_SMS_CHARS {
        return Err(OutboundError::Unsupported(
            "an SMS holds at most 1600 characters",
        ));
    }
    let mut form = vec![
        ("To".to_owned(), to.to_owned()),
        ("From".to_owned(), config.from_number.clone()),
        ("Body".to_owned(), text),
    ];
    if let Some(file) = &message.file {
        form.push(("MediaUrl".to_owned(), file.url.clone()));
    }
    if let Some(callback) = status_callback {
        form.push(("StatusCallback".to_owned(), callback.to_owned()));
    }
    let api = api_url.strip_suffix('/').unwrap_or(api_url);
    let credentials =
        BASE64_STANDARD.encode(format!("{}:{}", config.account_sid, config.auth_token));
    Ok(ProviderRequest {
        method: HttpMethod::Post,
        url: format!(
            "{api}/2010-04-01/Accounts/{}/Messages.json",
            config.account_sid
        ),
        headers: vec![("Authorization".to_owned(), format!("Basic {credentials}"))],
        body: RequestBody::Form(form),
    })
}

/// Reads Twilio's answer to a message send: the message's `sid` on success; rate limits
/// (429, error 20429) and server errors are retried; other errors are final.
pub fn send_outcome(status: u16, body: &str, retry_after: Option<&str>) -> SendOutcome {
    if (200..300).contains(&status) {
        return match serde_json::from_str::<Created>(body) {
            Ok(created) if !created.sid.is_empty() => SendOutcome::Accepted {
                external_id: created.sid,
            },
            _ => SendOutcome::Rejected {
                reason: format!(
                    "HTTP {status} without a message sid: {}",
                    truncate(body, 300)
                ),
            },
        };
    }
    if status == 401 {
        return SendOutcome::Rejected {
            reason: "credentials refused".into(),
        };
    }
    let Ok(error) = serde_json::from_str::<ApiError>(body) else {
        return outcome_for_failure(status, body, retry_after);
    };
    let reason = format!("{}: {}", error.code, truncate(&error.message, 300));
    if status == 429 || error.code == 20429 || (500..600).contains(&status) || status == 408 {
        return SendOutcome::Retry {
            reason,
            retry_after_seconds: retry_after.and_then(|value| value.trim().parse().ok()),
        };
    }
    SendOutcome::Rejected { reason }
}

/// A voice webhook: a call starting, or the result of a `<Gather>`.
#[derive(Clone, Debug, PartialEq)]
pub struct VoiceRequest {
    pub call_sid: String,
    /// The caller as a `phone` identity, in E.164.
    pub caller: Identity,
    /// The caller's number as Twilio sent it; calls are answered on it.
    pub caller_number: String,
    /// What the caller said (`SpeechResult`), absent when the call starts or they kept quiet.
    pub speech: Option<String>,
    /// Twilio's confidence in `speech`, from 0 to 1.
    pub confidence: Option<f32>,
    /// `ringing`, `in-progress`, `completed`, ...
    pub call_status: Option<String>,
    /// How a `<Dial>` ended (`completed`, `no-answer`, `busy`, `failed`, `canceled`), on its
    /// `action` request.
    pub dial_status: Option<String>,
    /// The recording a `<Record>` or a recorded `<Dial>` made.
    pub recording: Option<Recording>,
}

/// A call recording Twilio keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recording {
    pub sid: String,
    /// Where Twilio serves it (`.wav` appended gives WAV).
    pub url: String,
    pub duration_seconds: Option<u32>,
}

impl Recording {
    /// The recording as an audio attachment that needs transcription, fetched as WAV.
    pub fn attachment(&self) -> Attachment {
        Attachment {
            url: Some(format!("{}.wav", self.url.trim_end_matches(".wav"))),
            mime_type: Some("audio/wav".to_owned()),
            voice: true,
            needs_transcription: true,
            ..Attachment::of_kind(AttachmentKind::Audio)
        }
    }
}

/// Reads a voice webhook.
pub fn parse_voice(params: &[(String, String)]) -> Result<VoiceRequest, WebhookError> {
    let get = |key| param(params, key);
    let call_sid =
        get("CallSid").ok_or_else(|| WebhookError::Malformed("missing CallSid".into()))?;
    let caller_number = get("From")
        .or_else(|| get("Caller"))
        .ok_or_else(|| WebhookError::Malformed("missing From".into()))?;
    let caller = Identity::parse(IdentityKind::Phone, caller_number, "From")
        .map_err(|error| WebhookError::Malformed(error.to_string()))?;
    Ok(VoiceRequest {
        call_sid: call_sid.to_owned(),
        caller,
        caller_number: caller_number.to_owned(),
        speech: get("SpeechResult")
            .map(str::trim)
            .filter(|speech| !speech.is_empty())
            .map(str::to_owned),
        confidence: get("Confidence")
            .and_then(|confidence| confidence.trim().parse::<f32>().ok())
            .filter(|confidence| confidence.is_finite()),
        call_status: get("CallStatus").map(str::to_owned),
        dial_status: get("DialCallStatus").map(str::to_owned),
        recording: parse_recording(params),
    })
}

/// The recording a `<Record>` action or a recording status callback names (the callback
/// carries no caller), if it names one Twilio serves over HTTPS.
pub fn parse_recording(params: &[(String, String)]) -> Option<Recording> {
    let sid = param(params, "RecordingSid")?.trim();
    let url = param(params, "RecordingUrl")?.trim();
    (!sid.is_empty() && url.starts_with("https://")).then(|| Recording {
        sid: sid.to_owned(),
        url: url.to_owned(),
        duration_seconds: param(params, "RecordingDuration")
            .and_then(|seconds| seconds.trim().parse().ok()),
    })
}

/// TwiML: say `lines`, then listen for speech and post it to `action_url`. The lines are said
/// inside the `<Gather>`, so a caller may answer before they end; when the caller says
/// nothing, the `<Redirect>` posts to `action_url` without `SpeechResult`, so the call goes on
/// and the server decides whether to ask again. `language` is a Tandem language code, see
/// [`speech_language`].
pub fn twiml_listen(lines: &[String], language: &str, action_url: &str) -> String {
    let language = speech_language(language);
    let action = escape(action_url);
    twiml(&format!(
        r#"<Gather input="speech" language="{language}" speechTimeout="auto" action="{action}" method="POST">{}</Gather><Redirect method="POST">{action}</Redirect>"#,
        says(lines, language)
    ))
}

/// TwiML: say `lines`, then `<Enqueue>` the call into the Twilio queue `queue`.
pub fn twiml_enqueue(lines: &[String], language: &str, queue: &str) -> String {
    twiml(&format!(
        "{}<Enqueue>{}</Enqueue>",
        says(lines, speech_language(language)),
        escape(queue)
    ))
}

/// Someone a handed-over call rings: a phone number (E.164) or a SIP address (`sip:…`), and the
/// URL Twilio posts to when they answer (its TwiML is what they hear before the caller joins).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallTarget {
    pub address: String,
    pub answered_url: String,
}

/// TwiML: say `lines`, then ring every target at once for `ring_seconds`; the first to answer
/// gets the caller (the others stop ringing). The call is recorded from the answer, both sides,
/// and the recording posted to `recording_url`; when the dial ends Twilio posts its outcome to
/// `ended_url`.
pub fn twiml_dial(
    lines: &[String],
    language: &str,
    targets: &[CallTarget],
    ring_seconds: u32,
    ended_url: &str,
    recording_url: &str,
) -> String {
    let nouns: String = targets
        .iter()
        .map(|target| {
            let noun = if target.address.starts_with("sip:") {
                "Sip"
            } else {
                "Number"
            };
            format!(
                r#"<{noun} url="{}" method="POST">{}</{noun}>"#,
                escape(&target.answered_url),
                escape(&target.address)
            )
        })
        .collect();
    twiml(&format!(
        r#"{}<Dial timeout="{ring_seconds}" answerOnBridge="true" action="{}" method="POST" record="record-from-answer-dual" recordingStatusCallback="{}" recordingStatusCallbackMethod="POST">{nouns}</Dial>"#,
        says(lines, speech_language(language)),
        escape(ended_url),
        escape(recording_url)
    ))
}

/// TwiML: say `lines`, then record a voicemail of at most `max_seconds` after the beep (the
/// caller ends it with `#`, silence or hanging up); Twilio posts it to `action_url`.
pub fn twiml_voicemail(
    lines: &[String],
    language: &str,
    action_url: &str,
    max_seconds: u32,
) -> String {
    twiml(&format!(
        r##"{}<Record action="{}" method="POST" maxLength="{max_seconds}" timeout="5" playBeep="true" finishOnKey="#"/>"##,
        says(lines, speech_language(language)),
        escape(action_url)
    ))
}

/// TwiML: say `lines` only (to an agent who answered, before the caller joins; or before a
/// call ends by itself).
pub fn twiml_say(lines: &[String], language: &str) -> String {
    twiml(&says(lines, speech_language(language)))
}

/// TwiML: say `lines` and hang up.
pub fn twiml_hang_up(lines: &[String], language: &str) -> String {
    twiml(&format!(
        "{}<Hangup/>",
        says(lines, speech_language(language))
    ))
}

/// The Twilio language (for `<Say>` and speech recognition) for a Tandem language code; a
/// region (`pt-BR`, `es_AR`) is ignored, so the mapping can be applied twice.
pub fn speech_language(language: &str) -> &'static str {
    let primary = language.split(['-', '_']).next().unwrap_or_default();
    match primary.to_ascii_lowercase().as_str() {
        "pt" => "pt-BR",
        // Tandem's customers are Latin American: es-MX is Latin American Spanish (es-ES is
        // Castilian, es-US is tuned to US Hispanic speech), the largest Spanish-speaking market
        // in the region, and supported by both <Say> and <Gather> speech recognition.
        "es" => "es-MX",
        _ => "en-US",
    }
}

fn signing_mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Option<HmacSha1> {
    let mut mac = HmacSha1::new_from_slice(auth_token.as_bytes()).ok()?;
    mac.update(url.as_bytes());
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    for (key, value) in sorted {
        mac.update(key.as_bytes());
        mac.update(value.as_bytes());
    }
    Some(mac)
}

fn check_signature(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: Option<&str>,
) -> Result<(), WebhookError> {
    let Some(header) = header else {
        return Err(WebhookError::Unauthenticated("missing X-Twilio-Signature"));
    };
    let Ok(tag) = BASE64_STANDARD.decode(header.trim()) else {
        return Err(WebhookError::Unauthenticated(
            "X-Twilio-Signature is not base64",
        ));
    };
    let valid = !auth_token.is_empty()
        && url_variants(url).iter().any(|candidate| {
            signing_mac(auth_token, candidate, params)
                .is_some_and(|mac| mac.verify_slice(&tag).is_ok())
        });
    if !valid {
        return Err(WebhookError::Unauthenticated("wrong X-Twilio-Signature"));
    }
    Ok(())
}

/// `url` without its port, and `url` with a port (the scheme's default when it had none):
/// Twilio signs either form, depending on the product.
fn url_variants(url: &str) -> [String; 2] {
    let Some((scheme, rest)) = url.split_once("://") else {
        return [url.to_owned(), url.to_owned()];
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let (userinfo, host_port) = authority.split_at(authority.rfind('@').map_or(0, |at| at + 1));
    // A port follows the last colon, unless that colon sits inside an IPv6 literal.
    let (host, port) = match host_port.rfind(':') {
        Some(colon) if !host_port[colon..].contains(']') => {
            (&host_port[..colon], Some(&host_port[colon + 1..]))
        }
        _ => (host_port, None),
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => Some("443"),
        "http" => Some("80"),
        _ => None,
    };
    let without_port = format!("{scheme}://{userinfo}{host}{tail}");
    let with_port = match port.or(default_port) {
        Some(port) => format!("{scheme}://{userinfo}{host}:{port}{tail}"),
        None => url.to_owned(),
    };
    [without_port, with_port]
}

/// The first value of `key` in `url`'s query string.
fn query_value(url: &str, key: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    let query = query.split('#').next().unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.into_owned())
}

/// The first non-empty value of `key`.
fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(name, value)| name == key && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

fn status_event(external_id: &str, status: &str, error_code: Option<&str>) -> WebhookEvent {
    let status = status.to_ascii_lowercase();
    let delivery = match status.as_str() {
        "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "read" => DeliveryStatus::Read,
        "undelivered" | "failed" => DeliveryStatus::Failed,
        // queued, accepted, sending, scheduled, canceled: nothing for the agent to see.
        _ => {
            return WebhookEvent::Ignored {
                kind: format!("status:{}", truncate(&status, 40)),
            };
        }
    };
    WebhookEvent::Status(StatusUpdate {
        external_id: external_id.to_owned(),
        status: delivery,
        at: None,
        error: error_code
            .filter(|_| delivery == DeliveryStatus::Failed)
            .map(|code| format!("ErrorCode {code}")),
    })
}

/// An MMS media item. Its URL is kept only when it points at Twilio, so that a webhook signed
/// with a leaked or misconfigured token cannot make Tandem fetch an internal address.
fn media(url: Option<&str>, mime_type: Option<&str>) -> Attachment {
    let kind = match mime_type.and_then(|mime| mime.split('/').next()) {
        Some(main) if main.eq_ignore_ascii_case("image") => AttachmentKind::Image,
        Some(main) if main.eq_ignore_ascii_case("audio") => AttachmentKind::Audio,
        Some(main) if main.eq_ignore_ascii_case("video") => AttachmentKind::Video,
        Some(main)
            if main.eq_ignore_ascii_case("application") || main.eq_ignore_ascii_case("text") =>
        {
            AttachmentKind::Document
        }
        _ => AttachmentKind::Other,
    };
    Attachment {
        kind,
        media_id: None,
        url: url
            .filter(|url| is_twilio_media_url(url))
            .map(str::to_owned),
        mime_type: mime_type.map(str::to_owned),
        sha256: None,
        file_name: None,
        caption: None,
        voice: false,
        needs_transcription: kind == AttachmentKind::Audio,
        file_id: None,
        size_bytes: None,
        unavailable: None,
        transcription: None,
    }
}

/// Whether `url` is https on a host under twilio.com (`api.twilio.com`), with nothing in the
/// authority (user info, odd characters, a port other than 443) that could point elsewhere.
fn is_twilio_media_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority
        .strip_suffix(":443")
        .unwrap_or(authority)
        .to_ascii_lowercase();
    host.ends_with(".twilio.com")
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

fn twiml(verbs: &str) -> String {
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><Response>{verbs}</Response>"#)
}

fn says(lines: &[String], language: &str) -> String {
    lines
        .iter()
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
        .map(|line| format!(r#"<Say language="{language}">{}</Say>"#, escape(line)))
        .collect()
}

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Twilio's answer to a created message.
#[derive(Deserialize)]
struct Created {
    sid: String,
}

/// Twilio's error body: `{"code":21211,"message":..,"more_info":..,"status":400}`.
#[derive(Deserialize)]
struct ApiError {
    code: u64,
    message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixture;
    use crate::{QuickReply, Template};
    use serde_json::Value;

    fn signatures() -> Value {
        serde_json::from_slice(&fixture("twilio_signatures.json")).unwrap()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn unauthenticated(result: Result<(), WebhookError>) -> bool {
        matches!(result, Err(WebhookError::Unauthenticated(_)))
    }

    fn only(events: Vec<WebhookEvent>) -> WebhookEvent {
        match <[WebhookEvent; 1]>::try_from(events) {
            Ok([event]) => event,
            Err(events) => panic!("expected one event, got {events:?}"),
        }
    }

    fn sms_config() -> TwilioSmsConfig {
        TwilioSmsConfig {
            account_sid: "AC0123456789abcdef0123456789abcdef".into(),
            auth_token: "secret".into(),
            from_number: "+5511400000000".into(),
        }
    }

    fn outbound(to: &str, text: &str, quick_replies: Vec<QuickReply>) -> OutboundMessage {
        OutboundMessage {
            to: to.into(),
            text: text.into(),
            quick_replies,
            template: None,
            file: None,
        }
    }

    #[test]
    fn the_upstream_vectors_verify() {
        let all = signatures();
        let vectors = &all["upstream_crosscheck_vectors"];
        let token = vectors["token"].as_str().unwrap();
        let url = vectors["url"].as_str().unwrap();
        let params: Vec<(String, String)> = vectors["params"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(key, value)| (key.clone(), value.as_str().unwrap().to_owned()))
            .collect();
        let expected = vectors["expected"].as_str().unwrap();
        assert_eq!(expected, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        assert_eq!(signature(token, url, &params), expected);
        assert_eq!(
            verify_signature(token, url, &params, Some(expected)),
            Ok(())
        );
        // Any port is removed when validating, as upstream's "removes port" cases do.
        let with_port = url.replace(".com", ".com:1234");
        assert_eq!(
            verify_signature(token, &with_port, &params, Some(expected)),
            Ok(())
        );

        let duplicates: Vec<(String, String)> =
            serde_json::from_value(vectors["duplicate_params"].clone()).unwrap();
        let duplicate_expected = vectors["duplicate_expected"].as_str().unwrap();
        assert_eq!(signature(token, url, &duplicates), duplicate_expected);
        assert_eq!(
            verify_signature(token, url, &duplicates, Some(duplicate_expected)),
            Ok(())
        );

        // Signed over the URL with :443; the URL arrives without it.
        let port_443 = vectors["port_443_expected"].as_str().unwrap();
        assert_eq!(
            signature(token, &url.replace(".com", ".com:443"), &params),
            port_443
        );
        assert_eq!(
            verify_signature(token, url, &params, Some(port_443)),
            Ok(())
        );
        // Upstream's http counterpart (signed with :80), not in the fixture file.
        let http_url = url.replace("https://", "http://");
        let port_80 = "0ZXoZLH/DfblKGATFgpif+LLRf4=";
        assert_eq!(
            verify_signature(token, &http_url, &params, Some(port_80)),
            Ok(())
        );
        assert!(unauthenticated(verify_signature(
            token,
            url,
            &params,
            Some(port_80)
        )));

        let body = vectors["json_body"].as_str().unwrap();
        let body_hash = vectors["bodySHA256"].as_str().unwrap();
        assert_eq!(hex::encode(Sha256::digest(body.as_bytes())), body_hash);
        let json_url = format!("{url}&bodySHA256={body_hash}");
        let json_expected = vectors["json_body_expected"].as_str().unwrap();
        assert_eq!(signature(token, &json_url, &[]), json_expected);
        assert_eq!(
            verify_json_signature(token, &json_url, body.as_bytes(), Some(json_expected)),
            Ok(())
        );
        let tampered = body.replace("true", "false");
        assert!(unauthenticated(verify_json_signature(
            token,
            &json_url,
            tampered.as_bytes(),
            Some(json_expected)
        )));
        // Without the body, a bodySHA256 URL proves nothing about the request.
        assert!(unauthenticated(verify_signature(
            token,
            &json_url,
            &[],
            Some(json_expected)
        )));
        assert!(unauthenticated(verify_json_signature(
            token,
            url,
            body.as_bytes(),
            Some(expected)
        )));
    }

    #[test]
    fn the_sms_fixture_signature_verifies_and_tampering_does_not() {
        let all = signatures();
        let token = all["auth_token"].as_str().unwrap();
        let case = &all["sms_inbound"];
        let url = case["url"].as_str().unwrap();
        let header = case["X-Twilio-Signature"].as_str().unwrap();
        let params = form_pairs(&fixture(case["form_file"].as_str().unwrap()));
        assert_eq!(params.len(), 13);
        assert_eq!(verify_signature(token, url, &params, Some(header)), Ok(()));

        let mut changed = params.clone();
        changed.iter_mut().find(|(key, _)| key == "Body").unwrap().1 = "Oi".into();
        assert!(unauthenticated(verify_signature(
            token,
            url,
            &changed,
            Some(header)
        )));
        let http_url = url.replace("https://", "http://");
        assert!(unauthenticated(verify_signature(
            token,
            &http_url,
            &params,
            Some(header)
        )));
        let http_signature = case["signature_if_url_seen_as_http"].as_str().unwrap();
        assert_eq!(
            verify_signature(token, &http_url, &params, Some(http_signature)),
            Ok(())
        );
        assert!(unauthenticated(verify_signature(
            token,
            url,
            &params,
            Some(http_signature)
        )));
        let without_tenant = url.split('?').next().unwrap();
        assert!(unauthenticated(verify_signature(
            token,
            without_tenant,
            &params,
            Some(header)
        )));
        assert!(unauthenticated(verify_signature(token, url, &params, None)));
        assert!(unauthenticated(verify_signature(
            "test_twilio_auth_token_0000000001",
            url,
            &params,
            Some(header)
        )));
        assert!(unauthenticated(verify_signature(
            token,
            url,
            &params,
            Some("not base64!")
        )));
        assert!(unauthenticated(verify_signature(
            "",
            url,
            &params,
            Some(header)
        )));
    }

    #[test]
    fn the_inbound_sms_fixture_parses() {
        let params = form_pairs(&fixture("twilio_sms_inbound.form"));
        let WebhookEvent::Message(message) = only(parse_sms(&params).unwrap()) else {
            panic!("not a message");
        };
        assert_eq!(message.external_id, "SMTEST00000000000000000000000001");
        assert_eq!(
            message.sender,
            Identity {
                kind: IdentityKind::Phone,
                value: "+5511900000001".into()
            }
        );
        assert_eq!(message.reply_address, "+5511900000001");
        assert_eq!(message.sender_name, None);
        assert_eq!(
            message.text,
            "Oi, quero falar com um atendente 😊 & obrigado"
        );
        assert_eq!(
            message.attachments,
            [Attachment {
                url: Some(
                    "https://api.twilio.com/2010-04-01/Accounts/ACTEST00000000000000000000000001/Messages/MMTEST/Media/METEST"
                        .into()
                ),
                mime_type: Some("image/jpeg".into()),
                ..Attachment::of_kind(AttachmentKind::Image)
            }]
        );
        assert_eq!(message.sent_at, None);
    }

    #[test]
    fn media_outside_twilio_keeps_no_url() {
        let all = signatures();
        let case = &all["sms_inbound_ssrf_media"];
        let params = form_pairs(case["form"].as_str().unwrap().as_bytes());
        // It is validly signed: the URL check is what stops the fetch.
        assert_eq!(
            verify_signature(
                all["auth_token"].as_str().unwrap(),
                case["url"].as_str().unwrap(),
                &params,
                case["X-Twilio-Signature"].as_str()
            ),
            Ok(())
        );
        let WebhookEvent::Message(message) = only(parse_sms(&params).unwrap()) else {
            panic!("not a message");
        };
        assert_eq!(message.attachments.len(), 1);
        assert_eq!(message.attachments[0].kind, AttachmentKind::Image);
        assert_eq!(message.attachments[0].url, None);
        assert_eq!(
            message.attachments[0].mime_type.as_deref(),
            Some("image/jpeg")
        );

        for refused in [
            "http://api.twilio.com/media/ME1",
            "https://169.254.169.254/latest/meta-data/",
            "https://twilio.com.attacker.test/media",
            "https://eviltwilio.com/media",
            "https://api.twilio.com@attacker.test/media",
            "https://api.twilio.com:8443/media",
            "https://api.twilio.com\\@attacker.test/media",
            "https://api..twilio.com/media",
            "https://api.twilio.com/me\ndia",
        ] {
            assert!(!is_twilio_media_url(refused), "{refused}");
        }
        for accepted in [
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
            "https://API.Twilio.com:443/media",
            "https://media.us1.twilio.com/ME1",
        ] {
            assert!(is_twilio_media_url(accepted), "{accepted}");
        }
    }

    #[test]
    fn status_callbacks_become_statuses() {
        let callback = |status: &str, error: Option<&str>| {
            let mut params = pairs(&[
                ("SmsSid", "SM0001"),
                ("SmsStatus", status),
                ("MessageStatus", status),
                ("To", "+5511900000001"),
                ("MessageSid", "SM0001"),
                ("AccountSid", "AC0001"),
                ("From", "+5511400000000"),
                ("ApiVersion", "2010-04-01"),
            ]);
            if let Some(code) = error {
                params.push(("ErrorCode".into(), code.into()));
            }
            only(parse_sms(&params).unwrap())
        };
        let status = |status, error| {
            WebhookEvent::Status(StatusUpdate {
                external_id: "SM0001".into(),
                status,
                at: None,
                error,
            })
        };
        assert_eq!(callback("sent", None), status(DeliveryStatus::Sent, None));
        assert_eq!(
            callback("delivered", None),
            status(DeliveryStatus::Delivered, None)
        );
        assert_eq!(callback("read", None), status(DeliveryStatus::Read, None));
        assert_eq!(
            callback("undelivered", Some("30003")),
            status(DeliveryStatus::Failed, Some("ErrorCode 30003".into()))
        );
        assert_eq!(
            callback("failed", Some("30008")),
            status(DeliveryStatus::Failed, Some("ErrorCode 30008".into()))
        );
        for (raw, kind) in [
            ("queued", "status:queued"),
            ("accepted", "status:accepted"),
            ("sending", "status:sending"),
        ] {
            assert_eq!(
                callback(raw, None),
                WebhookEvent::Ignored { kind: kind.into() }
            );
        }

        let malformed = |params: &[(&str, &str)]| {
            matches!(parse_sms(&pairs(params)), Err(WebhookError::Malformed(_)))
        };
        assert!(malformed(&[("From", "+5511900000001"), ("Body", "oi")]));
        assert!(malformed(&[("MessageSid", "SM1"), ("Body", "oi")]));
        assert!(malformed(&[
            ("MessageSid", "SM1"),
            ("From", "not a phone"),
            ("Body", "oi")
        ]));
        assert!(malformed(&[
            ("MessageSid", "SM1"),
            ("From", "+5511900000001"),
            ("NumMedia", "lots")
        ]));
    }

    #[test]
    fn sms_requests_are_forms_with_basic_auth() {
        let replies = vec![
            QuickReply {
                id: "yes".into(),
                title: "Sim".into(),
            },
            QuickReply {
                id: "human".into(),
                title: "Falar com um atendente".into(),
            },
        ];
        let request = sms_request(
            "https://api.twilio.com/",
            &sms_config(),
            &outbound("+5511900000001", "Posso ajudar?", replies),
            Some("https://omni.example.test/webhooks/twilio/sms/status?tenant=acme"),
        )
        .unwrap();
        assert_eq!(request.method, HttpMethod::Post);
        assert_eq!(
            request.url,
            "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
        );
        // base64("AC0123456789abcdef0123456789abcdef:secret")
        assert_eq!(
            request.headers,
            [(
                "Authorization".to_owned(),
                "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjpzZWNyZXQ=".to_owned()
            )]
        );
        assert_eq!(
            request.body,
            RequestBody::Form(pairs(&[
                ("To", "+5511900000001"),
                ("From", "+5511400000000"),
                ("Body", "Posso ajudar?\n\n1. Sim\n2. Falar com um atendente"),
                (
                    "StatusCallback",
                    "https://omni.example.test/webhooks/twilio/sms/status?tenant=acme"
                ),
            ]))
        );

        let plain = sms_request(
            "https://api.twilio.com",
            &sms_config(),
            &outbound("+5511900000001", "Oi", Vec::new()),
            None,
        )
        .unwrap();
        assert_eq!(
            plain.body,
            RequestBody::Form(pairs(&[
                ("To", "+5511900000001"),
                ("From", "+5511400000000"),
                ("Body", "Oi"),
            ]))
        );
    }

    #[test]
    fn sms_requests_refuse_what_sms_cannot_carry() {
        let api = "https://api.twilio.com";
        for bad in [
            "5511900000001",
            "+55 11 90000-0001",
            "+123",
            "whatsapp:+5511900000001",
        ] {
            assert!(
                matches!(
                    sms_request(api, &sms_config(), &outbound(bad, "Oi", Vec::new()), None),
                    Err(OutboundError::Recipient(_))
                ),
                "{bad}"
            );
        }
        let mut template = outbound("+5511900000001", "Oi", Vec::new());
        template.template = Some(Template {
            name: "reminder".into(),
            language: "pt_BR".into(),
            parameters: Vec::new(),
        });
        assert!(matches!(
            sms_request(api, &sms_config(), &template, None),
            Err(OutboundError::Unsupported(_))
        ));
        assert!(matches!(
            sms_request(
                api,
                &sms_config(),
                &outbound("+5511900000001", &"a".repeat(1601), Vec::new()),
                None
            ),
            Err(OutboundError::Unsupported(_))
        ));
    }

    #[test]
    fn send_answers_are_read() {
        assert_eq!(
            send_outcome(
                201,
                r#"{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","body":"Oi"}"#,
                None
            ),
            SendOutcome::Accepted {
                external_id: "SM0123456789abcdef0123456789abcdef".into()
            }
        );
        assert_eq!(
            send_outcome(
                400,
                r#"{"code":21211,"message":"The 'To' number +5511 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#,
                None
            ),
            SendOutcome::Rejected {
                reason: "21211: The 'To' number +5511 is not a valid phone number.".into()
            }
        );
        assert_eq!(
            send_outcome(
                429,
                r#"{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}"#,
                Some("3")
            ),
            SendOutcome::Retry {
                reason: "20429: Too Many Requests".into(),
                retry_after_seconds: Some(3)
            }
        );
        assert!(matches!(
            send_outcome(
                400,
                r#"{"code":20429,"message":"Too Many Requests","status":400}"#,
                None
            ),
            SendOutcome::Retry { .. }
        ));
        assert!(matches!(
            send_outcome(503, "Service Unavailable", None),
            SendOutcome::Retry { .. }
        ));
        assert!(matches!(
            send_outcome(
                500,
                r#"{"code":20500,"message":"Internal Server Error","status":500}"#,
                None
            ),
            SendOutcome::Retry { .. }
        ));
        assert_eq!(
            send_outcome(
                401,
                r#"{"code":20003,"message":"Authenticate","status":401}"#,
                None
            ),
            SendOutcome::Rejected {
                reason: "credentials refused".into()
            }
        );
        assert!(matches!(
            send_outcome(201, "{}", None),
            SendOutcome::Rejected { .. }
        ));
    }

    #[test]
    fn voice_webhooks_are_read() {
        let start = pairs(&[
            ("AccountSid", "AC0001"),
            ("CallSid", "CA0001"),
            ("From", "+5511900000001"),
            ("Caller", "+5511900000001"),
            ("To", "+5511400000000"),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
        ]);
        assert_eq!(
            parse_voice(&start).unwrap(),
            VoiceRequest {
                call_sid: "CA0001".into(),
                caller: Identity {
                    kind: IdentityKind::Phone,
                    value: "+5511900000001".into()
                },
                caller_number: "+5511900000001".into(),
                speech: None,
                confidence: None,
                call_status: Some("ringing".into()),
                dial_status: None,
                recording: None,
            }
        );
        let mut gathered = start.clone();
        gathered.extend(pairs(&[
            ("SpeechResult", "Quero a segunda via do boleto."),
            ("Confidence", "0.91"),
        ]));
        let request = parse_voice(&gathered).unwrap();
        assert_eq!(
            request.speech.as_deref(),
            Some("Quero a segunda via do boleto.")
        );
        assert_eq!(request.confidence, Some(0.91));
        let mut voicemail = start.clone();
        voicemail.extend(pairs(&[
            ("DialCallStatus", "no-answer"),
            ("RecordingSid", "RE0001"),
            (
                "RecordingUrl",
                "https://api.twilio.com/2010-04-01/Accounts/AC0001/Recordings/RE0001",
            ),
            ("RecordingDuration", "14"),
        ]));
        let request = parse_voice(&voicemail).unwrap();
        assert_eq!(request.dial_status.as_deref(), Some("no-answer"));
        let recording = request.recording.unwrap();
        assert_eq!(recording.duration_seconds, Some(14));
        let attachment = recording.attachment();
        assert_eq!(
            attachment.url.as_deref(),
            Some("https://api.twilio.com/2010-04-01/Accounts/AC0001/Recordings/RE0001.wav")
        );
        assert!(attachment.needs_transcription && attachment.voice);
        assert!(matches!(
            parse_voice(&pairs(&[("From", "+5511900000001")])),
            Err(WebhookError::Malformed(_))
        ));
        assert!(matches!(
            parse_voice(&pairs(&[("CallSid", "CA1")])),
            Err(WebhookError::Malformed(_))
        ));
    }

    #[test]
    fn twiml_is_exact_and_escaped() {
        let lines = vec![
            "Olá! Sou a assistente da Acme.".to_owned(),
            " ".to_owned(),
            "Como posso ajudar?".to_owned(),
        ];
        assert_eq!(
            twiml_listen(
                &lines,
                "pt",
                "https://omni.example.test/webhooks/twilio/voice?tenant=acme&turn=2"
            ),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
                r#"<Gather input="speech" language="pt-BR" speechTimeout="auto" action="https://omni.example.test/webhooks/twilio/voice?tenant=acme&amp;turn=2" method="POST">"#,
                r#"<Say language="pt-BR">Olá! Sou a assistente da Acme.</Say>"#,
                r#"<Say language="pt-BR">Como posso ajudar?</Say></Gather>"#,
                r#"<Redirect method="POST">https://omni.example.test/webhooks/twilio/voice?tenant=acme&amp;turn=2</Redirect>"#,
                "</Response>"
            )
        );
        let handing_over = vec!["Vou transferir você para um atendente.".to_owned()];
        assert_eq!(
            twiml_enqueue(&handing_over, "pt-BR", "suporte & vendas"),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
                r#"<Say language="pt-BR">Vou transferir você para um atendente.</Say>"#,
                "<Enqueue>suporte &amp; vendas</Enqueue></Response>"
            )
        );
        let targets = [
            CallTarget {
                address: "+525512345678".into(),
                answered_url: "https://t.example/voice?step=answered&agent=1".into(),
            },
            CallTarget {
                address: "sip:ana@pbx.example.com".into(),
                answered_url: "https://t.example/voice?step=answered&agent=2".into(),
            },
        ];
        assert_eq!(
            twiml_dial(
                &["Un momento.".to_owned()],
                "es",
                &targets,
                20,
                "https://t.example/voice?step=dial_ended&c=1",
                "https://t.example/voice?step=recording&c=1",
            ),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
                r#"<Say language="es-MX">Un momento.</Say>"#,
                r#"<Dial timeout="20" answerOnBridge="true" action="https://t.example/voice?step=dial_ended&amp;c=1" method="POST" record="record-from-answer-dual" recordingStatusCallback="https://t.example/voice?step=recording&amp;c=1" recordingStatusCallbackMethod="POST">"#,
                r#"<Number url="https://t.example/voice?step=answered&amp;agent=1" method="POST">+525512345678</Number>"#,
                r#"<Sip url="https://t.example/voice?step=answered&amp;agent=2" method="POST">sip:ana@pbx.example.com</Sip>"#,
                "</Dial></Response>"
            )
        );
        assert_eq!(
            twiml_voicemail(
                &["Deixe seu recado.".to_owned()],
                "pt",
                "https://t.example/voice?step=voicemail",
                120
            ),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
                r#"<Say language="pt-BR">Deixe seu recado.</Say>"#,
                r##"<Record action="https://t.example/voice?step=voicemail" method="POST" maxLength="120" timeout="5" playBeep="true" finishOnKey="#"/>"##,
                "</Response>"
            )
        );
        assert_eq!(
            twiml_hang_up(
                &["<img src=x onerror=alert(1)> \"quoted\" & 'single'\u{1}".to_owned()],
                "en"
            ),
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
                r#"<Say language="en-US">&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &amp; &apos;single&apos;</Say>"#,
                "<Hangup/></Response>"
            )
        );
        assert_eq!(
            twiml_hang_up(&[], "fr"),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>"#
        );
    }

    #[test]
    fn speech_languages_follow_tandem_codes() {
        for (tandem, twilio) in [
            ("pt", "pt-BR"),
            ("pt-BR", "pt-BR"),
            ("PT_br", "pt-BR"),
            ("es", "es-MX"),
            ("es-AR", "es-MX"),
            ("en", "en-US"),
            ("fr", "en-US"),
            ("", "en-US"),
        ] {
            assert_eq!(speech_language(tandem), twilio, "{tandem}");
        }
    }

    #[test]
    fn url_variants_add_and_remove_ports() {
        assert_eq!(
            url_variants("https://a.test/x?y=1"),
            ["https://a.test/x?y=1", "https://a.test:443/x?y=1"]
        );
        assert_eq!(
            url_variants("http://user:pw@a.test:8080"),
            ["http://user:pw@a.test", "http://user:pw@a.test:8080"]
        );
        assert_eq!(
            url_variants("http://[::1]/hook"),
            ["http://[::1]/hook", "http://[::1]:80/hook"]
        );
    }
}
