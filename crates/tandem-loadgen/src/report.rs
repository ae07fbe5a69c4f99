//! The reports' contents and JSON shape (serde); `table` prints them.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::ledger::DeliverySummary;
use crate::scenario::Channel;

/// Bytes in a GiB.
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Percentiles of one latency, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl LatencySummary {
    /// The summary of a histogram of microseconds; `None` when it is empty.
    pub fn of_micros(histogram: &Histogram<u64>) -> Option<Self> {
        if histogram.is_empty() {
            return None;
        }
        let ms = |micros: u64| micros as f64 / 1000.0;
        Some(Self {
            count: histogram.len(),
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p90_ms: ms(histogram.value_at_quantile(0.90)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            max_ms: ms(histogram.max()),
            mean_ms: round_micros(histogram.mean() / 1000.0),
        })
    }
}

/// Milliseconds rounded to whole microseconds, so JSON shows no float noise.
pub fn round_micros(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// What a run was asked to do.
#[derive(Debug, Clone, Serialize)]
pub struct RunSettings {
    /// `open` or `closed`.
    pub mode: &'static str,
    pub seed: u64,
    pub targets: Vec<String>,
    pub customers: usize,
    pub agents: usize,
    pub mix: BTreeMap<Channel, u32>,
    pub languages: BTreeMap<&'static str, u32>,
    pub handover_percent: u32,
    /// Open loop: offered messages per second.
    pub rate_per_second: Option<f64>,
    /// Closed loop: think time between a reply and the next message, `[low, high]`.
    pub think_ms: Option<[u64; 2]>,
    pub warmup_seconds: f64,
    pub duration_seconds: f64,
}

/// Customer messages in the measured window.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MessageCounts {
    /// Sends attempted.
    pub attempted: u64,
    /// Sends the server answered with success.
    pub accepted: u64,
    pub accepted_per_second: f64,
    pub accepted_by_channel: BTreeMap<Channel, u64>,
    /// Accepted requests for a person.
    pub handovers: u64,
}

/// How the open-loop scheduler kept up.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArrivalCounts {
    /// Arrivals due in the measured window.
    pub scheduled: u64,
    /// Arrivals that fired more than 20 ms after their deadline (the generator fell behind).
    pub late: u64,
    pub max_lateness_ms: f64,
    /// Arrivals with no customer free to send them (all were waiting for replies).
    pub dropped_no_idle_customer: u64,
}

/// The measured latencies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latencies {
    /// Customer message sent → the bot's first reply visible to that customer.
    pub bot_reply: Option<LatencySummary>,
    pub bot_reply_by_channel: BTreeMap<Channel, LatencySummary>,
    /// Request for a person sent → an agent's socket sees the conversation assigned to them.
    pub handover_to_agent_notified: Option<LatencySummary>,
    /// Request for a person sent → the agent's reply visible to the customer (includes the
    /// agent's think time and any wait in the queue).
    pub handover_to_agent_reply: Option<LatencySummary>,
}

/// Memory and CPU of one process over the measured window.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessUsage {
    /// `None` for the generator itself.
    pub pid: Option<u32>,
    pub rss_start_bytes: u64,
    pub rss_end_bytes: u64,
    pub rss_max_bytes: u64,
    pub cpu_seconds: f64,
    /// CPU seconds per wall-clock second (1.0 is one core busy).
    pub cpu_cores: f64,
}

/// Everything `run` measured.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub settings: RunSettings,
    pub messages: MessageCounts,
    /// Open loop only.
    pub arrivals: Option<ArrivalCounts>,
    pub latency: Latencies,
    /// `operation: kind` → count, for failures in the measured window.
    pub errors: BTreeMap<String, u64>,
    /// Waits still open when the run stopped (not counted as errors).
    pub unfinished_at_end: u64,
    pub servers: Vec<ProcessUsage>,
    pub generator: Option<ProcessUsage>,
    /// With `--idle-widgets`: the idle sockets held during the run.
    pub idle_widgets: Option<IdleDuringRun>,
    /// With `--redeliver` or `--duplicate-percent`: how the WhatsApp webhooks were delivered.
    pub deliveries: Option<DeliveryReport>,
}

/// Idle widget sockets held open while the load ran.
#[derive(Debug, Clone, Serialize)]
pub struct IdleDuringRun {
    pub requested: usize,
    /// Open when the load started.
    pub open_at_start: usize,
    /// Still open when the load ended.
    pub open_at_end: usize,
    /// Failures to open, `operation: kind` → count.
    pub errors: BTreeMap<String, u64>,
}

