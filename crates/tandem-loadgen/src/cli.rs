//! The command line: `run` (customers and agents under load), `idle-widgets` (memory of idle
//! widget sockets) and `sweep-report` (a table and a chart of runs at several rates).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::phrases::Language;
use crate::rng::MillisRange;
use crate::scenario::{CHANNEL_KEYS, Channel, LANGUAGE_KEYS, Shares};

/// Load generator for Tandem: drives a running server over its public interfaces only.
#[derive(Debug, Parser)]
#[command(name = "tandem-loadgen", version)]
pub struct Cli {
    /// Tokio worker threads of the generator (keep it small: it shares the machine).
    #[arg(long, default_value_t = 2, global = true)]
    pub workers: usize,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulated customers (API channel, WhatsApp webhooks, widget) and agents under load.
    Run(Box<RunArgs>),
    /// Opens idle widget WebSockets and reports the server's memory per connection.
    IdleWidgets(IdleArgs),
    /// Sums up `run --json` reports at several offered rates as a Markdown table and an SVG chart.
    SweepReport(SweepReportArgs),
}

/// Open loop (a fixed arrival rate) or closed loop (each customer waits, thinks, writes again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    Open,
    Closed,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A server's base URL (repeat for several nodes of one deployment; customers and agents
    /// are spread round-robin).
    #[arg(long = "target", required = true)]
    pub targets: Vec<String>,
    /// The admin who sets the run up.
    #[arg(long, default_value = "admin@aurora.example")]
    pub admin_email: String,
    /// The admin's password.
    #[arg(long)]
    pub password: String,
    /// Simulated customers.
    #[arg(long, default_value_t = 200)]
    pub customers: usize,
    /// Simulated agents (created as `loadgen-agent-NNN@loadgen.example` when missing).
    #[arg(long, default_value_t = 4)]
    pub agents: usize,
    /// Conversations each agent may hold at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub agent_capacity: u32,
    /// The simulated agents' password (at least 10 characters; the server refuses one holding
    /// a part of the agent's name or e-mail, such as "load" or "agent").
    #[arg(long, default_value = "quiet-harbour-lantern-47")]
    pub agent_password: String,
    /// An agent's think time before replying, in ms (`LOW..HIGH`).
    #[arg(long, default_value = "2000..5000", value_parser = MillisRange::parse)]
    pub agent_think_ms: MillisRange,
    #[arg(long, value_enum, default_value_t = Mode::Open)]
    pub mode: Mode,
    /// Open loop: customer messages per second.
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    /// Closed loop: a customer's think time between a reply and its next message, in ms.
    #[arg(long, default_value = "1000..4000", value_parser = MillisRange::parse)]
    pub think_ms: MillisRange,
    /// Load before measuring (e.g. `10s`).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Measured time after the warm-up.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Seed of every choice (population, messages, think times).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Customers per channel, as weights.
    #[arg(long, default_value = "api=40,whatsapp=30,widget=30", value_parser = parse_mix)]
    pub mix: Shares<Channel>,
    /// Customers per language, as weights.
    #[arg(long, default_value = "pt=50,es=30,en=20", value_parser = parse_languages)]
    pub languages: Shares<Language>,
    /// Percent of customer messages that ask for a person.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub handover_share: u32,
    /// A server process to sample for RSS and CPU (repeat for several nodes).
    #[arg(long = "server-pid")]
    pub server_pids: Vec<u32>,
    /// Where the generator receives webhooks and fake Graph API calls. Start the server with
    /// `TANDEM_META_GRAPH_URL=http://<this address>/v21.0`.
    #[arg(long, default_value = "127.0.0.1:8099")]
    pub listen: SocketAddr,
    /// How the server reaches the receiver, when not at `http://<listen>`.
    #[arg(long)]
    pub callback_url: Option<String>,
    /// Longest wait for the bot's reply (and for seeing a resolution).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub reply_timeout: Duration,
    /// Longest wait for an agent's reply after a handover.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    pub agent_timeout: Duration,
    /// Idle widget sockets held open on the web inbox for the whole run (opened before the
    /// load starts, spread over the targets).
    #[arg(long, default_value_t = 0)]
    pub idle_widgets: usize,
    /// Percent of WhatsApp messages whose signed webhook is delivered a second time after it
    /// was acknowledged, as Meta does.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub duplicate_percent: u32,
    /// Deliver WhatsApp webhooks that got no 2xx again, with backoff (100 ms doubling to 2 s),
    /// until acknowledged, moving to another target when one stops answering.
    #[arg(long)]
    pub redeliver: bool,
    /// With `--redeliver`: give a webhook up after this long.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    pub redeliver_for: Duration,
    /// Write the delivery ledger (acknowledged and unacknowledged WhatsApp message ids, replies
    /// sent twice) as JSON to this file; needs `--redeliver` or `--duplicate-percent`.
    #[arg(long)]
    pub ledger: Option<PathBuf>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SweepReportArgs {
    /// The chart's and the table's title (e.g. the setup).
    #[arg(long)]
    pub title: String,
    /// Where to write the Markdown table.
    #[arg(long)]
    pub table: PathBuf,
    /// Where to write the SVG chart.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// `run --json` reports of open-loop runs.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct IdleArgs {
    /// A server's base URL (repeat to spread the sockets round-robin).
    #[arg(long = "target", required = true)]
    pub targets: Vec<String>,
    /// Idle widget sockets to open.
    #[arg(long, default_value_t = 1000)]
    pub count: usize,
    /// The web inbox to connect to; found by logging in as the admin when left out.
    #[arg(long)]
    pub inbox: Option<String>,
    #[arg(long, default_value = "admin@aurora.example")]
    pub admin_email: String,
    /// The admin's password, to find the web inbox.
    #[arg(long)]
    pub password: Option<String>,
    /// A server process to sample (repeat for several nodes).
    #[arg(long = "server-pid")]
    pub server_pids: Vec<u32>,
    /// Sockets opened before the "before" reading, so one-time costs (the bot's models, loaded
    /// for the first visitor; connection pools) are not counted per connection.
    #[arg(long, default_value_t = 100)]
    pub baseline: usize,
    /// Sockets being opened at once.
    #[arg(long, default_value_t = 100)]
    pub concurrency: usize,
    /// Pause after opening before each reading of the server's memory.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub settle: Duration,
    /// Keep the sockets open this long after the reading (to watch the server by hand).
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub hold: Duration,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Parses `500ms`, `10s`, `2m`, `1h`, or a bare number of seconds.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{raw:?} is not a duration such as 500ms, 10s, 2m or 1h"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("{raw:?}: unknown unit {unit:?} (ms, s, m or h)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|error| format!("{raw:?}: {error}"))
}

