//! `POST /cards/block`, `GET /cards/invoice?cpf=` and `GET /cards/delivery?cpf=`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Serialize;

use super::{Bank, customer, customer_from_query};
use crate::calendar::{add_business_days, next_monthly_due_date};
use crate::customers::{Card, DemoCustomer};
use crate::error::{DemoBankError, Missing};
use crate::input::Body;
use crate::locale::Locale;

/// How many business days a replacement card takes, as the `card-lost-stolen` article says.
pub const REPLACEMENT_CARD_BUSINESS_DAYS: u8 = 7;

fn card(customer: &DemoCustomer) -> Result<Card, DemoBankError> {
    customer
        .card
        .ok_or(DemoBankError::NotAvailable(Missing::Card))
}

/// The card-block reply.
#[derive(Debug, Serialize)]
pub(super) struct BlockResponse {
    /// The blocked card's last four digits.
    last_digits: &'static str,
    /// `AUR-` and 8 digits (the day, `YYMMDD`, and the customer's number), matching the
    /// profile's `reference_patterns`.
    protocol: String,
    /// Business days until the replacement arrives.
    delivery_days: u8,
}

pub(super) async fn block(
    State(bank): State<Bank>,
    body: Bytes,
) -> Result<Json<BlockResponse>, DemoBankError> {
    let cpf = Body::parse(&body)?.cpf()?;
    let (index, customer) = customer(&cpf)?;
    let card = card(customer)?;
    let today = bank.today();
    // Blocking is idempotent in the demo: the same customer gets the same protocol all day.
    let protocol = format!(
        "AUR-{:02}{:02}{:02}{:02}",
        today.year().rem_euclid(100),
        today.month(),
        today.day(),
        (index + 1) % 100
    );
    Ok(Json(BlockResponse {
        last_digits: card.last_digits,
        protocol,
        delivery_days: REPLACEMENT_CARD_BUSINESS_DAYS,
    }))
}

/// The card-bill reply.
#[derive(Debug, Serialize)]
pub(super) struct InvoiceResponse {
    /// The current bill.
    amount: String,
    /// The next due date.
    due_date: String,
}

pub(super) async fn invoice(
    State(bank): State<Bank>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<InvoiceResponse>, DemoBankError> {
    let (_, customer) = customer_from_query(query)?;
    let card = card(customer)?;
    let locale = Locale::from_headers(&headers);
    Ok(Json(InvoiceResponse {
        amount: locale.money(card.invoice_cents),
        due_date: locale.date(next_monthly_due_date(bank.today(), card.due_day)),
    }))
}

/// The card-delivery reply.
#[derive(Debug, Serialize)]
pub(super) struct DeliveryResponse {
    /// Where the card is, in the caller's language.
    status: &'static str,
    /// The same as a stable code: `in_production`, `in_transit`, `out_for_delivery`.
    status_code: &'static str,
    /// The estimated delivery date.
    estimated_date: String,
}

pub(super) async fn delivery(
    State(bank): State<Bank>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<DeliveryResponse>, DemoBankError> {
    let (_, customer) = customer_from_query(query)?;
    let delivery = card(customer)?
        .delivery
        .ok_or(DemoBankError::NotAvailable(Missing::CardDelivery))?;
    let locale = Locale::from_headers(&headers);
    Ok(Json(DeliveryResponse {
        status: locale.delivery_stage(delivery.stage),
        status_code: delivery.stage.code(),
        estimated_date: locale.date(add_business_days(bank.today(), delivery.business_days_left)),
    }))
}
