//! A VADER-style sentiment scorer for pt/es/en chat: lexicon valences adjusted for negation,
//! intensifiers, capitals, elongated words, "but", exclamation marks, emoji and insults,
//! squashed into −1 to 1.

mod lexicon;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::language::Language;
use crate::normalize::{Normalizer, Token};

/// Coarse polarity of a [`Sentiment`] score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentLabel {
    /// Score at or below -0.05.
    Negative,
    /// Score strictly between -0.05 and 0.05.
    Neutral,
    /// Score at or above 0.05.
    Positive,
}

/// The sentiment of one message.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// From -1 (furious) to 1 (delighted); 0 is neutral.
    pub score: f32,
    /// The polarity of `score`.
    pub label: SentimentLabel,
    /// The message contains an insult or abuse.
    pub has_insult: bool,
    /// Most of the message is written in capitals.
    pub is_shouting: bool,
}

/// How far back a negator or intensifier reaches, in tokens.
const MODIFIER_WINDOW: usize = 3;
/// Valence multiplier of a negated word (VADER's constant).
const NEGATION_FACTOR: f32 = -0.74;
/// Extra valence of a word in capitals inside a mixed-case message (VADER's constant).
const CAPITALS_BOOST: f32 = 0.733;
/// Extra valence of an elongated word ("péééssimo").
const ELONGATION_BOOST: f32 = 0.3;
/// Extra valence per exclamation mark, up to four (VADER's constant).
const EXCLAMATION_BOOST: f32 = 0.292;
/// Valence of an insult.
const INSULT_VALENCE: f32 = -3.4;
/// Valence added when the whole message is shouted: in support chat that reads as anger.
const SHOUTING_VALENCE: f32 = -1.0;
/// Valence of a neutral message ending in several exclamation marks ("cadê meu pedido!!!").
const AGITATION_VALENCE: f32 = -0.4;
/// VADER's normalization constant: score = sum / sqrt(sum² + α).
const NORMALIZATION_ALPHA: f32 = 15.0;

struct LanguageLexicon {
    normalizer: Normalizer,
    exact: HashMap<String, f32>,
    by_stem: HashMap<String, f32>,
    insults: HashSet<&'static str>,
    negators: HashSet<&'static str>,
    intensifiers: HashMap<&'static str, f32>,
    contrast_words: HashSet<&'static str>,
}

impl LanguageLexicon {
    fn new(language: Language) -> Self {
        let normalizer = Normalizer::new(language);
        let mut exact = HashMap::new();
        let mut by_stem = HashMap::new();
        for &(entry, valence) in lexicon::words(language) {
            match entry.strip_suffix('=') {
                Some(word) => {
                    exact.insert(word.to_owned(), valence);
                }
                None => {
                    exact.insert(entry.to_owned(), valence);
                    if !entry.contains(' ') {
                        by_stem.entry(normalizer.stem(entry)).or_insert(valence);
                    }
                }
            }
        }
        LanguageLexicon {
            normalizer,
            exact,
            by_stem,
            insults: lexicon::insults(language).iter().copied().collect(),
            negators: lexicon::negators(language).iter().copied().collect(),
            intensifiers: lexicon::intensifiers(language).iter().copied().collect(),
            contrast_words: lexicon::contrast_words(language).iter().copied().collect(),
        }
    }

    /// The valence of the phrase or word starting at `index`, how many tokens it spans, and
    /// whether it is an insult.
    fn valence_at(&self, tokens: &[Token], index: usize) -> Option<(f32, usize, bool)> {
        for length in [3, 2] {
            if index + length <= tokens.len() {
                let phrase = tokens[index..index + length]
                    .iter()
                    .map(|t| t.folded.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                if let Some(&valence) = self.exact.get(&phrase) {
                    return Some((valence, length, false));
                }
            }
        }
        let token = &tokens[index];
        if token.is_emoji {
            let character = token.folded.chars().next()?;
            return lexicon::EMOJI
                .iter()
                .find(|(emoji, _)| *emoji == character)
                .map(|(_, v)| (*v, 1, false));
        }
        if self.insults.contains(token.folded.as_str()) {
            return Some((INSULT_VALENCE, 1, true));
        }
        self.exact
            .get(&token.folded)
            .or_else(|| self.by_stem.get(&token.stem))
            .map(|&v| (v, 1, false))
    }
}

/// Scores the sentiment of messages in pt, es and en.
pub struct SentimentAnalyzer {
    lexicons: [LanguageLexicon; 3],
}

impl std::fmt::Debug for SentimentAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentimentAnalyzer").finish_non_exhaustive()
    }
}

