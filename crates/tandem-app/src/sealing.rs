//! Encryption at rest for channel credentials: AES-256-GCM with a random 96-bit nonce per value,
//! under one key that the operator keeps outside the database. A leaked database alone reveals
//! no provider token.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::secret::fill_random;

/// The prefix of sealed values, naming the scheme so it can change later.
const PREFIX: &str = "v1:";

/// Seals and opens values with the installation's key.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// Why a key or a sealed value was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the secret key must be 64 hex characters (32 bytes)")]
    BadKey,
    #[error("sealed value is damaged or was sealed with another key")]
    CannotOpen,
}

impl Sealer {
    /// A sealer over a 32-byte key written as 64 hex characters.
    pub fn from_hex(key: &str) -> Result<Sealer, SealError> {
        let bytes = hex::decode(key.trim()).map_err(|_| SealError::BadKey)?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SealError::BadKey)?;
        Ok(Sealer {
            key: LessSafeKey::new(key),
        })
    }

    /// A fresh random key in the form [`Sealer::from_hex`] reads.
    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        fill_random(&mut key);
        hex::encode(key)
    }

    /// Encrypts `plaintext`; `context` (e.g. the inbox id) is bound to the result, so a sealed
    /// value copied to another row does not open.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce);
        let mut data = plaintext.to_vec();
        // Sealing fails only when the input exceeds AES-GCM's 64 GiB limit, which a request
        // body limit of 1 MiB rules out.
        #[allow(clippy::expect_used)]
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut data,
            )
            .expect("input within AES-GCM limits");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&data);
        format!("{PREFIX}{}", STANDARD.encode(sealed))
    }

    /// Decrypts a value from [`Sealer::seal`] with the same `context`.
    pub fn open(&self, sealed: &str, context: &[u8]) -> Result<Vec<u8>, SealError> {
        let encoded = sealed.strip_prefix(PREFIX).ok_or(SealError::CannotOpen)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SealError::CannotOpen)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::CannotOpen);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::CannotOpen)?;
        let mut data = ciphertext.to_vec();
        let plaintext = self
            .key
            .open_in_place(nonce, Aad::from(context), &mut data)
            .map_err(|_| SealError::CannotOpen)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let sealer = Sealer::from_hex(&Sealer::generate_key()).unwrap();
        let sealed = sealer.seal(b"EAAG-access-token", b"inbox-1");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("EAAG"));
        assert_eq!(
            sealer.open(&sealed, b"inbox-1").unwrap(),
            b"EAAG-access-token"
        );
        assert_eq!(sealer.open(&sealed, b"inbox-2"), Err(SealError::CannotOpen));
        let other = Sealer::from_hex(&Sealer::generate_key()).unwrap();
        assert_eq!(other.open(&sealed, b"inbox-1"), Err(SealError::CannotOpen));
        let mut tampered = sealed.clone();
        tampered.replace_range(10..11, if &sealed[10..11] == "A" { "B" } else { "A" });
        assert_eq!(
            sealer.open(&tampered, b"inbox-1"),
            Err(SealError::CannotOpen)
        );
    }

    #[test]
    fn two_seals_of_one_value_differ() {
        let sealer = Sealer::from_hex(&"11".repeat(32)).unwrap();
        assert_ne!(sealer.seal(b"x", b""), sealer.seal(b"x", b""));
        assert_eq!(Sealer::from_hex("abcd").unwrap_err(), SealError::BadKey);
    }
}
