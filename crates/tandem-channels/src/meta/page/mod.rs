//! Messenger and Instagram, Meta's page channels: `messaging` webhooks in (`inbound`), Send API
//! messages out (`outbound`).

mod inbound;
mod outbound;

pub use inbound::parse_messenger;
pub use outbound::page_request;
