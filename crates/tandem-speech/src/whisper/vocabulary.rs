//! Whisper's token vocabulary as CTranslate2 stores it (`vocabulary.json`, a JSON array, or
//! `vocabulary.txt`, one token per line; the id is the position), and the GPT-2 byte-level
//! decoding of token ids back to text. Only decoding is needed, so there is no BPE encoder.

use std::collections::HashMap;

/// Token strings by id, and the way back.
pub(crate) struct Vocabulary {
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
    byte_of_char: HashMap<char, u8>,
}

impl Vocabulary {
    /// A vocabulary from its tokens, in id order.
    pub(crate) fn new(tokens: Vec<String>) -> Self {
        let ids = tokens
            .iter()
            .enumerate()
            .filter_map(|(id, token)| Some((token.clone(), u32::try_from(id).ok()?)))
            .collect();
        Vocabulary {
            tokens,
            ids,
            byte_of_char: byte_of_char(),
        }
    }

    /// The id of a token such as `<|pt|>`.
    pub(crate) fn id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    /// The token with this id, such as `<|pt|>`.
    pub(crate) fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    /// The text of a run of tokens, skipping special tokens (`<|...|>`). Bytes that do not form
    /// UTF-8 (a character cut by the token cap) become U+FFFD.
    pub(crate) fn decode(&self, ids: &[u32]) -> String {
        let mut bytes = Vec::new();
        for token in ids.iter().filter_map(|&id| self.token(id)) {
            if token.starts_with("<|") && token.ends_with("|>") {
                continue;
            }
            for character in token.chars() {
                match self.byte_of_char.get(&character) {
                    Some(&byte) => bytes.push(byte),
                    None => {
                        let mut buffer = [0; 4];
                        bytes.extend(character.encode_utf8(&mut buffer).as_bytes());
                    }
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// GPT-2's byte-to-character table, inverted: printable bytes stand for themselves, the others
/// were shifted to U+0100 and up so every token is printable.
fn byte_of_char() -> HashMap<char, u8> {
    let is_printable = |byte: u8| matches!(byte, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let mut shifted = 0u32;
    (0..=255u8)
        .map(|byte| {
            let character = if is_printable(byte) {
                char::from(byte)
            } else {
                shifted += 1;
                char::from_u32(255 + shifted).unwrap_or(char::REPLACEMENT_CHARACTER)
            };
            (character, byte)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        let tokens = [
            "Ġsegunda",
            "Ġvia",
            "Ġdo",
            "Ġbol",
            "eto",
            "<|pt|>",
            "Ġn",
            "Ã£",
            "o",
            ".",
            "Ċ",
        ];
        Vocabulary::new(tokens.iter().map(|t| t.to_string()).collect())
    }

    #[test]
    fn tokens_decode_to_text_with_spaces() {
        assert_eq!(
            vocabulary().decode(&[0, 1, 2, 3, 4, 9]),
            " segunda via do boleto."
        );
    }

    #[test]
    fn a_character_split_over_byte_tokens_is_rebuilt() {
        // "não": "Ã£" is the two bytes of "ã" in GPT-2's printable form.
        assert_eq!(vocabulary().decode(&[6, 7, 8]), " não");
    }

    #[test]
    fn special_and_unknown_tokens_are_skipped() {
        assert_eq!(vocabulary().decode(&[5, 1, 999]), " via");
    }

    #[test]
    fn non_printable_bytes_use_the_shifted_range() {
        // Space (0x20) is the 33rd non-printable byte: U+0120 "Ġ"; newline (0x0A) is U+010A "Ċ".
        let table = byte_of_char();
        assert_eq!(table[&'Ġ'], b' ');
        assert_eq!(table[&'Ċ'], b'\n');
        assert_eq!(table.len(), 256);
        assert_eq!(vocabulary().decode(&[10]), "\n");
    }

    #[test]
    fn ids_and_tokens_map_both_ways() {
        let vocabulary = vocabulary();
        assert_eq!(vocabulary.id("<|pt|>"), Some(5));
        assert_eq!(vocabulary.token(5), Some("<|pt|>"));
        assert_eq!(vocabulary.id("<|xx|>"), None);
    }
}
