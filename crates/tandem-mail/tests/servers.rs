//! `send` and `fetch_new` against real local SMTP (aiosmtpd) and IMAP (Dovecot) servers.

use tandem_channels::config::{MailSecurity, MailServer};
use tandem_channels::email::{OutboundEmail, parse_email};
use tandem_mail::testing::MailServers;
use tandem_mail::{FetchedMail, ImapCursor, MailError};

/// Where a test server listens: the IP address it is configured with.
fn address(server: &MailServer) -> std::net::SocketAddr {
    let ip = server
        .host
        .parse()
        .expect("test servers listen on an IP address");
    std::net::SocketAddr::new(ip, server.port)
}

async fn send(server: &MailServer, email: &OutboundEmail) -> Result<(), MailError> {
    tandem_mail::send(server, address(server), email).await
}

async fn fetch_new(
    server: &MailServer,
    mailbox: &str,
    cursor: Option<ImapCursor>,
    limit: usize,
) -> Result<(Vec<FetchedMail>, ImapCursor), MailError> {
    tandem_mail::fetch_new(server, address(server), mailbox, cursor, limit).await
}

/// The servers, or `None` (with a notice) where they are not installed; CI panics instead.
fn servers() -> Option<MailServers> {
    match MailServers::start() {
        Ok(servers) => Some(servers),
        Err(unavailable) => {
            eprintln!("skipped: {unavailable}");
            None
        }
    }
}

fn reply() -> OutboundEmail {
    OutboundEmail {
        from_address: "support@tandem.test".into(),
        from_name: Some("Suporte Tandem".into()),
        to: "ana@example.com".into(),
        subject: "Re: Boleto não chegou".into(),
        text: "Olá, seu boleto… foi reemitido.\nVence em 10/03.\n\nAtenciosamente,\nEquipe Tandem"
            .into(),
        message_id: "out-1@tandem.test".into(),
        in_reply_to: Some("c1@example.com".into()),
        references: vec!["c0@example.com".into(), "c1@example.com".into()],
        attachments: Vec::new(),
    }
}

/// A customer's e-mail to support, numbered.
fn customer_email(n: u32) -> Vec<u8> {
    format!(
        "From: Ana Silva <ana@example.com>\r\n\
         To: support@tandem.test\r\n\
         Subject: Pedido {n}\r\n\
         Date: Mon, 3 Mar 2025 10:0{n}:00 -0300\r\n\
         Message-ID: <c{n}@example.com>\r\n\
         \r\n\
         Mensagem {n}\r\n"
    )
    .into_bytes()
}

/// The Message-IDs of fetched mail (a mail without one is left out, failing the comparison).
fn message_ids(mails: &[FetchedMail]) -> Vec<String> {
    mails
        .iter()
        .filter_map(|mail| parse_email(&mail.raw).ok()?.message_id)
        .collect()
}

#[tokio::test]
async fn a_sent_email_arrives_with_its_threading_headers_and_utf8_text() {
    let Some(servers) = servers() else { return };
    send(&servers.smtp(), &reply()).await.unwrap();

    let arrived = servers.messages_for("ana");
    assert_eq!(arrived.len(), 1);
    let email = parse_email(&arrived[0]).unwrap();
    assert_eq!(email.message_id.as_deref(), Some("out-1@tandem.test"));
    assert_eq!(email.in_reply_to.as_deref(), Some("c1@example.com"));
    assert_eq!(email.references, ["c0@example.com", "c1@example.com"]);
    assert_eq!(email.subject, "Re: Boleto não chegou");
    assert_eq!(email.message.sender.value, "support@tandem.test");
    assert_eq!(email.message.sender_name.as_deref(), Some("Suporte Tandem"));
    assert!(email.message.sent_at.is_some(), "no Date header");
    // The signature-less text comes back as written.
    assert_eq!(email.message.text, reply().text);
}

#[tokio::test]
async fn a_relay_configured_without_a_login_is_sent_to_without_one() {
    let Some(servers) = servers() else { return };
    let relay = MailServer {
        username: String::new(),
        password: String::new(),
        ..servers.smtp()
    };
    send(&relay, &reply()).await.unwrap();
    assert_eq!(servers.messages_for("ana").len(), 1);
}

