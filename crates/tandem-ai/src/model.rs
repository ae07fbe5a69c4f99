//! The one interface every language model is reached through: a chat completion in, text and
//! token counts out, or a typed failure that says what went wrong.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A boxed future, so models can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The instructions: written by Tandem, never by a customer or an article.
    System,
    /// The material and the request: customer text and articles arrive here, as data.
    User,
    /// An earlier answer of the model.
    Assistant,
}

/// One message of a chat prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// What it says.
    pub content: String,
}

impl ChatMessage {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }
}

/// What is asked of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionRequest {
    /// The prompt, in order.
    pub messages: Vec<ChatMessage>,
    /// The most tokens the answer may have.
    pub max_tokens: u32,
}

/// A model's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    /// The text, untrusted.
    pub text: String,
    /// Tokens of the prompt, as the model counted them.
    pub prompt_tokens: u32,
    /// Tokens of the answer.
    pub completion_tokens: u32,
    /// The model that answered, as it names itself.
    pub model: String,
}

impl Completion {
    /// Prompt and answer tokens together.
    pub fn total_tokens(&self) -> u64 {
        u64::from(self.prompt_tokens) + u64::from(self.completion_tokens)
    }
}

/// Why a model gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelFailure {
    /// No provider is configured for the account.
    #[error("no AI provider is configured")]
    NotConfigured,
    /// The account used its daily token budget.
    #[error("the daily token budget of {budget} tokens is used up")]
    OverBudget {
        /// The budget.
        budget: u64,
    },
    /// The provider's host name did not resolve.
    #[error("the provider's host name did not resolve: {0}")]
    Dns(String),
    /// No connection could be made (refused, unreachable, or refused by the outbound guard).
    #[error("could not connect to the provider: {0}")]
    Connect(String),
    /// The TLS handshake failed.
    #[error("TLS with the provider failed: {0}")]
    Tls(String),
    /// The provider refused the API key (401/403).
    #[error("the provider refused the API key (HTTP {status})")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
    },
    /// The provider does not know the model.
    #[error("the provider does not know the model `{model}`")]
    ModelNotFound {
        /// The model asked for.
        model: String,
    },
    /// No answer in time.
    #[error("the provider did not answer within {0:?}")]
    Timeout(Duration),
    /// The provider asked to slow down (429), after the retries.
    #[error("the provider is rate-limiting requests")]
    RateLimited,
    /// The provider failed (5xx), after the retries.
    #[error("the provider failed with HTTP {status}")]
    ServerError {
        /// The status.
        status: u16,
    },
    /// The provider answered with something that is not a completion.
    #[error("the provider's answer could not be read: {0}")]
    BadResponse(String),
    /// The embedded model failed to run.
    #[error("the embedded model failed: {0}")]
    Embedded(String),
}

impl ModelFailure {
    /// A stable code for the wire, metrics and the call log.
    pub fn code(&self) -> &'static str {
        match self {
            ModelFailure::NotConfigured => "not_configured",
            ModelFailure::OverBudget { .. } => "over_budget",
            ModelFailure::Dns(_) => "dns",
            ModelFailure::Connect(_) => "connect",
            ModelFailure::Tls(_) => "tls",
            ModelFailure::Unauthorized { .. } => "unauthorized",
            ModelFailure::ModelNotFound { .. } => "model_not_found",
            ModelFailure::Timeout(_) => "timeout",
            ModelFailure::RateLimited => "rate_limited",
            ModelFailure::ServerError { .. } => "server_error",
            ModelFailure::BadResponse(_) => "bad_response",
            ModelFailure::Embedded(_) => "embedded_failed",
        }
    }

    /// True for failures another attempt may get past (429, 5xx, timeouts, a dropped
    /// connection); a wrong key or model will fail the same way again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ModelFailure::RateLimited
                | ModelFailure::ServerError { .. }
                | ModelFailure::Timeout(_)
                | ModelFailure::Connect(_)
        )
    }
}

/// A language model: a provider over HTTP or one embedded in the binary.
pub trait LanguageModel: Send + Sync + Debug {
    /// A short name for the call log: `openai`, `embedded`.
    fn provider(&self) -> &'static str;

    /// The model's name as configured.
    fn model_name(&self) -> &str;

    /// Completes `request`; the answer is untrusted text.
    fn complete(
        &self,
        request: CompletionRequest,
    ) -> BoxFuture<'_, Result<Completion, ModelFailure>>;
}

/// An estimate of the tokens of `text` for a model that reports none: about four characters a
/// token, as tokenizers of European languages average.
pub fn estimate_tokens(text: &str) -> u32 {
    u32::try_from(text.chars().count().div_ceil(4)).unwrap_or(u32::MAX)
}
