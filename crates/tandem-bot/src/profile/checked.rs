//! `Checked<T>`: a profile value written as a string that may not name anything valid (an
//! entity kind, an HTTP method, an attribute rule). The raw text is always kept, so one bad
//! value does not stop the parse and validation reports it with its path.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tandem_nlu::EntityKind;

/// Something that can be read from the string a profile author wrote.
pub trait ParseName: Sized {
    /// The value `raw` names, if any.
    fn parse_name(raw: &str) -> Option<Self>;
    /// What a valid value looks like, for error messages.
    fn expected() -> &'static str;
}

/// A string from the profile and the value it names, if it names one.
#[derive(Clone, PartialEq)]
pub struct Checked<T> {
    raw: String,
    value: Option<T>,
}

impl<T: ParseName> Checked<T> {
    /// Reads `raw`.
    pub fn new(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let value = T::parse_name(raw.trim());
        Checked { raw, value }
    }
}

impl<T> Checked<T> {
    /// The value, or `None` when the text names nothing valid (validation reports that).
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// The text as written.
    pub fn raw(&self) -> &str {
        &self.raw
    }
}

impl<T: fmt::Debug> fmt::Debug for Checked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => value.fmt(f),
            None => write!(f, "Invalid({:?})", self.raw),
        }
    }
}

impl<T> Serialize for Checked<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de, T: ParseName> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Checked::new)
    }
}

impl ParseName for EntityKind {
    fn parse_name(raw: &str) -> Option<Self> {
        Some(match raw {
            "cpf" => EntityKind::Cpf,
            "cnpj" => EntityKind::Cnpj,
            "email" => EntityKind::Email,
            "phone" => EntityKind::Phone,
            "money" => EntityKind::Money,
            "date" => EntityKind::Date,
            "reference" => EntityKind::Reference,
            "card_number" => EntityKind::CardNumber,
            _ => return None,
        })
    }

    fn expected() -> &'static str {
        "cpf, cnpj, email, phone, money, date, reference, card_number"
    }
}

/// The HTTP method of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`: the slots travel as query parameters.
    Get,
    /// `POST`: the slots travel as a JSON object body.
    Post,
    /// `PUT`: the slots travel as a JSON object body.
    Put,
    /// `PATCH`: the slots travel as a JSON object body.
    Patch,
    /// `DELETE`: the slots travel as query parameters.
    Delete,
}

impl HttpMethod {
    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Whether the slots go in a JSON body rather than in the query string.
    pub fn has_body(self) -> bool {
        matches!(self, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch)
    }
}

impl ParseName for HttpMethod {
    fn parse_name(raw: &str) -> Option<Self> {
        Some(match raw.to_ascii_uppercase().as_str() {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            _ => return None,
        })
    }

    fn expected() -> &'static str {
        "GET, POST, PUT, PATCH, DELETE"
    }
}