#[tokio::test]
async fn fetch_new_returns_each_message_once_and_follows_the_cursor() {
    let Some(servers) = servers() else { return };
    let imap = servers.imap("support");
    for n in [1, 2] {
        servers
            .deliver("support@tandem.test", &customer_email(n))
            .await
            .unwrap();
    }

    let (mails, cursor) = fetch_new(&imap, "INBOX", None, 10).await.unwrap();
    assert_eq!(message_ids(&mails), ["c1@example.com", "c2@example.com"]);
    assert!(mails[0].uid < mails[1].uid);
    assert_eq!(cursor.last_uid, mails[1].uid);

    let (again, unchanged) = fetch_new(&imap, "INBOX", Some(cursor), 10).await.unwrap();
    assert!(again.is_empty());
    assert_eq!(unchanged, cursor);

    for n in [3, 4, 5] {
        servers
            .deliver("support@tandem.test", &customer_email(n))
            .await
            .unwrap();
    }
    let (first, cursor) = fetch_new(&imap, "INBOX", Some(cursor), 1).await.unwrap();
    assert_eq!(message_ids(&first), ["c3@example.com"]);
    let (rest, cursor) = fetch_new(&imap, "INBOX", Some(cursor), 10).await.unwrap();
    assert_eq!(message_ids(&rest), ["c4@example.com", "c5@example.com"]);
    assert_eq!(cursor.last_uid, rest[1].uid);

    // A new UIDVALIDITY means the old UIDs mean nothing: start over.
    let stale = ImapCursor {
        uid_validity: cursor.uid_validity.wrapping_add(1),
        last_uid: 1_000,
    };
    let (all, restarted) = fetch_new(&imap, "INBOX", Some(stale), 10).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(restarted, cursor);

    // Nothing was deleted: the customer's five e-mails are all still there.
    assert_eq!(servers.messages_for("support").len(), 5);
}

#[tokio::test]
async fn a_wrong_password_is_a_permanent_authentication_error() {
    let Some(servers) = servers() else { return };
    let mut imap = servers.imap("support");
    imap.password = "wrong".into();
    let error = fetch_new(&imap, "INBOX", None, 10).await.unwrap_err();
    assert!(
        matches!(error, MailError::Authentication { .. }),
        "{error:?}"
    );
    assert!(error.is_permanent());

    let mut smtp = servers.smtp();
    smtp.password = "wrong".into();
    let error = send(&smtp, &reply()).await.unwrap_err();
    assert!(
        matches!(error, MailError::Authentication { .. }),
        "{error:?}"
    );
    assert!(error.is_permanent());
}

#[tokio::test]
async fn refused_recipients_are_permanent_for_5xx_and_transient_for_4xx() {
    let Some(servers) = servers() else { return };
    let to = |to: &str| OutboundEmail {
        to: to.into(),
        ..reply()
    };
    let error = send(&servers.smtp(), &to("reject@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, MailError::Rejected { code: 550, .. }),
        "{error:?}"
    );
    assert!(error.is_permanent());

    let error = send(&servers.smtp(), &to("busy@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, MailError::Rejected { code: 451, .. }),
        "{error:?}"
    );
    assert!(!error.is_permanent());
}

#[tokio::test]
async fn nothing_listening_is_a_transient_connection_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The listener is gone: nothing listens on `port` now.
    let server = MailServer {
        host: "127.0.0.1".into(),
        port,
        security: MailSecurity::None,
        username: "support".into(),
        password: MailServers::PASSWORD.into(),
    };

    let error = send(&server, &reply()).await.unwrap_err();
    assert!(matches!(error, MailError::Connection { .. }), "{error:?}");
    assert!(!error.is_permanent());

    let error = fetch_new(&server, "INBOX", None, 10).await.unwrap_err();
    assert!(matches!(error, MailError::Connection { .. }), "{error:?}");
    assert!(!error.is_permanent());
}
