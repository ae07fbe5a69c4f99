//! The Graph API's side of a send, shared by WhatsApp, Messenger and Instagram: the
//! authenticated `POST {graph_url}/{node}/messages`, and its answer (Graph errors included)
//! read into a [`SendOutcome`].

use serde::Deserialize;
use serde_json::Value;

use crate::{HttpMethod, ProviderRequest, RequestBody, SendOutcome, outcome_for_failure, truncate};

/// Graph API and WhatsApp error codes that mean "slow down", not "never".
const RATE_LIMIT_CODES: [i64; 7] = [4, 17, 32, 613, 80007, 130429, 131056];
/// Graph API error codes documented as temporary.
const TRANSIENT_CODES: [i64; 2] = [1, 2];
/// Longest provider error text kept in a send outcome.
const REASON_MAX: usize = 300;

/// `POST {graph_url}/{node}/messages` with a bearer token and a JSON body.
pub(super) fn graph_post(graph_url: &str, node: &str, token: &str, body: Value) -> ProviderRequest {
    ProviderRequest {
        method: HttpMethod::Post,
        url: format!("{}/{node}/messages", graph_url.trim_end_matches('/')),
        headers: vec![
            ("Authorization".to_owned(), format!("Bearer {token}")),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ],
        body: RequestBody::Json(body),
    }
}

#[derive(Deserialize)]
struct GraphErrorBody {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    message: Option<String>,
    code: Option<i64>,
    is_transient: Option<bool>,
    error_data: Option<GraphErrorData>,
}

#[derive(Deserialize)]
struct GraphErrorData {
    details: Option<String>,
}

/// Reads the Graph API's answer to a send: its HTTP status, body and `Retry-After` header.
pub fn send_outcome(status: u16, body: &str, retry_after: Option<&str>) -> SendOutcome {
    if (200..300).contains(&status) {
        let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let id = answer["messages"][0]["id"]
            .as_str()
            .or(answer["message_id"].as_str())
            .filter(|id| !id.is_empty());
        return match id {
            Some(id) => SendOutcome::Accepted {
                external_id: id.to_owned(),
            },
            None => SendOutcome::Rejected {
                reason: "provider answered without a message id".to_owned(),
            },
        };
    }
    let Ok(GraphErrorBody { error }) = serde_json::from_str::<GraphErrorBody>(body) else {
        return outcome_for_failure(status, body, retry_after);
    };
    let description = describe_graph_error(&error);
    let retry_after_seconds = retry_after.and_then(|value| value.trim().parse::<u64>().ok());
    match error.code {
        Some(code) if RATE_LIMIT_CODES.contains(&code) => SendOutcome::Retry {
            reason: format!("rate limited ({description})"),
            retry_after_seconds,
        },
        Some(131047) => SendOutcome::Rejected {
            reason: format!(
                "outside the 24-hour customer service window; send a template ({description})"
            ),
        },
        Some(190) => SendOutcome::Rejected {
            reason: "access token invalid or expired".to_owned(),
        },
        code if status == 429
            || status >= 500
            || error.is_transient == Some(true)
            || code.is_some_and(|code| TRANSIENT_CODES.contains(&code)) =>
        {
            SendOutcome::Retry {
                reason: description,
                retry_after_seconds,
            }
        }
        _ => SendOutcome::Rejected {
            reason: description,
        },
    }
}

/// `code: message (details)`, without the `(#code)` prefix Graph puts in its messages.
fn describe_graph_error(error: &GraphError) -> String {
    let message = error.message.as_deref().unwrap_or("unknown error");
    let description = match error.code {
        Some(code) => {
            let prefix = format!("(#{code}) ");
            let message = message.strip_prefix(&prefix).unwrap_or(message);
            format!("{code}: {message}")
        }
        None => message.to_owned(),
    };
    let description = match error
        .error_data
        .as_ref()
        .and_then(|data| data.details.as_deref())
        .filter(|details| !details.is_empty())
    {
        Some(details) => format!("{description} ({details})"),
        None => description,
    };
    truncate(&description, REASON_MAX).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_outcomes() {
        let accepted = |id: &str| SendOutcome::Accepted {
            external_id: id.into(),
        };
        let rejected = |reason: &str| SendOutcome::Rejected {
            reason: reason.into(),
        };
        let cases: [(u16, &str, Option<&str>, SendOutcome); 9] = [
            (
                200,
                r#"{"messaging_product":"whatsapp","contacts":[{"input":"5511900000001","wa_id":"5511900000001"}],"messages":[{"id":"wamid.OUT_1","message_status":"accepted"}]}"#,
                None,
                accepted("wamid.OUT_1"),
            ),
            (
                200,
                r#"{"recipient_id":"500000000000006","message_id":"m_OUT_1"}"#,
                None,
                accepted("m_OUT_1"),
            ),
            (
                200,
                r#"{"success":true}"#,
                None,
                rejected("provider answered without a message id"),
            ),
            (
                400,
                r#"{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"AbC"}}"#,
                None,
                rejected(
                    "outside the 24-hour customer service window; send a template (131047: \
                     Re-engagement message (Message failed to send because more than 24 hours \
                     have passed since the customer last replied to this number.))",
                ),
            ),
            (
                400,
                r#"{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"AbC"}}"#,
                Some("7"),
                SendOutcome::Retry {
                    reason: "rate limited (130429: Rate limit hit)".into(),
                    retry_after_seconds: Some(7),
                },
            ),
            (
                401,
                r#"{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC"}}"#,
                None,
                rejected("access token invalid or expired"),
            ),
            (
                500,
                r#"{"error":{"message":"(#131000) Something went wrong","type":"OAuthException","code":131000,"fbtrace_id":"AbC"}}"#,
                None,
                SendOutcome::Retry {
                    reason: "131000: Something went wrong".into(),
                    retry_after_seconds: None,
                },
            ),
            (
                400,
                r#"{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"fbtrace_id":"AbC"}}"#,
                None,
                rejected("100: Invalid parameter"),
            ),
            (
                502,
                "<html>Bad Gateway</html>",
                Some("3"),
                SendOutcome::Retry {
                    reason: "HTTP 502: <html>Bad Gateway</html>".into(),
                    retry_after_seconds: Some(3),
                },
            ),
        ];
        for (status, body, retry_after, expected) in cases {
            assert_eq!(send_outcome(status, body, retry_after), expected, "{body}");
        }
        assert!(matches!(
            send_outcome(429, "", Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            SendOutcome::Retry {
                retry_after_seconds: None,
                ..
            }
        ));
    }
}