impl Default for SentimentAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl SentimentAnalyzer {
    /// Builds the lexicons of the three languages.
    pub fn new() -> Self {
        SentimentAnalyzer {
            lexicons: Language::ALL.map(LanguageLexicon::new),
        }
    }

    /// Scores `text`, written in `language`.
    pub fn analyze(&self, text: &str, language: Language) -> Sentiment {
        let index = Language::ALL
            .iter()
            .position(|l| *l == language)
            .unwrap_or_default();
        let lexicon = &self.lexicons[index];
        let tokens = lexicon.normalizer.tokenize(text);

        let words: Vec<&Token> = tokens
            .iter()
            .filter(|t| !t.is_emoji && t.folded.chars().filter(|c| c.is_alphabetic()).count() >= 2)
            .collect();
        let uppercase_words = words.iter().filter(|t| t.is_uppercase).count();
        let is_shouting = uppercase_words >= 2 && uppercase_words * 5 >= words.len() * 4;

        let last_contrast = tokens
            .iter()
            .rposition(|t| lexicon.contrast_words.contains(t.folded.as_str()));
        let mut total = 0.0f32;
        let mut has_insult = false;
        let mut index = 0;
        while index < tokens.len() {
            let Some((mut valence, length, is_insult)) = lexicon.valence_at(&tokens, index) else {
                index += 1;
                continue;
            };
            has_insult |= is_insult;
            let direction = valence.signum();
            let head = &tokens[index];
            if head.is_emoji {
                // An emoji speaks for itself: "não caiu 😡" is not a negated anger emoji.
                total += valence;
                index += length;
                continue;
            }
            let window = index.saturating_sub(MODIFIER_WINDOW)..index;
            for (distance, previous) in tokens[window.clone()].iter().rev().enumerate() {
                if let Some(boost) = lexicon.intensifiers.get(previous.folded.as_str()) {
                    valence += direction * boost * (1.0 - 0.05 * distance as f32);
                }
            }
            if head.is_uppercase && !is_shouting {
                valence += direction * CAPITALS_BOOST;
            }
            if head.is_elongated {
                valence += direction * ELONGATION_BOOST;
            }
            if tokens[window]
                .iter()
                .any(|t| lexicon.negators.contains(t.folded.as_str()))
            {
                valence *= NEGATION_FACTOR;
            }
            if let Some(contrast) = last_contrast {
                valence *= if index < contrast { 0.5 } else { 1.5 };
            }
            total += valence;
            index += length;
        }
        total += lexicon::EMOTICONS
            .iter()
            .map(|(emoticon, valence)| text.matches(emoticon).count() as f32 * valence)
            .sum::<f32>();

        let exclamations = text.matches('!').count().min(4) as f32;
        if total != 0.0 {
            total += total.signum() * exclamations * EXCLAMATION_BOOST;
        } else if exclamations >= 2.0 {
            total = AGITATION_VALENCE;
        }
        if is_shouting && total <= 0.5 {
            total += SHOUTING_VALENCE;
        }
        let score = (total / (total * total + NORMALIZATION_ALPHA).sqrt()).clamp(-1.0, 1.0);
        let label = if score >= 0.05 {
            SentimentLabel::Positive
        } else if score <= -0.05 {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        };
        Sentiment {
            score,
            label,
            has_insult,
            is_shouting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::{English as En, Portuguese as Pt, Spanish as Es};
    use SentimentLabel::{Negative, Neutral, Positive};

    /// Hand-made customer-service messages with the polarity a reader would give them.
    const LABELLED_MESSAGES: &[(&str, Language, SentimentLabel)] = &[
        ("adorei o atendimento, muito obrigado!", Pt, Positive),
        ("excelente, resolveu meu problema rapidinho", Pt, Positive),
        ("não gostei do atendimento", Pt, Negative),
        ("péssimo serviço, estou muito irritado", Pt, Negative),
        ("vou reclamar no procon", Pt, Negative),
        ("o boleto não é ruim", Pt, Positive),
        ("quero a segunda via do boleto", Pt, Neutral),
        ("meu pix ainda não caiu 😡", Pt, Negative),
        ("vcs são uns ladrões", Pt, Negative),
        ("o app é bom mas a entrega é horrível", Pt, Negative),
        ("muchas gracias, muy amable", Es, Positive),
        ("no me gusta nada este servicio", Es, Negative),
        ("esto es una estafa, son unos inútiles", Es, Negative),
        ("quiero hablar con un agente", Es, Neutral),
        ("excelente atención 👍", Es, Positive),
        ("estoy harto de esperar el reembolso", Es, Negative),
        ("thanks, that was really helpful", En, Positive),
        ("not good at all", En, Negative),
        ("this is the worst service ever", En, Negative),
        ("talk to a human", En, Neutral),
        ("great app, love it :)", En, Positive),
        ("you are useless idiots", En, Negative),
        ("not bad", En, Positive),
        ("o atendente foi muito atencioso", Pt, Positive),
        ("tem uma cobrança indevida no meu cartão", Pt, Negative),
        ("cartão bloqueado de novo, que palhaçada", Pt, Negative),
        ("me cobraron dos veces, es un fraude", Es, Negative),
        ("todo bien, gracias", Es, Positive),
        ("¿cuándo llega mi pedido?", Es, Neutral),
        ("the refund was fast, thank you", En, Positive),
        ("I'm so frustrated with this app", En, Negative),
        ("my order is late again", En, Negative),
        ("what are your opening hours?", En, Neutral),
    ];

    #[test]
    fn hand_made_messages_get_the_expected_polarity() {
        let analyzer = SentimentAnalyzer::new();
        let mut wrong = Vec::new();
        for (text, language, expected) in LABELLED_MESSAGES {
            let sentiment = analyzer.analyze(text, *language);
            if sentiment.label != *expected {
                wrong.push((*text, sentiment.score));
            }
        }
        assert!(wrong.is_empty(), "wrong polarity: {wrong:?}");
    }

    #[test]
    fn negation_flips_polarity_in_each_language() {
        let analyzer = SentimentAnalyzer::new();
        for (positive, negated, language) in [
            ("gostei", "não gostei", Pt),
            ("me gusta", "no me gusta", Es),
            ("good", "not good", En),
        ] {
            assert!(
                analyzer.analyze(positive, language).score > 0.0,
                "{positive}"
            );
            assert!(analyzer.analyze(negated, language).score < 0.0, "{negated}");
        }
    }

    #[test]
    fn intensifiers_capitals_and_exclamations_strengthen() {
        let analyzer = SentimentAnalyzer::new();
        let plain = analyzer.analyze("o serviço é ruim", Pt).score;
        let intensified = analyzer.analyze("o serviço é muito ruim", Pt).score;
        let capitals = analyzer.analyze("o serviço é RUIM", Pt).score;
        let exclaimed = analyzer.analyze("o serviço é ruim!!!", Pt).score;
        assert!(intensified < plain && capitals < plain && exclaimed < plain);
    }

    #[test]
    fn shouting_and_insults_are_flagged_as_anger() {
        let analyzer = SentimentAnalyzer::new();
        let shouted = analyzer.analyze("QUERO MEU DINHEIRO DE VOLTA", Pt);
        assert!(shouted.is_shouting);
        assert_eq!(shouted.label, Negative);
        let insult = analyzer.analyze("you people are idiots", En);
        assert!(insult.has_insult);
        assert!(insult.score < -0.5);
    }

    #[test]
    fn scores_stay_within_bounds() {
        let analyzer = SentimentAnalyzer::new();
        let furious = "PÉSSIMO HORRÍVEL LIXO LADRÕES GOLPE FRAUDE 😡😡😡🤬!!!!!!";
        let delighted = "excelente maravilhoso perfeito incrível 😍😍👏!!!!";
        assert!((-1.0..=-0.9).contains(&analyzer.analyze(furious, Pt).score));
        assert!((0.9..=1.0).contains(&analyzer.analyze(delighted, Pt).score));
        assert_eq!(analyzer.analyze("", En).score, 0.0);
    }
}
