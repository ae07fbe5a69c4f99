//! Word-level helpers shared by the policy and the dialogue: folded words (lowercase, no
//! accents, chat spelling expanded, through tandem-nlu's normalizer) and content words.

use tandem_nlu::{Language, Normalizer};

/// The message's words, folded ("Você" → "voce", "vc" → "voce", "pls" → "please"); emoji
/// are dropped.
pub(crate) fn folded_words(text: &str, language: Language) -> Vec<String> {
    Normalizer::new(language)
        .tokenize(text)
        .into_iter()
        .filter(|token| !token.is_emoji)
        .map(|token| token.folded)
        .collect()
}

/// The words that carry a question's meaning: folded, alphabetic, at least three letters.
/// Numbers are dropped, so no CPF or card number is ever kept in the bot's memory.
pub(crate) fn content_words(text: &str, language: Language) -> Vec<String> {
    let mut words: Vec<String> = folded_words(text, language)
        .into_iter()
        .filter(|word| word.chars().count() >= 3 && word.chars().all(char::is_alphabetic))
        .collect();
    words.sort();
    words.dedup();
    words
}

/// Dice similarity of two sorted, deduplicated word lists (twice the shared words over the
/// total), in 0–1: "meu boleto não chegou" and "meu boleto ainda não chegou" score 0.89.
pub(crate) fn similarity(left: &[String], right: &[String]) -> f32 {
    if left.is_empty() || right.is_empty() {
        return 0.0;
    }
    let shared = left
        .iter()
        .filter(|word| right.binary_search(word).is_ok())
        .count();
    let total = left.len() + right.len();
    // Word counts are small; the ratio of two small integers is exact enough in f32.
    #[allow(clippy::cast_precision_loss)]
    let ratio = (2 * shared) as f32 / total as f32;
    ratio
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_words_fold_and_drop_numbers() {
        assert_eq!(
            content_words(
                "Meu BOLETO não chegou, CPF 123.456.789-09",
                Language::Portuguese
            ),
            ["boleto", "chegou", "cpf", "meu", "nao"]
        );
    }

    #[test]
    fn similarity_is_word_overlap() {
        let a = content_words("meu boleto não chegou", Language::Portuguese);
        let b = content_words("meu boleto ainda não chegou", Language::Portuguese);
        assert!((similarity(&a, &b) - 8.0 / 9.0).abs() < 1e-6);
        assert_eq!(similarity(&a, &[]), 0.0);
    }
}
