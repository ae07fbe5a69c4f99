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

/// The survey answers of a period, newest first.
#[derive(Debug, Serialize)]
pub struct SurveyResponsesResponse {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub data: Vec<SurveyResponseBody>,
}

/// One customer's answer to a survey.
#[derive(Debug, Serialize)]
pub struct SurveyResponseBody {
    pub conversation_id: uuid::Uuid,
    /// `csat` (1–5) or `nps` (0–10).
    pub survey: &'static str,
    pub score: u8,
    pub comment: Option<String>,
    pub answered_at: tandem_domain::Timestamp,
    /// Who had the conversation (null: the bot).
    pub agent_id: Option<uuid::Uuid>,
    pub channel: &'static str,
}

impl From<tandem_app::model::SurveyResponse> for SurveyResponseBody {
    fn from(response: tandem_app::model::SurveyResponse) -> Self {
        Self {
            conversation_id: response.conversation_id.0,
            survey: response.survey.as_str(),
            score: response.score,
            comment: response.comment,
            answered_at: response.answered_at,
            agent_id: response.agent_id.map(|id| id.0),
            channel: response.channel.as_str(),
        }
    }
}
