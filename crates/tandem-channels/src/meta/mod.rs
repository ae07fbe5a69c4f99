//! Meta's channels: the WhatsApp Cloud API, Messenger and Instagram.
//!
//! All three sign webhooks the same way (`X-Hub-Signature-256`, an HMAC-SHA256 of the raw body
//! with the app secret), share the GET subscription handshake, and answer sends with Graph API
//! errors: those shared parts are `webhook`, `graph` and `quick_replies`. WhatsApp reports
//! `changes` of a business account (`whatsapp`); Messenger and Instagram report `messaging`
//! events of a page or professional account (`page`).

mod graph;
mod page;
mod quick_replies;
#[cfg(test)]
mod testing;
mod webhook;
mod whatsapp;

pub use graph::send_outcome;
pub use page::{page_request, parse_messenger};
pub use webhook::{verify_signature, verify_subscription};
pub use whatsapp::{parse_whatsapp, whatsapp_request};
