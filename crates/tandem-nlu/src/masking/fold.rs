//! Compatibility folding (NFKC, character by character) that remembers where each folded
//! character came from, so values written in full-width digits (`４１１１`) are found by the
//! ASCII patterns and masked in the original text.

use unicode_normalization::UnicodeNormalization;

/// A text folded to NFKC, with the original byte range behind every folded byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FoldedText {
    /// The folded text, where the patterns run.
    pub(super) text: String,
    /// For each byte of `text`, where the original character that produced it starts.
    original_starts: Vec<usize>,
    /// For each byte of `text`, where the original character that produced it ends.
    original_ends: Vec<usize>,
}

impl FoldedText {
    /// Folds `original`. ASCII is kept as it is; every other character is replaced by its
    /// NFKC form (full-width digits and punctuation become ASCII, `①` becomes `1`).
    pub(super) fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut original_starts = Vec::with_capacity(original.len());
        let mut original_ends = Vec::with_capacity(original.len());
        for (start, character) in original.char_indices() {
            let end = start + character.len_utf8();
            if character.is_ascii() {
                text.push(character);
            } else {
                text.extend(std::iter::once(character).nfkc());
            }
            original_starts.resize(text.len(), start);
            original_ends.resize(text.len(), end);
        }
        FoldedText {
            text,
            original_starts,
            original_ends,
        }
    }

    /// The original byte range behind the folded range `start..end` (not empty, on character
    /// boundaries of the folded text). A range that covers part of what one original character
    /// became covers that whole character.
    pub(super) fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        (self.original_starts[start], self.original_ends[end - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_ranges_point_back_at_the_original_characters() {
        // (original, folded, a folded substring, the original text behind it)
        let cases: &[(&str, &str, &str, &str)] = &[
            ("cpf 123", "cpf 123", "123", "123"),
            (
                "cartão ４１１１-１",
                "cartão 4111-1",
                "4111-1",
                "４１１１-１",
            ),
            ("nº ①②", "no 12", "12", "①②"),
            ("x ⑩ y", "x 10 y", "0", "⑩"),
        ];
        for (original, folded, part, behind) in cases {
            let folding = FoldedText::new(original);
            assert_eq!(folding.text, *folded, "{original}");
            let start = folding.text.find(part).unwrap();
            let (from, to) = folding.original_range(start, start + part.len());
            assert_eq!(&original[from..to], *behind, "{original}");
        }
    }
}
