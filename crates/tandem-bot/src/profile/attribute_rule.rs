//! Contact attribute conditions of the `high_value` rule, written as one line each:
//! `tier = vip`, `segment != retail`, `lifetime_value >= 100000`, `tier in [vip, private]`.

use serde_json::Value;
use tandem_domain::contact::Attributes;

use crate::profile::checked::ParseName;

/// How an attribute is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `=`: equal as text, ignoring case.
    Equals,
    /// `!=`: present and not equal as text.
    NotEquals,
    /// `>=`: a number at least the value.
    AtLeast,
    /// `>`: a number above the value.
    GreaterThan,
    /// `<=`: a number at most the value.
    AtMost,
    /// `<`: a number below the value.
    LessThan,
    /// `in [a, b]`: equal as text to one of the values.
    OneOf,
}

/// One parsed condition on a contact attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeCondition {
    /// The attribute's name.
    pub attribute: String,
    /// The comparison.
    pub operator: Operator,
    /// The value(s) compared with, unquoted.
    pub values: Vec<String>,
}

impl AttributeCondition {
    /// The attribute's value when the condition holds for `attributes`.
    pub fn matches<'a>(&self, attributes: &'a Attributes) -> Option<&'a Value> {
        let value = attributes.get(&self.attribute)?;
        let text = as_text(value)?;
        let holds = match self.operator {
            Operator::Equals => self.values.iter().any(|v| v.eq_ignore_ascii_case(&text)),
            Operator::NotEquals => !self.values.iter().any(|v| v.eq_ignore_ascii_case(&text)),
            Operator::OneOf => self.values.iter().any(|v| v.eq_ignore_ascii_case(&text)),
            Operator::AtLeast | Operator::GreaterThan | Operator::AtMost | Operator::LessThan => {
                let number = text.trim().parse::<f64>().ok()?;
                let limit = self.values.first()?.parse::<f64>().ok()?;
                match self.operator {
                    Operator::AtLeast => number >= limit,
                    Operator::GreaterThan => number > limit,
                    Operator::AtMost => number <= limit,
                    _ => number < limit,
                }
            }
        };
        holds.then_some(value)
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn unquote(value: &str) -> String {
    let value = value.trim();
    let quoted = value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')));
    if quoted {
        value[1..value.len() - 1].to_owned()
    } else {
        value.to_owned()
    }
}

fn is_attribute_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl ParseName for AttributeCondition {
    fn parse_name(raw: &str) -> Option<Self> {
        if let Some((attribute, list)) = raw.split_once(" in ") {
            let list = list.trim().strip_prefix('[')?.strip_suffix(']')?;
            let values: Vec<String> = list
                .split(',')
                .map(unquote)
                .filter(|v| !v.is_empty())
                .collect();
            let attribute = attribute.trim();
            return (is_attribute_name(attribute) && !values.is_empty()).then(|| {
                AttributeCondition {
                    attribute: attribute.to_owned(),
                    operator: Operator::OneOf,
                    values,
                }
            });
        }
        // Two-character operators first, so `>=` is not read as `>`.
        let operators = [
            (">=", Operator::AtLeast),
            ("<=", Operator::AtMost),
            ("!=", Operator::NotEquals),
            ("==", Operator::Equals),
            (">", Operator::GreaterThan),
            ("<", Operator::LessThan),
            ("=", Operator::Equals),
        ];
        let (attribute, operator, value) = operators.iter().find_map(|(symbol, operator)| {
            raw.split_once(symbol)
                .map(|(attribute, value)| (attribute.trim(), *operator, unquote(value)))
        })?;
        let is_numeric = matches!(
            operator,
            Operator::AtLeast | Operator::AtMost | Operator::GreaterThan | Operator::LessThan
        );
        if !is_attribute_name(attribute)
            || value.is_empty()
            || (is_numeric && value.parse::<f64>().is_err())
        {
            return None;
        }
        Some(AttributeCondition {
            attribute: attribute.to_owned(),
            operator,
            values: vec![value],
        })
    }

    fn expected() -> &'static str {
        "`attribute = value`, `attribute != value`, `attribute >= number` (or >, <=, <) or `attribute in [a, b]`"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attributes(value: Value) -> Attributes {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn conditions_parse_and_match() {
        let contact =
            attributes(json!({"tier": "VIP", "lifetime_value": 250000, "segment": "retail"}));
        let cases = [
            ("tier = vip", true),
            ("tier == 'vip'", true),
            ("tier != vip", false),
            ("tier in [gold, vip]", true),
            ("lifetime_value >= 100000", true),
            ("lifetime_value < 100000", false),
            ("segment = private", false),
            ("missing = x", false),
        ];
        for (rule, expected) in cases {
            let condition = AttributeCondition::parse_name(rule).unwrap();
            assert_eq!(condition.matches(&contact).is_some(), expected, "{rule}");
        }
    }

    #[test]
    fn malformed_conditions_do_not_parse() {
        for rule in [
            "tier",
            "= vip",
            "tier >= lots",
            "tier in vip",
            "first name = x",
            "tier in []",
        ] {
            assert_eq!(AttributeCondition::parse_name(rule), None, "{rule}");
        }
    }
}
