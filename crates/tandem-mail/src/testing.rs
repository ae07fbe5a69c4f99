//! Real mail servers for tests (feature `testing`): Dovecot for IMAP and an aiosmtpd SMTP
//! server, on free loopback ports, sharing one Maildir per user. Mail sent over SMTP to
//! `support@tandem.test` is read over IMAP by user `support`; every user's password is
//! [`MailServers::PASSWORD`]. The SMTP server refuses recipients whose local part starts with
//! `reject` (550) or `busy` (451), to exercise error handling. They need Debian's
//! `dovecot-imapd` and `python3-aiosmtpd` (`.ci/run` installs both) and root, as in CI; mail is
//! stored as `nobody` because Dovecot refuses to serve it as root.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{Address, AsyncTransport, Tokio1Executor};
use tandem_channels::config::{MailSecurity, MailServer};

use crate::MailError;

/// The uid and gid mail is stored under (`nobody`): Dovecot refuses to serve mail as root.
const MAIL_ID: u32 = 65534;

/// The SMTP server: delivers each message into the Maildir of each recipient's local part.
const SMTP_SERVER: &str = r#"
import asyncio, mailbox, os, sys
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

port, root, password, mail_id = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])

class Deliver:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.rsplit("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 No such user"
        if local.startswith("busy"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            local = rcpt.rsplit("@", 1)[0].lower()
            mailbox.Maildir(os.path.join(root, local), create=True).add(envelope.original_content)
        return "250 OK delivered"

def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == password
    return AuthResult(success=ok, handled=False)

async def main():
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(
        lambda: SMTP(Deliver(), hostname="tandem.test", authenticator=authenticate,
                     auth_require_tls=False, enable_SMTPUTF8=True),
        "127.0.0.1", port)
    os.setgid(mail_id)
    os.setuid(mail_id)
    await listener.serve_forever()

asyncio.run(main())
"#;

/// Running test mail servers; both stop when this is dropped.
#[derive(Debug)]
pub struct MailServers {
    dir: PathBuf,
    smtp_port: u16,
    imap_port: u16,
    processes: Vec<Child>,
}

/// The servers cannot run on this machine: a test prints this and skips, except in CI.
#[derive(Debug, thiserror::Error)]
#[error("test mail servers unavailable: {0}")]
pub struct Unavailable(String);

impl MailServers {
    /// Every user's password, on both servers.
    pub const PASSWORD: &str = "tandem-test-password";

    /// Starts both servers. When Dovecot or aiosmtpd is missing (or not running as root), says
    /// so as an error for the test to skip on, except when `CI=true`, where it panics: CI must
    /// never skip silently. A server that is installed but fails to start panics with its log.
    pub fn start() -> Result<MailServers, Unavailable> {
        let missing = match programs() {
            Ok(python) => return Ok(Self::launch(python)),
            Err(missing) => missing,
        };
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("{missing} (CI=true: .ci/run must install the test mail servers)");
        }
        Err(missing)
    }

    fn launch(python: &str) -> MailServers {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tandem-mail-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let mail = dir.join("mail");
        let prepared = std::fs::create_dir_all(&mail)
            .and_then(|()| std::os::unix::fs::chown(&mail, Some(MAIL_ID), Some(MAIL_ID)));
        if let Err(error) = prepared {
            panic!("cannot prepare {}: {error}", mail.display());
        }
        let mut servers = MailServers {
            smtp_port: free_port(),
            imap_port: free_port(),
            processes: Vec::new(),
            dir,
        };
        let dovecot_conf = servers.write("dovecot.conf", &servers.dovecot_conf());
        let smtp_script = servers.write("smtp.py", SMTP_SERVER);
        servers.spawn(
            "dovecot",
            Command::new(dovecot())
                .arg("-F")
                .arg("-c")
                .arg(dovecot_conf),
        );
        servers.spawn(
            "smtp",
            Command::new(python)
                .arg(smtp_script)
                .arg(servers.smtp_port.to_string())
                .arg(&mail)
                .arg(Self::PASSWORD)
                .arg(MAIL_ID.to_string()),
        );
        servers.wait_until_listening();
        servers
    }

    /// The SMTP server, for [`crate::send`] (no TLS; login with any user name).
    pub fn smtp(&self) -> MailServer {
        self.server(self.smtp_port, "tandem")
    }

    /// The IMAP server, logged in as `user` (the local part of its address).
    pub fn imap(&self, user: &str) -> MailServer {
        self.server(self.imap_port, user)
    }

    fn server(&self, port: u16, username: &str) -> MailServer {
        MailServer {
            host: "127.0.0.1".into(),
            port,
            security: MailSecurity::None,
            username: username.into(),
            password: Self::PASSWORD.into(),
        }
    }

    /// Sends a raw message (a customer's e-mail) to `to` through the SMTP server, unchanged.
    pub async fn deliver(&self, to: &str, raw: &[u8]) -> Result<(), MailError> {
        let invalid = |error: &dyn std::fmt::Display| MailError::InvalidEmail(error.to_string());
        let to: Address = to.parse().map_err(|error| invalid(&error))?;
        let envelope = Envelope::new(None, vec![to]).map_err(|error| invalid(&error))?;
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(self.smtp_port)
            .build()
            .send_raw(&envelope, raw)
            .await
            .map_err(|error| MailError::Rejected {
                server: format!("127.0.0.1:{}", self.smtp_port),
                code: error.status().map_or(0, u16::from),
                reason: error.to_string(),
            })?;
        Ok(())
    }

    /// The raw messages delivered to `local_part` so far, oldest first, read or not.
    pub fn messages_for(&self, local_part: &str) -> Vec<Vec<u8>> {
        let maildir = self.dir.join("mail").join(local_part.to_lowercase());
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(maildir.join(sub)).ok())
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let modified = entry.metadata().and_then(|meta| meta.modified()).ok()?;
                Some((modified, entry.path()))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, path)| std::fs::read(path).ok())
            .collect()
    }

    fn dovecot_conf(&self) -> String {
        let dir = self.dir.display();
        format!(
            "base_dir = {dir}/run\n\
             state_dir = {dir}/state\n\
             log_path = {dir}/dovecot.log\n\
             protocols = imap\n\
             listen = 127.0.0.1\n\
             ssl = no\n\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login\n\
             auth_failure_delay = 0\n\
             mail_location = maildir:~\n\
             passdb {{\n  driver = static\n  args = password={password}\n}}\n\
             userdb {{\n  driver = static\n  args = uid={MAIL_ID} gid={MAIL_ID} home={dir}/mail/%n\n}}\n\
             service imap-login {{\n\
             \x20 inet_listener imap {{\n    port = {port}\n  }}\n\
             \x20 inet_listener imaps {{\n    port = 0\n  }}\n\
             }}\n",
            password = Self::PASSWORD,
            port = self.imap_port,
        )
    }

    /// Writes a file into the servers' directory, returning its path.
    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.join(name);
        if let Err(error) = std::fs::write(&path, contents) {
            panic!("cannot write {}: {error}", path.display());
        }
        path
    }

    /// Starts a server with its output in `<name>.out`.
    fn spawn(&mut self, name: &str, command: &mut Command) {
        let output = self.dir.join(format!("{name}.out"));
        let started = std::fs::File::create(&output).and_then(|file| {
            let stderr = file.try_clone()?;
            command
                .stdin(Stdio::null())
                .stdout(file)
                .stderr(stderr)
                .spawn()
        });
        match started {
            Ok(child) => self.processes.push(child),
            Err(error) => panic!("cannot start the test {name} server: {error}"),
        }
    }

    /// Waits until both ports accept connections, or panics with the servers' logs.
    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        for port in [self.imap_port, self.smtp_port] {
            let address = SocketAddr::from(([127, 0, 0, 1], port));
            loop {
                if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                    break;
                }
                let exited = self
                    .processes
                    .iter_mut()
                    .any(|child| matches!(child.try_wait(), Ok(Some(_))));
                if exited || Instant::now() > deadline {
                    panic!(
                        "the test mail servers did not start (port {port}):\n{}",
                        self.logs()
                    );
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// The servers' output and Dovecot's log.
    fn logs(&self) -> String {
        ["dovecot.out", "dovecot.log", "smtp.out"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
                format!("--- {name}\n{text}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for MailServers {
    fn drop(&mut self) {
        for child in &mut self.processes {
            // SIGTERM lets Dovecot's master stop its children; SIGKILL if it does not exit.
            let terminated = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            let deadline = Instant::now() + Duration::from_secs(5);
            while terminated && Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The Python that has aiosmtpd (Debian's first), or what keeps the servers from running here.
fn programs() -> Result<&'static str, Unavailable> {
    let runs = |command: &mut Command| {
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !runs(Command::new(dovecot()).arg("--version")) {
        return Err(Unavailable(
            "dovecot is not installed (apt-get install dovecot-imapd)".into(),
        ));
    }
    let python = ["/usr/bin/python3", "python3"]
        .into_iter()
        .find(|python| runs(Command::new(python).args(["-c", "import aiosmtpd"])))
        .ok_or_else(|| {
            Unavailable("aiosmtpd is not installed (apt-get install python3-aiosmtpd)".into())
        })?;
    if !is_root() {
        return Err(Unavailable("the test mail servers run as root only".into()));
    }
    Ok(python)
}

/// Whether this process runs as root: a file it creates belongs to uid 0.
fn is_root() -> bool {
    let probe = std::env::temp_dir().join(format!("tandem-mail-uid-{}", std::process::id()));
    let uid = std::fs::write(&probe, b"")
        .and_then(|()| std::fs::metadata(&probe))
        .map(|meta| meta.uid());
    let _ = std::fs::remove_file(&probe);
    uid.is_ok_and(|uid| uid == 0)
}

/// Dovecot's path: `/usr/sbin` is not on every user's PATH.
fn dovecot() -> &'static Path {
    let sbin = Path::new("/usr/sbin/dovecot");
    if sbin.exists() {
        sbin
    } else {
        Path::new("dovecot")
    }
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    let port = TcpListener::bind(("127.0.0.1", 0)).and_then(|listener| listener.local_addr());
    match port {
        Ok(address) => address.port(),
        Err(error) => panic!("no free loopback port: {error}"),
    }
}
