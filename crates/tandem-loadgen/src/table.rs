//! The reports as the tables printed on stdout.

use std::fmt::Write as _;

use crate::report::{DeliveryReport, IdleReport, LatencySummary, ProcessUsage, RunReport};

const MIB: f64 = 1024.0 * 1024.0;

fn latency_cells(summary: Option<&LatencySummary>) -> String {
    match summary {
        Some(s) => format!(
            "{:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            s.count, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms
        ),
        None => format!("{:>7} {:>9} {:>9} {:>9} {:>9}", 0, "-", "-", "-", "-"),
    }
}

fn usage_line(out: &mut String, label: &str, usage: &ProcessUsage) {
    let _ = writeln!(
        out,
        "  {label:<22} RSS {:>8.1} → {:>8.1} MiB (max {:.1}), CPU {:.1} s ({:.2} cores)",
        usage.rss_start_bytes as f64 / MIB,
        usage.rss_end_bytes as f64 / MIB,
        usage.rss_max_bytes as f64 / MIB,
        usage.cpu_seconds,
        usage.cpu_cores,
    );
}

/// The run report as a table.
pub fn run_table(report: &RunReport) -> String {
    let s = &report.settings;
    let m = &report.messages;
    let mut out = String::new();
    let load = match (s.rate_per_second, s.think_ms) {
        (Some(rate), _) => format!("open loop at {rate} msg/s"),
        (None, Some([low, high])) => format!("closed loop, think {low}..{high} ms"),
        (None, None) => s.mode.to_owned(),
    };
    let _ = writeln!(
        out,
        "tandem-loadgen: {load}, {} customers, {} agents, seed {}, warm-up {} s, measured {} s",
        s.customers, s.agents, s.seed, s.warmup_seconds, s.duration_seconds
    );
    let _ = writeln!(out, "  targets: {}", s.targets.join(", "));
    let _ = writeln!(
        out,
        "\nmessages     attempted {}  accepted {}  ({:.1}/s)  handovers {}",
        m.attempted, m.accepted, m.accepted_per_second, m.handovers
    );
    for (channel, count) in &m.accepted_by_channel {
        let _ = writeln!(out, "  {channel:<10} {count}");
    }
    if let Some(a) = &report.arrivals {
        let _ = writeln!(
            out,
            "arrivals     scheduled {}  late {} (max {:.1} ms)  dropped (no idle customer) {}",
            a.scheduled, a.late, a.max_lateness_ms, a.dropped_no_idle_customer
        );
    }
    let _ = writeln!(
        out,
        "\n{:<34} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "latency (ms)", "count", "p50", "p90", "p99", "max"
    );
    let l = &report.latency;
    let _ = writeln!(
        out,
        "{:<34} {}",
        "bot reply",
        latency_cells(l.bot_reply.as_ref())
    );
    for (channel, summary) in &l.bot_reply_by_channel {
        let label = format!("  bot reply, {channel}");
        let _ = writeln!(out, "{label:<34} {}", latency_cells(Some(summary)));
    }
    let _ = writeln!(
        out,
        "{:<34} {}",
        "handover → agent notified",
        latency_cells(l.handover_to_agent_notified.as_ref())
    );
    let _ = writeln!(
        out,
        "{:<34} {}",
        "handover → agent reply seen",
        latency_cells(l.handover_to_agent_reply.as_ref())
    );
    let _ = writeln!(out, "\nerrors");
    if report.errors.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for (failure, count) in &report.errors {
        let _ = writeln!(out, "  {failure:<40} {count}");
    }
    if report.unfinished_at_end > 0 {
        let _ = writeln!(
            out,
            "  (unfinished at the end: {})",
            report.unfinished_at_end
        );
    }
    if let Some(idle) = &report.idle_widgets {
        let _ = writeln!(
            out,
            "\nidle widgets held during the run: {} requested, {} open at the start, {} at the end",
            idle.requested, idle.open_at_start, idle.open_at_end
        );
        for (failure, count) in &idle.errors {
            let _ = writeln!(out, "  {failure:<40} {count}");
        }
    }
    if let Some(d) = &report.deliveries {
        delivery_lines(&mut out, report, d);
    }
    let _ = writeln!(out, "\nprocesses");
    for server in &report.servers {
        let label = format!("server pid {}", server.pid.unwrap_or_default());
        usage_line(&mut out, &label, server);
    }
    if let Some(generator) = &report.generator {
        usage_line(&mut out, "generator", generator);
    }
    out
}

