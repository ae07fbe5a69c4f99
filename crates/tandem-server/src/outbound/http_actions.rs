//! The bot's HTTP actions over HTTP (`ports::HttpActions`): one call to the company's API with
//! the action's method, headers, body and timeout, the customer's language as
//! `Accept-Language`, and the answer read as JSON. The call goes through the outbound guard; a
//! refused address is `ActionFailureKind::Refused`, and nothing the API answered reaches the
//! customer unless the call succeeded.

use std::time::Duration;

use serde_json::Value;

use tandem_app::ports::{BoxFuture, HttpActions};
use tandem_bot::profile::HttpMethod;
use tandem_bot::{ActionFailureKind, ActionRequest};
use tandem_nlu::Language;

use super::guard::{GuardedClient, OutboundGuard, refusal};

/// Calls companies' APIs with a guarded client that follows no redirects.
#[derive(Debug)]
pub struct HttpActionClient {
    client: GuardedClient,
}

impl HttpActionClient {
    pub fn new(guard: &OutboundGuard) -> reqwest::Result<Self> {
        let client = guard.client(concat!("Tandem-Bot/", env!("CARGO_PKG_VERSION")), None)?;
        Ok(Self { client })
    }

    async fn call(
        &self,
        action: &ActionRequest,
        language: Language,
    ) -> Result<Value, ActionFailureKind> {
        let method = match action.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut request = self
            .client
            .request(method, &action.url)
            .map_err(|_| ActionFailureKind::Refused)?
            .timeout(Duration::from_millis(u64::from(action.timeout_ms)))
            // The company's API may format values for the customer's language.
            .header("accept-language", language.code());
        for (name, value) in &action.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &action.body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.map_err(failure_kind)?;
        let status = response.status();
        if !status.is_success() {
            return Err(ActionFailureKind::Status {
                status: status.as_u16(),
            });
        }
        let bytes = response.bytes().await.map_err(failure_kind)?;
        serde_json::from_slice(&bytes).map_err(|_| ActionFailureKind::InvalidResult {
            detail: "the answer is not JSON".into(),
        })
    }
}

fn failure_kind(error: reqwest::Error) -> ActionFailureKind {
    if refusal(&error).is_some() {
        ActionFailureKind::Refused
    } else if error.is_timeout() {
        ActionFailureKind::Timeout
    } else {
        ActionFailureKind::Network
    }
}

impl HttpActions for HttpActionClient {
    fn attempt<'a>(
        &'a self,
        action: &'a ActionRequest,
        language: Language,
    ) -> BoxFuture<'a, Result<Value, ActionFailureKind>> {
        Box::pin(self.call(action, language))
    }
}
