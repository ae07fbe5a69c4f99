//! The server's own e-mail (password reset links) over the operator's SMTP server, configured
//! by `smtp_url` and `mail_from`.

use anyhow::Context;

use tandem_app::ports::{BoxFuture, SystemEmail, SystemMailer};
use tandem_channels::config::{MailSecurity, MailServer};
use tandem_channels::email::OutboundEmail;

use crate::config::Secret;

/// Sends through one SMTP server from one sender address.
#[derive(Clone)]
pub struct SmtpMailer {
    server: MailServer,
    from_address: String,
    from_name: Option<String>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("host", &self.server.host)
            .field("port", &self.server.port)
            .field("from_address", &self.from_address)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// The mailer `smtp_url` and `mail_from` describe; `None` without a URL.
    pub fn from_config(url: Option<&Secret>, from: Option<&str>) -> anyhow::Result<Option<Self>> {
        let Some(url) = url else {
            return Ok(None);
        };
        let server = parse_smtp_url(url.expose()).context("smtp_url")?;
        let from = from
            .map(str::trim)
            .filter(|from| !from.is_empty())
            .context("mail_from (TANDEM_MAIL_FROM) must be set when smtp_url is")?;
        let (from_name, from_address) = parse_mailbox(from);
        if !from_address.contains('@') {
            anyhow::bail!("mail_from {from:?} has no e-mail address");
        }
        Ok(Some(Self {
            server,
            from_address,
            from_name,
        }))
    }
}

/// Reads `smtps://`, `smtp://` (STARTTLS) or `smtp://...?tls=none` with an optional login.
fn parse_smtp_url(raw: &str) -> anyhow::Result<MailServer> {
    let url = reqwest::Url::parse(raw).context("not a URL")?;
    let plain = url
        .query_pairs()
        .any(|(key, value)| key == "tls" && value == "none");
    let (security, default_port) = match (url.scheme(), plain) {
        ("smtps", _) => (MailSecurity::Tls, 465),
        ("smtp", true) => (MailSecurity::None, 25),
        ("smtp", false) => (MailSecurity::Starttls, 587),
        (other, _) => anyhow::bail!("scheme {other:?}: use smtps:// or smtp://"),
    };
    let host = url.host_str().context("no host")?.to_owned();
    let decode = |text: &str| {
        percent_decode(text).with_context(|| format!("{text:?} is not valid percent-encoding"))
    };
    Ok(MailServer {
        host,
        port: url.port().unwrap_or(default_port),
        security,
        username: decode(url.username())?,
        password: decode(url.password().unwrap_or_default())?,
    })
}

/// Undoes `%XX` escapes (a login in a URL escapes `@`, `:` and `/`).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `Name <address>` or a bare address.
fn parse_mailbox(from: &str) -> (Option<String>, String) {
    match from.rsplit_once('<') {
        Some((name, address)) => {
            let name = name.trim().trim_matches('"').trim();
            (
                (!name.is_empty()).then(|| name.to_owned()),
                address.trim_end_matches('>').trim().to_owned(),
            )
        }
        None => (None, from.to_owned()),
    }
}

impl SystemMailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a SystemEmail) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let domain = self
                .from_address
                .rsplit_once('@')
                .map_or("tandem.invalid", |(_, domain)| domain);
            let outbound = OutboundEmail {
                from_address: self.from_address.clone(),
                from_name: self.from_name.clone(),
                to: email.to.clone(),
                subject: email.subject.clone(),
                text: email.text.clone(),
                message_id: format!("{}@{domain}", uuid::Uuid::now_v7()),
                in_reply_to: None,
                references: Vec::new(),
                attachments: Vec::new(),
            };
            // The operator's own relay, named in the configuration: not a user's address, so
            // the outbound guard's refusals do not apply to it.
            let host = self
                .server
                .host
                .trim_start_matches('[')
                .trim_end_matches(']');
            let address = tokio::net::lookup_host((host, self.server.port))
                .await
                .map_err(|error| format!("{}: {error}", self.server.host))?
                .next()
                .ok_or_else(|| format!("{}: no address", self.server.host))?;
            tandem_mail::send(&self.server, address, &outbound)
                .await
                .map_err(|error| error.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_choose_the_security_port_and_login() {
        let server = parse_smtp_url("smtps://me%40x.com:p%3Ass@mail.example.com").unwrap();
        assert_eq!(
            (
                server.security,
                server.port,
                server.username.as_str(),
                server.password.as_str()
            ),
            (MailSecurity::Tls, 465, "me@x.com", "p:ss")
        );
        let server = parse_smtp_url("smtp://mail.example.com").unwrap();
        assert_eq!(
            (server.security, server.port),
            (MailSecurity::Starttls, 587)
        );
        let server = parse_smtp_url("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((server.security, server.port), (MailSecurity::None, 2525));
        assert!(parse_smtp_url("http://mail.example.com").is_err());
    }

    #[test]
    fn the_sender_may_carry_a_name() {
        assert_eq!(
            parse_mailbox("Tandem <no-reply@example.com>"),
            (Some("Tandem".to_owned()), "no-reply@example.com".to_owned())
        );
        assert_eq!(
            parse_mailbox("no-reply@example.com"),
            (None, "no-reply@example.com".to_owned())
        );
        assert!(SmtpMailer::from_config(Some(&Secret::new("smtp://h")), None).is_err());
    }
}
