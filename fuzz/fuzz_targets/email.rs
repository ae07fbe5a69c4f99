//! Inbound e-mail (RFC 5322 and MIME): any bytes are an e-mail or a typed error, and the
//! message always has an id (its Message-ID or a hash of the bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_channels::{email, is_blank_id};

fuzz_target!(|raw: &[u8]| {
    if let Ok(parsed) = email::parse_email(raw) {
        assert!(!is_blank_id(&parsed.message.external_id));
    }
});