/// Webhook deliveries of a fault run, counted over the whole run (warm-up included).
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryReport {
    #[serde(flatten)]
    pub summary: DeliverySummary,
    /// Targets dropped because they stopped answering.
    pub dropped_targets: Vec<DroppedTarget>,
    /// Duplicate deliveries still running when the run ended (stopped).
    pub duplicates_unfinished: usize,
}

/// A target the generator stopped using for a while.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedTarget {
    pub target: String,
    /// Seconds since the load started.
    pub at_seconds: f64,
}
#[derive(Debug, Clone, Serialize)]
pub struct IdleReport {
    pub targets: Vec<String>,
    pub requested: usize,
    /// Sockets open when the "before" reading was taken.
    pub baseline: usize,
    /// Sockets open when the "after" reading was taken.
    pub open: usize,
    /// `operation: kind` → count.
    pub errors: BTreeMap<String, u64>,
    pub servers: Vec<IdleServerUsage>,
    /// Server RSS growth over every server divided by the sockets opened between the readings.
    pub rss_per_connection_bytes: Option<f64>,
    /// How many idle sockets one GiB of server memory holds at that rate.
    pub connections_per_gib: Option<f64>,
    /// Generator RSS with every socket open.
    pub generator_rss_bytes: u64,
}

/// One server's memory before and after the idle sockets opened.
#[derive(Debug, Clone, Serialize)]
pub struct IdleServerUsage {
    pub pid: u32,
    pub rss_before_bytes: u64,
    pub rss_after_bytes: u64,
}

/// The per-connection figures: growth per open socket and sockets per GiB at that growth.
pub fn per_connection(growth_bytes: i64, open: usize) -> (Option<f64>, Option<f64>) {
    if open == 0 {
        return (None, None);
    }
    let per = growth_bytes as f64 / open as f64;
    let per_gib = (per > 0.0).then(|| GIB / per);
    (Some(per), per_gib)
}

/// Reports to test the JSON shape and the tables with.
#[cfg(test)]
pub mod samples {
    use super::*;

    /// Three bot replies, a few failures, one server.
    pub fn run_report() -> RunReport {
        let mut bot_replies = Histogram::new_with_bounds(1, 600_000_000, 3).unwrap();
        for ms in [10, 20, 30] {
            bot_replies.record(ms * 1000).unwrap();
        }
        RunReport {
            settings: RunSettings {
                mode: "open",
                seed: 42,
                targets: vec!["http://127.0.0.1:8080".into()],
                customers: 200,
                agents: 4,
                mix: BTreeMap::from([
                    (Channel::Api, 40),
                    (Channel::Whatsapp, 30),
                    (Channel::Widget, 30),
                ]),
                languages: BTreeMap::from([("pt", 50), ("es", 30), ("en", 20)]),
                handover_percent: 10,
                rate_per_second: Some(50.0),
                think_ms: None,
                warmup_seconds: 5.0,
                duration_seconds: 20.0,
            },
            messages: MessageCounts {
                attempted: 1000,
                accepted: 998,
                accepted_per_second: 49.9,
                accepted_by_channel: BTreeMap::from([(Channel::Api, 400)]),
                handovers: 100,
            },
            arrivals: Some(ArrivalCounts::default()),
            latency: Latencies {
                bot_reply: LatencySummary::of_micros(&bot_replies),
                ..Latencies::default()
            },
            errors: BTreeMap::from([("api_message: http_5xx".to_owned(), 2)]),
            unfinished_at_end: 0,
            servers: vec![ProcessUsage {
                pid: Some(1234),
                rss_start_bytes: 50 << 20,
                rss_end_bytes: 60 << 20,
                rss_max_bytes: 61 << 20,
                cpu_seconds: 12.5,
                cpu_cores: 0.62,
            }],
            generator: None,
            idle_widgets: None,
            deliveries: None,
        }
    }

    /// A fault run: idle sockets held, duplicates, re-deliveries and a dropped target.
    pub fn fault_run_report() -> RunReport {
        RunReport {
            idle_widgets: Some(IdleDuringRun {
                requested: 100,
                open_at_start: 100,
                open_at_end: 98,
                errors: BTreeMap::new(),
            }),
            deliveries: Some(DeliveryReport {
                summary: DeliverySummary {
                    messages: 500,
                    acknowledged: 499,
                    never_acknowledged: 1,
                    acknowledged_by_target: BTreeMap::from([(0, 300), (1, 199)]),
                    duplicates_sent: 50,
                    redeliveries: 40,
                    replies: 990,
                    unattributed_replies: 0,
                    replies_sent_twice: 0,
                    messages_answered_twice: 0,
                },
                dropped_targets: vec![DroppedTarget {
                    target: "http://127.0.0.1:8081".into(),
                    at_seconds: 12.5,
                }],
                duplicates_unfinished: 0,
            }),
            ..run_report()
        }
    }

