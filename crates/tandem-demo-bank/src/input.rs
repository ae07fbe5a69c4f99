//! Reading the bot's inputs (a JSON body of strings, a query string or a path segment)
//! into typed values, collecting every field problem so one 422 names them all.

use jiff::civil::Date;
use serde_json::{Map, Value};

use crate::cpf::Cpf;
use crate::error::{DemoBankError, FieldError};

/// A JSON request body: an object whose fields the bot sends as strings.
#[derive(Debug)]
pub struct Body(Map<String, Value>);

impl Body {
    /// Parses the raw body; an empty body counts as `{}` so missing fields are named.
    pub fn parse(bytes: &[u8]) -> Result<Body, DemoBankError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Map::new()));
        }
        match serde_json::from_slice(bytes) {
            Ok(Value::Object(fields)) => Ok(Body(fields)),
            _ => Err(DemoBankError::InvalidJson),
        }
    }

    /// The string field `name`; `null` counts as missing.
    pub fn string(&self, name: &'static str) -> Result<&str, FieldError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Err(FieldError::missing(name)),
            Some(Value::String(text)) => Ok(text),
            Some(_) => Err(FieldError::new(
                name,
                "not_a_string",
                format!("{name} must be a string"),
            )),
        }
    }

    /// The `cpf` field.
    pub fn cpf(&self) -> Result<Cpf, FieldError> {
        cpf(Some(self.string("cpf")?))
    }
}

/// The CPF in `raw`, named `cpf` in errors.
pub fn cpf(raw: Option<&str>) -> Result<Cpf, FieldError> {
    let raw = raw.ok_or_else(|| FieldError::missing("cpf"))?;
    Cpf::parse(raw).map_err(|error| FieldError::new("cpf", "invalid_cpf", error.to_string()))
}

/// An ISO `YYYY-MM-DD` date in `raw`, named `field` in errors.
pub fn iso_date(field: &'static str, raw: Option<&str>) -> Result<Date, FieldError> {
    let raw = raw.ok_or_else(|| FieldError::missing(field))?;
    raw.trim().parse::<Date>().map_err(|_| {
        FieldError::new(
            field,
            "invalid_date",
            format!("{field} must be a date written YYYY-MM-DD"),
        )
    })
}

/// Both results, or every error among them.
pub fn both<A, B>(
    first: Result<A, FieldError>,
    second: Result<B, FieldError>,
) -> Result<(A, B), DemoBankError> {
    match (first, second) {
        (Ok(first), Ok(second)) => Ok((first, second)),
        (first, second) => Err(DemoBankError::InvalidInput(
            first.err().into_iter().chain(second.err()).collect(),
        )),
    }
}
