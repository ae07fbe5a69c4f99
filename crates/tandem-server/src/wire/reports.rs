//! Reports: metrics by name, the summary with its groups, and the trend.

use std::collections::BTreeMap;

use serde::Serialize;

use tandem_reports::{Metric, Tally};

/// A report's metrics by name (`tandem_reports::Metric`), `null` where there was nothing to
/// count.
pub type MetricValues = BTreeMap<&'static str, Option<f64>>;

/// Every metric of a tally.
pub fn metric_values(tally: &Tally) -> MetricValues {
    Metric::ALL
        .into_iter()
        .map(|metric| (metric.as_str(), metric.value(tally)))
        .collect()
}

#[derive(Debug, Serialize)]
pub struct ReportSummaryResponse {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub group_by: Option<&'static str>,
    pub total: MetricValues,
    pub groups: Vec<ReportGroupResponse>,
}

#[derive(Debug, Serialize)]
pub struct ReportGroupResponse {
    /// The channel, intent or handover reason, or the inbox, team or agent id; `null` for
    /// conversations without one.
    pub key: Option<String>,
    /// The inbox, team or agent name (the key itself for the others).
    pub label: Option<String>,
    pub metrics: MetricValues,
}

#[derive(Debug, Serialize)]
pub struct ReportTrendResponse {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub bucket: &'static str,
    pub points: Vec<TrendPointResponse>,
}

#[derive(Debug, Serialize)]
pub struct TrendPointResponse {
    /// The bucket's first day (a Monday for weeks), in the account's time zone.
    pub start: String,
    pub metrics: MetricValues,
}
