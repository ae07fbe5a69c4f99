//! Reports for supervisors and admins: a summary of every metric (grouped by channel, inbox,
//! team, agent, intent or handover reason), its CSV export, a daily or weekly trend, and the
//! agents' figures. Dates are calendar days in the account's time zone; conversations count in
//! the day they were opened.

use std::collections::{HashMap, HashSet};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::IntoResponse;

use tandem_domain::id::AccountId;
use tandem_domain::user::Role;
use tandem_reports::occupancy::Occupancy;
use tandem_reports::period::{DateRange, by_bucket, time_zone};
use tandem_reports::tally::DEFAULT_FCR_DAYS;
use tandem_reports::{Bucket, GroupBy, Metric, Tally, csv};
use tandem_store::ReportScope;

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;
use crate::wire::{
    ReportGroupResponse, ReportSummaryResponse, ReportTrendResponse, TrendPointResponse,
    metric_values,
};

/// The agents report's extra figure: busy time over online time (`tandem_reports::occupancy`).
const OCCUPANCY: &str = "occupancy";

/// The longest first-contact-resolution window a report may ask for, in days.
const MAX_FCR_DAYS: i64 = 90;

type Params = HashMap<String, String>;

/// The range and rules a request asks for, read from its query.
struct Request {
    range: DateRange,
    time_zone_name: String,
    scope: ReportScope,
}

async fn read_request(state: &AppState, auth: &Auth, params: &Params) -> Result<Request, ApiError> {
    auth.require(Role::can_read_reports)?;
    let account_id = auth.0.account_id();
    let time_zone_name = state.app.store.account_time_zone(account_id).await?;
    let zone = time_zone(&time_zone_name).ok_or_else(|| {
        ApiError::Internal(format!("account time zone {time_zone_name:?} is unknown"))
    })?;
    let required = |field: &'static str| {
        params.get(field).ok_or_else(|| {
            ApiError::invalid_field(field, "required", "a date (YYYY-MM-DD) is required")
        })
    };
    let range = DateRange::parse(required("from")?, required("to")?, zone).map_err(|error| {
        ApiError::invalid_field(error.field(), "invalid_range", error.to_string())
    })?;
    let fcr_days = match params.get("fcr_days") {
        None => DEFAULT_FCR_DAYS,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|days| (1..=MAX_FCR_DAYS).contains(days))
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "fcr_days",
                    "out_of_range",
                    format!("must be a whole number of days from 1 to {MAX_FCR_DAYS}"),
                )
            })?,
    };
    let scope = ReportScope {
        start: range.start(),
        end: range.end(),
        as_of: tandem_app::now(),
        fcr_days,
    };
    Ok(Request {
        range,
        time_zone_name,
        scope,
    })
}

fn group_by(params: &Params) -> Result<Option<GroupBy>, ApiError> {
    params
        .get("group_by")
        .map(|raw| {
            raw.parse::<GroupBy>().map_err(|error| {
                ApiError::invalid_field("group_by", "unknown_group", error.to_string())
            })
        })
        .transpose()
}

/// Display names of the inboxes, teams or agents a grouping names by id.
async fn labels(
    state: &AppState,
    account_id: AccountId,
    group: GroupBy,
) -> Result<HashMap<String, String>, ApiError> {
    let store = &state.app.store;
    Ok(match group {
        GroupBy::Inbox => store
            .inboxes(account_id)
            .await?
            .into_iter()
            .map(|inbox| (inbox.id.0.to_string(), inbox.name))
            .collect(),
        GroupBy::Team => store
            .teams(account_id)
            .await?
            .into_iter()
            .map(|team| (team.id.0.to_string(), team.name))
            .collect(),
        GroupBy::Agent => store
            .users(account_id)
            .await?
            .into_iter()
            .map(|user| (user.id.0.to_string(), user.name))
            .collect(),
        GroupBy::Channel | GroupBy::Intent | GroupBy::HandoverReason => HashMap::new(),
    })
}

