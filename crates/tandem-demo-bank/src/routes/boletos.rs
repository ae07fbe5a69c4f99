//! `POST /boletos/second-copy`: the open boleto, re-issued.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;

use super::{Bank, customer};
use crate::boleto::second_copy as issue_second_copy;
use crate::error::{DemoBankError, Missing};
use crate::input::Body;
use crate::locale::Locale;

/// The second-copy reply.
#[derive(Debug, Serialize)]
pub(super) struct SecondCopyResponse {
    /// The amount to pay, late fee and interest included.
    amount: String,
    /// The due date of this copy.
    due_date: String,
    /// The 47-digit line to type or paste into a banking app.
    digitable_line: String,
}

pub(super) async fn second_copy(
    State(bank): State<Bank>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SecondCopyResponse>, DemoBankError> {
    let cpf = Body::parse(&body)?.cpf()?;
    let (_, customer) = customer(&cpf)?;
    let boleto = customer
        .boleto
        .ok_or(DemoBankError::NotAvailable(Missing::Boleto))?;
    let copy = issue_second_copy(customer, &boleto, bank.today());
    let locale = Locale::from_headers(&headers);
    Ok(Json(SecondCopyResponse {
        amount: locale.money(copy.amount_cents),
        due_date: locale.date(copy.due_date),
        digitable_line: copy.digitable_line,
    }))
}
