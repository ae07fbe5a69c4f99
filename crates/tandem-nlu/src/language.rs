//! The languages the engine understands and short-message language identification.

use std::fmt;

use lingua::{LanguageDetector, LanguageDetectorBuilder};
use serde::{Deserialize, Serialize};

/// A language the engine understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Language {
    /// Portuguese (`pt`).
    #[serde(rename = "pt")]
    Portuguese,
    /// Spanish (`es`).
    #[serde(rename = "es")]
    Spanish,
    /// English (`en`).
    #[serde(rename = "en")]
    English,
}

impl Language {
    /// Every supported language, in a fixed order.
    pub const ALL: [Language; 3] = [Language::Portuguese, Language::Spanish, Language::English];

    /// The ISO 639-1 code: `pt`, `es` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Portuguese => "pt",
            Language::Spanish => "es",
            Language::English => "en",
        }
    }

    /// Parses an ISO 639-1 code or a BCP 47 tag whose primary subtag is one (`pt-BR`, `es_MX`).
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "pt" => Some(Language::Portuguese),
            "es" => Some(Language::Spanish),
            "en" => Some(Language::English),
            _ => None,
        }
    }

    fn to_lingua(self) -> lingua::Language {
        match self {
            Language::Portuguese => lingua::Language::Portuguese,
            Language::Spanish => lingua::Language::Spanish,
            Language::English => lingua::Language::English,
        }
    }

    /// Written with comparisons rather than a `match` so that it keeps compiling if another
    /// crate in the build enables more lingua languages (cargo unifies features).
    fn from_lingua(language: lingua::Language) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|l| l.to_lingua() == language)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The language chosen for a message and how sure the engine is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LanguageGuess {
    /// The language the rest of the analysis used.
    pub language: Language,
    /// The detector's confidence in `language`, in 0–1; when `is_fallback` is true this is
    /// the detector's confidence in the fallback language, which may be low.
    pub confidence: f32,
    /// True when the detector was unsure and the conversation's (or default) language was used.
    pub is_fallback: bool,
}

/// Identifies pt/es/en in short chat messages, falling back to the conversation's language.
pub struct LanguageIdentifier {
    detector: LanguageDetector,
    minimum_confidence: f32,
    minimum_margin: f32,
}

impl fmt::Debug for LanguageIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LanguageIdentifier")
            .field("minimum_confidence", &self.minimum_confidence)
            .field("minimum_margin", &self.minimum_margin)
            .finish_non_exhaustive()
    }
}

/// Messages with at most this many words are treated as short.
const SHORT_MESSAGE_WORDS: usize = 2;
/// A short message keeps the conversation's language if the detector gives it this much.
const SHORT_MESSAGE_FALLBACK_CONFIDENCE: f32 = 0.05;

impl Default for LanguageIdentifier {
    fn default() -> Self {
        Self::new()
    }
}

impl LanguageIdentifier {
    /// Builds a detector restricted to pt, es and en with its models loaded up front, so the
    /// first message does not pay the loading cost.
    pub fn new() -> Self {
        let languages: Vec<lingua::Language> =
            Language::ALL.iter().map(|l| l.to_lingua()).collect();
        let detector = LanguageDetectorBuilder::from_languages(&languages)
            .with_preloaded_language_models()
            .build();
        LanguageIdentifier {
            detector,
            minimum_confidence: 0.55,
            minimum_margin: 0.15,
        }
    }

