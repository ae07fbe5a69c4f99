//! The seams where the outside world enters the use cases: each is a trait the server
//! implements with real I/O (HTTP clients, SMTP, Prometheus) and a test can implement with a
//! script. Nothing here performs I/O itself.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tandem_ai::LanguageModel;

use tandem_bot::profile::ExternalBot;
use tandem_bot::{ActionFailureKind, ActionRequest, ExternalReply};
use tandem_channels::OutboundMessage;
use tandem_channels::config::ChannelConfig;
use tandem_channels::email::OutboundEmail;
use tandem_channels::media::MediaError;
use tandem_channels::verify::Verification;
use tandem_domain::Timestamp;
use tandem_domain::contact::Contact;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::Event;
use tandem_domain::id::{AccountId, FileId, MessageId};
use tandem_domain::inbox::Inbox;
use tandem_domain::message::{Attachment, Message};
use tandem_nlu::{Analysis, Language};

use crate::model::WebhookDelivery;

/// A boxed future, so the seams can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The time now; tests may hold it still.
pub trait Clock: Send + Sync + Debug {
    fn now(&self) -> Timestamp;
}

/// The real clock, at the precision the store keeps (milliseconds).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        crate::now()
    }
}

/// A clock that stands still until told to move: for tests of time-dependent rules (a login
/// lockout expiring) without sleeping.
#[derive(Debug)]
pub struct ManualClock {
    millis: std::sync::atomic::AtomicI64,
}

impl ManualClock {
    /// A clock stopped at the real time now.
    pub fn stopped_now() -> Self {
        Self {
            millis: std::sync::atomic::AtomicI64::new(crate::now().as_millisecond()),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: jiff::SignedDuration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.millis
            .fetch_add(millis, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        let millis = self.millis.load(std::sync::atomic::Ordering::SeqCst);
        Timestamp::from_millisecond(millis).unwrap_or(Timestamp::MAX)
    }
}

/// Calls the company's API for a bot action (one attempt; the use case retries).
pub trait HttpActions: Send + Sync + Debug {
    /// The JSON the API answered, or why there is none.
    fn attempt<'a>(
        &'a self,
        action: &'a ActionRequest,
        language: Language,
    ) -> BoxFuture<'a, Result<Value, ActionFailureKind>>;
}

/// One customer message forwarded to an account's external bot (`tandem.bot.v1`).
#[derive(Clone, Debug)]
pub struct ExternalTurn {
    pub conversation: Conversation,
    pub contact: Contact,
    /// The external bot's own state, kept between turns.
    pub state: Option<Value>,
    pub language: Language,
    pub message_id: MessageId,
    pub text: String,
    pub analysis: Analysis,
}

/// Why a webhook to the external bot did not bring a usable answer.
#[derive(Debug, thiserror::Error)]
pub enum ExternalBotError {
    #[error("the external bot could not be reached: {0}")]
    Unreachable(String),
    #[error("the external bot answered HTTP {0}")]
    Status(u16),
    #[error("the external bot's answer is not a valid reply: {0}")]
    InvalidReply(String),
}

impl ExternalBotError {
    /// The evidence trigger of the `bot_failure` handover it causes.
    pub fn trigger(&self) -> &'static str {
        match self {
            ExternalBotError::Unreachable(_) | ExternalBotError::Status(_) => {
                "external_bot_unreachable"
            }
            ExternalBotError::InvalidReply(_) => "external_bot_invalid_reply",
        }
    }
}

/// Sends turns to external bots.
pub trait ExternalBots: Send + Sync + Debug {
    /// The reply carried in the bot's response, or `None` when it will answer later through
    /// the API.
    fn send<'a>(
        &'a self,
        config: &'a ExternalBot,
        turn: &'a ExternalTurn,
    ) -> BoxFuture<'a, Result<Option<ExternalReply>, ExternalBotError>>;
}

/// What an outgoing webhook reports, read from the current state of its subject.
#[derive(Clone, Debug)]
pub enum WebhookSubject {
    Message {
        message: Box<Message>,
        conversation: Conversation,
        contact: Box<Contact>,
    },
    Event {
        event: Event,
        conversation: Conversation,
    },
}

/// Why an outgoing webhook was not accepted by its receiver.
#[derive(Debug, thiserror::Error)]
pub enum WebhookSendError {
    #[error("receiver answered HTTP {0}")]
    Status(u16),
    #[error("request failed: {0}")]
    Request(String),
}

