//! Fetching new mail over IMAP with async-imap: UID-based polling that remembers where it
//! stopped, TLS through rustls with the webpki roots.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_imap::Client;
use async_imap::error::Error as ImapError;
use futures_util::TryStreamExt;
use rustls::pki_types::ServerName;
use serde::{Deserialize, Serialize};
use tandem_channels::config::{MailSecurity, MailServer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::{MailError, server_name};

/// How long connecting (TCP and TLS) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one whole poll may take.
const POLL_TIMEOUT: Duration = Duration::from_secs(300);

/// Where IMAP polling stopped: the mailbox's UIDVALIDITY and the highest UID fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImapCursor {
    pub uid_validity: u32,
    pub last_uid: u32,
}

/// One message as the server stored it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedMail {
    pub uid: u32,
    /// The raw RFC 5322 message, for `tandem_channels::email::parse_email`.
    pub raw: Vec<u8>,
}

/// Fetches, from `server` at `address` (the caller resolved and checked its host; TLS still
/// verifies the host name), the messages of `mailbox` newer than `cursor` (at most `limit`, oldest first) and
/// returns them with the cursor to pass next time. Without a cursor, or when the mailbox's
/// UIDVALIDITY changed, it starts from the first message (so the caller must skip messages it
/// already has, by Message-ID). Deletes nothing; the fetched messages become `\Seen`.
pub async fn fetch_new(
    server: &MailServer,
    address: SocketAddr,
    mailbox: &str,
    cursor: Option<ImapCursor>,
    limit: usize,
) -> Result<(Vec<FetchedMail>, ImapCursor), MailError> {
    let poll = async {
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
            .await
            .map_err(|_| connection(server, "connecting timed out"))?
            .map_err(|error| connection(server, error))?;
        match server.security {
            MailSecurity::None => {
                let mut client = Client::new(tcp);
                greeting(server, &mut client).await?;
                poll(server, client, mailbox, cursor, limit).await
            }
            MailSecurity::Tls => {
                let mut client = Client::new(tls(server, tcp).await?);
                greeting(server, &mut client).await?;
                poll(server, client, mailbox, cursor, limit).await
            }
            MailSecurity::Starttls => {
                let mut client = Client::new(tcp);
                greeting(server, &mut client).await?;
                client
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|error| match error {
                        ImapError::No(_) | ImapError::Bad(_) => MailError::Unsupported {
                            server: server_name(server),
                            reason: format!("STARTTLS refused: {error}"),
                        },
                        error => imap_error(server, error),
                    })?;
                // No greeting follows STARTTLS.
                let client = Client::new(tls(server, client.into_inner()).await?);
                poll(server, client, mailbox, cursor, limit).await
            }
        }
    };
    tokio::time::timeout(POLL_TIMEOUT, poll)
        .await
        .map_err(|_| connection(server, "the poll timed out"))?
}

/// Reads the server's greeting.
async fn greeting<S>(server: &MailServer, client: &mut Client<S>) -> Result<(), MailError>
where
    S: AsyncRead + AsyncWrite + Unpin + Debug + Send,
{
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(connection(server, "closed before greeting")),
        Err(error) => Err(connection(server, error)),
    }
}

/// Logs in, fetches what is new and logs out.
async fn poll<S>(
    server: &MailServer,
    client: Client<S>,
    mailbox: &str,
    cursor: Option<ImapCursor>,
    limit: usize,
) -> Result<(Vec<FetchedMail>, ImapCursor), MailError>
where
    S: AsyncRead + AsyncWrite + Unpin + Debug + Send,
{
    let mut session = client
        .login(&server.username, &server.password)
        .await
        .map_err(|(error, _client)| match error {
            ImapError::No(_) | ImapError::Bad(_) | ImapError::Validate(_) => {
                MailError::Authentication {
                    server: server_name(server),
                    reason: error.to_string(),
                }
            }
            error => imap_error(server, error),
        })?;
    let selected = session
        .select(mailbox)
        .await
        .map_err(|error| imap_error(server, error))?;
    let uid_validity = selected.uid_validity.ok_or_else(|| MailError::Protocol {
        server: server_name(server),
        reason: format!("no UIDVALIDITY for mailbox {mailbox:?}"),
    })?;
    let after = cursor
        .filter(|cursor| cursor.uid_validity == uid_validity)
        .map_or(0, |cursor| cursor.last_uid);
    let mut uids: Vec<u32> = session
        .uid_search(format!("UID {}:*", after.saturating_add(1)))
        .await
        .map_err(|error| imap_error(server, error))?
        .into_iter()
        // `n:*` always matches the newest message, even below n.
        .filter(|&uid| uid > after)
        .collect();
    uids.sort_unstable();
    uids.truncate(limit);
    let mut fetched = Vec::with_capacity(uids.len());
    if !uids.is_empty() {
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // BODY[] (not BODY.PEEK[]) marks the messages \Seen.
        let fetches: Vec<_> = session
            .uid_fetch(set, "(UID BODY[])")
            .await
            .map_err(|error| imap_error(server, error))?
            .try_collect()
            .await
            .map_err(|error| imap_error(server, error))?;
        for fetch in &fetches {
            if let (Some(uid), Some(raw)) = (fetch.uid, fetch.body())
                && uids.binary_search(&uid).is_ok()
            {
                fetched.push(FetchedMail {
                    uid,
                    raw: raw.to_vec(),
                });
            }
        }
        fetched.sort_by_key(|mail| mail.uid);
        fetched.dedup_by_key(|mail| mail.uid);
    }
    // Best effort: the messages are already in hand.
    let _ = session.logout().await;
    let last_uid = fetched.last().map_or(after, |mail| mail.uid);
    Ok((
        fetched,
        ImapCursor {
            uid_validity,
            last_uid,
        },
    ))
}

/// Wraps `tcp` in TLS, checking the server's certificate against the webpki roots.
async fn tls(server: &MailServer, tcp: TcpStream) -> Result<TlsStream<TcpStream>, MailError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| connection(server, error))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name =
        ServerName::try_from(server.host.clone()).map_err(|error| connection(server, error))?;
    tokio::time::timeout(
        CONNECT_TIMEOUT,
        TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    .map_err(|_| connection(server, "TLS handshake timed out"))?
    .map_err(|error| connection(server, format!("TLS: {error}")))
}

fn connection(server: &MailServer, reason: impl std::fmt::Display) -> MailError {
    MailError::Connection {
        server: server_name(server),
        reason: reason.to_string(),
    }
}

/// Sorts an async-imap error: I/O and lost connections are connection problems, the rest
/// (NO, BAD, unparsable answers) protocol errors.
fn imap_error(server: &MailServer, error: ImapError) -> MailError {
    match error {
        ImapError::Io(_) | ImapError::ConnectionLost => connection(server, error),
        error => MailError::Protocol {
            server: server_name(server),
            reason: error.to_string(),
        },
    }
}
