//! Field-level validation errors shared by every input type.

use serde::Serialize;

/// One invalid input field: which one, a stable code, and a sentence for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// Every problem found in one input, so a client can fix them all at once.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", describe(.0))]
pub struct ValidationError(pub Vec<FieldError>);

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|error| format!("{}: {}", error.field, error.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationError {
    /// A single-field error.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self(vec![FieldError {
            field: field.into(),
            code,
            message: message.into(),
        }])
    }
}

/// Collects field errors while an input is checked, then yields the result.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with `field`.
    pub fn reject(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            code,
            message: message.into(),
        });
    }

    /// Checks that a trimmed text is non-empty and at most `max_chars` characters long.
    pub fn text(&mut self, field: &str, value: &str, max_chars: usize) {
        let chars = value.trim().chars().count();
        if chars == 0 {
            self.reject(field, "required", "must not be empty");
        } else if value.chars().count() > max_chars {
            self.reject(
                field,
                "too_long",
                format!("must be at most {max_chars} characters"),
            );
        }
    }

    /// Checks an optional text the same way as [`Validator::text`] when it is present.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max_chars: usize) {
        if let Some(value) = value {
            self.text(field, value, max_chars);
        }
    }

    /// `Ok(())` when nothing was rejected, else every recorded problem.
    pub fn finish(self) -> Result<(), ValidationError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationError(self.errors))
        }
    }
}

/// Longest display name, team name or inbox name accepted.
pub const MAX_NAME_CHARS: usize = 200;

/// Checks the shape of an e-mail address (one `@`, a dotted domain, no spaces) and returns it
/// trimmed and lowercased.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let is_valid = !local.is_empty()
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace);
    is_valid.then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email("  Ana@Example.COM "),
            Some("ana@example.com".into())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "ana@com",
            "a b@x.com",
            "a@x.",
            "a@@x.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn validator_collects_every_problem() {
        let mut validator = Validator::new();
        validator.text("name", "  ", 10);
        validator.text("title", "abcdefghijk", 10);
        validator.text("ok", "fine", 10);
        let errors = validator.finish().unwrap_err().0;
        assert_eq!(
            errors
                .iter()
                .map(|e| (e.field.as_str(), e.code))
                .collect::<Vec<_>>(),
            vec![("name", "required"), ("title", "too_long")]
        );
    }
}
