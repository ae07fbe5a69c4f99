//! Personal data shielded before text reaches any model: every value the one masking rule
//! finds (`tandem_nlu::masking`) becomes a typed placeholder such as `[CPF_1]`, the same value
//! always the same placeholder, and the real values stay here. An answer gets them back only
//! where it uses the placeholder, in clear for the customer who gave them or masked for staff.

use tandem_nlu::masking::{PersonalDataKind, find_personal_data, mask_value};

/// The values taken out of the texts of one request, and their placeholders.
#[derive(Debug, Default, Clone)]
pub struct Shield {
    values: Vec<Shielded>,
}

#[derive(Debug, Clone)]
struct Shielded {
    placeholder: String,
    kind: PersonalDataKind,
    raw: String,
}

/// The placeholder's tag for a kind.
fn tag(kind: PersonalDataKind) -> &'static str {
    match kind {
        PersonalDataKind::Cpf => "CPF",
        PersonalDataKind::Cnpj => "CNPJ",
        PersonalDataKind::CardNumber => "CARD",
        PersonalDataKind::CardSecurityCode => "CVV",
        PersonalDataKind::Phone => "PHONE",
        PersonalDataKind::Email => "EMAIL",
        PersonalDataKind::BankAccount => "ACCOUNT",
        PersonalDataKind::BankBranch => "BRANCH",
    }
}

impl Shield {
    /// An empty shield.
    pub fn new() -> Self {
        Self::default()
    }

    /// `text` with every personal value replaced by its placeholder.
    pub fn cover(&mut self, text: &str) -> String {
        let mut covered = String::with_capacity(text.len());
        let mut last = 0;
        for span in find_personal_data(text) {
            covered.push_str(&text[last..span.start]);
            let raw = &text[span.start..span.end];
            covered.push_str(self.placeholder_for(span.kind, raw));
            last = span.end;
        }
        covered.push_str(&text[last..]);
        covered
    }

    fn placeholder_for(&mut self, kind: PersonalDataKind, raw: &str) -> &str {
        let index = match self
            .values
            .iter()
            .position(|value| value.kind == kind && value.raw == raw)
        {
            Some(index) => index,
            None => {
                let number = self
                    .values
                    .iter()
                    .filter(|value| value.kind == kind)
                    .count()
                    + 1;
                self.values.push(Shielded {
                    placeholder: format!("[{}_{number}]", tag(kind)),
                    kind,
                    raw: raw.to_owned(),
                });
                self.values.len() - 1
            }
        };
        &self.values[index].placeholder
    }

    /// How many distinct values were covered.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no value was covered.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `answer` with each placeholder it uses replaced by the real value: for the customer
    /// who wrote the value, or a translation of their own words.
    pub fn restore(&self, answer: &str) -> String {
        self.replace_placeholders(answer, |value| value.raw.clone())
    }

    /// `answer` with each placeholder it uses replaced by the value's mask: for staff, as
    /// summaries show personal data.
    pub fn restore_masked(&self, answer: &str) -> String {
        self.replace_placeholders(answer, |value| mask_value(value.kind, &value.raw))
    }

    fn replace_placeholders(&self, answer: &str, value_of: impl Fn(&Shielded) -> String) -> String {
        let mut restored = answer.to_owned();
        // Longest first, so `[CPF_1]` never rewrites a part of `[CPF_12]`.
        let mut values: Vec<&Shielded> = self.values.iter().collect();
        values.sort_by_key(|value| std::cmp::Reverse(value.placeholder.len()));
        for value in values {
            if restored.contains(&value.placeholder) {
                restored = restored.replace(&value.placeholder, &value_of(value));
            }
        }
        restored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_typed_placeholders_and_come_back() {
        let mut shield = Shield::new();
        let covered = shield.cover("meu CPF é 123.456.789-09 e o e-mail cliente@example.com");
        assert_eq!(covered, "meu CPF é [CPF_1] e o e-mail [EMAIL_1]");
        assert_eq!(shield.len(), 2);
        assert_eq!(
            shield.restore("Confirmado para [CPF_1]."),
            "Confirmado para 123.456.789-09."
        );
        assert!(!shield.restore_masked("CPF [CPF_1]").contains("123.456"));
    }

    #[test]
    fn the_same_value_keeps_its_placeholder_across_texts() {
        let mut shield = Shield::new();
        let first = shield.cover("cpf 123.456.789-09");
        let second = shield.cover("de novo: 123.456.789-09, e 111.444.777-35");
        assert_eq!(first, "cpf [CPF_1]");
        assert_eq!(second, "de novo: [CPF_1], e [CPF_2]");
    }

    #[test]
    fn text_without_personal_data_is_unchanged() {
        let mut shield = Shield::new();
        assert_eq!(
            shield.cover("qual o limite do pix?"),
            "qual o limite do pix?"
        );
        assert!(shield.is_empty());
    }
}