/// Posts outgoing webhooks, signed with the inbox's secret.
pub trait WebhookSender: Send + Sync + Debug {
    fn send<'a>(
        &'a self,
        url: &'a str,
        secret: &'a str,
        delivery: &'a WebhookDelivery,
        subject: &'a WebhookSubject,
    ) -> BoxFuture<'a, Result<(), WebhookSendError>>;
}

/// A message ready for its provider: a chat message, or a threaded e-mail.
#[derive(Clone, Debug)]
pub enum Outbound {
    Chat(OutboundMessage),
    Email(OutboundEmail),
}

/// What one attempt to hand a message to its provider came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendAttempt {
    /// Accepted, with the provider's id for the message.
    Sent(String),
    /// Worth trying again, after `retry_after` when the provider said so.
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Refused for good.
    Failed(String),
}

/// One channel provider (WhatsApp, Messenger/Instagram, Telegram, Twilio SMS, e-mail), built
/// for one inbox's settings.
pub trait ChannelProvider: Send + Sync {
    fn send<'a>(&'a self, message: &'a Outbound) -> BoxFuture<'a, SendAttempt>;
}

/// Builds the provider of an inbox from its opened settings.
pub trait ChannelProviders: Send + Sync + Debug {
    /// The provider, or why this channel does not deliver queued messages.
    fn provider(
        &self,
        inbox: &Inbox,
        config: ChannelConfig,
    ) -> Result<Box<dyn ChannelProvider>, String>;

    /// Asks the provider whether `config`'s credentials work; `None` for channels checked only
    /// when used (e-mail).
    fn verify<'a>(&'a self, config: &'a ChannelConfig) -> BoxFuture<'a, Option<Verification>>;

    /// Tells the provider to send the inbox's events to `webhook_url`, for channels registered
    /// by API (Telegram); `None` for channels whose address an admin pastes. `Err`: the
    /// provider's reason for refusing it.
    fn register_webhook<'a>(
        &'a self,
        config: &'a ChannelConfig,
        webhook_url: &'a str,
    ) -> BoxFuture<'a, Option<Result<(), String>>>;

    /// Downloads a customer's attachment from the provider of `config`: at most `max_bytes`
    /// (a larger file is unavailable, never cut).
    fn fetch_media<'a>(
        &'a self,
        config: &'a ChannelConfig,
        attachment: &'a Attachment,
        max_bytes: u64,
    ) -> BoxFuture<'a, Result<Vec<u8>, MediaError>>;
}

/// Keeps stored files' content by account and file id. Every node of an installation must
/// reach the same content (one directory on a single node; a shared one for several).
pub trait FileContents: Send + Sync + Debug {
    /// Stores `content` whole, or fails without leaving a part.
    fn put<'a>(
        &'a self,
        account_id: AccountId,
        file_id: FileId,
        content: &'a [u8],
    ) -> BoxFuture<'a, std::io::Result<()>>;
    /// The content, or `None` when there is none.
    fn get(
        &self,
        account_id: AccountId,
        file_id: FileId,
    ) -> BoxFuture<'_, std::io::Result<Option<Vec<u8>>>>;
    /// Removes the content; removing what is not there is not an error.
    fn remove(&self, account_id: AccountId, file_id: FileId) -> BoxFuture<'_, std::io::Result<()>>;
    /// Every file whose content is kept, for the sweep of content without a record.
    fn list(&self) -> BoxFuture<'_, std::io::Result<Vec<(AccountId, FileId)>>>;
}

/// One e-mail fetched from a mailbox.
#[derive(Clone, Debug)]
pub struct FetchedEmail {
    /// Its IMAP UID, for the logs.
    pub uid: u32,
    /// The raw RFC 5322 message.
    pub raw: Vec<u8>,
}

/// Reads new mail from an e-mail inbox's IMAP server.
pub trait Mailboxes: Send + Sync + Debug {
    /// The messages after `cursor` (as last saved), and the cursor to save once they are
    /// stored.
    fn fetch<'a>(
        &'a self,
        server: &'a tandem_channels::config::MailServer,
        cursor: Option<Value>,
    ) -> BoxFuture<'a, Result<(Vec<FetchedEmail>, Value), String>>;
}

