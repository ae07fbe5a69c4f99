//! The bot's HTTP actions over HTTP (`ports::HttpActions`): one call to the company's API with
//! the action's method, body and timeout, the customer's language as `Accept-Language`, and
//! the answer read as JSON.

use std::time::Duration;

use serde_json::Value;

use tandem_app::ports::{BoxFuture, HttpActions};
use tandem_bot::profile::HttpMethod;
use tandem_bot::{ActionFailureKind, ActionRequest};
use tandem_nlu::Language;

/// Calls companies' APIs with a client that follows no redirects.
#[derive(Debug)]
pub struct HttpActionClient {
    client: reqwest::Client,
}

impl HttpActionClient {
    pub fn new() -> reqwest::Result<Self> {
        let client = super::client(concat!("Tandem-Bot/", env!("CARGO_PKG_VERSION")), None)?;
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
            .timeout(Duration::from_millis(u64::from(action.timeout_ms)))
            // The company's API may format values for the customer's language.
            .header("accept-language", language.code());
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
    if error.is_timeout() {
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
