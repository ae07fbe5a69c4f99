//! Reports for supervisors and admins: a summary of every metric (optionally grouped, with the
//! names of the inboxes, teams or agents a grouping names by id), a daily or weekly trend, and
//! the agents' figures with their occupancy. Dates are calendar days in the account's time
//! zone; conversations count in the day they were opened.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;

use tandem_domain::id::AccountId;
use tandem_domain::user::User;
use tandem_reports::occupancy::Occupancy;
use tandem_reports::period::{DateRange, by_bucket, time_zone};
use tandem_reports::tally::DEFAULT_FCR_DAYS;
use tandem_reports::{Bucket, GroupBy, Metric, Tally};

use crate::model::{ReportScope, SurveyResponse};
use crate::{App, AppError};

/// The longest first-contact-resolution window a report may ask for, in days.
pub const MAX_FCR_DAYS: i64 = 90;

/// A report as asked for, every value still to be checked: `from` and `to` are days
/// (`YYYY-MM-DD`, both required), `fcr_days` the first-contact-resolution window (1 to
/// [`MAX_FCR_DAYS`]), `group_by` a [`GroupBy`] name (summaries), `bucket` `day` or `week` and
/// `metric` a comma-separated list of [`Metric`] names (trends).
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportQuery<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub fcr_days: Option<&'a str>,
    pub group_by: Option<&'a str>,
    pub bucket: Option<&'a str>,
    pub metric: Option<&'a str>,
}

/// The days a report covers and the conversations it counts.
#[derive(Clone, Debug)]
pub struct ReportPeriod {
    pub range: DateRange,
    /// The account's time zone, whose calendar the days are.
    pub time_zone_name: String,
    pub scope: ReportScope,
}

/// One group of a summary.
#[derive(Clone, Debug)]
pub struct ReportGroup {
    /// The channel, intent or handover reason, or the inbox, team or agent id; `None` for
    /// conversations without one.
    pub key: Option<String>,
    /// The inbox, team or agent name (the key itself for the others).
    pub label: Option<String>,
    pub tally: Tally,
}

#[derive(Clone, Debug)]
pub struct ReportSummary {
    pub period: ReportPeriod,
    pub group_by: Option<GroupBy>,
    pub total: Tally,
    /// Empty when not grouped.
    pub groups: Vec<ReportGroup>,
}

#[derive(Clone, Debug)]
pub struct ReportTrend {
    pub period: ReportPeriod,
    pub bucket: Bucket,
    /// The metrics asked for; all when `None`.
    pub metrics: Option<HashSet<Metric>>,
    /// Each bucket's first day (a Monday for weeks) with its tally, oldest first, empty
    /// buckets included.
    pub points: Vec<(Date, Tally)>,
}

/// One user's figures in the agents report.
#[derive(Clone, Debug)]
pub struct AgentFigures {
    pub user: User,
    /// The conversations they ended up with (empty when none).
    pub tally: Tally,
    pub occupancy: Occupancy,
}

#[derive(Clone, Debug)]
pub struct AgentsReport {
    pub period: ReportPeriod,
    pub total: Tally,
    /// Every agent's busy time over every agent's online time.
    pub total_occupancy: Occupancy,
    /// Every user of the account.
    pub agents: Vec<AgentFigures>,
}

/// The survey answers of a period, newest first.
#[derive(Clone, Debug)]
pub struct SurveyResponsesReport {
    pub period: ReportPeriod,
    pub responses: Vec<SurveyResponse>,
}

/// The most survey answers one report lists.
pub const MAX_SURVEY_RESPONSES: u32 = 500;

fn required<'a>(field: &'static str, value: Option<&'a str>) -> Result<&'a str, AppError> {
    value.ok_or_else(|| AppError::invalid(field, "required", "a date (YYYY-MM-DD) is required"))
}

fn group_by(raw: Option<&str>) -> Result<Option<GroupBy>, AppError> {
    raw.map(|raw| {
        raw.parse::<GroupBy>()
            .map_err(|error| AppError::invalid("group_by", "unknown_group", error.to_string()))
    })
    .transpose()
}

fn bucket(raw: Option<&str>) -> Result<Bucket, AppError> {
    match raw {
        None => Ok(Bucket::Day),
        Some(raw) => Bucket::parse(raw)
            .ok_or_else(|| AppError::invalid("bucket", "unknown_bucket", "must be day or week")),
    }
}

fn metrics(raw: Option<&str>) -> Result<Option<HashSet<Metric>>, AppError> {
    raw.map(|raw| {
        raw.split(',')
            .map(|name| {
                name.parse::<Metric>().map_err(|error| {
                    AppError::invalid("metric", "unknown_metric", error.to_string())
                })
            })
            .collect()
    })
    .transpose()
}

