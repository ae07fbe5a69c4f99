//! Contacts (customers), the identities that link every channel to one person, and their
//! attributes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::id::{AccountId, ContactId};
use crate::validation::{MAX_NAME_CHARS, ValidationError, Validator, normalize_email};

/// Free-form attributes of a contact (name of a CRM field → JSON value).
pub type Attributes = serde_json::Map<String, serde_json::Value>;

/// A customer of an account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub account_id: AccountId,
    pub name: Option<String>,
    pub attributes: Attributes,
    pub identities: Vec<Identity>,
    pub created_at: Timestamp,
}

/// The kinds of identity a contact can be known by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Phone,
    Email,
    Whatsapp,
    Instagram,
    Messenger,
    Telegram,
    WebVisitor,
    /// An id in the integrating company's own systems (the API channel).
    External,
}

impl IdentityKind {
    pub const ALL: [IdentityKind; 8] = [
        IdentityKind::Phone,
        IdentityKind::Email,
        IdentityKind::Whatsapp,
        IdentityKind::Instagram,
        IdentityKind::Messenger,
        IdentityKind::Telegram,
        IdentityKind::WebVisitor,
        IdentityKind::External,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Phone => "phone",
            IdentityKind::Email => "email",
            IdentityKind::Whatsapp => "whatsapp",
            IdentityKind::Instagram => "instagram",
            IdentityKind::Messenger => "messenger",
            IdentityKind::Telegram => "telegram",
            IdentityKind::WebVisitor => "web_visitor",
            IdentityKind::External => "external",
        }
    }
}

impl fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdentityKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdentityKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| {
                ValidationError::field(
                    "kind",
                    "unknown_identity_kind",
                    format!(
                        "unknown identity kind {s:?}; one of {}",
                        IdentityKind::ALL.map(IdentityKind::as_str).join(", ")
                    ),
                )
            })
    }
}

/// One way of recognising a contact on a channel, normalised so that equal identities compare
/// equal (`+55 (11) 98765-4321` and `5511987654321` are one phone).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    pub kind: IdentityKind,
    pub value: String,
}

/// Longest identity value accepted.
pub const MAX_IDENTITY_CHARS: usize = 320;

impl Identity {
    /// Validates and normalises an identity; `field` names it in errors.
    pub fn parse(kind: IdentityKind, raw: &str, field: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.chars().any(char::is_control) {
            return Err(ValidationError::field(
                field,
                "invalid_character",
                "must not contain control characters",
            ));
        }
        let value = match kind {
            IdentityKind::Email => normalize_email(trimmed).ok_or_else(|| {
                ValidationError::field(field, "invalid_email", "must be an e-mail address")
            })?,
            IdentityKind::Phone | IdentityKind::Whatsapp => {
                normalize_phone(trimmed).ok_or_else(|| {
                    ValidationError::field(
                        field,
                        "invalid_phone",
                        "must be an international phone number with 8 to 15 digits",
                    )
                })?
            }
            _ => {
                let mut validator = Validator::new();
                validator.text(field, trimmed, MAX_IDENTITY_CHARS);
                validator.finish()?;
                trimmed.to_owned()
            }
        };
        Ok(Self { kind, value })
    }
}

/// Reduces a phone number to `+` and its digits, accepting common punctuation.
fn normalize_phone(raw: &str) -> Option<String> {
    let is_punctuation = |c: char| matches!(c, ' ' | '-' | '.' | '(' | ')');
    let without_plus = raw.strip_prefix('+').unwrap_or(raw);
    if !without_plus
        .chars()
        .all(|c| c.is_ascii_digit() || is_punctuation(c))
    {
        return None;
    }
    let digits: String = without_plus.chars().filter(char::is_ascii_digit).collect();
    (8..=15)
        .contains(&digits.len())
        .then(|| format!("+{digits}"))
}

/// Validated input for a new contact.
#[derive(Clone, Debug, PartialEq)]
pub struct NewContact {
    pub name: Option<String>,
    pub attributes: Attributes,
    pub identities: Vec<Identity>,
}

/// Most attributes a contact may hold, and the longest serialised attributes object.
pub const MAX_ATTRIBUTES: usize = 100;
pub const MAX_ATTRIBUTES_BYTES: usize = 16 * 1024;

