//! The e-mail poller: every interval, each e-mail inbox with an IMAP server is polled by one
//! node (a lease in the store), new mail is parsed and accepted like any customer message, and
//! the IMAP cursor (UIDVALIDITY and last UID) is saved. The Message-ID is the message's external
//! id, so mail seen twice (a lease that ran out mid-poll) is still one message.

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_channels::config::ChannelConfig;
use tandem_channels::email::parse_email;
use tandem_domain::inbox::{ChannelKind, Inbox};

use crate::App;

/// How long one node may poll an inbox before another may take over.
const POLL_LEASE: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

/// Starts the poller; it stops when `shutdown` is cancelled.
pub(crate) fn spawn_mail_poller(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    let interval = app.settings.mail_poll_interval;
    tokio::spawn(async move {
        loop {
            poll_all(&app).await;
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    })
}

async fn poll_all(app: &App) {
    let inboxes = match app.store.channel_inboxes(ChannelKind::Email).await {
        Ok(inboxes) => inboxes,
        Err(error) => {
            tracing::warn!(%error, "listing e-mail inboxes failed");
            return;
        }
    };
    for (inbox, sealed) in inboxes {
        match app.channels().open(&inbox, Some(&sealed)) {
            Ok(ChannelConfig::Email(config)) => {
                if let Some(imap) = &config.imap {
                    poll_inbox(app, &inbox, imap).await;
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(inbox_id = %inbox.id, %error, "e-mail inbox not polled"),
        }
    }
}

async fn poll_inbox(app: &App, inbox: &Inbox, imap: &tandem_channels::config::MailServer) {
    let store = &app.store;
    let now = app.now();
    let Ok(until) = now.saturating_add(POLL_LEASE) else {
        return;
    };
    let saved = match store
        .lease_channel_cursor(inbox.account_id, inbox.id, now, until)
        .await
    {
        Ok(Some(saved)) => saved,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(inbox_id = %inbox.id, %error, "leasing the e-mail cursor failed");
            return;
        }
    };
    let (mails, next) = match app.ports.mailboxes.fetch(imap, saved.clone()).await {
        Ok(fetched) => fetched,
        Err(error) => {
            tracing::warn!(inbox_id = %inbox.id, %error, "polling the mailbox failed");
            release(app, inbox, saved).await;
            return;
        }
    };
    for mail in mails {
        let email = match parse_email(&mail.raw) {
            Ok(email) => email,
            Err(error) => {
                tracing::warn!(inbox_id = %inbox.id, uid = mail.uid, %error, "unreadable e-mail skipped");
                continue;
            }
        };
        if let Err(error) = app.accept_email(inbox, email).await {
            tracing::warn!(inbox_id = %inbox.id, uid = mail.uid, %error, "storing an e-mail failed; it will be fetched again");
            release(app, inbox, saved).await;
            return;
        }
    }
    release(app, inbox, Some(next)).await;
}

/// Saves the cursor and gives the polling lease back.
async fn release(app: &App, inbox: &Inbox, cursor: Option<serde_json::Value>) {
    let cursor = cursor.unwrap_or(serde_json::Value::Null);
    if let Err(error) = app
        .store
        .save_channel_cursor(inbox.account_id, inbox.id, cursor, app.now())
        .await
    {
        tracing::warn!(inbox_id = %inbox.id, %error, "saving the e-mail cursor failed");
    }
}
