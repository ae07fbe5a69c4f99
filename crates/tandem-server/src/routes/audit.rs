//! The audit log, for admins: filtered by actor, action prefix, subject and time, paged by
//! cursor, as JSON or as CSV (`?format=csv` or `Accept: text/csv`) with the same filters.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use tandem_app::model::AuditFilter;
use tandem_domain::Timestamp;
use tandem_domain::id::UserId;
use tandem_domain::user::Role;
use tandem_reports::csv;

use super::page_limit;
use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;
use crate::wire::{AuditEntryResponse, Page};

/// Most rows one CSV export holds; the `X-Next-Cursor` header continues a longer one.
const MAX_CSV_ROWS: u32 = 10_000;

/// The CSV columns, in the order of [`AuditEntryResponse`].
const CSV_HEADER: [&str; 12] = [
    "id",
    "created_at",
    "actor_id",
    "actor_email",
    "actor_name",
    "ip",
    "user_agent",
    "action",
    "subject_kind",
    "subject_id",
    "before",
    "after",
];

fn uuid_param(query: &HashMap<String, String>, field: &str) -> Result<Option<Uuid>, ApiError> {
    query
        .get(field)
        .map(|raw| {
            raw.parse::<Uuid>()
                .map_err(|_| ApiError::invalid_field(field, "invalid_id", "must be an id"))
        })
        .transpose()
}

fn time_param(query: &HashMap<String, String>, field: &str) -> Result<Option<Timestamp>, ApiError> {
    query
        .get(field)
        .map(|raw| {
            raw.parse::<Timestamp>().map_err(|_| {
                ApiError::invalid_field(
                    field,
                    "invalid_time",
                    "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z",
                )
            })
        })
        .transpose()
}

fn text_param(query: &HashMap<String, String>, field: &str) -> Result<Option<String>, ApiError> {
    match query.get(field).map(|raw| raw.trim()) {
        None | Some("") => Ok(None),
        Some(raw) if raw.chars().count() > 100 => Err(ApiError::invalid_field(
            field,
            "too_long",
            "must be at most 100 characters",
        )),
        Some(raw) => Ok(Some(raw.to_owned())),
    }
}

/// The filters of the query string; every bad one is named.
fn filter(query: &HashMap<String, String>) -> Result<AuditFilter, ApiError> {
    let filter = AuditFilter {
        actor_id: uuid_param(query, "actor_id")?.map(UserId::from),
        action_prefix: text_param(query, "action")?,
        subject_kind: text_param(query, "subject_kind")?,
        subject_id: uuid_param(query, "subject_id")?,
        from: time_param(query, "from")?,
        to: time_param(query, "to")?,
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from >= to
    {
        return Err(ApiError::invalid_field(
            "to",
            "before_from",
            "must be later than from",
        ));
    }
    Ok(filter)
}

/// Whether the caller asked for CSV.
fn wants_csv(query: &HashMap<String, String>, headers: &HeaderMap) -> Result<bool, ApiError> {
    match query.get("format").map(String::as_str) {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(ApiError::invalid_field(
            "format",
            "unknown_format",
            "must be json or csv",
        )),
        None => Ok(headers
            .get(ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/csv"))),
    }
}

fn json_cell(value: Option<serde_json::Value>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

fn csv_row(entry: AuditEntryResponse) -> Vec<String> {
    let text = |value: Option<String>| value.unwrap_or_default();
    let id = |value: Option<Uuid>| value.map(|id| id.to_string()).unwrap_or_default();
    vec![
        entry.id.to_string(),
        entry.created_at.to_string(),
        id(entry.actor_id),
        text(entry.actor_email),
        text(entry.actor_name),
        text(entry.ip),
        text(entry.user_agent),
        entry.action,
        entry.subject_kind,
        id(entry.subject_id),
        json_cell(entry.before),
        json_cell(entry.after),
    ]
}

/// The account's audit log, newest first; admins only.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    auth.require(Role::can_manage_account)?;
    let filter = filter(&query)?;
    let cursor = query
        .get("cursor")
        .map(|raw| {
            raw.parse::<Uuid>().map_err(|_| {
                ApiError::invalid_field("cursor", "invalid_cursor", "not a cursor from this list")
            })
        })
        .transpose()?;
    let csv_wanted = wants_csv(&query, &headers)?;
    let limit = if csv_wanted && !query.contains_key("limit") {
        MAX_CSV_ROWS
    } else {
        page_limit(query.get("limit").map(String::as_str))?
    };
    let page = state
        .app
        .audit_log(auth.0.account_id(), &filter, cursor, limit)
        .await?;
    let next_cursor = page.next.map(|id| id.to_string());
    let entries = page.entries.into_iter().map(AuditEntryResponse::from);
    if !csv_wanted {
        return Ok(Json(Page {
            data: entries.collect(),
            next_cursor,
        })
        .into_response());
    }
    let body = csv::write(&CSV_HEADER, entries.map(csv_row));
    let mut response = (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                CONTENT_DISPOSITION,
                "attachment; filename=\"tandem-audit-log.csv\"",
            ),
        ],
        body,
    )
        .into_response();
    if let Some(next) = next_cursor.and_then(|next| next.parse().ok()) {
        response.headers_mut().insert("x-next-cursor", next);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn filters_are_read_and_bad_ones_named() {
        let read = filter(&query(&[
            ("action", "user."),
            ("from", "2026-12-01T00:00:00Z"),
            ("to", "2026-12-02T00:00:00Z"),
        ]))
        .expect("valid");
        assert_eq!(read.action_prefix.as_deref(), Some("user."));
        assert!(read.from.is_some() && read.to.is_some());
        for (field, value) in [
            ("actor_id", "nope"),
            ("subject_id", "1"),
            ("from", "yesterday"),
        ] {
            let error = filter(&query(&[(field, value)])).expect_err("invalid");
            assert!(format!("{error:?}").contains(field), "{error:?}");
        }
        let backwards = filter(&query(&[
            ("from", "2026-12-02T00:00:00Z"),
            ("to", "2026-12-01T00:00:00Z"),
        ]));
        assert!(format!("{backwards:?}").contains("before_from"));
    }

    #[test]
    fn csv_is_asked_for_by_format_or_accept() {
        let mut headers = HeaderMap::new();
        assert!(!wants_csv(&query(&[]), &headers).expect("json"));
        assert!(wants_csv(&query(&[("format", "csv")]), &headers).expect("csv"));
        headers.insert(ACCEPT, "text/csv".parse().expect("header"));
        assert!(wants_csv(&query(&[]), &headers).expect("csv"));
        assert!(!wants_csv(&query(&[("format", "json")]), &headers).expect("json"));
        assert!(wants_csv(&query(&[("format", "xml")]), &headers).is_err());
    }
}
