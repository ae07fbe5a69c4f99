//! Reading e-mail inboxes over IMAP (`ports::Mailboxes`) with `tandem-mail`: the messages of
//! `INBOX` after the saved cursor (UIDVALIDITY and last UID), at most 50 a poll, from the
//! address the outbound guard checked.

use serde_json::Value;

use tandem_app::ports::{BoxFuture, FetchedEmail, Mailboxes};
use tandem_channels::config::MailServer;
use tandem_mail::ImapCursor;

use super::guard::OutboundGuard;

/// Most messages taken from a mailbox per poll.
const FETCH_LIMIT: usize = 50;
/// The mailbox polled.
const MAILBOX: &str = "INBOX";

/// IMAP mailboxes, reached through the outbound guard.
#[derive(Debug)]
pub struct ImapMailboxes {
    guard: OutboundGuard,
}

impl ImapMailboxes {
    pub fn new(guard: &OutboundGuard) -> Self {
        Self {
            guard: guard.clone(),
        }
    }
}

impl Mailboxes for ImapMailboxes {
    fn fetch<'a>(
        &'a self,
        server: &'a MailServer,
        cursor: Option<Value>,
    ) -> BoxFuture<'a, Result<(Vec<FetchedEmail>, Value), String>> {
        Box::pin(async move {
            let cursor = cursor.and_then(|value| serde_json::from_value::<ImapCursor>(value).ok());
            let address = self
                .guard
                .mail_server_address(&server.host, server.port)
                .await
                .map_err(|refused| refused.to_string())?;
            let (mails, next) =
                tandem_mail::fetch_new(server, address, MAILBOX, cursor, FETCH_LIMIT)
                    .await
                    .map_err(|error| error.to_string())?;
            let next = serde_json::to_value(next).map_err(|error| error.to_string())?;
            let mails = mails
                .into_iter()
                .map(|mail| FetchedEmail {
                    uid: mail.uid,
                    raw: mail.raw,
                })
                .collect();
            Ok((mails, next))
        })
    }
}
