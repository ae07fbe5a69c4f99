//! The language models (`ports::AiProviders`): the model embedded in the server, when the
//! operator configured one, and clients of OpenAI-compatible servers (`POST
//! {base_url}/chat/completions`: OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp's server, LM
//! Studio...), through the outbound guard. A client retries 429 and 5xx answers with backoff
//! (honouring `Retry-After`) within the account's timeout, and names what failed: DNS, the
//! connection, TLS, the key, the model, the time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use tandem_ai::{
    BoxFuture, Completion, CompletionRequest, LanguageModel, ModelFailure, Role, estimate_tokens,
};
use tandem_app::ports::{AiProviders, OpenAiEndpoint};

use super::guard::{GuardedClient, OutboundGuard, refusal};

/// Attempts of one call (the first and two retries).
const ATTEMPTS: u32 = 3;
/// The first backoff; it doubles.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest `Retry-After` honoured within one call.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The server's language models.
#[derive(Debug)]
pub struct LanguageModels {
    guard: OutboundGuard,
    embedded: Option<Arc<dyn LanguageModel>>,
}

impl LanguageModels {
    /// The models reachable through `guard`, and `embedded` if any.
    pub fn new(guard: &OutboundGuard, embedded: Option<Arc<dyn LanguageModel>>) -> Self {
        Self {
            guard: guard.clone(),
            embedded,
        }
    }
}

impl AiProviders for LanguageModels {
    fn embedded(&self) -> Option<Arc<dyn LanguageModel>> {
        self.embedded.clone()
    }

    fn openai(&self, endpoint: OpenAiEndpoint) -> Arc<dyn LanguageModel> {
        Arc::new(OpenAiClient {
            client: self
                .guard
                .client("Tandem-AI/1", Some(endpoint.timeout))
                .map_err(|error| error.to_string()),
            endpoint,
        })
    }
}

/// A client of one OpenAI-compatible server.
#[derive(Debug)]
pub struct OpenAiClient {
    client: Result<GuardedClient, String>,
    endpoint: OpenAiEndpoint,
}

#[derive(Deserialize)]
struct ChatCompletion {
    #[serde(default)]
    model: Option<String>,
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

/// What one attempt came to.
enum Attempt {
    Done(Completion),
    Retry(ModelFailure, Option<Duration>),
    Failed(ModelFailure),
}

impl OpenAiClient {
    async fn attempt(&self, client: &GuardedClient, body: &serde_json::Value) -> Attempt {
        let url = format!("{}/chat/completions", self.endpoint.base_url);
        let request = match client.post(&url) {
            Ok(request) => request,
            Err(refused) => {
                return Attempt::Failed(ModelFailure::Connect(format!(
                    "refused by the outbound policy: {refused}"
                )));
            }
        };
        let request = match &self.endpoint.api_key {
            Some(key) => request.bearer_auth(key),
            None => request,
        };
        let request = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return classify_transport(&error, self.endpoint.timeout),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(|seconds| Duration::from_secs(seconds).min(LONGEST_RETRY_AFTER));
        let text = match response.text().await {
            Ok(text) => text,
            Err(error) => return classify_transport(&error, self.endpoint.timeout),
        };
        match status {
            200..=299 => match parse_completion(&text, &self.endpoint.model, body) {
                Ok(completion) => Attempt::Done(completion),
                Err(failure) => Attempt::Failed(failure),
            },
            401 | 403 => Attempt::Failed(ModelFailure::Unauthorized { status }),
            404 => Attempt::Failed(ModelFailure::ModelNotFound {
                model: self.endpoint.model.clone(),
            }),
            400 if names_unknown_model(&text) => Attempt::Failed(ModelFailure::ModelNotFound {
                model: self.endpoint.model.clone(),
            }),
            429 => Attempt::Retry(ModelFailure::RateLimited, retry_after),
            500..=599 => Attempt::Retry(ModelFailure::ServerError { status }, retry_after),
            _ => Attempt::Failed(ModelFailure::BadResponse(format!(
                "HTTP {status}: {}",
                text.chars().take(200).collect::<String>()
            ))),
        }
    }
}

/// True when a 400's body says the model is unknown (vLLM and llama.cpp answer so).
fn names_unknown_model(body: &str) -> bool {
    let lower = body.to_lowercase();
    lower.contains("model") && (lower.contains("not found") || lower.contains("does not exist"))
}

/// A transport error as a failure: the guard's refusal, DNS, TLS, a timeout, or the
/// connection.
fn classify_transport(error: &reqwest::Error, timeout: Duration) -> Attempt {
    if let Some(refused) = refusal(error) {
        return Attempt::Failed(ModelFailure::Connect(format!(
            "refused by the outbound policy: {refused}"
        )));
    }
    if error.is_timeout() {
        return Attempt::Retry(ModelFailure::Timeout(timeout), None);
    }
    let chain = error_chain(error);
    let lower = chain.to_lowercase();
    if lower.contains("dns") || lower.contains("resolve") || lower.contains("lookup") {
        Attempt::Failed(ModelFailure::Dns(chain))
    } else if lower.contains("tls") || lower.contains("certificate") || lower.contains("handshake")
    {
        Attempt::Failed(ModelFailure::Tls(chain))
    } else {
        Attempt::Retry(ModelFailure::Connect(chain), None)
    }
}

/// The error and its causes, joined.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ")
}

