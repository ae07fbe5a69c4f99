//! `GET /accounts/{cpf}/balance` and `POST /statements`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::HeaderMap;
use serde::Serialize;

use super::customer;
use crate::error::DemoBankError;
use crate::input::{self, Body};
use crate::locale::Locale;

/// The balance reply.
#[derive(Debug, Serialize)]
pub(super) struct BalanceResponse {
    /// Money available, formatted without the currency symbol.
    available: String,
    /// Money in savings boxes, formatted the same way.
    invested: String,
}

pub(super) async fn balance(
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<BalanceResponse>, DemoBankError> {
    let raw = path.ok().map(|Path(raw)| raw);
    let cpf = input::cpf(raw.as_deref())?;
    let (_, customer) = customer(&cpf)?;
    let locale = Locale::from_headers(&headers);
    Ok(Json(BalanceResponse {
        available: locale.money(customer.available_cents),
        invested: locale.money(customer.invested_cents),
    }))
}

/// The statement reply.
#[derive(Debug, Serialize)]
pub(super) struct StatementResponse {
    /// Where the last 30 days' statement went, masked.
    email: String,
}

pub(super) async fn statement(body: Bytes) -> Result<Json<StatementResponse>, DemoBankError> {
    let body = Body::parse(&body)?;
    let cpf = body.cpf()?;
    let (_, customer) = customer(&cpf)?;
    Ok(Json(StatementResponse {
        email: customer.masked_email(),
    }))
}
