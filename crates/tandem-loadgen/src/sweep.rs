//! The `sweep-report` command: several `run --json` reports of one setup at different offered
//! rates, read back and summed up as one row each (the table) and as curves (`plot`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// Share of the offered rate a run must accept to count as sustained.
pub const SUSTAINED_SHARE: f64 = 0.95;

/// One run of a sweep, as the table and the plot show it.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// The run's name (its file name without `.json`).
    pub name: String,
    pub offered_per_second: f64,
    pub accepted_per_second: f64,
    pub bot_reply_p50_ms: Option<f64>,
    pub bot_reply_p99_ms: Option<f64>,
    pub agent_notified_p99_ms: Option<f64>,
    /// Failures of every kind in the measured window.
    pub errors: u64,
    /// Open-loop arrivals with no customer free to send them.
    pub dropped: u64,
    /// CPU seconds per second over every server.
    pub server_cpu_cores: f64,
    /// Server CPU time per accepted message.
    pub cpu_ms_per_message: Option<f64>,
    pub duration_seconds: f64,
    /// Idle widget sockets still open at the end of the load (`run --idle-widgets`).
    pub idle_widgets_open: Option<usize>,
}

impl SweepPoint {
    /// Whether the server kept up: no failures, no dropped arrivals, and at least
    /// `SUSTAINED_SHARE` of the offered rate accepted.
    pub fn is_sustained(&self) -> bool {
        self.errors == 0
            && self.dropped == 0
            && self.accepted_per_second >= SUSTAINED_SHARE * self.offered_per_second
    }
}

/// The parts of a `run --json` report a sweep needs.
#[derive(Debug, Deserialize)]
struct RunJson {
    settings: SettingsJson,
    messages: MessagesJson,
    arrivals: Option<ArrivalsJson>,
    latency: LatencyJson,
    errors: BTreeMap<String, u64>,
    servers: Vec<ServerJson>,
    idle_widgets: Option<IdleJson>,
}

#[derive(Debug, Deserialize)]
struct IdleJson {
    open_at_end: usize,
}

#[derive(Debug, Deserialize)]
struct SettingsJson {
    rate_per_second: Option<f64>,
    duration_seconds: f64,
}

#[derive(Debug, Deserialize)]
struct MessagesJson {
    accepted: u64,
    accepted_per_second: f64,
}

#[derive(Debug, Deserialize)]
struct ArrivalsJson {
    dropped_no_idle_customer: u64,
}

#[derive(Debug, Deserialize)]
struct LatencyJson {
    bot_reply: Option<PercentilesJson>,
    handover_to_agent_notified: Option<PercentilesJson>,
}

#[derive(Debug, Deserialize)]
struct PercentilesJson {
    p50_ms: f64,
    p99_ms: f64,
}

#[derive(Debug, Deserialize)]
struct ServerJson {
    cpu_seconds: f64,
    cpu_cores: f64,
}

/// Reads one run report; `name` labels its row.
pub fn point_of_json(name: &str, json: &str) -> anyhow::Result<SweepPoint> {
    let run: RunJson = serde_json::from_str(json).context("not a `run --json` report")?;
    let offered = run
        .settings
        .rate_per_second
        .context("a closed-loop run has no offered rate")?;
    let cpu_seconds: f64 = run.servers.iter().map(|s| s.cpu_seconds).sum();
    let measured_cpu = !run.servers.is_empty();
    Ok(SweepPoint {
        name: name.to_owned(),
        offered_per_second: offered,
        accepted_per_second: run.messages.accepted_per_second,
        bot_reply_p50_ms: run.latency.bot_reply.as_ref().map(|l| l.p50_ms),
        bot_reply_p99_ms: run.latency.bot_reply.as_ref().map(|l| l.p99_ms),
        agent_notified_p99_ms: run.latency.handover_to_agent_notified.map(|l| l.p99_ms),
        errors: run.errors.values().sum(),
        dropped: run.arrivals.map_or(0, |a| a.dropped_no_idle_customer),
        server_cpu_cores: run.servers.iter().map(|s| s.cpu_cores).sum(),
        cpu_ms_per_message: (measured_cpu && run.messages.accepted > 0)
            .then(|| cpu_seconds * 1000.0 / run.messages.accepted as f64),
        duration_seconds: run.settings.duration_seconds,
        idle_widgets_open: run.idle_widgets.map(|idle| idle.open_at_end),
    })
}

