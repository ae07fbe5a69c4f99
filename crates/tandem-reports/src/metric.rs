//! The metrics a tally reads as: rates from 0 to 1, NPS from -100 to 100, CSAT means from 1 to
//! 5, durations as mean seconds. A metric with nothing to count (no resolved conversation for
//! a containment rate) is `None`, never 0.

use std::fmt;
use std::str::FromStr;

use crate::tally::Tally;

/// One reported metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    Conversations,
    FirstResponseSeconds,
    FirstHumanResponseSeconds,
    TimeToAgentSeconds,
    HandoverAbandonmentRate,
    ResolutionSeconds,
    ReopenRate,
    FirstContactResolutionRate,
    CsatPositiveRate,
    CsatMean,
    CsatResponseRate,
    Nps,
    NpsResponseRate,
    ContainmentRate,
    HandoverRate,
    BotAnswerRate,
    OutOfScopeRate,
    OutOfScopeHandoverRate,
    SlaCompliance,
    HandledConversations,
    HandleSeconds,
    AskedAgainRate,
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn mean_seconds(sum_ms: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum_ms as f64 / count as f64 / 1000.0)
}

impl Metric {
    pub const ALL: [Metric; 22] = [
        Metric::Conversations,
        Metric::FirstResponseSeconds,
        Metric::FirstHumanResponseSeconds,
        Metric::TimeToAgentSeconds,
        Metric::HandoverAbandonmentRate,
        Metric::ResolutionSeconds,
        Metric::ReopenRate,
        Metric::FirstContactResolutionRate,
        Metric::CsatPositiveRate,
        Metric::CsatMean,
        Metric::CsatResponseRate,
        Metric::Nps,
        Metric::NpsResponseRate,
        Metric::ContainmentRate,
        Metric::HandoverRate,
        Metric::BotAnswerRate,
        Metric::OutOfScopeRate,
        Metric::OutOfScopeHandoverRate,
        Metric::SlaCompliance,
        Metric::HandledConversations,
        Metric::HandleSeconds,
        Metric::AskedAgainRate,
    ];

    /// The stable name used by the API and the CSV header.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Conversations => "conversations",
            Metric::FirstResponseSeconds => "first_response_seconds",
            Metric::FirstHumanResponseSeconds => "first_human_response_seconds",
            Metric::TimeToAgentSeconds => "time_to_agent_seconds",
            Metric::HandoverAbandonmentRate => "handover_abandonment_rate",
            Metric::ResolutionSeconds => "resolution_seconds",
            Metric::ReopenRate => "reopen_rate",
            Metric::FirstContactResolutionRate => "first_contact_resolution_rate",
            Metric::CsatPositiveRate => "csat_positive_rate",
            Metric::CsatMean => "csat_mean",
            Metric::CsatResponseRate => "csat_response_rate",
            Metric::Nps => "nps",
            Metric::NpsResponseRate => "nps_response_rate",
            Metric::ContainmentRate => "containment_rate",
            Metric::HandoverRate => "handover_rate",
            Metric::BotAnswerRate => "bot_answer_rate",
            Metric::OutOfScopeRate => "out_of_scope_rate",
            Metric::OutOfScopeHandoverRate => "out_of_scope_handover_rate",
            Metric::SlaCompliance => "sla_compliance",
            Metric::HandledConversations => "handled_conversations",
            Metric::HandleSeconds => "handle_seconds",
            Metric::AskedAgainRate => "asked_again_rate",
        }
    }

    /// The metric's value over a tally; `None` when nothing was there to count.
    pub fn value(self, t: &Tally) -> Option<f64> {
        match self {
            Metric::Conversations => Some(t.conversations as f64),
            Metric::FirstResponseSeconds => {
                mean_seconds(t.first_response_ms, t.first_response_count)
            }
            Metric::FirstHumanResponseSeconds => {
                mean_seconds(t.first_human_response_ms, t.first_human_response_count)
            }
            Metric::TimeToAgentSeconds => mean_seconds(t.time_to_agent_ms, t.time_to_agent_count),
            Metric::HandoverAbandonmentRate => ratio(t.abandoned, t.queued),
            Metric::ResolutionSeconds => mean_seconds(t.resolution_ms, t.ever_resolved),
            Metric::ReopenRate => ratio(t.reopened, t.ever_resolved),
            Metric::FirstContactResolutionRate => ratio(t.first_contact_resolved, t.resolved),
            Metric::CsatPositiveRate => ratio(t.csat_positive, t.csat_answered),
            Metric::CsatMean => ratio(t.csat_score_sum, t.csat_answered),
            Metric::CsatResponseRate => ratio(t.csat_answered, t.csat_sent),
            Metric::Nps => {
                ratio(t.nps_promoters - t.nps_detractors, t.nps_answered).map(|n| n * 100.0)
            }
            Metric::NpsResponseRate => ratio(t.nps_answered, t.nps_sent),
            Metric::ContainmentRate => ratio(t.contained, t.resolved),
            Metric::HandoverRate => ratio(t.handed_over, t.bot_first),
            Metric::BotAnswerRate => ratio(t.bot_answered_messages, t.bot_customer_messages),
            Metric::OutOfScopeRate => ratio(t.bot_out_of_scope_messages, t.bot_customer_messages),
            Metric::OutOfScopeHandoverRate => ratio(t.out_of_scope_handovers, t.handed_over),
            Metric::SlaCompliance => ratio(t.sla_tracked - t.sla_breached, t.sla_tracked),
            Metric::HandledConversations => Some(t.handled as f64),
            Metric::HandleSeconds => mean_seconds(t.handle_ms, t.handled),
            Metric::AskedAgainRate => ratio(t.asked_again, t.first_human_response_count),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown metric name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown metric {0:?}")]
pub struct UnknownMetric(pub String);

impl FromStr for Metric {
    type Err = UnknownMetric;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Metric::ALL
            .into_iter()
            .find(|metric| metric.as_str() == s)
            .ok_or_else(|| UnknownMetric(s.to_owned()))
    }
}
