//! Sending over SMTP with lettre: one connection per e-mail, TLS through rustls.

use std::net::SocketAddr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, Message, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{self, AsyncSmtpTransport};
use lettre::{Address, AsyncTransport, Tokio1Executor};
use tandem_channels::config::{MailSecurity, MailServer};
use tandem_channels::email::OutboundEmail;

use crate::{MailError, server_name};

/// How long one SMTP connection or command may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Sends one e-mail over SMTP to `server` at `address` (the caller resolved and checked its
/// host; TLS still verifies the host name): implicit TLS for [`MailSecurity::Tls`], required
/// STARTTLS for [`MailSecurity::Starttls`], plain text for [`MailSecurity::None`] (local
/// relays). The e-mail carries the Message-ID, In-Reply-To and References of `email`, and the
/// current Date.
pub async fn send(
    server: &MailServer,
    address: SocketAddr,
    email: &OutboundEmail,
) -> Result<(), MailError> {
    let message = build(email)?;
    transport(server, address)?
        .send(message)
        .await
        .map_err(|error| smtp_error(server, &error))?;
    Ok(())
}

/// The e-mail as lettre writes it.
fn build(email: &OutboundEmail) -> Result<Message, MailError> {
    let invalid = |what: &str, error: &dyn std::fmt::Display| {
        MailError::InvalidEmail(format!("{what}: {error}"))
    };
    let address = |what: &str, value: &str| {
        value
            .trim()
            .parse::<Address>()
            .map_err(|error| invalid(what, &error))
    };
    let from = Mailbox::new(
        email.from_name.as_deref().map(one_line),
        address("from address", &email.from_address)?,
    );
    let to = Mailbox::new(None, address("recipient", &email.to)?);
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&email.subject))
        .message_id(Some(message_id(&email.message_id).ok_or_else(|| {
            MailError::InvalidEmail(format!(
                "Message-ID must be an id like unique@domain, without <>: {:?}",
                email.message_id
            ))
        })?))
        .date_now();
    // Threading is best effort: an id that is not one (the `sha256:` stand-in of a message that
    // had no Message-ID) is left out rather than failing the reply.
    if let Some(in_reply_to) = email.in_reply_to.as_deref().and_then(message_id) {
        builder = builder.in_reply_to(in_reply_to);
    }
    let references: Vec<String> = email
        .references
        .iter()
        .filter_map(|id| message_id(id))
        .collect();
    if !references.is_empty() {
        builder = builder.references(references.join(" "));
    }
    if email.attachments.is_empty() {
        return builder
            .header(ContentType::TEXT_PLAIN)
            .body(email.text.clone())
            .map_err(|error| invalid("message", &error));
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(email.text.clone()));
    for file in &email.attachments {
        let content_type = ContentType::parse(&file.mime_type)
            .map_err(|error| invalid("attachment type", &error))?;
        parts = parts.singlepart(
            Attachment::new(one_line(&file.file_name)).body(file.content.clone(), content_type),
        );
    }
    builder
        .multipart(parts)
        .map_err(|error| invalid("message", &error))
}

/// A header value on one line.
fn one_line(value: &str) -> String {
    value.split(['\r', '\n']).collect::<Vec<_>>().join(" ")
}

/// `<id>`, if `id` (given without `<>`) is one message id (`unique@domain`).
fn message_id(id: &str) -> Option<String> {
    let valid = id
        .split_once('@')
        .is_some_and(|(left, right)| !left.is_empty() && !right.is_empty())
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>'));
    valid.then(|| format!("<{id}>"))
}

/// A transport to `server` at `address`, logging in with its username and password (a relay
/// configured without a login is sent to without one).
fn transport(
    server: &MailServer,
    address: SocketAddr,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let tls = match server.security {
        MailSecurity::None => Tls::None,
        MailSecurity::Tls | MailSecurity::Starttls => {
            let parameters = TlsParameters::new(server.host.clone())
                .map_err(|error| smtp_error(server, &error))?;
            if server.security == MailSecurity::Tls {
                Tls::Wrapper(parameters)
            } else {
                Tls::Required(parameters)
            }
        }
    };
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(address.ip().to_string())
            .port(address.port())
            .tls(tls)
            .timeout(Some(TIMEOUT));
    if !server.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            server.username.clone(),
            server.password.clone(),
        ));
    }
    Ok(builder.build())
}

