//! `POST /appointments/reschedule`: moves the booked visit to the asked day, same time and
//! Aurora space; a weekend moves to the Monday after.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;

use super::{Bank, customer};
use crate::calendar::{add_days, business_day_on_or_after};
use crate::error::{DemoBankError, FieldError, Missing};
use crate::input::{self, Body};
use crate::locale::Locale;

/// How far ahead a visit can be booked.
pub const BOOKING_HORIZON_DAYS: i32 = 90;

/// The reschedule reply.
#[derive(Debug, Serialize)]
pub(super) struct RescheduleResponse {
    /// The new day (a business day).
    date: String,
    /// The time of day, unchanged: `HH:MM`.
    time: &'static str,
    /// The Aurora space.
    branch: &'static str,
}

pub(super) async fn reschedule(
    State(bank): State<Bank>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RescheduleResponse>, DemoBankError> {
    let body = Body::parse(&body)?;
    let today = bank.today();
    let date = body
        .string("date")
        .and_then(|raw| input::iso_date("date", Some(raw)))
        .and_then(|date| {
            if date < today {
                Err(FieldError::new(
                    "date",
                    "date_in_past",
                    "date must be today or later",
                ))
            } else if date > add_days(today, BOOKING_HORIZON_DAYS) {
                Err(FieldError::new(
                    "date",
                    "date_too_far",
                    format!("date must be within {BOOKING_HORIZON_DAYS} days"),
                ))
            } else {
                Ok(date)
            }
        });
    let (cpf, date) = input::both(body.cpf(), date)?;
    let (_, customer) = customer(&cpf)?;
    let appointment = customer
        .appointment
        .ok_or(DemoBankError::NotAvailable(Missing::Appointment))?;
    let locale = Locale::from_headers(&headers);
    Ok(Json(RescheduleResponse {
        date: locale.date(business_day_on_or_after(date)),
        time: appointment.time,
        branch: appointment.branch,
    }))
}
