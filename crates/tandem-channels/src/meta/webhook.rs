//! What every Meta webhook shares: the `X-Hub-Signature-256` check over the raw body, the GET
//! subscription handshake, and how an event Tandem does not act on is reported.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{WebhookError, WebhookEvent, truncate};

/// Longest untrusted name (a message type, a change field, a recipient) echoed into an ignored
/// event's kind or an error.
pub(super) const KIND_MAX: usize = 64;
/// Longest `hub.challenge` echoed back; Meta sends an integer.
const CHALLENGE_MAX: usize = 128;

/// Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>` in constant
/// time. `body` must be the exact bytes received, never a re-encoding of the parsed JSON.
pub fn verify_signature(
    app_secret: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), WebhookError> {
    if app_secret.is_empty() {
        return Err(WebhookError::Unauthenticated("no app secret configured"));
    }
    let header = header.ok_or(WebhookError::Unauthenticated(
        "missing X-Hub-Signature-256 header",
    ))?;
    let hex_tag = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(WebhookError::Unauthenticated(
            "X-Hub-Signature-256 is not sha256=<hex>",
        ))?;
    let tag = hex::decode(hex_tag)
        .map_err(|_| WebhookError::Unauthenticated("X-Hub-Signature-256 is not hex"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .map_err(|_| WebhookError::Unauthenticated("unusable app secret"))?;
    mac.update(body);
    mac.verify_slice(&tag)
        .map_err(|_| WebhookError::Unauthenticated("X-Hub-Signature-256 does not match the body"))
}

/// The GET subscription handshake: `Ok(challenge)` when `hub.mode` is `subscribe` and
/// `hub.verify_token` matches (compared in constant time). A challenge that is not a short
/// token of letters, digits, `-` and `_` is refused rather than echoed.
pub fn verify_subscription(
    verify_token: &str,
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
) -> Result<String, WebhookError> {
    if mode != Some("subscribe") {
        return Err(WebhookError::Unauthenticated("hub.mode is not subscribe"));
    }
    let token = token.ok_or(WebhookError::Unauthenticated("missing hub.verify_token"))?;
    if verify_token.is_empty() || !bool::from(token.as_bytes().ct_eq(verify_token.as_bytes())) {
        return Err(WebhookError::Unauthenticated(
            "hub.verify_token does not match",
        ));
    }
    let challenge = challenge
        .filter(|c| !c.is_empty())
        .ok_or_else(|| WebhookError::Malformed("missing hub.challenge".to_owned()))?;
    let plain = challenge.len() <= CHALLENGE_MAX
        && challenge
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain {
        return Err(WebhookError::Malformed(
            "hub.challenge is not a plain token".to_owned(),
        ));
    }
    Ok(challenge.to_owned())
}

/// An event Tandem does not act on, named by `kind` (cut to [`KIND_MAX`]; `unknown` if empty).
pub(super) fn ignored(kind: &str) -> WebhookEvent {
    let kind = truncate(kind, KIND_MAX);
    WebhookEvent::Ignored {
        kind: if kind.is_empty() { "unknown" } else { kind }.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixture;
    use serde_json::Value;

    fn signatures() -> Value {
        serde_json::from_slice(&fixture("meta_signatures.json")).unwrap()
    }

    #[test]
    fn every_fixture_signature_verifies_over_the_raw_bytes_only() {
        let signatures = signatures();
        let secret = signatures["meta_app_secret"].as_str().unwrap();
        let files = signatures["files"].as_object().unwrap();
        assert_eq!(files.len(), 10);
        for (name, expected) in files {
            let body = fixture(name);
            let header = expected["X-Hub-Signature-256"].as_str().unwrap();
            assert_eq!(
                verify_signature(secret, &body, Some(header)),
                Ok(()),
                "{name}"
            );

            let wrong_secret = expected["wrong_secret_signature"].as_str().unwrap();
            let legacy = expected["sha1_legacy_X-Hub-Signature"].as_str().unwrap();
            let mut tampered = body.clone();
            tampered[body.len() / 2] ^= 0x01;
            let rejected: [(&str, &str, &[u8], Option<&str>); 5] = [
                ("wrong secret", secret, &body, Some(wrong_secret)),
                ("legacy sha1", secret, &body, Some(legacy)),
                ("tampered body", secret, &tampered, Some(header)),
                ("missing header", secret, &body, None),
                ("other app's secret", "not_the_secret", &body, Some(header)),
            ];
            for (case, secret, body, header) in rejected {
                assert!(
                    matches!(
                        verify_signature(secret, body, header),
                        Err(WebhookError::Unauthenticated(_))
                    ),
                    "{name}: {case}"
                );
            }
        }
    }

    #[test]
    fn a_re_serialised_body_does_not_verify() {
        let signatures = signatures();
        let secret = signatures["meta_app_secret"].as_str().unwrap();
        let trap = &signatures["reserialisation_trap"];
        let over_raw = trap["signature_over_raw_body"].as_str().unwrap();
        let over_reencoded = trap["signature_over_reencoded_utf8"].as_str().unwrap();
        let raw = String::from_utf8(fixture("meta_whatsapp_text.body")).unwrap();
        // The same JSON as Python's json.dumps(ensure_ascii=False) writes it.
        let reencoded = raw.replace("\\u00e1", "á").replace("\\u00e3", "ã");
        assert!(!reencoded.contains("\\u"));
        assert_eq!(
            serde_json::from_str::<Value>(&raw).unwrap(),
            serde_json::from_str::<Value>(&reencoded).unwrap()
        );
        // The trap is real: the re-encoded bytes carry their own, different signature...
        assert_eq!(
            verify_signature(secret, reencoded.as_bytes(), Some(over_reencoded)),
            Ok(())
        );
        assert_eq!(
            verify_signature(secret, raw.as_bytes(), Some(over_raw)),
            Ok(())
        );
        // ...so neither crosses over.
        for (body, header) in [(&reencoded, over_raw), (&raw, over_reencoded)] {
            assert!(matches!(
                verify_signature(secret, body.as_bytes(), Some(header)),
                Err(WebhookError::Unauthenticated(_))
            ));
        }
    }

    #[test]
    fn malformed_signature_headers_are_unauthenticated() {
        let body = fixture("meta_whatsapp_text.body");
        let secret = "test_app_secret_0123456789abcdef";
        let good = "6ee46deb27d7a263d576ae78c7c551e96cf65981240aad23491685e5892a0d4a";
        assert_eq!(
            verify_signature(secret, &body, Some(&format!(" sha256={good} "))),
            Ok(())
        );
        let cases = [
            ("", secret),
            ("sha256=", secret),
            (good, secret),
            ("sha256=zz", secret),
            (&format!("sha256={}", &good[..62]), secret),
            (&format!("sha256={good}00"), secret),
            (&format!("sha1={good}"), secret),
            (&format!("sha256={good}"), ""),
        ];
        for (header, secret) in cases {
            assert!(
                matches!(
                    verify_signature(secret, &body, Some(header)),
                    Err(WebhookError::Unauthenticated(_))
                ),
                "{header:?} with secret {secret:?}"
            );
        }
    }

    #[test]
    fn the_subscription_handshake_follows_the_fixture_cases() {
        let signatures = signatures();
        let verify_token = signatures["meta_verify_token"].as_str().unwrap();
        let cases = &signatures["verification_get"];
        let handshake = |case: &str| {
            let url = cases[case].as_str().unwrap();
            let (_, query) = url.split_once('?').unwrap();
            let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value.as_str())
            };
            verify_subscription(
                verify_token,
                get("hub.mode"),
                get("hub.verify_token"),
                get("hub.challenge"),
            )
        };
        assert_eq!(handshake("ok"), Ok("1158201444".to_owned()));
        for case in ["bad_token", "bad_mode"] {
            assert!(
                matches!(handshake(case), Err(WebhookError::Unauthenticated(_))),
                "{case}"
            );
        }
        let token = Some(verify_token);
        let subscribe = Some("subscribe");
        assert!(matches!(
            verify_subscription(verify_token, subscribe, None, Some("1")),
            Err(WebhookError::Unauthenticated(_))
        ));
        assert!(matches!(
            verify_subscription(verify_token, None, token, Some("1")),
            Err(WebhookError::Unauthenticated(_))
        ));
        assert!(matches!(
            verify_subscription("", subscribe, Some(""), Some("1")),
            Err(WebhookError::Unauthenticated(_))
        ));
        for challenge in [None, Some(""), Some("<script>alert(1)</script>")] {
            assert!(matches!(
                verify_subscription(verify_token, subscribe, token, challenge),
                Err(WebhookError::Malformed(_))
            ));
        }
    }
}