fn delivery_lines(out: &mut String, report: &RunReport, d: &DeliveryReport) {
    let s = &d.summary;
    let _ = writeln!(
        out,
        "\nWhatsApp deliveries (whole run)\n  messages {}  acknowledged {}  never acknowledged {}",
        s.messages, s.acknowledged, s.never_acknowledged
    );
    for (target, count) in &s.acknowledged_by_target {
        let name = report
            .settings
            .targets
            .get(*target)
            .map_or("?", String::as_str);
        let _ = writeln!(out, "    first acknowledged by {name:<26} {count}");
    }
    let _ = writeln!(
        out,
        "  duplicates sent {} (unfinished {})  re-deliveries {}",
        s.duplicates_sent, d.duplicates_unfinished, s.redeliveries
    );
    let _ = writeln!(
        out,
        "  Graph API replies {} (unattributed {})  sent twice {} (to {} messages)",
        s.replies, s.unattributed_replies, s.replies_sent_twice, s.messages_answered_twice
    );
    for drop in &d.dropped_targets {
        let _ = writeln!(
            out,
            "  dropped {} at {:.1} s (stopped answering)",
            drop.target, drop.at_seconds
        );
    }
}

/// The idle-widget report as a table.
pub fn idle_table(report: &IdleReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tandem-loadgen idle-widgets: {} of {} sockets open on {} ({} before the first reading)",
        report.open,
        report.requested,
        report.targets.join(", "),
        report.baseline,
    );
    for server in &report.servers {
        let _ = writeln!(
            out,
            "  server pid {:<8} RSS before {:>8.1} MiB  after {:>8.1} MiB  (+{:.1} MiB)",
            server.pid,
            server.rss_before_bytes as f64 / MIB,
            server.rss_after_bytes as f64 / MIB,
            (server.rss_after_bytes as f64 - server.rss_before_bytes as f64) / MIB,
        );
    }
    match (report.rss_per_connection_bytes, report.connections_per_gib) {
        (Some(per), Some(per_gib)) => {
            let _ = writeln!(
                out,
                "  RSS per idle connection {:.1} KiB  → {:.0} connections per GiB",
                per / 1024.0,
                per_gib
            );
        }
        (Some(per), None) => {
            let _ = writeln!(out, "  RSS per idle connection {:.1} KiB", per / 1024.0);
        }
        _ => {
            let _ = writeln!(out, "  RSS per idle connection: no server pid given");
        }
    }
    let _ = writeln!(
        out,
        "  generator RSS {:.1} MiB",
        report.generator_rss_bytes as f64 / MIB
    );
    for (failure, count) in &report.errors {
        let _ = writeln!(out, "  error {failure:<40} {count}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::samples;

    #[test]
    fn the_run_table_names_every_figure() {
        let table = run_table(&samples::run_report());
        for expected in [
            "open loop at 50 msg/s",
            "accepted 998",
            "bot reply",
            "handover → agent notified",
            "api_message: http_5xx",
            "server pid 1234",
        ] {
            assert!(table.contains(expected), "{expected} missing from\n{table}");
        }
    }

    #[test]
    fn the_fault_run_table_shows_deliveries_and_idle_sockets() {
        let table = run_table(&samples::fault_run_report());
        for expected in [
            "100 requested, 100 open at the start, 98 at the end",
            "acknowledged 499  never acknowledged 1",
            "first acknowledged by http://127.0.0.1:8080",
            "duplicates sent 50 (unfinished 0)  re-deliveries 40",
            "sent twice 0 (to 0 messages)",
            "dropped http://127.0.0.1:8081 at 12.5 s",
        ] {
            assert!(table.contains(expected), "{expected} missing from\n{table}");
        }
    }

    #[test]
    fn the_idle_table_shows_per_connection_figures() {
        let table = idle_table(&samples::idle_report());
        assert!(table.contains("10.2 KiB"), "{table}");
        assert!(table.contains("connections per GiB"), "{table}");
        assert!(table.contains("100 before the first reading"), "{table}");
    }
}
