//! Reports for supervisors and admins: a summary of every metric (grouped by channel, inbox,
//! team, agent, intent or handover reason), its CSV export, a daily or weekly trend, and the
//! agents' figures, and the customers' survey answers with their comments. Dates are calendar days in the account's time zone; conversations count in
//! the day they were opened.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::IntoResponse;

use tandem_app::reports::ReportQuery;
use tandem_domain::user::Role;
use tandem_reports::{Bucket, GroupBy, Metric, Tally, csv};

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;
use crate::wire::{
    MetricValues, ReportGroupResponse, ReportSummaryResponse, ReportTrendResponse,
    SurveyResponsesResponse, TrendPointResponse, metric_values,
};

/// The agents report's extra figure: busy time over online time (`tandem_reports::occupancy`).
const OCCUPANCY: &str = "occupancy";

type Params = HashMap<String, String>;

/// The report the query string asks for.
fn query(params: &Params) -> ReportQuery<'_> {
    let param = |name: &str| params.get(name).map(String::as_str);
    ReportQuery {
        from: param("from"),
        to: param("to"),
        fcr_days: param("fcr_days"),
        group_by: param("group_by"),
        bucket: param("bucket"),
        metric: param("metric"),
    }
}

async fn summary_of(
    state: &AppState,
    auth: &Auth,
    params: &Params,
) -> Result<ReportSummaryResponse, ApiError> {
    auth.require(Role::can_read_reports)?;
    let summary = state
        .app
        .report_summary(auth.0.account_id(), &query(params))
        .await?;
    let period = summary.period;
    Ok(ReportSummaryResponse {
        from: period.range.from.to_string(),
        to: period.range.to.to_string(),
        time_zone: period.time_zone_name,
        group_by: summary.group_by.map(GroupBy::as_str),
        total: metric_values(&summary.total),
        groups: summary
            .groups
            .into_iter()
            .map(|group| ReportGroupResponse {
                key: group.key,
                label: group.label,
                metrics: metric_values(&group.tally),
            })
            .collect(),
    })
}

pub async fn summary(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Params>,
) -> Result<Json<ReportSummaryResponse>, ApiError> {
    summary_of(&state, &auth, &params).await.map(Json)
}

/// The summary as CSV: one row for the total, then one per group; spreadsheet formulas in
/// names are neutralised.
pub async fn summary_csv(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Params>,
) -> Result<impl IntoResponse, ApiError> {
    let summary = summary_of(&state, &auth, &params).await?;
    let mut header = vec![summary.group_by.unwrap_or("group"), "label"];
    header.extend(Metric::ALL.iter().map(|metric| metric.as_str()));
    let cell = |value: Option<f64>| value.map(|value| value.to_string()).unwrap_or_default();
    let row = |key: String, label: String, metrics: &MetricValues| {
        let mut cells = vec![key, label];
        cells.extend(
            Metric::ALL
                .iter()
                .map(|metric| cell(metrics.get(metric.as_str()).copied().flatten())),
        );
        cells
    };
    let mut rows = vec![row("total".to_owned(), String::new(), &summary.total)];
    rows.extend(summary.groups.iter().map(|group| {
        row(
            group.key.clone().unwrap_or_default(),
            group.label.clone().unwrap_or_default(),
            &group.metrics,
        )
    }));
    let body = csv::write(&header, rows);
    let filename = format!(
        "attachment; filename=\"tandem-report-{}-{}.csv\"",
        summary.from, summary.to
    );
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, filename),
        ],
        body,
    ))
}

pub async fn trend(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Params>,
) -> Result<Json<ReportTrendResponse>, ApiError> {
    auth.require(Role::can_read_reports)?;
    let trend = state
        .app
        .report_trend(auth.0.account_id(), &query(&params))
        .await?;
    let points = trend
        .points
        .into_iter()
        .map(|(start, tally)| TrendPointResponse {
            start: start.to_string(),
            metrics: chosen(&tally, trend.metrics.as_ref()),
        })
        .collect();
    Ok(Json(ReportTrendResponse {
        from: trend.period.range.from.to_string(),
        to: trend.period.range.to.to_string(),
        time_zone: trend.period.time_zone_name,
        bucket: match trend.bucket {
            Bucket::Day => "day",
            Bucket::Week => "week",
        },
        points,
    }))
}

fn chosen(tally: &Tally, only: Option<&HashSet<Metric>>) -> MetricValues {
    let mut values = metric_values(tally);
    if let Some(only) = only {
        values.retain(|name, _| only.iter().any(|metric| metric.as_str() == *name));
    }
    values
}

/// Every user of the account with the figures of the conversations they ended up with (an
/// agent with none is listed with empty figures) and their occupancy over the range (the
/// total's is every agent's busy time over every agent's online time).
pub async fn agents(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Params>,
) -> Result<Json<ReportSummaryResponse>, ApiError> {
    auth.require(Role::can_read_reports)?;
    let report = state
        .app
        .report_agents(auth.0.account_id(), &query(&params))
        .await?;
    let groups = report
        .agents
        .into_iter()
        .map(|agent| {
            let mut metrics = metric_values(&agent.tally);
            metrics.insert(OCCUPANCY, agent.occupancy.rate());
            ReportGroupResponse {
                key: Some(agent.user.id.0.to_string()),
                label: Some(agent.user.name),
                metrics,
            }
        })
        .collect();
    let mut total = metric_values(&report.total);
    total.insert(OCCUPANCY, report.total_occupancy.rate());
    Ok(Json(ReportSummaryResponse {
        from: report.period.range.from.to_string(),
        to: report.period.range.to.to_string(),
        time_zone: report.period.time_zone_name,
        group_by: Some(GroupBy::Agent.as_str()),
        total,
        groups,
    }))
}

/// The customers' survey answers (score and comment) of the range, newest first, at most 500.
pub async fn survey_responses(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<Params>,
) -> Result<Json<SurveyResponsesResponse>, ApiError> {
    auth.require(Role::can_read_reports)?;
    let report = state
        .app
        .report_survey_responses(auth.0.account_id(), &query(&params))
        .await?;
    Ok(Json(SurveyResponsesResponse {
        from: report.period.range.from.to_string(),
        to: report.period.range.to.to_string(),
        time_zone: report.period.time_zone_name,
        data: report.responses.into_iter().map(Into::into).collect(),
    }))
}
