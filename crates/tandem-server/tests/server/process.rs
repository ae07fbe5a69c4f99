//! `tandem serve` as a child process, the way an operator runs it.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::harness::PASSWORD;

/// One `tandem serve` process.
pub struct Node {
    child: Child,
    pub base: String,
    /// The demo inbox token, printed by the node that seeded the database.
    pub inbox_token: Option<String>,
    _output: Lines<BufReader<ChildStdout>>,
}

impl Node {
    pub async fn start(database_url: &str, data_dir: &std::path::Path) -> Self {
        Self::start_with(database_url, data_dir, &[]).await
    }

    /// Starts a node with more `TANDEM_*` settings in its environment.
    pub async fn start_with(
        database_url: &str,
        data_dir: &std::path::Path,
        settings: &[(&str, &str)],
    ) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
            .arg("serve")
            .envs(settings.iter().copied())
            .env("TANDEM_LISTEN", "127.0.0.1:0")
            .env("TANDEM_DATABASE_URL", database_url)
            .env("TANDEM_DATA_DIR", data_dir)
            .env("TANDEM_DEMO_PASSWORD", PASSWORD)
            .env("TANDEM_LOG_LEVEL", "warn")
            .env("TANDEM_SECRET_KEY", "cd".repeat(32))
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("tandem starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut output = BufReader::new(stdout).lines();
        let mut base = None;
        let mut inbox_token = None;
        let reading = async {
            while let Some(line) = output.next_line().await.expect("readable output") {
                if let Some((_, token)) = line.split_once("(shown once): ") {
                    inbox_token = Some(token.trim().to_owned());
                }
                if let Some(url) = line.strip_prefix("Tandem is listening on ") {
                    base = Some(url.trim().to_owned());
                    break;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(60), reading)
            .await
            .expect("the node reports its address within a minute");
        Self {
            child,
            base: base.expect("a listening line"),
            inbox_token,
            _output: output,
        }
    }

    /// Kills the process outright, as a crash or power cut would.
    pub async fn crash(mut self) {
        self.child.kill().await.expect("SIGKILL");
    }

    /// Sends SIGTERM and expects a clean exit.
    pub async fn terminate(mut self) {
        let pid = self.child.id().expect("running").to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill runs");
        assert!(status.success());
        let exit = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the node stops within 30 s of SIGTERM")
            .expect("exit status");
        assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    }
}