async fn summary_of(
    state: &AppState,
    auth: &Auth,
    params: &Params,
) -> Result<ReportSummaryResponse, ApiError> {
    let request = read_request(state, auth, params).await?;
    let group = group_by(params)?;
    let account_id = auth.0.account_id();
    let store = &state.app.store;
    let total = store.report_total(account_id, &request.scope).await?;
    let groups = match group {
        None => Vec::new(),
        Some(group) => {
            let names = labels(state, account_id, group).await?;
            store
                .report_groups(account_id, &request.scope, group)
                .await?
                .into_iter()
                .map(|(key, tally)| ReportGroupResponse {
                    label: key
                        .as_ref()
                        .map(|key| names.get(key).cloned().unwrap_or_else(|| key.clone())),
                    key,
                    metrics: metric_values(&tally),
                })
                .collect()
        }
    };
    Ok(ReportSummaryResponse {
        from: request.range.from.to_string(),
        to: request.range.to.to_string(),
        time_zone: request.time_zone_name,
        group_by: group.map(GroupBy::as_str),
        total: metric_values(&total),
        groups,
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
    let row = |key: String, label: String, metrics: &crate::wire::MetricValues| {
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
    let request = read_request(&state, &auth, &params).await?;
    let bucket = match params.get("bucket").map(String::as_str) {
        None => Bucket::Day,
        Some(raw) => Bucket::parse(raw).ok_or_else(|| {
            ApiError::invalid_field("bucket", "unknown_bucket", "must be day or week")
        })?,
    };
    let only: Option<HashSet<Metric>> = params
        .get("metric")
        .map(|raw| {
            raw.split(',')
                .map(|name| {
                    name.parse::<Metric>().map_err(|error| {
                        ApiError::invalid_field("metric", "unknown_metric", error.to_string())
                    })
                })
                .collect()
        })
        .transpose()?;
    let slots = state
        .app
        .store
        .report_slots(auth.0.account_id(), &request.scope)
        .await?;
    let points = by_bucket(&request.range, bucket, slots)
        .into_iter()
        .map(|(start, tally)| TrendPointResponse {
            start: start.to_string(),
            metrics: chosen(&tally, only.as_ref()),
        })
        .collect();
    Ok(Json(ReportTrendResponse {
        from: request.range.from.to_string(),
        to: request.range.to.to_string(),
        time_zone: request.time_zone_name,
        bucket: match bucket {
            Bucket::Day => "day",
            Bucket::Week => "week",
        },
        points,
    }))
}

fn chosen(tally: &Tally, only: Option<&HashSet<Metric>>) -> crate::wire::MetricValues {
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
    let request = read_request(&state, &auth, &params).await?;
    let account_id = auth.0.account_id();
    let store = &state.app.store;
    let mut tallies: HashMap<String, Tally> = store
        .report_groups(account_id, &request.scope, GroupBy::Agent)
        .await?
        .into_iter()
        .filter_map(|(key, tally)| key.map(|key| (key, tally)))
        .collect();
    let total = store.report_total(account_id, &request.scope).await?;
    let occupancies = store
        .report_occupancy(
            account_id,
            request.scope.start,
            request.scope.end,
            request.scope.as_of,
        )
        .await?;
    let mut all = Occupancy::default();
    let groups = store
        .users(account_id)
        .await?
        .into_iter()
        .map(|user| {
            let occupancy = occupancies.get(&user.id).copied().unwrap_or_default();
            all.online_ms += occupancy.online_ms;
            all.busy_ms += occupancy.busy_ms;
            let key = user.id.0.to_string();
            let tally = tallies.remove(&key).unwrap_or_default();
            let mut metrics = metric_values(&tally);
            metrics.insert(OCCUPANCY, occupancy.rate());
            ReportGroupResponse {
                key: Some(key),
                label: Some(user.name),
                metrics,
            }
        })
        .collect();
    let mut total = metric_values(&total);
    total.insert(OCCUPANCY, all.rate());
    Ok(Json(ReportSummaryResponse {
        from: request.range.from.to_string(),
        to: request.range.to.to_string(),
        time_zone: request.time_zone_name,
        group_by: Some(GroupBy::Agent.as_str()),
        total,
        groups,
    }))
}
