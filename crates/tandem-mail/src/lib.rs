//! E-mail I/O for Tandem: [`send`] delivers an [`OutboundEmail`] over SMTP and [`fetch_new`]
//! collects customers' new e-mail over IMAP. Parsing and threading rules live in
//! `tandem_channels::email`; with the `testing` feature, `testing::MailServers` runs real local
//! SMTP and IMAP servers for tests.
//!
//! [`OutboundEmail`]: tandem_channels::email::OutboundEmail

mod imap;
mod smtp;
#[cfg(feature = "testing")]
pub mod testing;

pub use imap::{FetchedMail, ImapCursor, fetch_new};
pub use smtp::send;

use tandem_channels::config::MailServer;

/// Why talking to a mail server failed.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The server could not be reached, TLS failed, the connection broke or timed out.
    #[error("cannot talk to {server}: {reason}")]
    Connection { server: String, reason: String },
    /// The server refused the username or password.
    #[error("{server} refused the login: {reason}")]
    Authentication { server: String, reason: String },
    /// The server lacks something Tandem needs (STARTTLS, a login mechanism Tandem speaks).
    #[error("{server} cannot be used: {reason}")]
    Unsupported { server: String, reason: String },
    /// The server answered outside the protocol, or refused a command (a missing mailbox).
    #[error("protocol error with {server}: {reason}")]
    Protocol { server: String, reason: String },
    /// The SMTP server refused the e-mail with this reply code.
    #[error("{server} rejected the e-mail ({code}): {reason}")]
    Rejected {
        server: String,
        code: u16,
        reason: String,
    },
    /// The e-mail cannot be written: an address or a Message-ID is invalid.
    #[error("invalid e-mail: {0}")]
    InvalidEmail(String),
}

impl MailError {
    /// Whether trying again cannot help: refused logins, missing server features, 5xx
    /// rejections and invalid e-mails. Connection problems, protocol hiccups and 4xx answers
    /// are transient.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::Authentication { .. }
            | MailError::Unsupported { .. }
            | MailError::InvalidEmail(_) => true,
            MailError::Rejected { code, .. } => *code >= 500,
            MailError::Connection { .. } | MailError::Protocol { .. } => false,
        }
    }
}

/// `host:port`, naming a server in errors.
fn server_name(server: &MailServer) -> String {
    format!("{}:{}", server.host, server.port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_features_and_5xx_are_permanent_the_rest_transient() {
        let server = || "mail.example.com:587".to_owned();
        let reason = || "x".to_owned();
        let rejected = |code| MailError::Rejected {
            server: server(),
            code,
            reason: reason(),
        };
        assert!(
            MailError::Authentication {
                server: server(),
                reason: reason()
            }
            .is_permanent()
        );
        assert!(
            MailError::Unsupported {
                server: server(),
                reason: reason()
            }
            .is_permanent()
        );
        assert!(MailError::InvalidEmail(reason()).is_permanent());
        assert!(rejected(550).is_permanent());
        assert!(!rejected(451).is_permanent());
        assert!(
            !MailError::Connection {
                server: server(),
                reason: reason()
            }
            .is_permanent()
        );
        assert!(
            !MailError::Protocol {
                server: server(),
                reason: reason()
            }
            .is_permanent()
        );
    }
}
