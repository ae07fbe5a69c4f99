//! Sending over SMTP with lettre: one connection per e-mail, TLS through rustls.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{self, AsyncSmtpTransport};
use lettre::{Address, AsyncTransport, Tokio1Executor};
use tandem_channels::config::{MailSecurity, MailServer};
use tandem_channels::email::OutboundEmail;

use crate::{MailError, server_name};

/// How long one SMTP connection or command may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Sends one e-mail over SMTP: implicit TLS for [`MailSecurity::Tls`], required STARTTLS for
/// [`MailSecurity::Starttls`], plain text for [`MailSecurity::None`] (local relays). The e-mail
/// carries the Message-ID, In-Reply-To and References of `email`, and the current Date.
pub async fn send(server: &MailServer, email: &OutboundEmail) -> Result<(), MailError> {
    let message = build(email)?;
    transport(server)?
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
        .message_id(Some(message_id("Message-ID", &email.message_id)?))
        .date_now();
    if let Some(in_reply_to) = &email.in_reply_to {
        builder = builder.in_reply_to(message_id("In-Reply-To", in_reply_to)?);
    }
    if !email.references.is_empty() {
        let references = email
            .references
            .iter()
            .map(|id| message_id("References", id))
            .collect::<Result<Vec<_>, _>>()?;
        builder = builder.references(references.join(" "));
    }
    builder
        .header(ContentType::TEXT_PLAIN)
        .body(email.text.clone())
        .map_err(|error| invalid("message", &error))
}

/// A header value on one line.
fn one_line(value: &str) -> String {
    value.split(['\r', '\n']).collect::<Vec<_>>().join(" ")
}

/// `<id>`, after checking that `id` (given without `<>`) is one message id.
fn message_id(header: &str, id: &str) -> Result<String, MailError> {
    let valid = !id.is_empty()
        && id.contains('@')
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>'));
    if valid {
        Ok(format!("<{id}>"))
    } else {
        Err(MailError::InvalidEmail(format!(
            "{header} must be an id like unique@domain, without <>: {id:?}"
        )))
    }
}

/// A transport for `server`, logging in with its username and password.
fn transport(server: &MailServer) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
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
    Ok(
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.host.as_str())
            .port(server.port)
            .tls(tls)
            .timeout(Some(TIMEOUT))
            .credentials(Credentials::new(
                server.username.clone(),
                server.password.clone(),
            ))
            .build(),
    )
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
        }
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
    fn bad_addresses_and_ids_are_invalid_emails() {
        let cases: [fn(&mut OutboundEmail); 4] = [
            |email| email.to = "not an address".into(),
            |email| email.from_address = "support".into(),
            |email| email.message_id = "<out-1@tandem.test>".into(),
            |email| email.references.push("two ids@x".into()),
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
