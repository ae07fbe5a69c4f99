//! Webhook signatures both ways: the generator signs WhatsApp webhooks as Meta does, and checks
//! the server's own outgoing webhooks as an integration must.

use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Meta's `X-Hub-Signature-256` of `body`: `sha256=<hex HMAC-SHA256(app_secret, body)>`.
pub fn meta_signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = hmac_with(app_secret);
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` (`t=<unix seconds>,v1=<hex>`) is Tandem's `X-Tandem-Signature` of `body`
/// under `secret`: `HMAC-SHA256(secret, "<t>.<body>")`, compared in constant time.
pub fn is_tandem_signature(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut timestamp = None;
    let mut tag = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = Some(value),
            Some(("v1", value)) => tag = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(timestamp), Some(tag)) = (timestamp, tag) else {
        return false;
    };
    let mut mac = hmac_with(secret);
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&tag).is_ok()
}

fn hmac_with(key: &str) -> HmacSha256 {
    // HMAC takes a key of any length, so this never fails.
    match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }

    #[test]
    fn meta_signatures_match_the_recorded_fixture() {
        let signatures: serde_json::Value =
            serde_json::from_slice(&fixture("meta_signatures.json")).unwrap();
        let secret = signatures["meta_app_secret"].as_str().unwrap();
        let expected = &signatures["files"]["meta_whatsapp_text.body"]["X-Hub-Signature-256"];
        assert_eq!(
            meta_signature(secret, &fixture("meta_whatsapp_text.body")),
            expected.as_str().unwrap()
        );
    }

    #[test]
    fn meta_signatures_pass_the_servers_own_check() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let signature = meta_signature("app-secret", body);
        assert!(
            tandem_channels::meta::verify_signature("app-secret", body, Some(&signature)).is_ok()
        );
        assert!(tandem_channels::meta::verify_signature("other", body, Some(&signature)).is_err());
    }

    #[test]
    fn tandem_signatures_are_checked_over_time_and_body() {
        let secret = "whsec_test";
        let body = br#"{"type":"message.created"}"#;
        // `printf '1750000000.<body>' | openssl dgst -sha256 -hmac whsec_test`
        let tag = "516686bd2de79929f65f7a958cfb2fbdf50471eec7c28aaa0af4b6fddb3be970";
        let header = format!("t=1750000000,v1={tag}");
        assert!(is_tandem_signature(secret, &header, body));
        assert!(!is_tandem_signature("whsec_other", &header, body));
        assert!(!is_tandem_signature(secret, &header, b"{}"));
        assert!(!is_tandem_signature(
            secret,
            &format!("t=1750000001,v1={tag}"),
            body
        ));
        assert!(!is_tandem_signature(secret, "v1=00", body));
        assert!(!is_tandem_signature(secret, "", body));
    }
}