    /// 2,000 sockets opened after a baseline of 100, 20 MiB of growth.
    pub fn idle_report() -> IdleReport {
        let (per, per_gib) = per_connection(20 << 20, 2000);
        IdleReport {
            targets: vec!["http://127.0.0.1:8080".into()],
            requested: 2100,
            baseline: 100,
            open: 2100,
            errors: BTreeMap::new(),
            servers: vec![IdleServerUsage {
                pid: 1,
                rss_before_bytes: 40 << 20,
                rss_after_bytes: 60 << 20,
            }],
            rss_per_connection_bytes: per,
            connections_per_gib: per_gib,
            generator_rss_bytes: 30 << 20,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values_ms: &[u64]) -> Histogram<u64> {
        let mut histogram = Histogram::new_with_bounds(1, 600_000_000, 3).unwrap();
        for value in values_ms {
            histogram.record(value * 1000).unwrap();
        }
        histogram
    }

    #[test]
    fn percentiles_come_from_the_histogram() {
        let values: Vec<u64> = (1..=1000).collect();
        let summary = LatencySummary::of_micros(&histogram(&values)).unwrap();
        assert_eq!(summary.count, 1000);
        // Three significant digits: within 0.1% of the exact order statistic.
        assert!((summary.p50_ms - 500.0).abs() <= 0.5, "{summary:?}");
        assert!((summary.p90_ms - 900.0).abs() <= 0.9, "{summary:?}");
        assert!((summary.p99_ms - 990.0).abs() <= 1.0, "{summary:?}");
        assert!((summary.max_ms - 1000.0).abs() <= 1.0, "{summary:?}");
        assert!((summary.mean_ms - 500.5).abs() <= 0.5, "{summary:?}");
        assert_eq!(LatencySummary::of_micros(&histogram(&[])), None);
    }

    #[test]
    fn per_connection_figures_follow_the_growth() {
        let (per, per_gib) = per_connection(100 * 1024 * 1024, 10_000);
        assert!((per.unwrap() - 10_485.76).abs() < 0.01);
        assert!((per_gib.unwrap() - 102_400.0).abs() < 0.5);
        assert_eq!(per_connection(5, 0), (None, None));
        assert_eq!(per_connection(-4096, 2).1, None);
    }

    #[test]
    fn milliseconds_are_rounded_to_microseconds() {
        assert_eq!(round_micros(25.865_454_000_000_02), 25.865);
    }

    #[test]
    fn the_run_report_has_its_documented_json_shape() {
        let json = serde_json::to_value(samples::run_report()).unwrap();
        assert_eq!(json["settings"]["mode"], "open");
        assert_eq!(json["settings"]["mix"]["whatsapp"], 30);
        assert_eq!(json["settings"]["languages"]["pt"], 50);
        assert_eq!(json["messages"]["accepted_by_channel"]["api"], 400);
        assert_eq!(json["latency"]["bot_reply"]["count"], 3);
        for key in ["p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms"] {
            assert!(json["latency"]["bot_reply"][key].is_number(), "{key}");
        }
        assert!(json["latency"]["handover_to_agent_notified"].is_null());
        assert_eq!(json["errors"]["api_message: http_5xx"], 2);
        assert_eq!(json["servers"][0]["pid"], 1234);
        assert_eq!(json["servers"][0]["cpu_cores"], 0.62);
        assert_eq!(json["arrivals"]["dropped_no_idle_customer"], 0);
        assert!(json["idle_widgets"].is_null());
        assert!(json["deliveries"].is_null());
    }

    #[test]
    fn a_fault_runs_deliveries_are_in_the_json() {
        let json = serde_json::to_value(samples::fault_run_report()).unwrap();
        let deliveries = &json["deliveries"];
        assert_eq!(deliveries["acknowledged"], 499);
        assert_eq!(deliveries["acknowledged_by_target"]["1"], 199);
        assert_eq!(deliveries["replies_sent_twice"], 0);
        assert_eq!(deliveries["dropped_targets"][0]["at_seconds"], 12.5);
        assert_eq!(json["idle_widgets"]["open_at_end"], 98);
    }

    #[test]
    fn the_idle_report_has_its_documented_json_shape() {
        let json = serde_json::to_value(samples::idle_report()).unwrap();
        assert_eq!(json["open"], 2100);
        assert_eq!(json["baseline"], 100);
        assert_eq!(json["servers"][0]["rss_after_bytes"], 60u64 << 20);
        assert!(json["rss_per_connection_bytes"].is_number());
        assert!(json["connections_per_gib"].is_number());
    }
}
