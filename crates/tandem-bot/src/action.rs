//! HTTP actions as data: the request the bot asks the server to make (method, URL with the
//! slots filled and percent-encoded, JSON body), and the outcome the server reports back.
//! The bot never performs I/O; the server's HTTP client does, with the timeout and retries
//! given here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::profile::{Action, BotProfile, HttpMethod};
use crate::template::Template;

/// A call the server should make for the bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRequest {
    /// The intent whose action this is; echo it back in [`ActionOutcome`].
    pub intent: String,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The full URL, variables and slots filled (query parameters included for `GET` and
    /// `DELETE`).
    pub url: String,
    /// The JSON body (an object of the sent slots) for `POST`, `PUT` and `PATCH`.
    pub body: Option<Value>,
    /// The action's headers, filled from the profile's variables (they may hold the
    /// company's API key, so they are never logged).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// How long one attempt may take.
    pub timeout_ms: u32,
    /// How many times to retry a failed attempt (timeouts, network errors and 5xx).
    pub retries: u8,
}

/// What came of an [`ActionRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ActionOutcome {
    /// A 2xx answer with a JSON body.
    Succeeded {
        /// The intent of the request.
        intent: String,
        /// The parsed JSON body.
        result: Value,
    },
    /// Every attempt failed.
    Failed {
        /// The intent of the request.
        intent: String,
        /// Why.
        failure: ActionFailure,
    },
}

impl ActionOutcome {
    /// The intent the outcome belongs to.
    pub fn intent(&self) -> &str {
        match self {
            ActionOutcome::Succeeded { intent, .. } | ActionOutcome::Failed { intent, .. } => {
                intent
            }
        }
    }
}

/// Why an action failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionFailure {
    /// The last attempt's problem.
    pub kind: ActionFailureKind,
    /// How many attempts were made.
    pub attempts: u32,
}

/// The problem of a failed action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionFailureKind {
    /// No answer within the timeout.
    Timeout,
    /// The connection failed.
    Network,
    /// A non-2xx status.
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// The server does not call this address: it is not public and the operator's
    /// `outbound_allow` does not name it, or the URL is not a plain http(s) URL.
    Refused,
    /// The answer was not JSON, or lacked a field the reply needs.
    InvalidResult {
        /// What was wrong (no response content, which may hold personal data).
        detail: String,
    },
}

/// Builds the request for `action` from the remembered slot values.
pub(crate) fn build_request(
    profile: &BotProfile,
    intent: &str,
    action: &Action,
    method: HttpMethod,
    slots: &BTreeMap<String, String>,
) -> ActionRequest {
    let url = Template::parse(&action.url)
        .ok()
        .and_then(|template| {
            template
                .render(|name| {
                    profile
                        .variables
                        .get(name)
                        .cloned()
                        .or_else(|| slots.get(name).map(|value| percent_encode(value)))
                })
                .ok()
        })
        .unwrap_or_else(|| action.url.clone());
    let sent: Vec<(&String, &String)> = action
        .send
        .iter()
        .filter_map(|name| slots.get_key_value(name))
        .collect();
    let (url, body) = if method.has_body() {
        let body = sent
            .iter()
            .map(|(name, value)| ((*name).clone(), Value::String((*value).clone())))
            .collect::<serde_json::Map<_, _>>();
        (url, Some(Value::Object(body)))
    } else if sent.is_empty() {
        (url, None)
    } else {
        let query = sent
            .iter()
            .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let separator = if url.contains('?') { '&' } else { '?' };
        (format!("{url}{separator}{query}"), None)
    };
    let headers = action
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let template = Template::parse(value).ok()?;
            let value = template
                .render(|name| profile.variables.get(name).cloned())
                .ok()?;
            Some((name.clone(), value))
        })
        .collect();
    ActionRequest {
        intent: intent.to_owned(),
        method,
        url,
        body,
        headers,
        timeout_ms: action.timeout_ms,
        retries: action.retries,
    }
}

/// The URLs a profile makes the server call, each with its path in the profile: every
/// action's URL with the profile's variables filled and each slot as `x` (a slot in the host
/// is only known at call time, when the server checks the address again), and the external
/// bot's URL.
pub fn outbound_urls(profile: &BotProfile) -> Vec<(String, String)> {
    let mut urls: Vec<(String, String)> = profile
        .intents
        .iter()
        .enumerate()
        .filter_map(|(index, intent)| {
            let action = intent.action.as_ref()?;
            let filled = Template::parse(&action.url).ok()?.render(|name| {
                Some(
                    profile
                        .variables
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| "x".to_owned()),
                )
            });
            Some((format!("intents[{index}].action.url"), filled.ok()?))
        })
        .collect();
    if let Some(external) = &profile.external_bot {
        urls.push(("external_bot.url".to_owned(), external.url.clone()));
    }
    urls
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The value of `result.a.b.0.c` in a JSON result, as reply text; `None` when absent or null.
pub(crate) fn result_field(result: &Value, variable: &str) -> Option<String> {
    let path = variable.strip_prefix("result.")?;
    let mut current = result;
    for segment in path.split('.') {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match current {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        Value::Bool(_) | Value::Number(_) => Some(current.to_string()),
        Value::Array(_) | Value::Object(_) => Some(current.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_fields_are_found_by_path() {
        let result = json!({"due_date": "2026-11-30", "amount": 129.9, "items": [{"name": "Tarifa"}], "none": null});
        assert_eq!(
            result_field(&result, "result.due_date").as_deref(),
            Some("2026-11-30")
        );
        assert_eq!(
            result_field(&result, "result.amount").as_deref(),
            Some("129.9")
        );
        assert_eq!(
            result_field(&result, "result.items.0.name").as_deref(),
            Some("Tarifa")
        );
        assert_eq!(result_field(&result, "result.none"), None);
        assert_eq!(result_field(&result, "result.missing"), None);
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(percent_encode("a b/ç"), "a%20b%2F%C3%A7");
    }
}