/// Validates a contact's name and attributes.
pub fn validate_contact(
    name: Option<&str>,
    attributes: Option<&Attributes>,
) -> Result<(), ValidationError> {
    let mut validator = Validator::new();
    validator.optional_text("name", name, MAX_NAME_CHARS);
    if let Some(attributes) = attributes {
        if attributes.len() > MAX_ATTRIBUTES {
            validator.reject(
                "attributes",
                "too_many",
                format!("at most {MAX_ATTRIBUTES} attributes"),
            );
        }
        let bytes = serde_json::to_vec(attributes).map_or(usize::MAX, |json| json.len());
        if bytes > MAX_ATTRIBUTES_BYTES {
            validator.reject(
                "attributes",
                "too_large",
                format!("must serialise to at most {MAX_ATTRIBUTES_BYTES} bytes"),
            );
        }
        for key in attributes.keys() {
            if key.is_empty() || key.len() > 64 {
                validator.reject(
                    &format!("attributes.{key}"),
                    "invalid_key",
                    "attribute names must have 1 to 64 characters",
                );
            }
        }
    }
    validator.finish()
}

/// An attribute both contacts of a merge have, with different values: the kept contact's
/// value stays, the other's is dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeConflict {
    pub attribute: String,
    pub kept: serde_json::Value,
    pub dropped: serde_json::Value,
}

impl Contact {
    /// This contact after `other` is merged into it: its own name and attribute values win,
    /// the other's fill what it lacks, and both sets of identities are its. Also returns the
    /// attributes whose other value is dropped.
    #[must_use]
    pub fn merged_with(&self, other: &Contact) -> (Contact, Vec<AttributeConflict>) {
        let conflicts = self
            .attributes
            .iter()
            .filter_map(|(attribute, kept)| {
                let dropped = other.attributes.get(attribute)?;
                (dropped != kept).then(|| AttributeConflict {
                    attribute: attribute.clone(),
                    kept: kept.clone(),
                    dropped: dropped.clone(),
                })
            })
            .collect();
        let mut attributes = other.attributes.clone();
        attributes.extend(self.attributes.clone());
        let mut identities = self.identities.clone();
        identities.extend(other.identities.iter().cloned());
        let merged = Contact {
            name: self.name.clone().or_else(|| other.name.clone()),
            attributes,
            identities,
            ..self.clone()
        };
        (merged, conflicts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_identities_are_normalised_to_digits() {
        for raw in ["+55 (11) 98765-4321", "5511987654321", "55.11.98765.4321"] {
            assert_eq!(
                Identity::parse(IdentityKind::Phone, raw, "identity.value")
                    .unwrap()
                    .value,
                "+5511987654321"
            );
        }
        for bad in ["123", "+55 11 9876x4321", "1234567890123456"] {
            let error = Identity::parse(IdentityKind::Whatsapp, bad, "identity.value").unwrap_err();
            assert_eq!(error.0[0].field, "identity.value");
        }
    }

    #[test]
    fn email_identities_are_lowercased_and_other_kinds_trimmed() {
        assert_eq!(
            Identity::parse(IdentityKind::Email, " Ana@X.com ", "v")
                .unwrap()
                .value,
            "ana@x.com"
        );
        assert_eq!(
            Identity::parse(IdentityKind::External, "  crm-42 ", "v")
                .unwrap()
                .value,
            "crm-42"
        );
        assert!(Identity::parse(IdentityKind::Telegram, "   ", "v").is_err());
    }

    #[test]
    fn identity_kinds_round_trip_through_their_names() {
        for kind in IdentityKind::ALL {
            assert_eq!(kind.as_str().parse::<IdentityKind>().unwrap(), kind);
        }
    }

    #[test]
    fn oversized_attributes_are_rejected() {
        let mut attributes = Attributes::new();
        attributes.insert("notes".into(), "x".repeat(MAX_ATTRIBUTES_BYTES).into());
        assert_eq!(
            validate_contact(None, Some(&attributes)).unwrap_err().0[0].code,
            "too_large"
        );
    }

    #[test]
    fn a_merge_keeps_the_kept_contacts_values_and_names_what_it_drops() {
        let contact = |name: Option<&str>, attributes: serde_json::Value| Contact {
            id: ContactId::generate(),
            account_id: AccountId::generate(),
            name: name.map(str::to_owned),
            attributes: attributes.as_object().cloned().unwrap_or_default(),
            identities: Vec::new(),
            created_at: Timestamp::UNIX_EPOCH,
        };
        let kept = contact(None, serde_json::json!({"tier": "gold", "city": "Recife"}));
        let other = contact(
            Some("Maria"),
            serde_json::json!({"tier": "silver", "city": "Recife", "cpf_verified": true}),
        );
        let (merged, conflicts) = kept.merged_with(&other);
        assert_eq!(merged.id, kept.id);
        assert_eq!(merged.name.as_deref(), Some("Maria"));
        assert_eq!(merged.attributes["tier"], "gold");
        assert_eq!(merged.attributes["cpf_verified"], true);
        assert_eq!(
            conflicts,
            [AttributeConflict {
                attribute: "tier".into(),
                kept: "gold".into(),
                dropped: "silver".into(),
            }]
        );
    }
}