impl App {
    /// Reads the account's time zone and checks the range and rules the query asks for.
    async fn report_period(
        &self,
        account_id: AccountId,
        query: &ReportQuery<'_>,
    ) -> Result<ReportPeriod, AppError> {
        let time_zone_name = self.store.account_time_zone(account_id).await?;
        let zone = time_zone(&time_zone_name).ok_or_else(|| {
            AppError::Internal(format!("account time zone {time_zone_name:?} is unknown"))
        })?;
        let range = DateRange::parse(
            required("from", query.from)?,
            required("to", query.to)?,
            zone,
        )
        .map_err(|error| AppError::invalid(error.field(), "invalid_range", error.to_string()))?;
        let fcr_days = match query.fcr_days {
            None => DEFAULT_FCR_DAYS,
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|days| (1..=MAX_FCR_DAYS).contains(days))
                .ok_or_else(|| {
                    AppError::invalid(
                        "fcr_days",
                        "out_of_range",
                        format!("must be a whole number of days from 1 to {MAX_FCR_DAYS}"),
                    )
                })?,
        };
        let scope = ReportScope {
            start: range.start(),
            end: range.end(),
            as_of: self.now(),
            fcr_days,
        };
        Ok(ReportPeriod {
            range,
            time_zone_name,
            scope,
        })
    }

    /// Every metric over the period, and per group when the query groups.
    pub async fn report_summary(
        &self,
        account_id: AccountId,
        query: &ReportQuery<'_>,
    ) -> Result<ReportSummary, AppError> {
        let period = self.report_period(account_id, query).await?;
        let group = group_by(query.group_by)?;
        let total = self.store.report_total(account_id, &period.scope).await?;
        let groups = match group {
            None => Vec::new(),
            Some(group) => {
                let names = self.report_labels(account_id, group).await?;
                self.store
                    .report_groups(account_id, &period.scope, group)
                    .await?
                    .into_iter()
                    .map(|(key, tally)| ReportGroup {
                        label: key
                            .as_ref()
                            .map(|key| names.get(key).cloned().unwrap_or_else(|| key.clone())),
                        key,
                        tally,
                    })
                    .collect()
            }
        };
        Ok(ReportSummary {
            period,
            group_by: group,
            total,
            groups,
        })
    }

    /// The metrics per day or week of the period.
    pub async fn report_trend(
        &self,
        account_id: AccountId,
        query: &ReportQuery<'_>,
    ) -> Result<ReportTrend, AppError> {
        let period = self.report_period(account_id, query).await?;
        let bucket = bucket(query.bucket)?;
        let metrics = metrics(query.metric)?;
        let slots = self.store.report_slots(account_id, &period.scope).await?;
        let points = by_bucket(&period.range, bucket, slots);
        Ok(ReportTrend {
            period,
            bucket,
            metrics,
            points,
        })
    }

    /// The customers' survey answers (score and comment) of the period, newest first, at most
    /// [`MAX_SURVEY_RESPONSES`].
    pub async fn report_survey_responses(
        &self,
        account_id: AccountId,
        query: &ReportQuery<'_>,
    ) -> Result<SurveyResponsesReport, AppError> {
        let period = self.report_period(account_id, query).await?;
        let responses = self
            .store
            .survey_responses(
                account_id,
                period.scope.start,
                period.scope.end,
                MAX_SURVEY_RESPONSES,
            )
            .await?;
        Ok(SurveyResponsesReport { period, responses })
    }

    /// Every user of the account with the figures of the conversations they ended up with and
    /// their occupancy over the period.
    pub async fn report_agents(
        &self,
        account_id: AccountId,
        query: &ReportQuery<'_>,
    ) -> Result<AgentsReport, AppError> {
        let period = self.report_period(account_id, query).await?;
        let mut tallies: HashMap<String, Tally> = self
            .store
            .report_groups(account_id, &period.scope, GroupBy::Agent)
            .await?
            .into_iter()
            .filter_map(|(key, tally)| key.map(|key| (key, tally)))
            .collect();
        let total = self.store.report_total(account_id, &period.scope).await?;
        let occupancies = self
            .store
            .report_occupancy(
                account_id,
                period.scope.start,
                period.scope.end,
                period.scope.as_of,
            )
            .await?;
        let mut total_occupancy = Occupancy::default();
        let agents = self
            .store
            .users(account_id)
            .await?
            .into_iter()
            .map(|user| {
                let occupancy = occupancies.get(&user.id).copied().unwrap_or_default();
                total_occupancy.online_ms += occupancy.online_ms;
                total_occupancy.busy_ms += occupancy.busy_ms;
                let tally = tallies.remove(&user.id.0.to_string()).unwrap_or_default();
                AgentFigures {
                    user,
                    tally,
                    occupancy,
                }
            })
            .collect();
        Ok(AgentsReport {
            period,
            total,
            total_occupancy,
            agents,
        })
    }

    /// Display names of the inboxes, teams or agents a grouping names by id.
    async fn report_labels(
        &self,
        account_id: AccountId,
        group: GroupBy,
    ) -> Result<HashMap<String, String>, AppError> {
        Ok(match group {
            GroupBy::Inbox => self
                .store
                .inboxes(account_id)
                .await?
                .into_iter()
                .map(|inbox| (inbox.id.0.to_string(), inbox.name))
                .collect(),
            GroupBy::Team => self
                .store
                .teams(account_id)
                .await?
                .into_iter()
                .map(|team| (team.id.0.to_string(), team.name))
                .collect(),
            GroupBy::Agent => self
                .store
                .users(account_id)
                .await?
                .into_iter()
                .map(|user| (user.id.0.to_string(), user.name))
                .collect(),
            GroupBy::Channel | GroupBy::Intent | GroupBy::HandoverReason => HashMap::new(),
        })
    }
}
