//! A model's text made presentable, still untrusted: labels and quotes it added around the
//! answer removed, what it went on to invent after the answer (another turn, the data
//! markers) cut, control characters dropped, the length bounded.

/// The longest text kept from a model, in characters.
pub const MAX_OUTPUT_CHARS: usize = 1_500;

/// Lines that start another turn the model made up; the text is cut there.
const TURN_STARTS: &[&str] = &[
    "<<<",
    ">>>",
    "customer:",
    "customer's question",
    "user:",
    "assistant:",
    "articles:",
    "transcript:",
    "text:",
    "reply:",
];

/// Labels a model may put before the answer.
const LABELS: &[&str] = &[
    "answer:",
    "summary:",
    "rewritten reply:",
    "translation:",
    "resposta:",
    "respuesta:",
];

/// `raw` cleaned as the module says.
pub fn clean(raw: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in raw.lines() {
        let lower = line.trim().to_lowercase();
        if !kept.is_empty() && TURN_STARTS.iter().any(|start| lower.starts_with(start)) {
            break;
        }
        if kept.is_empty() && TURN_STARTS.iter().any(|start| lower.starts_with(start)) {
            continue;
        }
        kept.push(line);
    }
    let mut text = kept.join("\n").trim().to_owned();
    for label in LABELS {
        if text.to_lowercase().starts_with(label) {
            text = text[label.len()..].trim_start().to_owned();
        }
    }
    let text = text
        .trim_matches(|c: char| c == '"' || c == '“' || c == '”' || c.is_whitespace())
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(MAX_OUTPUT_CHARS)
        .collect::<String>();
    text.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_quotes_and_invented_turns_are_removed() {
        assert_eq!(
            clean("Answer: \"O limite é R$ 5.000.\"\nCustomer: e à noite?\nBot: R$ 1.000"),
            "O limite é R$ 5.000."
        );
        assert_eq!(clean(">>>\nOlá\n<<<"), "Olá");
    }

    #[test]
    fn long_text_is_bounded() {
        assert_eq!(clean(&"a".repeat(5_000)).chars().count(), MAX_OUTPUT_CHARS);
    }
}