    /// Detects the language of `text`.
    ///
    /// When the best language is not clearly ahead (confidence below 0.55, or less than 0.15
    /// ahead of the runner-up), or the text has no letters, the `fallback` language (the
    /// conversation's) is used if one is given; otherwise the best guess is kept. A message of
    /// one or two words keeps the fallback unless the detector gives it under 5%.
    pub fn identify(&self, text: &str, fallback: Option<Language>) -> LanguageGuess {
        let has_letters = text.chars().any(char::is_alphabetic);
        let mut ranked: Vec<(Language, f32)> = if has_letters {
            self.detector
                .compute_language_confidence_values(text)
                .into_iter()
                .filter_map(|(language, confidence)| {
                    Language::from_lingua(language).map(|l| (l, confidence as f32))
                })
                .collect()
        } else {
            Vec::new()
        };
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let confidence_of = |language: Language| {
            ranked
                .iter()
                .find(|(l, _)| *l == language)
                .map_or(0.0, |(_, c)| *c)
        };
        let best = ranked.first().copied();
        let runner_up = ranked.get(1).map_or(0.0, |(_, c)| *c);
        match (best, fallback) {
            (Some((language, confidence)), fallback) => {
                let is_sure = confidence >= self.minimum_confidence
                    && confidence - runner_up >= self.minimum_margin;
                // One or two words ("ok", "sim", "no") are shared across languages, so the
                // conversation's language stands unless the detector all but rules it out.
                let word_count = text
                    .split(|c: char| !c.is_alphabetic())
                    .filter(|w| !w.is_empty())
                    .count();
                let keeps_fallback = |fallback: Language| {
                    !is_sure
                        || (word_count <= SHORT_MESSAGE_WORDS
                            && confidence_of(fallback) >= SHORT_MESSAGE_FALLBACK_CONFIDENCE)
                };
                match fallback {
                    Some(fallback) if fallback != language && keeps_fallback(fallback) => {
                        LanguageGuess {
                            language: fallback,
                            confidence: confidence_of(fallback),
                            is_fallback: true,
                        }
                    }
                    _ => LanguageGuess {
                        language,
                        confidence,
                        is_fallback: false,
                    },
                }
            }
            (None, Some(fallback)) => LanguageGuess {
                language: fallback,
                confidence: 0.0,
                is_fallback: true,
            },
            (None, None) => LanguageGuess {
                language: Language::English,
                confidence: 0.0,
                is_fallback: true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_accept_regional_tags() {
        for language in Language::ALL {
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
        assert_eq!(Language::from_code("pt-BR"), Some(Language::Portuguese));
        assert_eq!(Language::from_code("es_MX"), Some(Language::Spanish));
        assert_eq!(Language::from_code("fr"), None);
    }

    /// Hand-made customer-service messages; the expected language is unambiguous to a reader.
    const LABELLED_MESSAGES: &[(&str, Language)] = &[
        ("quero a segunda via do boleto", Language::Portuguese),
        (
            "meu cartão foi bloqueado, o que eu faço?",
            Language::Portuguese,
        ),
        ("quero falar com um atendente", Language::Portuguese),
        ("não recebi o reembolso até agora", Language::Portuguese),
        ("o pix não caiu na minha conta", Language::Portuguese),
        (
            "vc pode me ajudar com a minha fatura?",
            Language::Portuguese,
        ),
        (
            "obrigado pela ajuda, resolveu meu problema",
            Language::Portuguese,
        ),
        ("como faço para cancelar a assinatura", Language::Portuguese),
        ("quiero hablar con un agente", Language::Spanish),
        (
            "mi tarjeta está bloqueada y no puedo pagar",
            Language::Spanish,
        ),
        ("necesito el reembolso de mi pedido", Language::Spanish),
        (
            "¿dónde está mi paquete? hace una semana que espero",
            Language::Spanish,
        ),
        ("quiero cancelar mi suscripción", Language::Spanish),
        ("gracias por la ayuda, muy amable", Language::Spanish),
        ("no me llegó la factura de este mes", Language::Spanish),
        ("¿cuánto cuesta el envío a Buenos Aires?", Language::Spanish),
        ("talk to a human please", Language::English),
        ("my card was blocked and I can't pay", Language::English),
        ("I want a refund for my last order", Language::English),
        ("where is my package? it has been a week", Language::English),
        ("how do I cancel my subscription", Language::English),
        ("thanks for the help, that solved it", Language::English),
        ("the app keeps crashing when I log in", Language::English),
        ("can I change the delivery address", Language::English),
        ("obrigado", Language::Portuguese),
        ("cadê meu pedido?", Language::Portuguese),
        ("boa tarde, preciso de ajuda", Language::Portuguese),
        ("no funciona", Language::Spanish),
        ("¿me pueden ayudar?", Language::Spanish),
        ("buenas tardes, necesito ayuda", Language::Spanish),
        ("terrible service", Language::English),
        ("good afternoon, I need help", Language::English),
    ];

    #[test]
    fn identifies_hand_made_support_messages() {
        let identifier = LanguageIdentifier::new();
        let mut wrong = Vec::new();
        for (text, expected) in LABELLED_MESSAGES {
            let guess = identifier.identify(text, None);
            if guess.language != *expected {
                wrong.push((*text, guess.language));
            }
        }
        assert!(wrong.is_empty(), "misidentified: {wrong:?}");
    }

    #[test]
    fn quiero_and_quero_are_told_apart() {
        let identifier = LanguageIdentifier::new();
        assert_eq!(
            identifier.identify("quiero mi dinero", None).language,
            Language::Spanish
        );
        assert_eq!(
            identifier.identify("quero meu dinheiro", None).language,
            Language::Portuguese
        );
    }

    #[test]
    fn unsure_messages_fall_back_to_the_conversation_language() {
        let identifier = LanguageIdentifier::new();
        for text in ["ok", "123456", "👍"] {
            let guess = identifier.identify(text, Some(Language::Spanish));
            assert_eq!(guess.language, Language::Spanish, "{text}");
        }
        let guess = identifier.identify("12345", Some(Language::Portuguese));
        assert!(guess.is_fallback);
    }

    #[test]
    fn clear_messages_override_the_conversation_language() {
        let identifier = LanguageIdentifier::new();
        let guess = identifier.identify(
            "I would like to speak to a human agent please",
            Some(Language::Portuguese),
        );
        assert_eq!(guess.language, Language::English);
        assert!(!guess.is_fallback);
        assert!(guess.confidence > 0.5);
    }
}
