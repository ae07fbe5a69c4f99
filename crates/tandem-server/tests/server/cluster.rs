//! Two `tandem serve` processes on one PostgreSQL database: what happens on one node reaches
//! the WebSockets of the other, and both shut down cleanly on SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use tandem_store::Backend;
use tandem_store::testing::{TestDatabase, backends};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::harness::{ANA, BRUNO, PASSWORD, call, channel_message, login, websocket};

/// One `tandem serve` process.
struct Node {
    child: Child,
    base: String,
    /// The demo inbox token, printed by the node that seeded the database.
    inbox_token: Option<String>,
    _output: Lines<BufReader<ChildStdout>>,
}

impl Node {
    async fn start(database_url: &str, data_dir: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
            .arg("serve")
            .env("TANDEM_LISTEN", "127.0.0.1:0")
            .env("TANDEM_DATABASE_URL", database_url)
            .env("TANDEM_DATA_DIR", data_dir)
            .env("TANDEM_DEMO_PASSWORD", PASSWORD)
            .env("TANDEM_LOG_LEVEL", "warn")
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

    /// Sends SIGTERM and expects a clean exit.
    async fn terminate(mut self) {
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

#[tokio::test]
async fn an_event_on_one_node_reaches_a_websocket_on_the_other() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("skipped: the multi-node test needs TANDEM_TEST_DATABASE_URL");
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let first = Node::start(database.url(), data_dir.path()).await;
    let second = Node::start(database.url(), data_dir.path()).await;
    let inbox_token = first
        .inbox_token
        .clone()
        .expect("the first node seeds the demo account");
    assert!(second.inbox_token.is_none(), "only one node seeds");
    let client = reqwest::Client::new();

    let ana_on_second = login(&client, &second.base, ANA).await;
    let mut socket_on_second = websocket(&second.base, &ana_on_second).await;
    let bruno_on_first = login(&client, &first.base, BRUNO).await;
    let mut socket_on_first = websocket(&first.base, &bruno_on_first).await;

    let (status, created) = call(
        &client,
        &first.base,
        reqwest::Method::POST,
        "/api/v1/channel/messages",
        Some(&inbox_token),
        Some(channel_message(
            "+5511922221111",
            "Quero falar com um atendente",
            "n-1",
        )),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{created}");
    let live = socket_on_second.next_of("message.created").await;
    assert_eq!(live["message"]["id"], created["message"]["id"]);

    let conversation = created["conversation"]["id"].as_str().expect("id");
    let (status, assigned) = call(
        &client,
        &second.base,
        reqwest::Method::POST,
        &format!("/api/v1/conversations/{conversation}/assign"),
        Some(&ana_on_second),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{assigned}");
    // Bruno's socket saw the message first, then the assignment made on the other node.
    socket_on_first.next_of("message.created").await;
    let update = socket_on_first.next_of("conversation.updated").await;
    assert_eq!(update["conversation"]["status"], "assigned", "{update}");

    first.terminate().await;
    second.terminate().await;
}
