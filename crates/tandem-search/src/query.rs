//! A query as people type it: every word must match; the last one may be the start of a word
//! (search as you type); words of five letters or more forgive one typo (numbers never do: a
//! phone or protocol number one digit off is another one).

use tantivy::Term;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::analyzer::words;

/// Words this long or longer match with one letter wrong, missing or extra.
const TYPO_TOLERANT_CHARS: usize = 5;
/// The most words of a query that count; the rest are ignored.
const MAX_QUERY_WORDS: usize = 12;

/// The folded words of a query, ready to match documents and to mark snippets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryWords {
    words: Vec<String>,
}

impl QueryWords {
    /// The words of `query` (folded like the texts; at most twelve).
    #[must_use]
    pub fn new(query: &str) -> Self {
        let mut found: Vec<String> = Vec::new();
        for word in words(query) {
            if !found.contains(&word.text) {
                found.push(word.text);
            }
        }
        found.truncate(MAX_QUERY_WORDS);
        Self { words: found }
    }

    /// Whether the query has no word to search for.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether every word of the query is answered by a word of `text` (what the index found,
    /// checked against the text as it is now).
    #[must_use]
    pub fn found_in(&self, text: &str) -> bool {
        let found = words(text);
        self.words.iter().enumerate().all(|(index, wanted)| {
            let is_last = index + 1 == self.words.len();
            found
                .iter()
                .any(|word| answers(&word.text, wanted, is_last))
        })
    }

    /// Whether a word of a text answers one of the query's words.
    pub(crate) fn matches(&self, word: &str) -> bool {
        self.words
            .iter()
            .enumerate()
            .any(|(index, wanted)| answers(word, wanted, index + 1 == self.words.len()))
    }

    /// A query over `field`: each word must match.
    pub(crate) fn query(&self, field: Field) -> BooleanQuery {
        let clauses: Vec<(Occur, Box<dyn Query>)> = self
            .words
            .iter()
            .enumerate()
            .map(|(index, word)| {
                let term = Term::from_field_text(field, word);
                let is_last = index + 1 == self.words.len();
                let typos = u8::from(forgives_a_typo(word));
                let clause: Box<dyn Query> = if is_last {
                    Box::new(FuzzyTermQuery::new_prefix(term, typos, true))
                } else if typos > 0 {
                    Box::new(FuzzyTermQuery::new(term, typos, true))
                } else {
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
                };
                (Occur::Must, clause)
            })
            .collect();
        BooleanQuery::new(clauses)
    }
}

/// Whether a text's `word` answers the query word `wanted` (the last one may be a prefix).
fn answers(word: &str, wanted: &str, is_last: bool) -> bool {
    word == wanted
        || (is_last && word.starts_with(wanted))
        || (forgives_a_typo(wanted) && within_one_edit(word, wanted))
}

/// Whether a query word matches with one edit: long enough, and not a number.
fn forgives_a_typo(word: &str) -> bool {
    word.chars().count() >= TYPO_TOLERANT_CHARS && word.chars().any(char::is_alphabetic)
}

/// Whether `a` becomes `b` by at most one insertion, deletion, substitution or swap of two
/// neighbouring letters (the distance tantivy's fuzzy terms use).
fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (rest_a, rest_b) = (&a[prefix..], &b[prefix..]);
    match (rest_a.len(), rest_b.len()) {
        (0, 0) | (1, 0) | (0, 1) => true,
        (x, y) if x == y => {
            rest_a[1..] == rest_b[1..]
                || (x >= 2
                    && rest_a[0] == rest_b[1]
                    && rest_a[1] == rest_b[0]
                    && rest_a[2..] == rest_b[2..])
        }
        (x, y) if x == y + 1 => rest_a[1..] == *rest_b,
        (x, y) if x + 1 == y => *rest_a == rest_b[1..],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_word_is_a_prefix_and_long_words_forgive_a_typo() {
        let query = QueryWords::new("segunda BOL");
        assert!(query.matches("boleto"));
        assert!(query.matches("segunda"));
        assert!(query.matches("segnda"));
        assert!(!query.matches("sebunda2"));
        assert!(!QueryWords::new("bol segunda").matches("boleto"));
    }

    #[test]
    fn a_number_one_digit_off_is_another_number() {
        assert!(!QueryWords::new("980000001").matches("980000002"));
        assert!(QueryWords::new("980000001").matches("980000001"));
    }

    #[test]
    fn one_edit_is_one_insertion_deletion_substitution_or_swap() {
        assert!(within_one_edit("cartao", "cartao"));
        assert!(within_one_edit("catrao", "cartao"));
        assert!(within_one_edit("cartoa", "cartao"));
        assert!(within_one_edit("carta", "cartao"));
        assert!(within_one_edit("cartaoo", "cartao"));
        assert!(within_one_edit("cxrtao", "cartao"));
        assert!(!within_one_edit("cxrtxo", "cartao"));
        assert!(!within_one_edit("cart", "cartao"));
    }

    #[test]
    fn a_text_answers_a_query_when_every_word_is_in_it() {
        let query = QueryWords::new("cartão bloq");
        assert!(query.found_in("Meu CARTAO foi bloqueado"));
        assert!(!query.found_in("Meu cartão chegou"));
    }

    #[test]
    fn a_query_without_words_is_empty() {
        assert!(QueryWords::new("  ?! ").is_empty());
        assert!(!QueryWords::new("pix").is_empty());
    }
}
