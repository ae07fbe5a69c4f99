//! JSON shapes of the API, kept apart from domain types so the wire format changes only on
//! purpose. Every response type has a `From` the domain type it shows. One file per API
//! resource; everything is re-exported here, so `crate::wire::X` names every type.

mod account;
mod ai;
mod auth;
mod bot;
mod canned;
mod channel;
mod channel_setup;
mod common;
mod contacts;
mod conversations;
mod credentials;
mod external_bot;
#[cfg(test)]
mod hostile_bodies;
mod inboxes;
mod learning;
mod messages;
mod proactive;
mod reports;
mod routing;
mod search;
mod teams;
mod two_factor;
mod users;
mod views;

pub use account::*;
pub use ai::*;
pub use auth::*;
pub use bot::*;
pub use canned::*;
pub use channel::*;
pub use channel_setup::*;
pub use common::*;
pub use contacts::*;
pub use conversations::*;
pub use credentials::*;
pub use external_bot::*;
pub use inboxes::*;
pub use learning::*;
pub use messages::*;
pub use proactive::*;
pub use reports::*;
pub use routing::*;
pub use search::*;
pub use teams::*;
pub use two_factor::*;
pub use users::*;
pub use views::*;
