//! A snippet of a text around the first words a query matched, with where each matched word is.

use crate::analyzer::words;
use crate::query::QueryWords;

/// Characters of context kept before the first match.
const CONTEXT_BEFORE: usize = 60;
/// The longest snippet, in characters.
const SNIPPET_CHARS: usize = 200;

/// A piece of a text; `highlights` are `[start, end)` character offsets into `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<(usize, usize)>,
}

/// The part of `text` around the first word `query` matches (the start of the text when none
/// does), with every matched word inside it marked. A cut is shown with "…".
#[must_use]
pub fn snippet(text: &str, query: &QueryWords) -> Snippet {
    let matched: Vec<(usize, usize)> = words(text)
        .into_iter()
        .filter(|word| query.matches(&word.text))
        .map(|word| (word.start, word.end))
        .collect();
    let chars: Vec<char> = text.chars().collect();
    let first = matched.first().map_or(0, |(start, _)| *start);
    let start = first.saturating_sub(CONTEXT_BEFORE);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < chars.len() { "…" } else { "" };
    let shift = lead.chars().count();
    let body: String = chars[start..end].iter().collect();
    Snippet {
        text: format!("{lead}{body}{tail}"),
        highlights: matched
            .into_iter()
            .filter(|(from, to)| *from >= start && *to <= end)
            .map(|(from, to)| (from - start + shift, to - start + shift))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(snippet: &Snippet) -> Vec<String> {
        let chars: Vec<char> = snippet.text.chars().collect();
        snippet
            .highlights
            .iter()
            .map(|(start, end)| chars[*start..*end].iter().collect())
            .collect()
    }

    #[test]
    fn the_matched_words_are_marked_as_written() {
        let found = snippet(
            "Olá! Não recebi o Cartão até hoje",
            &QueryWords::new("cartao nao"),
        );
        assert_eq!(found.text, "Olá! Não recebi o Cartão até hoje");
        assert_eq!(marked(&found), ["Não", "Cartão"]);
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_match() {
        let text = format!("{} boleto vencido {}", "a ".repeat(100), "b ".repeat(100));
        let found = snippet(&text, &QueryWords::new("boleto"));
        assert!(found.text.starts_with('…') && found.text.ends_with('…'));
        assert_eq!(marked(&found), ["boleto"]);
        assert!(found.text.chars().count() <= SNIPPET_CHARS + 2);
    }
}
