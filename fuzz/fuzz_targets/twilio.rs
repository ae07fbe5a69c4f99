//! Twilio's form webhooks (SMS and voice): any form is events, a call or a typed error, and
//! no customer message comes out without an id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_channels::{WebhookEvent, is_blank_id, twilio};

fuzz_target!(|body: &[u8]| {
    let params = twilio::form_pairs(body);
    if let Ok(events) = twilio::parse_sms(&params) {
        for event in events {
            if let WebhookEvent::Message(message) = event {
                assert!(!is_blank_id(&message.external_id));
            }
        }
    }
    let _ = twilio::parse_voice(&params);
});
