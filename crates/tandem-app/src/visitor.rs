//! Widget visitor tokens: a visitor of a web inbox is identified by a random id, and the token
//! proves it — the id with an HMAC-SHA256 over the inbox and the id, under a key derived from the
//! installation's secret key. Every node verifies tokens without a database read, and one
//! visitor cannot read another's conversation by guessing an id.
//!
//! A host site may say who its signed-in customer is (identity verification, as Intercom does):
//! the customer's id in its systems and an HMAC-SHA256 of that id under the inbox's secret,
//! computed on its server. A verified customer's visitor id is derived from their id, so every
//! browser they use is one visitor, and one contact with their other channels.

use aws_lc_rs::hmac;

use tandem_domain::id::InboxId;

use crate::sealing::SealError;
use crate::secret::fill_random;

/// The prefix of visitor tokens.
const PREFIX: &str = "tdm_v_";
/// Derives the token key from the secret key, so it differs from the sealing key.
const KEY_LABEL: &[u8] = b"tandem widget visitor tokens v1";

/// Issues and checks visitor tokens.
pub struct VisitorTokens {
    key: hmac::Key,
}

impl std::fmt::Debug for VisitorTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VisitorTokens(..)")
    }
}

impl VisitorTokens {
    /// Tokens keyed by the installation's secret key (64 hex characters).
    pub fn from_hex(secret_key: &str) -> Result<VisitorTokens, SealError> {
        let bytes = hex::decode(secret_key.trim()).map_err(|_| SealError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SealError::BadKey);
        }
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &bytes), KEY_LABEL);
        Ok(VisitorTokens {
            key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
        })
    }

    /// A new visitor of `inbox`: its id and its token.
    pub fn issue(&self, inbox: InboxId) -> (String, String) {
        let mut id = [0u8; 16];
        fill_random(&mut id);
        let visitor = hex::encode(id);
        let token = self.token(inbox, &visitor);
        (visitor, token)
    }

    /// The visitor id a token proves for `inbox`, or `None` when it is not one of ours.
    pub fn verify(&self, inbox: InboxId, token: &str) -> Option<String> {
        let (visitor, mac) = token.strip_prefix(PREFIX)?.split_once('.')?;
        let mac = hex::decode(mac).ok()?;
        hmac::verify(&self.key, &message(inbox, visitor), &mac).ok()?;
        Some(visitor.to_owned())
    }

    /// The token of a given visitor id (a verified customer's).
    pub fn token(&self, inbox: InboxId, visitor: &str) -> String {
        let mac = hmac::sign(&self.key, &message(inbox, visitor));
        format!("{PREFIX}{visitor}.{}", hex::encode(mac.as_ref()))
    }
}

/// The prefix of a verified customer's visitor id (random visitor ids are hex, so never start
/// with it).
const IDENTIFIED: &str = "u";

/// The longest customer id a host site may give.
pub const MAX_USER_ID_CHARS: usize = 128;

/// The visitor id of the verified customer `user_id`.
pub fn identified_visitor(user_id: &str) -> String {
    format!("{IDENTIFIED}{}", hex::encode(user_id.as_bytes()))
}

/// The customer id a visitor id stands for, when it is a verified customer's.
pub fn identified_user(visitor: &str) -> Option<String> {
    let encoded = visitor.strip_prefix(IDENTIFIED)?;
    String::from_utf8(hex::decode(encoded).ok()?).ok()
}

/// The hash a host site computes for its signed-in customer: hex HMAC-SHA256 of `user_id`
/// under the inbox's `secret`.
pub fn user_hash(secret: &str, user_id: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hex::encode(hmac::sign(&key, user_id.as_bytes()).as_ref())
}

/// Whether `hash_hex` is the HMAC-SHA256 of `user_id` under `secret` (compared in constant
/// time).
pub fn user_hash_matches(secret: &str, user_id: &str, hash_hex: &str) -> bool {
    let Ok(hash) = hex::decode(hash_hex.trim()) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::verify(&key, user_id.as_bytes(), &hash).is_ok()
}

fn message(inbox: InboxId, visitor: &str) -> Vec<u8> {
    format!("{inbox}:{visitor}").into_bytes()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn a_token_proves_its_visitor_for_its_inbox_only() {
        let tokens = VisitorTokens::from_hex(KEY).unwrap();
        let inbox = InboxId::generate();
        let (visitor, token) = tokens.issue(inbox);
        assert_eq!(tokens.verify(inbox, &token), Some(visitor.clone()));
        assert_eq!(tokens.verify(InboxId::generate(), &token), None);
        let other_key = KEY.replace("00", "ff");
        assert_eq!(
            VisitorTokens::from_hex(&other_key)
                .unwrap()
                .verify(inbox, &token),
            None
        );
    }

    #[test]
    fn a_forged_or_mangled_token_is_refused() {
        let tokens = VisitorTokens::from_hex(KEY).unwrap();
        let inbox = InboxId::generate();
        let (_, token) = tokens.issue(inbox);
        let (_, mac) = token.split_once('.').unwrap();
        let (other, _) = tokens.issue(inbox);
        let forged = format!("{PREFIX}{other}.{mac}");
        assert_eq!(tokens.verify(inbox, &forged), None);
        for bad in ["", "tdm_v_", "tdm_v_abc", "tdm_v_abc.zz", "Bearer x"] {
            assert_eq!(tokens.verify(inbox, bad), None, "{bad}");
        }
        assert!(VisitorTokens::from_hex("abcd").is_err());
    }

    #[test]
    fn a_verified_customer_is_one_visitor_and_only_the_right_hash_proves_them() {
        let visitor = identified_visitor("cliente-42");
        assert_eq!(identified_user(&visitor).as_deref(), Some("cliente-42"));
        assert_eq!(
            identified_user("0a1b2c"),
            None,
            "random visitor ids are hex"
        );
        let secret = "whsec_test";
        let hash = user_hash(secret, "cliente-42");
        assert_eq!(
            hash,
            hex::encode(
                hmac::sign(
                    &hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()),
                    b"cliente-42"
                )
                .as_ref()
            )
        );
        assert!(user_hash_matches(secret, "cliente-42", &hash));
        assert!(!user_hash_matches(secret, "cliente-43", &hash));
        assert!(!user_hash_matches("another", "cliente-42", &hash));
        assert!(!user_hash_matches(secret, "cliente-42", "not hex"));
    }
}