/// Why the server refuses to call an address on a user's behalf: only public addresses over
/// `http`/`https` are called, unless the operator's `outbound_allow` names them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressRefused {
    #[error("not a valid URL")]
    InvalidUrl,
    #[error("only http and https URLs may be called, not {0}")]
    Scheme(String),
    #[error("URLs with a user name or password are not allowed")]
    Credentials,
    #[error("the URL names no host")]
    NoHost,
    #[error(
        "{host} is {range} ({address}), which this server does not call; an operator may allow it with outbound_allow"
    )]
    Address {
        host: String,
        address: std::net::IpAddr,
        range: &'static str,
    },
    #[error("{0} could not be resolved")]
    Unresolved(String),
}

/// Checks the addresses the server will call on a user's behalf (webhook URLs, bot actions,
/// external bots, mail servers) when they are saved; calls are checked again when made.
pub trait OutboundPolicy: Send + Sync + Debug {
    /// Why `url` would not be called, if it would not. A name that does not resolve now
    /// passes: only its addresses at call time matter.
    fn check_url<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<(), AddressRefused>>;
    /// The same for a server reached by host name and port (SMTP, IMAP).
    fn check_host<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, Result<(), AddressRefused>>;
}

/// What the use cases report for operators (the server exports it to Prometheus).
pub trait Observer: Send + Sync + Debug {
    /// A bot turn took `elapsed` from the customer's message to the stored answer.
    fn bot_turn(&self, elapsed: Duration);
    /// A call to a language model for `purpose` ended with `outcome` (`ok`, a check's refusal
    /// or a failure's code) after `elapsed`, using `tokens` (prompt and answer).
    fn ai_call(
        &self,
        purpose: &str,
        provider: &str,
        outcome: &str,
        tokens: (u32, u32),
        elapsed: Duration,
    );
    /// The bot handed a conversation over for `reason`.
    fn handover(&self, reason: &str);
    /// An attempt to deliver to a channel provider ended `sent`, `retried` or `failed`.
    fn delivery(&self, channel: &str, outcome: &'static str);
}

/// An e-mail the server itself sends to a person (a password reset link), as plain text.
#[derive(Clone, PartialEq, Eq)]
pub struct SystemEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl Debug for SystemEmail {
    /// The text may carry a secret link, so it is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemEmail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Sends the server's own e-mail (the operator's SMTP relay and sender address).
pub trait SystemMailer: Send + Sync + Debug {
    /// Sends one e-mail; the error says why it could not, for the log.
    fn send<'a>(&'a self, email: &'a SystemEmail) -> BoxFuture<'a, Result<(), String>>;
}

/// Where an account's OpenAI-compatible server is, as its admin configured it.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenAiEndpoint {
    /// The base URL, up to and including `/v1`.
    pub base_url: String,
    /// The model's name there.
    pub model: String,
    /// The API key, opened from its seal; never logged.
    pub api_key: Option<String>,
    /// The longest one call may take, retries included.
    pub timeout: Duration,
}

impl Debug for OpenAiEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiEndpoint")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[sealed]"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The language models the server can reach.
pub trait AiProviders: Send + Sync + Debug {
    /// The model embedded in this server, when the operator configured one.
    fn embedded(&self) -> Option<Arc<dyn LanguageModel>>;
    /// A client of an OpenAI-compatible server (every call goes through the outbound guard).
    fn openai(&self, endpoint: OpenAiEndpoint) -> Arc<dyn LanguageModel>;
}

/// Words heard in a recording.
#[derive(Clone, Debug, PartialEq)]
pub struct HeardSpeech {
    pub text: String,
    /// The language they were heard in (`pt`, `es`, `en`…), when the provider says.
    pub language: Option<String>,
    /// How sure the model was, from 0 to 1, when the provider says.
    pub confidence: Option<f32>,
}

/// Why a recording was not transcribed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TranscriptionError {
    /// The recording itself cannot be transcribed (an unknown format, broken, silent, too
    /// long): trying again would not help.
    #[error("{0}")]
    Unusable(String),
    /// The provider failed this time (unreachable, overloaded).
    #[error("{0}")]
    Unavailable(String),
}

/// Speech to text: the model embedded in the server, or an OpenAI-compatible transcription
/// server (`/v1/audio/transcriptions`) reached through the outbound guard.
pub trait Transcriber: Send + Sync + Debug {
    /// The words in `audio` (of type `mime_type`), heard as `language` when it is known.
    fn transcribe<'a>(
        &'a self,
        audio: &'a [u8],
        mime_type: &'a str,
        language: Option<Language>,
    ) -> BoxFuture<'a, Result<HeardSpeech, TranscriptionError>>;
}
