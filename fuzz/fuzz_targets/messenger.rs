//! Messenger and Instagram webhooks: any body is events or a typed error, and no customer
//! message comes out without an id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_channels::{WebhookEvent, is_blank_id, meta};
use tandem_domain::contact::IdentityKind;

fuzz_target!(|body: &[u8]| {
    for (page, kind) in [
        ("400000000000005", IdentityKind::Messenger),
        ("600000000000007", IdentityKind::Instagram),
    ] {
        if let Ok(events) = meta::parse_messenger(body, page, kind) {
            for event in events {
                if let WebhookEvent::Message(message) = event {
                    assert!(!is_blank_id(&message.external_id));
                }
            }
        }
    }
});
