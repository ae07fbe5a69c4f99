//! Text normalization: Unicode lowercasing, accent folding, tokenization, chat spelling,
//! squeezing of repeated letters, emoji tokens and pt/es/en stemming.

use frostem::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::language::Language;

/// One token of a message after normalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the token's first character in the original text.
    pub start: usize,
    /// Byte offset just past the token in the original text.
    pub end: usize,
    /// Lowercased, accent-folded, with repeated letters squeezed and chat spelling expanded
    /// ("vc" → "voce"); for emoji, the emoji itself.
    pub folded: String,
    /// The Snowball stem of `folded` for the message's language.
    pub stem: String,
    /// The original token was written in capitals and has at least two letters ("PÉSSIMO").
    pub is_uppercase: bool,
    /// The original token repeated a letter three or more times ("muuuito", "sooo").
    pub is_elongated: bool,
    /// The token is a single emoji (or pictographic symbol).
    pub is_emoji: bool,
}

/// Normalizes and tokenizes text for one language; holds that language's stemmer.
#[derive(Clone, Copy)]
pub struct Normalizer {
    language: Language,
    stemmer: Stemmer,
}

impl std::fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normalizer")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl Normalizer {
    /// A normalizer for `language`.
    pub fn new(language: Language) -> Self {
        let algorithm = match language {
            Language::Portuguese => Algorithm::Portuguese,
            Language::Spanish => Algorithm::Spanish,
            Language::English => Algorithm::English,
        };
        Normalizer {
            language,
            stemmer: Stemmer::new(algorithm),
        }
    }

    /// The language this normalizer was built for.
    pub fn language(&self) -> Language {
        self.language
    }

    /// Splits `text` into word and emoji tokens and normalizes each one.
    ///
    /// A word is a run of letters and digits; apostrophes inside a word are dropped
    /// ("don't" → "dont") so negations stay one token. Every other character separates tokens.
    pub fn tokenize(&self, text: &str) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut word_start: Option<usize> = None;
        let mut chars = text.char_indices().peekable();
        while let Some((index, character)) = chars.next() {
            let is_inner_apostrophe = matches!(character, '\'' | '’')
                && word_start.is_some()
                && chars.peek().is_some_and(|(_, next)| next.is_alphanumeric());
            if character.is_alphanumeric() || is_inner_apostrophe {
                word_start.get_or_insert(index);
                continue;
            }
            if let Some(start) = word_start.take() {
                tokens.push(self.word_token(&text[start..index], start));
            }
            if is_emoji(character) {
                let end = index + character.len_utf8();
                tokens.push(Token {
                    start: index,
                    end,
                    folded: character.to_string(),
                    stem: character.to_string(),
                    is_uppercase: false,
                    is_elongated: false,
                    is_emoji: true,
                });
            }
        }
        if let Some(start) = word_start {
            tokens.push(self.word_token(&text[start..], start));
        }
        tokens
    }

    /// Stems one already folded word.
    pub fn stem(&self, folded_word: &str) -> String {
        self.stemmer.stem(folded_word).into_owned()
    }

    fn word_token(&self, raw: &str, start: usize) -> Token {
        let letter_count = raw.chars().filter(|c| c.is_alphabetic()).count();
        let is_uppercase = letter_count >= 2 && raw.chars().all(|c| !c.is_lowercase());
        let folded = fold(raw);
        let (squeezed, is_elongated) = squeeze_repeats(&folded, self.language);
        let expanded =
            expand_chat_spelling(&squeezed, self.language).map_or(squeezed, str::to_owned);
        let stem = if expanded.chars().all(|c| c.is_ascii_digit()) {
            expanded.clone()
        } else {
            self.stem(&expanded)
        };
        Token {
            start,
            end: start + raw.len(),
            folded: expanded,
            stem,
            is_uppercase,
            is_elongated,
            is_emoji: false,
        }
    }
}