fn parse_mix(raw: &str) -> Result<Shares<Channel>, String> {
    Shares::parse(raw, &CHANNEL_KEYS)
}

fn parse_languages(raw: &str) -> Result<Shares<Language>, String> {
    Shares::parse(raw, &LANGUAGE_KEYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_usual_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn the_suggested_command_line_parses() {
        let cli = Cli::try_parse_from([
            "tandem-loadgen",
            "run",
            "--target",
            "http://127.0.0.1:8080",
            "--target",
            "http://127.0.0.1:8081",
            "--password",
            "demo-password-1",
            "--customers",
            "2000",
            "--agents",
            "20",
            "--mode",
            "closed",
            "--think-ms",
            "1000..4000",
            "--warmup",
            "10s",
            "--duration",
            "60s",
            "--seed",
            "7",
            "--mix",
            "api=40,whatsapp=30,widget=30",
            "--handover-share",
            "10",
            "--server-pid",
            "11",
            "--server-pid",
            "12",
            "--json",
            "out.json",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("expected run");
        };
        assert_eq!(args.targets.len(), 2);
        assert_eq!(args.mode, Mode::Closed);
        assert_eq!(args.server_pids, vec![11, 12]);
        assert_eq!(args.mix.weight(Channel::Whatsapp), 30);
        assert_eq!(
            args.think_ms,
            MillisRange {
                low: 1000,
                high: 4000
            }
        );
        assert!(
            Cli::try_parse_from(["tandem-loadgen", "run", "--password", "x"]).is_err(),
            "a target is required"
        );
        assert!(
            Cli::try_parse_from([
                "tandem-loadgen",
                "run",
                "--target",
                "http://x",
                "--password",
                "x",
                "--handover-share",
                "101",
            ])
            .is_err()
        );
    }

    #[test]
    fn idle_widgets_parses() {
        let cli = Cli::try_parse_from([
            "tandem-loadgen",
            "--workers",
            "1",
            "idle-widgets",
            "--target",
            "http://127.0.0.1:8080",
            "--count",
            "10000",
            "--server-pid",
            "99",
            "--inbox",
            "abc",
        ])
        .unwrap();
        assert_eq!(cli.workers, 1);
        let Command::IdleWidgets(args) = cli.command else {
            panic!("expected idle-widgets");
        };
        assert_eq!(args.count, 10_000);
        assert_eq!(args.inbox.as_deref(), Some("abc"));
    }

    #[test]
    fn the_fault_run_options_parse() {
        let cli = Cli::try_parse_from([
            "tandem-loadgen",
            "run",
            "--target",
            "http://127.0.0.1:8080",
            "--password",
            "x",
            "--idle-widgets",
            "10000",
            "--duplicate-percent",
            "10",
            "--redeliver",
            "--redeliver-for",
            "90s",
            "--ledger",
            "ledger.json",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("expected run");
        };
        assert_eq!(args.idle_widgets, 10_000);
        assert_eq!(args.duplicate_percent, 10);
        assert!(args.redeliver);
        assert_eq!(args.redeliver_for, Duration::from_secs(90));
        assert!(
            Cli::try_parse_from([
                "tandem-loadgen",
                "run",
                "--target",
                "http://x",
                "--password",
                "x",
                "--duplicate-percent",
                "101",
            ])
            .is_err()
        );
    }

    #[test]
    fn sweep_report_parses() {
        let cli = Cli::try_parse_from([
            "tandem-loadgen",
            "sweep-report",
            "--title",
            "SQLite, one node",
            "--table",
            "sweep.md",
            "--svg",
            "sweep.svg",
            "a.json",
            "b.json",
        ])
        .unwrap();
        let Command::SweepReport(args) = cli.command else {
            panic!("expected sweep-report");
        };
        assert_eq!(args.runs.len(), 2);
        assert!(Cli::try_parse_from(["tandem-loadgen", "sweep-report", "--title", "x"]).is_err());
    }
}