/// Sorts a lettre error into [`MailError`] by the server's reply code or the failure's kind.
fn smtp_error(server: &MailServer, error: &smtp::Error) -> MailError {
    let server = server_name(server);
    let reason = error_chain(error);
    match error.status().map(u16::from) {
        // 530 authentication required, 534 mechanism too weak, 535 credentials invalid.
        Some(530 | 534 | 535) => MailError::Authentication { server, reason },
        Some(code) => MailError::Rejected {
            server,
            code,
            reason,
        },
        None if error.is_client() => MailError::Unsupported { server, reason },
        None if error.is_response() => MailError::Protocol { server, reason },
        None => MailError::Connection { server, reason },
    }
}

/// An error and its sources, joined with `: `.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text = format!("{text}: {words}");
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> OutboundEmail {
        OutboundEmail {
            from_address: "support@tandem.test".into(),
            from_name: Some("Tandem\r\nBcc: x@evil.test".into()),
            to: "ana@example.com".into(),
            subject: "Re: Boleto\nBcc: x@evil.test".into(),
            text: "Olá".into(),
            message_id: "out-1@tandem.test".into(),
            in_reply_to: Some("in-1@example.com".into()),
            references: vec!["a@example.com".into(), "in-1@example.com".into()],
            attachments: Vec::new(),
        }
    }

    #[test]
    fn files_go_as_attachments_beside_the_text() {
        let mut with_file = email();
        with_file.attachments = vec![tandem_channels::email::EmailFile {
            file_name: "boleto.pdf".into(),
            mime_type: "application/pdf".into(),
            content: b"%PDF-1.4 boleto".to_vec(),
        }];
        let raw = String::from_utf8(build(&with_file).unwrap().formatted()).unwrap();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("Content-Type: application/pdf"), "{raw}");
        assert!(raw.contains("filename=\"boleto.pdf\""), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("T2zDoQ=="),
            "the text (\"Olá\", in base64) goes first: {raw}"
        );
    }

    #[test]
    fn header_values_stay_on_one_line() {
        let raw = String::from_utf8(build(&email()).unwrap().formatted()).unwrap();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        assert!(
            !headers
                .lines()
                .any(|line| line.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
        assert!(
            headers.contains("Message-ID: <out-1@tandem.test>"),
            "{headers}"
        );
        assert!(
            headers.contains("In-Reply-To: <in-1@example.com>"),
            "{headers}"
        );
        assert!(
            headers.contains("References: <a@example.com> <in-1@example.com>"),
            "{headers}"
        );
    }

    #[test]
    fn threading_ids_that_are_not_message_ids_are_left_out() {
        let mut stand_in = email();
        stand_in.in_reply_to = Some("sha256:0a1b".into());
        stand_in.references = vec!["sha256:0a1b".into(), "a@example.com".into()];
        let raw = String::from_utf8(build(&stand_in).unwrap().formatted()).unwrap();
        let headers = raw.split("\r\n\r\n").next().unwrap();
        assert!(!headers.contains("In-Reply-To"), "{headers}");
        assert!(
            headers.contains("References: <a@example.com>\r\n"),
            "{headers}"
        );
    }

    #[test]
    fn bad_addresses_and_message_ids_are_invalid_emails() {
        let cases: [fn(&mut OutboundEmail); 3] = [
            |email| email.to = "not an address".into(),
            |email| email.from_address = "support".into(),
            |email| email.message_id = "<out-1@tandem.test>".into(),
        ];
        for change in cases {
            let mut bad = email();
            change(&mut bad);
            let error = build(&bad).unwrap_err();
            assert!(matches!(error, MailError::InvalidEmail(_)), "{error}");
            assert!(error.is_permanent());
        }
    }
}