/// Lowercases and removes accents and apostrophes: "Ação" → "acao", "Don't" → "dont".
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c) && !matches!(c, '\'' | '’'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a character is an emoji or another pictographic symbol worth keeping as a token.
pub fn is_emoji(character: char) -> bool {
    matches!(u32::from(character),
        0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x2B50 | 0x2B55 | 0x1F000..=0x1F2FF)
}

/// Collapses runs of three or more identical letters: to one letter in Portuguese and Spanish
/// (where doubled vowels are rare: "muuuito" → "muito"), to two in English, where doubled
/// letters are common ("goooood" → "good"). Returns whether anything was collapsed.
fn squeeze_repeats(word: &str, language: Language) -> (String, bool) {
    let keep = if language == Language::English { 2 } else { 1 };
    let mut squeezed = String::with_capacity(word.len());
    let mut is_elongated = false;
    let mut previous: Option<char> = None;
    let mut run_length = 0;
    let characters: Vec<char> = word.chars().collect();
    for (index, &character) in characters.iter().enumerate() {
        if Some(character) == previous {
            run_length += 1;
        } else {
            previous = Some(character);
            run_length = 1;
        }
        let run_total = run_length
            + characters[index + 1..]
                .iter()
                .take_while(|&&c| c == character)
                .count();
        if character.is_alphabetic() && run_total >= 3 {
            is_elongated = true;
            if run_length <= keep {
                squeezed.push(character);
            }
        } else {
            squeezed.push(character);
        }
    }
    (squeezed, is_elongated)
}

/// Expands common chat abbreviations to the word they stand for.
fn expand_chat_spelling(word: &str, language: Language) -> Option<&'static str> {
    let expansion = match language {
        Language::Portuguese => match word {
            "vc" | "vcs" | "ce" => "voce",
            "pq" | "pk" => "porque",
            "q" | "q?" | "k" => "que",
            "tb" | "tbm" | "tmb" => "tambem",
            "n" | "ñ" => "nao",
            "blz" => "beleza",
            "msg" => "mensagem",
            "obg" | "obgd" | "brigado" => "obrigado",
            "obgda" | "brigada" => "obrigada",
            "vlw" => "valeu",
            "td" => "tudo",
            "hj" => "hoje",
            "qdo" | "qnd" | "qndo" => "quando",
            "cmg" => "comigo",
            "mt" | "mto" | "mtu" => "muito",
            "pfv" | "pf" | "pfvr" => "favor",
            "tô" | "to" => "estou",
            "ta" | "tah" => "esta",
            "pra" | "pro" => "para",
            "cel" => "celular",
            "dps" => "depois",
            "agr" => "agora",
            "ngm" => "ninguem",
            "nd" => "nada",
            "oq" => "oque",
            "sdd" => "saudade",
            "kd" | "cade" => "cade",
            _ => return None,
        },
        Language::Spanish => match word {
            "q" | "k" | "ke" => "que",
            "xq" | "pq" | "porq" => "porque",
            "tb" | "tmb" | "tbn" => "tambien",
            "xfa" | "porfa" | "pf" | "plis" => "favor",
            "msj" => "mensaje",
            "d" => "de",
            "x" => "por",
            "tqm" => "quiero",
            "grax" | "grx" => "gracias",
            "salu2" => "saludos",
            "ntp" => "tranquilo",
            "toy" => "estoy",
            "pa" => "para",
            "nd" => "nada",
            _ => return None,
        },
        Language::English => match word {
            "u" => "you",
            "ur" => "your",
            "r" => "are",
            "pls" | "plz" | "plis" => "please",
            "thx" | "thnx" | "ty" | "tks" => "thanks",
            "ppl" => "people",
            "msg" => "message",
            "b4" => "before",
            "cuz" | "coz" | "bc" => "because",
            "y" => "why",
            "wanna" => "want",
            "gonna" => "going",
            "cant" => "cannot",
            "dunno" => "know",
            "acct" => "account",
            "pwd" => "password",
            _ => return None,
        },
    };
    Some(expansion)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded_words(language: Language, text: &str) -> Vec<String> {
        Normalizer::new(language)
            .tokenize(text)
            .into_iter()
            .map(|t| t.folded)
            .collect()
    }

    #[test]
    fn folding_lowercases_and_removes_accents() {
        let cases = [
            ("AÇÃO", "acao"),
            ("Mañana", "manana"),
            ("Você", "voce"),
            ("naïve", "naive"),
            ("Don't", "dont"),
        ];
        for (input, expected) in cases {
            assert_eq!(fold(input), expected, "{input}");
        }
    }

    #[test]
    fn chat_spelling_is_expanded_per_language() {
        let cases = [
            (
                Language::Portuguese,
                "vc pode me ajudar pq tb n sei",
                "voce pode me ajudar porque tambem nao sei",
            ),
            (
                Language::Spanish,
                "xq no me llega el msj q pedi",
                "porque no me llega el mensaje que pedi",
            ),
            (
                Language::English,
                "pls help u r great thx",
                "please help you are great thanks",
            ),
        ];
        for (language, input, expected) in cases {
            assert_eq!(folded_words(language, input).join(" "), expected, "{input}");
        }
    }

    #[test]
    fn repeated_letters_are_squeezed_and_flagged() {
        let normalizer = Normalizer::new(Language::Portuguese);
        let tokens = normalizer.tokenize("muuuuito obrigadooo");
        assert_eq!(tokens[0].folded, "muito");
        assert!(tokens[0].is_elongated);
        assert_eq!(tokens[1].folded, "obrigado");
        assert_eq!(
            folded_words(Language::English, "goooood soooo"),
            ["good", "soo"]
        );
        assert_eq!(
            folded_words(Language::Spanish, "carro llamar"),
            ["carro", "llamar"]
        );
    }

    #[test]
    fn emoji_become_their_own_tokens() {
        let tokens = Normalizer::new(Language::English).tokenize("great😡👍 service");
        let folded: Vec<&str> = tokens.iter().map(|t| t.folded.as_str()).collect();
        assert_eq!(folded, ["great", "😡", "👍", "service"]);
        assert!(tokens[1].is_emoji);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Olá, CARTÃO bloqueado!";
        let tokens = Normalizer::new(Language::Portuguese).tokenize(text);
        let raw: Vec<&str> = tokens.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(raw, ["Olá", "CARTÃO", "bloqueado"]);
        assert!(tokens[1].is_uppercase);
        assert!(!tokens[0].is_uppercase);
    }

    #[test]
    fn stems_merge_inflections() {
        let pt = Normalizer::new(Language::Portuguese);
        assert_eq!(pt.stem("bloqueado"), pt.stem("bloqueada"));
        let es = Normalizer::new(Language::Spanish);
        assert_eq!(es.stem("tarjetas"), es.stem("tarjeta"));
        let en = Normalizer::new(Language::English);
        assert_eq!(en.stem("refunds"), en.stem("refund"));
    }
}