/// The completion in a chat completion's JSON; tokens estimated when the server reports none.
fn parse_completion(
    text: &str,
    model: &str,
    request: &serde_json::Value,
) -> Result<Completion, ModelFailure> {
    let parsed: ChatCompletion = serde_json::from_str(text)
        .map_err(|error| ModelFailure::BadResponse(format!("not a chat completion: {error}")))?;
    let content = parsed
        .choices
        .into_iter()
        .next()
        .and_then(|choice| choice.message.content)
        .ok_or_else(|| ModelFailure::BadResponse("the completion has no message".into()))?;
    let (prompt_tokens, completion_tokens) = match parsed.usage {
        Some(usage) => (usage.prompt_tokens, usage.completion_tokens),
        None => (
            estimate_tokens(&request["messages"].to_string()),
            estimate_tokens(&content),
        ),
    };
    Ok(Completion {
        text: content,
        prompt_tokens,
        completion_tokens,
        model: parsed.model.unwrap_or_else(|| model.to_owned()),
    })
}

impl LanguageModel for OpenAiClient {
    fn provider(&self) -> &'static str {
        "openai"
    }

    fn model_name(&self) -> &str {
        &self.endpoint.model
    }

    fn complete(
        &self,
        request: CompletionRequest,
    ) -> BoxFuture<'_, Result<Completion, ModelFailure>> {
        Box::pin(async move {
            let client = self
                .client
                .as_ref()
                .map_err(|error| ModelFailure::Connect(error.clone()))?;
            let messages: Vec<serde_json::Value> = request
                .messages
                .iter()
                .map(|message| {
                    let role = match message.role {
                        Role::System => "system",
                        Role::User => "user",
                        Role::Assistant => "assistant",
                    };
                    json!({"role": role, "content": message.content})
                })
                .collect();
            let body = json!({
                "model": self.endpoint.model,
                "messages": messages,
                "max_tokens": request.max_tokens,
                "temperature": 0,
                "stream": false,
            });
            let started = Instant::now();
            let mut backoff = FIRST_BACKOFF;
            let mut attempt = 1;
            loop {
                match self.attempt(client, &body).await {
                    Attempt::Done(completion) => return Ok(completion),
                    Attempt::Failed(failure) => return Err(failure),
                    Attempt::Retry(failure, retry_after) => {
                        let wait = retry_after.unwrap_or(backoff);
                        if attempt >= ATTEMPTS || started.elapsed() + wait >= self.endpoint.timeout
                        {
                            return Err(failure);
                        }
                        tracing::info!(%failure, attempt, "the language model's server failed; retrying");
                        tokio::time::sleep(wait).await;
                        backoff *= 2;
                        attempt += 1;
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completion_without_usage_gets_estimated_tokens() {
        let request = json!({"messages": [{"role": "user", "content": "12345678"}]});
        let completion = parse_completion(
            r#"{"choices":[{"message":{"role":"assistant","content":"Olá!"}}]}"#,
            "m",
            &request,
        )
        .unwrap();
        assert_eq!(completion.text, "Olá!");
        assert_eq!(completion.model, "m");
        assert!(completion.prompt_tokens > 0 && completion.completion_tokens == 1);
    }

    #[test]
    fn a_body_that_is_not_a_completion_is_a_bad_response() {
        assert!(matches!(
            parse_completion("<html>", "m", &json!({})),
            Err(ModelFailure::BadResponse(_))
        ));
        assert!(names_unknown_model(r#"{"error":"model 'x' not found"}"#));
    }
}
