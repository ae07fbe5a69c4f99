//! Reading e-mail inboxes over IMAP (`ports::Mailboxes`) with `tandem-mail`: the messages of
//! `INBOX` after the saved cursor (UIDVALIDITY and last UID), at most 50 a poll.

use serde_json::Value;

use tandem_app::ports::{BoxFuture, FetchedEmail, Mailboxes};
use tandem_channels::config::MailServer;
use tandem_mail::ImapCursor;

/// Most messages taken from a mailbox per poll.
const FETCH_LIMIT: usize = 50;
/// The mailbox polled.
const MAILBOX: &str = "INBOX";

/// IMAP mailboxes.
#[derive(Debug, Default)]
pub struct ImapMailboxes;

impl Mailboxes for ImapMailboxes {
    fn fetch<'a>(
        &'a self,
        server: &'a MailServer,
        cursor: Option<Value>,
    ) -> BoxFuture<'a, Result<(Vec<FetchedEmail>, Value), String>> {
        Box::pin(async move {
            let cursor = cursor.and_then(|value| serde_json::from_value::<ImapCursor>(value).ok());
            let (mails, next) = tandem_mail::fetch_new(server, MAILBOX, cursor, FETCH_LIMIT)
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