/// Reads run reports from files, sorted by offered rate.
pub fn read_points(paths: &[impl AsRef<Path>]) -> anyhow::Result<Vec<SweepPoint>> {
    let mut points = paths
        .iter()
        .map(|path| {
            let path = path.as_ref();
            let name = path
                .file_stem()
                .map_or_else(String::new, |stem| stem.to_string_lossy().into_owned());
            let json = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            point_of_json(&name, &json).with_context(|| format!("in {}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    points.sort_by(|a, b| a.offered_per_second.total_cmp(&b.offered_per_second));
    Ok(points)
}

fn ms_cell(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |ms| format!("{ms:.1} ms"))
}

/// The sweep as a Markdown table, one row per run, with whether each was sustained.
pub fn markdown_table(title: &str, points: &[SweepPoint]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {title}\n");
    let _ = writeln!(
        out,
        "| run | offered/s | accepted/s | bot reply p50 | bot reply p99 | handover → agent notified p99 \
         | errors | dropped arrivals | server CPU (cores) | CPU ms / accepted msg | idle sockets open \
         | sustained |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"
    );
    for p in points {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.1} | {} | {} | {} | {} | {} | {:.2} | {} | {} | {} |",
            p.name,
            p.offered_per_second,
            p.accepted_per_second,
            ms_cell(p.bot_reply_p50_ms),
            ms_cell(p.bot_reply_p99_ms),
            ms_cell(p.agent_notified_p99_ms),
            p.errors,
            p.dropped,
            p.server_cpu_cores,
            p.cpu_ms_per_message
                .map_or_else(|| "–".to_owned(), |ms| format!("{ms:.2}")),
            p.idle_widgets_open
                .map_or_else(|| "–".to_owned(), |open| open.to_string()),
            if p.is_sustained() { "yes" } else { "no" },
        );
    }
    let _ = writeln!(
        out,
        "\nSustained: 0 errors, 0 dropped arrivals and at least {:.0}% of the offered rate accepted \
         over the measured window.",
        SUSTAINED_SHARE * 100.0
    );
    out
}

#[cfg(test)]
pub mod samples {
    use serde_json::json;

    /// A `run --json` report with the fields a sweep reads.
    pub fn run_json(rate: f64, accepted: u64, p50: f64, p99: f64, errors: u64) -> String {
        json!({
            "settings": {"mode": "open", "rate_per_second": rate, "duration_seconds": 10.0},
            "messages": {"attempted": accepted, "accepted": accepted,
                         "accepted_per_second": accepted as f64 / 10.0},
            "arrivals": {"scheduled": accepted, "late": 0, "max_lateness_ms": 0.0,
                         "dropped_no_idle_customer": 0},
            "latency": {
                "bot_reply": {"count": accepted, "p50_ms": p50, "p90_ms": p99, "p99_ms": p99,
                              "max_ms": p99, "mean_ms": p50},
                "bot_reply_by_channel": {},
                "handover_to_agent_notified": null,
                "handover_to_agent_reply": null
            },
            "errors": if errors > 0 { json!({"api_message: http_5xx": errors}) } else { json!({}) },
            "unfinished_at_end": 0,
            "servers": [{"pid": 1, "rss_start_bytes": 1, "rss_end_bytes": 1, "rss_max_bytes": 1,
                         "cpu_seconds": 5.0, "cpu_cores": 0.5}],
            "generator": null,
            "idle_widgets": {"requested": 100, "open_at_start": 100, "open_at_end": 99,
                             "errors": {}},
            "deliveries": null
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples::run_report;

    #[test]
    fn a_points_figures_come_from_the_run_report() {
        let json = serde_json::to_string(&run_report()).unwrap();
        let point = point_of_json("sqlite-rate-50", &json).unwrap();
        assert_eq!(point.offered_per_second, 50.0);
        assert_eq!(point.accepted_per_second, 49.9);
        let p50 = point.bot_reply_p50_ms.unwrap();
        assert!(
            (p50 - 20.0).abs() < 0.1,
            "the histogram's p50 of 10, 20, 30 ms: {p50}"
        );
        assert_eq!(point.agent_notified_p99_ms, None);
        assert_eq!(point.errors, 2);
        assert_eq!(point.server_cpu_cores, 0.62);
        let per_message = point.cpu_ms_per_message.unwrap();
        assert!(
            (per_message - 12_500.0 / 998.0).abs() < 1e-9,
            "{per_message}"
        );
        assert!(!point.is_sustained(), "two errors");
        assert_eq!(point.idle_widgets_open, None, "no idle widgets were held");
    }

    #[test]
    fn sustained_needs_no_errors_and_the_offered_rate() {
        let ok = point_of_json("a", &samples::run_json(100.0, 1000, 5.0, 20.0, 0)).unwrap();
        assert!(ok.is_sustained());
        let slow = point_of_json("b", &samples::run_json(100.0, 900, 5.0, 20.0, 0)).unwrap();
        assert!(!slow.is_sustained(), "90% of the offered rate");
        let failing = point_of_json("c", &samples::run_json(100.0, 1000, 5.0, 20.0, 1)).unwrap();
        assert!(!failing.is_sustained());
    }

    #[test]
    fn closed_loop_runs_are_refused() {
        let mut json: serde_json::Value =
            serde_json::from_str(&samples::run_json(100.0, 10, 1.0, 2.0, 0)).unwrap();
        json["settings"]["rate_per_second"] = serde_json::Value::Null;
        assert!(point_of_json("x", &json.to_string()).is_err());
    }

    #[test]
    fn the_table_has_a_row_per_run_in_order() {
        let points = vec![
            point_of_json("r2-100", &samples::run_json(100.0, 1000, 5.0, 20.0, 0)).unwrap(),
            point_of_json("r2-200", &samples::run_json(200.0, 1500, 50.0, 900.0, 3)).unwrap(),
        ];
        let table = markdown_table("SQLite, one node", &points);
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| r2")).collect();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].starts_with("| r2-100 | 100 | 100.0 | 5.0 ms | 20.0 ms | – | 0 | 0 |"));
        assert!(
            rows[0].ends_with("| 0.50 | 5.00 | 99 | yes |"),
            "{}",
            rows[0]
        );
        assert!(rows[1].ends_with("| no |"), "{}", rows[1]);
        assert!(table.starts_with("## SQLite, one node"));
    }
}
