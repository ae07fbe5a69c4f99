//! WhatsApp Cloud API: webhooks in (`inbound`), texts, buttons, lists and templates out
//! (`outbound`).

mod inbound;
mod outbound;

pub use inbound::parse_whatsapp;
pub use outbound::whatsapp_request;
