//! Canned responses: replies an account writes once and its agents insert by shortcut, e.g.
//! `/boleto` in the reply box.

use crate::Timestamp;
use crate::id::{AccountId, CannedResponseId};
use crate::validation::{MAX_NAME_CHARS, Validator};

/// The longest shortcut.
pub const MAX_SHORTCUT_CHARS: usize = 32;
/// The longest canned text.
pub const MAX_CANNED_TEXT_CHARS: usize = 4000;

/// A reusable reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CannedResponse {
    pub id: CannedResponseId,
    pub account_id: AccountId,
    /// What the agent types after `/`: lowercase letters, digits, `-` and `_`, unique per account.
    pub shortcut: String,
    pub title: String,
    pub text: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Checks the fields of a canned response that are present.
pub fn validate(
    validator: &mut Validator,
    shortcut: Option<&str>,
    title: Option<&str>,
    text: Option<&str>,
) {
    if let Some(shortcut) = shortcut {
        let well_formed = !shortcut.is_empty()
            && shortcut.chars().count() <= MAX_SHORTCUT_CHARS
            && shortcut
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !well_formed {
            validator.reject(
                "shortcut",
                "invalid_shortcut",
                format!(
                    "must be 1 to {MAX_SHORTCUT_CHARS} characters of a-z, 0-9, '-' and '_' (without the '/')"
                ),
            );
        }
    }
    validator.optional_text("title", title, MAX_NAME_CHARS);
    validator.optional_text("text", text, MAX_CANNED_TEXT_CHARS);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_rejected(shortcut: &str, title: &str, text: &str) -> Vec<String> {
        let mut validator = Validator::new();
        validate(&mut validator, Some(shortcut), Some(title), Some(text));
        match validator.finish() {
            Ok(()) => vec![],
            Err(error) => error.0.into_iter().map(|field| field.field).collect(),
        }
    }

    #[test]
    fn shortcuts_are_short_lowercase_words() {
        assert!(fields_rejected("boleto", "Boleto", "Segue o boleto").is_empty());
        assert!(fields_rejected("2a-via_boleto", "Boleto", "x").is_empty());
        for bad in [
            "",
            "/boleto",
            "Boleto",
            "segunda via",
            "cartão",
            &"a".repeat(33),
        ] {
            assert_eq!(fields_rejected(bad, "t", "x"), ["shortcut"], "{bad:?}");
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(
            fields_rejected("ok", " ", &"x".repeat(MAX_CANNED_TEXT_CHARS + 1)),
            ["title", "text"]
        );
    }
}
