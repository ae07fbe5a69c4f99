//! WhatsApp Cloud API webhooks: any body is events or a typed error, and no customer message
//! comes out without an id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_channels::{WebhookEvent, is_blank_id, meta};

fuzz_target!(|body: &[u8]| {
    if let Ok(events) = meta::parse_whatsapp(body, "200000000000002") {
        for event in events {
            if let WebhookEvent::Message(message) = event {
                assert!(!is_blank_id(&message.external_id));
            }
        }
    }
});
