//! Satisfaction surveys: which ones there are and how a customer's plain reply on any channel
//! ("5", "cinco", "⭐⭐⭐⭐", "4 - muito bom") reads as a score and an optional comment.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A survey sent after a conversation is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    /// Customer satisfaction, 1 to 5.
    Csat,
    /// Net promoter score, 0 to 10.
    Nps,
}

impl SurveyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyKind::Csat => "csat",
            SurveyKind::Nps => "nps",
        }
    }

    /// The lowest and highest score.
    pub fn range(self) -> (u8, u8) {
        match self {
            SurveyKind::Csat => (1, 5),
            SurveyKind::Nps => (0, 10),
        }
    }
}

impl fmt::Display for SurveyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reply read as an answer to a survey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyAnswer {
    pub score: u8,
    /// What the customer wrote besides the score.
    pub comment: Option<String>,
}

/// Longest reply read as an answer; anything longer is a new message, not a rating.
pub const MAX_ANSWER_CHARS: usize = 500;

/// Number words in Portuguese, Spanish and English, by value.
const NUMBER_WORDS: [(&str, u8); 33] = [
    ("zero", 0),
    ("cero", 0),
    ("um", 1),
    ("uma", 1),
    ("uno", 1),
    ("una", 1),
    ("one", 1),
    ("dois", 2),
    ("duas", 2),
    ("dos", 2),
    ("two", 2),
    ("tres", 3),
    ("três", 3),
    ("three", 3),
    ("quatro", 4),
    ("cuatro", 4),
    ("four", 4),
    ("cinco", 5),
    ("five", 5),
    ("seis", 6),
    ("six", 6),
    ("sete", 7),
    ("siete", 7),
    ("seven", 7),
    ("oito", 8),
    ("ocho", 8),
    ("eight", 8),
    ("nove", 9),
    ("nueve", 9),
    ("nine", 9),
    ("dez", 10),
    ("diez", 10),
    ("ten", 10),
];

/// Reads `text` as an answer to `kind`: the score must open the reply (a number, a number
/// word, or stars), be in the survey's range, and the reply be short; what follows is the
/// comment. `None` means the customer is saying something else.
pub fn parse_answer(kind: SurveyKind, text: &str) -> Option<SurveyAnswer> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_ANSWER_CHARS {
        return None;
    }
    let (score, rest) = leading_stars(text).or_else(|| leading_number(text))?;
    let (low, high) = kind.range();
    if !(low..=high).contains(&score) {
        return None;
    }
    let comment = rest
        .trim_start_matches(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '-' | '–' | '—' | ':' | ',' | '.' | '!' | '/' | '⭐' | '★'
                )
        })
        .trim();
    let comment = comment
        .strip_prefix(&format!("{high}"))
        .filter(|_| rest.trim_start().starts_with('/'))
        .map_or(comment, str::trim);
    Some(SurveyAnswer {
        score,
        comment: (!comment.is_empty()).then(|| comment.to_owned()),
    })
}

/// Stars (`⭐`, `★`) at the start: their count and the rest.
fn leading_stars(text: &str) -> Option<(u8, &str)> {
    let mut count = 0u8;
    let mut end = 0;
    for (index, c) in text.char_indices() {
        match c {
            '⭐' | '★' => {
                count = count.saturating_add(1);
                end = index + c.len_utf8();
            }
            '\u{fe0f}' | ' ' => end = index + c.len_utf8(),
            _ => break,
        }
    }
    (count > 0).then(|| (count, &text[end..]))
}

/// A number or number word opening the text: its value and the rest.
fn leading_number(text: &str) -> Option<(u8, &str)> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        let rest = &text[digits.len()..];
        if rest.starts_with(|c: char| c.is_alphanumeric()) {
            return None;
        }
        return digits.parse().ok().map(|value| (value, rest));
    }
    let word_end = text
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(text.len(), |(index, _)| index);
    let word = text[..word_end].to_lowercase();
    NUMBER_WORDS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, value)| (*value, &text[word_end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(score: u8, comment: Option<&str>) -> Option<SurveyAnswer> {
        Some(SurveyAnswer {
            score,
            comment: comment.map(str::to_owned),
        })
    }

    #[test]
    fn csat_replies_in_three_languages() {
        let cases = [
            ("5", answer(5, None)),
            (" 4 ", answer(4, None)),
            ("cinco", answer(5, None)),
            ("Cuatro", answer(4, None)),
            ("three", answer(3, None)),
            ("⭐⭐⭐⭐", answer(4, None)),
            ("⭐️⭐️⭐️⭐️⭐️", answer(5, None)),
            ("★★", answer(2, None)),
            (
                "4 - muito bom, resolveram rápido",
                answer(4, Some("muito bom, resolveram rápido")),
            ),
            ("2. Demorou demais", answer(2, Some("Demorou demais"))),
            ("5/5 excelente", answer(5, Some("excelente"))),
            ("uno: pésimo", answer(1, Some("pésimo"))),
            ("5 stars!", answer(5, Some("stars!"))),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_answer(SurveyKind::Csat, text), expected, "{text:?}");
        }
    }

    #[test]
    fn other_messages_are_not_ratings() {
        for text in [
            "",
            "6",
            "0",
            "obrigado",
            "quero falar do boleto",
            "5boletos",
            "15",
            "dozens of problems",
            &"5 ".repeat(300),
        ] {
            assert_eq!(parse_answer(SurveyKind::Csat, text), None, "{text:?}");
        }
    }

    #[test]
    fn nps_takes_zero_to_ten() {
        assert_eq!(parse_answer(SurveyKind::Nps, "10"), answer(10, None));
        assert_eq!(parse_answer(SurveyKind::Nps, "zero"), answer(0, None));
        assert_eq!(
            parse_answer(SurveyKind::Nps, "diez, recomiendo"),
            answer(10, Some("recomiendo"))
        );
        assert_eq!(parse_answer(SurveyKind::Nps, "11"), None);
    }
}
