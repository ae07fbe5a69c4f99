//! `GET /loans/offer?cpf=`: the pre-approved personal loan.

use std::collections::HashMap;

use axum::Json;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::HeaderMap;
use serde::Serialize;

use super::customer_from_query;
use crate::error::{DemoBankError, Missing};
use crate::locale::Locale;

/// The loan-offer reply.
#[derive(Debug, Serialize)]
pub(super) struct OfferResponse {
    /// The most the customer can borrow.
    max_amount: String,
    /// The lowest monthly rate in percent, without the `%` sign.
    monthly_rate: String,
    /// The most installments allowed.
    max_installments: u8,
}

pub(super) async fn offer(
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<OfferResponse>, DemoBankError> {
    let (_, customer) = customer_from_query(query)?;
    let offer = customer
        .loan_offer
        .ok_or(DemoBankError::NotAvailable(Missing::LoanOffer))?;
    let locale = Locale::from_headers(&headers);
    Ok(Json(OfferResponse {
        max_amount: locale.money(offer.max_amount_cents),
        monthly_rate: locale.rate(offer.monthly_rate_hundredths),
        max_installments: offer.max_installments,
    }))
}
