//! The router: one module per resource, a shared clock as state, JSON 404s for unknown
//! paths, and the lookup of the customer every endpoint starts with.

mod accounts;
mod appointments;
mod boletos;
mod cards;
mod loans;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::routing::{get, post};
use jiff::civil::Date;

use crate::customers::{DemoCustomer, find_numbered};
use crate::error::DemoBankError;
use crate::input;

/// The router's state: only the clock, so every reply is a function of the request and
/// the day.
#[derive(Clone)]
pub(crate) struct Bank {
    today: Arc<dyn Fn() -> Date + Send + Sync>,
}

impl fmt::Debug for Bank {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Bank")
            .field("today", &(self.today)())
            .finish()
    }
}

impl Bank {
    fn today(&self) -> Date {
        (self.today)()
    }
}

/// Builds the demo core-banking API with `today` as its clock.
pub(crate) fn build(today: impl Fn() -> Date + Send + Sync + 'static) -> Router {
    let bank = Bank {
        today: Arc::new(today),
    };
    Router::new()
        .route("/boletos/second-copy", post(boletos::second_copy))
        .route("/accounts/{cpf}/balance", get(accounts::balance))
        .route("/statements", post(accounts::statement))
        .route("/cards/block", post(cards::block))
        .route("/cards/invoice", get(cards::invoice))
        .route("/cards/delivery", get(cards::delivery))
        .route("/loans/offer", get(loans::offer))
        .route("/appointments/reschedule", post(appointments::reschedule))
        .fallback(|| async { DemoBankError::RouteNotFound })
        .with_state(bank)
}

/// The demo customer a CPF belongs to, with its position in the table.
fn customer(cpf: &crate::Cpf) -> Result<(usize, &'static DemoCustomer), DemoBankError> {
    find_numbered(cpf).ok_or(DemoBankError::UnknownCustomer)
}

/// The customer named by the `cpf` query parameter.
fn customer_from_query(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<(usize, &'static DemoCustomer), DemoBankError> {
    // A map of strings only fails on a malformed query string; treat it as no CPF at all.
    let parameters = query
        .map(|Query(parameters)| parameters)
        .unwrap_or_default();
    let cpf = input::cpf(parameters.get("cpf").map(String::as_str))?;
    customer(&cpf)
}
