//! Integration tests: the real server on a random loopback port, spoken to over HTTP and
//! WebSocket like a client would, on SQLite and (when configured) PostgreSQL.

// Tests may unwrap freely (clippy.toml); that covers `#[test]` functions, and this the helpers
// they call.
#![allow(clippy::unwrap_used)]

mod ai;
mod audit;
mod audit_security;
mod bot;
mod bot_profile;
mod browser;
mod channel_calls;
mod channels;
mod cluster;
mod credentials;
mod durability;
mod external_bot;
mod files;
mod harness;
mod hostile_input;
mod inbound;
mod isolation;
mod language_model;
mod learning;
mod login_protection;
mod metrics;
mod openapi;
mod privacy;
mod process;
mod provider;
mod reports;
mod routing;
mod scenario;
mod search;
mod ssrf;
mod team_workspace;
mod validation;
mod voice_calls;
mod voice_notes;
mod web_ui;
mod webhook_receiver;
