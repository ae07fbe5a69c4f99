//! Reply templates: text with `{variable}` placeholders, `{variable|fallback}` defaults and
//! `{{`/`}}` for literal braces. Parsing finds every variable, so a profile can be checked
//! before it is used; rendering asks a lookup function for each value.

use std::fmt;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Variable {
        name: String,
        fallback: Option<String>,
    },
}

/// Why a template does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{` without its `}`.
    #[error("unclosed {{ at character {position}")]
    Unclosed {
        /// Character position of the `{`.
        position: usize,
    },
    /// A `}` without an opening `{` (write `}}` for a literal brace).
    #[error("unmatched }} at character {position} (write }}}} for a literal brace)")]
    Unmatched {
        /// Character position of the `}`.
        position: usize,
    },
    /// A placeholder whose name is empty or has characters other than letters, digits, `_`
    /// and `.`.
    #[error("invalid variable name {{{name}}}")]
    InvalidName {
        /// The text between the braces.
        name: String,
    },
}

/// A variable the lookup did not know, and which had no fallback.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no value for {{{0}}}")]
pub struct MissingVariable(pub String);

impl Template {
    /// Parses `source`.
    ///
    /// # Errors
    /// [`TemplateError`] for unbalanced braces or an invalid variable name.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.chars().enumerate().peekable();
        while let Some((position, character)) = chars.next() {
            match character {
                '{' if chars.peek().is_some_and(|(_, next)| *next == '{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().is_some_and(|(_, next)| *next == '}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => return Err(TemplateError::Unmatched { position }),
                '{' => {
                    let mut inner = String::new();
                    let mut closed = false;
                    for (_, next) in chars.by_ref() {
                        if next == '}' {
                            closed = true;
                            break;
                        }
                        inner.push(next);
                    }
                    if !closed {
                        return Err(TemplateError::Unclosed { position });
                    }
                    let (name, fallback) = match inner.split_once('|') {
                        Some((name, fallback)) => (name.trim(), Some(fallback.to_owned())),
                        None => (inner.trim(), None),
                    };
                    if !is_variable_name(name) {
                        return Err(TemplateError::InvalidName { name: inner });
                    }
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Variable {
                        name: name.to_owned(),
                        fallback,
                    });
                }
                other => text.push(other),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// The variables the template uses, in order of appearance (repeats included).
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Variable { name, .. } => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    /// Fills the template: each variable's value comes from `lookup`, or from its fallback
    /// when `lookup` returns `None`. Runs of spaces left by empty values are collapsed.
    ///
    /// # Errors
    /// [`MissingVariable`] for the first variable with neither a value nor a fallback.
    pub fn render(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<String, MissingVariable> {
        let mut output = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => output.push_str(text),
                Part::Variable { name, fallback } => match lookup(name) {
                    Some(value) => output.push_str(&value),
                    None => match fallback {
                        Some(fallback) => output.push_str(fallback),
                        None => return Err(MissingVariable(name.clone())),
                    },
                },
            }
        }
        Ok(tidy(&output))
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Text(text) => f.write_str(&text.replace('{', "{{").replace('}', "}}"))?,
                Part::Variable {
                    name,
                    fallback: None,
                } => write!(f, "{{{name}}}")?,
                Part::Variable {
                    name,
                    fallback: Some(fallback),
                } => write!(f, "{{{name}|{fallback}}}")?,
            }
        }
        Ok(())
    }
}

/// Letters, digits, `_` and `.` (for `result.due_date`), not starting or ending with a dot.
fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Collapses runs of spaces and removes a space left before punctuation by an empty value
/// ("Olá , tudo bem?" → "Olá, tudo bem?").
fn tidy(text: &str) -> String {
    let mut tidied = String::with_capacity(text.len());
    for character in text.chars() {
        if character == ' ' && tidied.ends_with(' ') {
            continue;
        }
        if matches!(character, ',' | '.' | '!' | '?' | ';' | ':') && tidied.ends_with(' ') {
            tidied.pop();
        }
        tidied.push(character);
    }
    tidied.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(source: &str, values: &[(&str, &str)]) -> Result<String, MissingVariable> {
        Template::parse(source).unwrap().render(|name| {
            values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn variables_are_listed_in_order() {
        let template =
            Template::parse("Olá {first_name}, seu boleto vence {result.due_date}.").unwrap();
        assert_eq!(
            template.variables().collect::<Vec<_>>(),
            ["first_name", "result.due_date"]
        );
    }

    #[test]
    fn values_fallbacks_and_literal_braces_render() {
        assert_eq!(
            render("Olá, {name|cliente}! {{ok}}", &[]).unwrap(),
            "Olá, cliente! {ok}"
        );
        assert_eq!(
            render("Olá, {name}!", &[("name", "Ana")]).unwrap(),
            "Olá, Ana!"
        );
        assert_eq!(
            render("Olá {name|}, tudo bem?", &[]).unwrap(),
            "Olá, tudo bem?"
        );
        assert_eq!(
            render("Vence {date}", &[]),
            Err(MissingVariable("date".to_owned()))
        );
    }

    #[test]
    fn malformed_templates_are_rejected() {
        assert_eq!(
            Template::parse("Olá {name"),
            Err(TemplateError::Unclosed { position: 4 })
        );
        assert_eq!(
            Template::parse("Olá }"),
            Err(TemplateError::Unmatched { position: 4 })
        );
        assert!(matches!(
            Template::parse("Olá {}"),
            Err(TemplateError::InvalidName { .. })
        ));
        assert!(matches!(
            Template::parse("Olá {first name}"),
            Err(TemplateError::InvalidName { .. })
        ));
    }

    #[test]
    fn display_round_trips() {
        let source = "A {x} {{b}} {y|z}";
        assert_eq!(Template::parse(source).unwrap().to_string(), source);
    }
}
