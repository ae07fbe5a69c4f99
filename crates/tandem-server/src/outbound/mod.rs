//! The server's side of the use cases' seams (`tandem_app::ports`) that reach out over the
//! network: the bot's HTTP actions, external bots, outgoing webhooks, channel providers, IMAP
//! mailboxes, the server's own e-mail and speech-to-text servers. Every call made on a user's
//! behalf reaches the network through `guard`.

pub mod external_bot;
pub mod guard;
pub mod http_actions;
pub mod language_models;
pub mod mailboxes;
pub mod providers;
pub mod system_mail;
pub mod transcription;
pub mod webhooks;
