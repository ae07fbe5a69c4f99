//! The comparisons the checks make between a model's text and its sources: words folded to
//! lower case without accents, and numbers with their separators removed.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` in lower case without accents.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of `text` that carry meaning: folded, letters only, four letters or more (short
/// function words of pt/es/en are shorter, and they say nothing about support).
pub fn content_words(text: &str) -> BTreeSet<String> {
    fold(text)
        .split(|c: char| !c.is_alphabetic())
        .filter(|word| word.chars().count() >= 4)
        .map(str::to_owned)
        .collect()
}

/// The numbers in `text`, as their digits alone: "R$ 5.000", "5,000" and "5000" are all
/// "5000"; a decimal part stays ("2,5%" is "25"). Digits inside a placeholder (`[CPF_1]`) are
/// not numbers of the text.
pub fn numbers(text: &str) -> BTreeSet<String> {
    let without_placeholders = strip_placeholders(text);
    let mut found = BTreeSet::new();
    let mut current = String::new();
    let mut chars = without_placeholders.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            current.push(c);
        } else if matches!(c, '.' | ',')
            && !current.is_empty()
            && chars.peek().is_some_and(char::is_ascii_digit)
        {
            continue;
        } else if !current.is_empty() {
            found.insert(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        found.insert(current);
    }
    found
}

/// `text` without `[TAG_N]` placeholders.
fn strip_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        match after.find(']') {
            Some(close) if is_placeholder(&after[1..close]) => rest = &after[close + 1..],
            _ => {
                out.push('[');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_placeholder(inner: &str) -> bool {
    inner.split_once('_').is_some_and(|(tag, number)| {
        !tag.is_empty()
            && tag.chars().all(|c| c.is_ascii_uppercase())
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
    })
}

/// The sentences of `text`: split after `.`, `!`, `?` and line breaks, trimmed, empty ones
/// dropped. A full stop between digits ("R$ 5.000") does not end a sentence.
pub fn sentences(text: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        let between_digits = index > 0
            && chars[index - 1].is_ascii_digit()
            && chars.get(index + 1).is_some_and(char::is_ascii_digit);
        if c == '\n' || (matches!(c, '.' | '!' | '?') && !between_digits) {
            if c != '\n' {
                current.push(c);
            }
            push_sentence(&mut sentences, &mut current);
        } else {
            current.push(c);
        }
    }
    push_sentence(&mut sentences, &mut current);
    sentences
}

fn push_sentence(sentences: &mut Vec<String>, current: &mut String) {
    let sentence = current.trim();
    if !sentence.is_empty() && sentence.chars().any(char::is_alphanumeric) {
        sentences.push(sentence.to_owned());
    }
    current.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_their_separators_but_not_placeholders_digits() {
        let found = numbers("R$ 5.000 de dia, 5,000 à noite, 24 horas, CPF [CPF_1].");
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            vec!["24".to_owned(), "5000".to_owned()]
        );
    }

    #[test]
    fn sentences_split_on_stops_but_not_inside_amounts() {
        assert_eq!(
            sentences("O limite é R$ 5.000. Aumentos levam 24 horas!\nObrigado"),
            vec![
                "O limite é R$ 5.000.",
                "Aumentos levam 24 horas!",
                "Obrigado"
            ]
        );
    }

    #[test]
    fn content_words_are_folded() {
        let words = content_words("Devolução do Pix em até 30 minutos");
        assert!(words.contains("devolucao"));
        assert!(words.contains("minutos"));
        assert!(!words.contains("pix"));
    }
}
