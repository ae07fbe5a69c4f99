//! How texts and queries are cut into words: letters and digits, lower case, accents folded
//! ("Não" and "nao" are one word in pt, es and en alike), very long tokens dropped.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};

/// The name the analyzer is registered under in the index.
pub(crate) const ANALYZER: &str = "tandem_folded";
/// Longer tokens (encoded blobs, URLs run together) are not words anyone searches for.
const LONGEST_TOKEN: usize = 40;

pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// A word of a text and where it is, in characters (Unicode scalar values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Word {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// The words of `text` with their character positions.
pub(crate) fn words(text: &str) -> Vec<Word> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while let Some(token) = stream.next() {
        words.push(Word {
            text: token.text.clone(),
            start: char_index(text, token.offset_from),
            end: char_index(text, token.offset_to),
        });
    }
    words
}

/// The character index of byte offset `byte` of `text`.
fn char_index(text: &str, byte: usize) -> usize {
    text.get(..byte).map_or(0, |before| before.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_placed_by_character() {
        let found = words("Não recebi o cartão");
        let texts: Vec<&str> = found.iter().map(|word| word.text.as_str()).collect();
        assert_eq!(texts, ["nao", "recebi", "o", "cartao"]);
        assert_eq!((found[3].start, found[3].end), (13, 19));
    }
}
