//! The server's side of the use cases' seams (`tandem_app::ports`) that reach out over the
//! network: the bot's HTTP actions, external bots, outgoing webhooks, channel providers, IMAP
//! mailboxes and the server's own e-mail.

pub mod external_bot;
pub mod http_actions;
pub mod mailboxes;
pub mod providers;
pub mod system_mail;
pub mod webhooks;

use std::time::Duration;

/// An HTTP client for calls made on users' behalf: it follows no redirects (a redirect could
/// lead anywhere) and names itself `user_agent`; `timeout` bounds each whole request.
fn client(user_agent: &str, timeout: Option<Duration>) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent);
    match timeout {
        Some(timeout) => builder.timeout(timeout),
        None => builder,
    }
    .build()
}
