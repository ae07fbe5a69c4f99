//! The demo API's errors and their JSON shape, the same as Tandem's own API:
//! `{"error": {"code", "message", "details": [{"field", "code", "message"}]}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Something of the customer's that the demo data does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// No open boleto.
    Boleto,
    /// No credit card.
    Card,
    /// No card on its way.
    CardDelivery,
    /// No pre-approved loan.
    LoanOffer,
    /// No booked appointment.
    Appointment,
}

impl Missing {
    fn code(self) -> &'static str {
        match self {
            Missing::Boleto => "no_open_boleto",
            Missing::Card => "no_card",
            Missing::CardDelivery => "no_card_delivery",
            Missing::LoanOffer => "no_loan_offer",
            Missing::Appointment => "no_appointment",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Missing::Boleto => "the customer has no open boleto",
            Missing::Card => "the customer has no credit card",
            Missing::CardDelivery => "the customer has no card being delivered",
            Missing::LoanOffer => "the customer has no pre-approved loan",
            Missing::Appointment => "the customer has no appointment to reschedule",
        }
    }
}

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field: `cpf` or `date`.
    pub field: &'static str,
    /// Stable snake_case code: `missing`, `invalid_cpf`, `invalid_date`, `date_in_past`...
    pub code: &'static str,
    /// A human explanation.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            code,
            message: message.into(),
        }
    }

    /// `field` is required and absent.
    pub fn missing(field: &'static str) -> Self {
        FieldError::new(field, "missing", format!("{field} is required"))
    }
}

/// Every way a demo request can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DemoBankError {
    /// The request did not carry the API's key (401 `unauthenticated`).
    #[error("this API needs its key as a bearer token")]
    Unauthenticated,
    /// The CPF is valid but belongs to no demo customer (404 `unknown_customer`).
    #[error("no demo customer has this CPF")]
    UnknownCustomer,
    /// The customer exists but lacks what was asked for (404, code from [`Missing`]).
    #[error("{}", .0.message())]
    NotAvailable(Missing),
    /// Bad or missing fields (422 `invalid_input`, every problem in `details`).
    #[error("invalid input: {}", describe(.0))]
    InvalidInput(Vec<FieldError>),
    /// The body is not a JSON object (400 `invalid_json`).
    #[error("the body must be a JSON object")]
    InvalidJson,
    /// No such endpoint (404 `route_not_found`).
    #[error("no such endpoint in the demo core-banking API")]
    RouteNotFound,
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|error| format!("{}: {}", error.field, error.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl DemoBankError {
    /// The HTTP status and the stable wire code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            DemoBankError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            DemoBankError::UnknownCustomer => (StatusCode::NOT_FOUND, "unknown_customer"),
            DemoBankError::NotAvailable(missing) => (StatusCode::NOT_FOUND, missing.code()),
            DemoBankError::InvalidInput(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            DemoBankError::InvalidJson => (StatusCode::BAD_REQUEST, "invalid_json"),
            DemoBankError::RouteNotFound => (StatusCode::NOT_FOUND, "route_not_found"),
        }
    }
}

impl From<FieldError> for DemoBankError {
    fn from(error: FieldError) -> Self {
        DemoBankError::InvalidInput(vec![error])
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorPayload<'a>,
}

#[derive(Serialize)]
struct ErrorPayload<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    details: &'a [FieldError],
}

impl IntoResponse for DemoBankError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let details: &[FieldError] = match &self {
            DemoBankError::InvalidInput(errors) => errors,
            _ => &[],
        };
        let body = ErrorBody {
            error: ErrorPayload {
                code,
                message: self.to_string(),
                details,
            },
        };
        (status, Json(body)).into_response()
    }
}
