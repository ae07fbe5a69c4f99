//! Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226): HMAC-SHA-1, 30-second steps,
//! 6 digits, the parameters every authenticator app reads from an `otpauth://` URI. Pure: the
//! time comes in as an argument.

use aws_lc_rs::hmac;
use data_encoding::BASE32_NOPAD;
use subtle::ConstantTimeEq;

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

/// The time step containing `unix_seconds`.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The HOTP value of `secret` at `counter`, `digits` long with leading zeros.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    // Dynamic truncation (RFC 4226 §5.3): the low nibble of the last byte picks four bytes.
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    let value = u64::from(binary) % 10u64.pow(digits);
    format!("{value:0width$}", width = digits as usize)
}

/// The 6-digit code of `secret` at time step `step`.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    hotp(secret, u64::try_from(step).unwrap_or(0), DIGITS)
}

/// The time step whose code `code` is, accepting the step of `unix_seconds` and one on each
/// side (clocks drift; a code typed at the end of its step arrives in the next). Compared in
/// constant time.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_seconds);
    [now - 1, now, now + 1]
        .into_iter()
        .filter(|step| *step >= 0)
        .find(|step| {
            bool::from(
                code_at_step(secret, *step)
                    .as_bytes()
                    .ct_eq(code.as_bytes()),
            )
        })
}

/// A secret in the base32 form authenticator apps take (no padding).
pub fn encode_secret(secret: &[u8]) -> String {
    BASE32_NOPAD.encode(secret)
}

/// The `otpauth://` URI an authenticator app reads (often from a QR code).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = percent_encode(account),
        secret = encode_secret(secret),
    )
}

/// Percent-encodes everything but unreserved characters and `@` (kept readable in labels).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, the SHA-1 rows: the seed is the ASCII "12345678901234567890".
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, expected) in vectors {
            let step = u64::try_from(step_at(time)).unwrap();
            assert_eq!(hotp(secret, step, 8), expected, "T = {time}");
        }
    }

    /// RFC 4226 Appendix D: HOTP values for counters 0 and 9.
    #[test]
    fn rfc_4226_test_vectors() {
        let secret = b"12345678901234567890";
        assert_eq!(hotp(secret, 0, 6), "755224");
        assert_eq!(hotp(secret, 9, 6), "520489");
    }

    #[test]
    fn codes_match_their_step_and_its_neighbours_only() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111;
        let step = step_at(now);
        for offset in [-1, 0, 1] {
            let code = code_at_step(secret, step + offset);
            assert_eq!(matching_step(secret, &code, now), Some(step + offset));
        }
        assert_eq!(
            matching_step(secret, &code_at_step(secret, step + 2), now),
            None
        );
        assert_eq!(matching_step(secret, "12345", now), None);
        assert_eq!(matching_step(secret, "abcdef", now), None);
    }

    #[test]
    fn the_uri_names_issuer_account_and_parameters() {
        let uri = otpauth_uri(
            "Tandem",
            "ana souza@aurora.example",
            b"12345678901234567890",
        );
        assert_eq!(
            uri,
            "otpauth://totp/Tandem:ana%20souza@aurora.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Tandem&algorithm=SHA1&digits=6&period=30"
        );
    }
}
