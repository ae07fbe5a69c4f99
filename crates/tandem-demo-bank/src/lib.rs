//! Banco Aurora's demo core-banking API: the HTTP endpoints the demo bot profile
//! (`crates/tandem-bot/profiles/demo-bank.yaml`) calls on `{core_banking_url}`, served from a
//! fixed table of fictional customers so the demo works offline end to end.
//!
//! | endpoint | input | result fields |
//! | --- | --- | --- |
//! | `POST /boletos/second-copy` | `{"cpf"}` | `amount`, `due_date`, `digitable_line` |
//! | `GET /accounts/{cpf}/balance` | path | `available`, `invested` |
//! | `POST /statements` | `{"cpf"}` | `email` (masked) |
//! | `POST /cards/block` | `{"cpf"}` | `last_digits`, `protocol`, `delivery_days` |
//! | `GET /cards/invoice?cpf=` | query | `amount`, `due_date` |
//! | `GET /cards/delivery?cpf=` | query | `status`, `status_code`, `estimated_date` |
//! | `GET /loans/offer?cpf=` | query | `max_amount`, `monthly_rate`, `max_installments` |
//! | `POST /appointments/reschedule` | `{"cpf", "date"}` (`YYYY-MM-DD`) | `date`, `time`, `branch` |
//!
//! The bot's templates print result fields verbatim, so amounts, rates and dates come
//! formatted: `1.234,56`, `1,89`, `30/11/2026` (Portuguese, the default), or in Spanish or
//! English when the request's `Accept-Language` asks. Errors use Tandem's error shape: an
//! unknown CPF is 404 `unknown_customer`, a malformed or missing field 422 `invalid_input`
//! with `details` naming the field.
//!
//! Every request needs the key the router was built with as a bearer token
//! (`Authorization: Bearer <key>`; the demo profile's actions send it from the variable
//! `core_banking_key`); without it the answer is 401 `unauthenticated`.
//!
//! The routes are relative: mount the router under the path of `core_banking_url`
//! (`/core-banking` in the demo profile), e.g. with `Router::nest_service`.
//!
//! ```
//! let app = tandem_demo_bank::router("a-long-random-key", || jiff::civil::date(2026, 11, 13));
//! let mariana = tandem_demo_bank::DEMO_CUSTOMERS[0].cpf;
//! assert_eq!(mariana, "52998224725");
//! # let _ = app;
//! ```

mod auth;
mod boleto;
mod calendar;
mod cpf;
mod customers;
mod error;
mod input;
mod locale;
mod routes;

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};

pub use crate::cpf::{Cpf, CpfError};
pub use crate::customers::{
    Appointment, Card, CardDelivery, DEMO_CUSTOMERS, DeliveryStage, DemoCustomer, LoanOffer,
    OpenBoleto, find_customer,
};
pub use crate::error::{DemoBankError, FieldError, Missing};

/// The demo core-banking API, answering only requests that carry `key` as their bearer token.
/// `today` is its clock: dates (due dates, deliveries, the protocol) are computed from it, so
/// tests pass a fixed day and production passes [`today_in_brazil`].
pub fn router(key: &str, today: impl Fn() -> Date + Send + Sync + 'static) -> axum::Router {
    routes::build(today).layer(axum::middleware::from_fn_with_state(
        std::sync::Arc::<str>::from(key),
        auth::require_key,
    ))
}

/// Today's date in Brazil's official time (UTC−3; Brazil has had no daylight saving
/// time since 2019), the clock production passes to [`router`].
pub fn today_in_brazil() -> Date {
    let brasilia = TimeZone::fixed(Offset::constant(-3));
    jiff::Timestamp::now().to_zoned(brasilia).date()
}

/// The CPFs of every demo customer, as 11 digits.
pub fn demo_cpfs() -> impl Iterator<Item = &'static str> {
    DEMO_CUSTOMERS.iter().map(|customer| customer.cpf)
}
