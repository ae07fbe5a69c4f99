//! Entity extraction: CPF and CNPJ (check digits validated, alphanumeric CNPJ included),
//! e-mail, phone numbers (Brazilian and international), money, dates (absolute and relative
//! to a given day), order/protocol numbers by configurable patterns, and card numbers (Luhn),
//! with spans into the original text and a sensitivity flag for masking.

mod dates;
pub(crate) mod personal;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::language::Language;
pub use personal::passes_luhn;
pub(crate) use personal::{digits, fixed};

/// Where references rank among overlapping candidates: after personal values (see
/// [`personal`]), before phone numbers, whose loose shapes a reference pattern may also fit.
const REFERENCE_PRIORITY: u8 = 3;
/// Where money amounts rank: after every number with a more specific shape.
const MONEY_PRIORITY: u8 = 6;
/// Where dates rank: last, since `10/12` may be part of many other things.
const DATE_PRIORITY: u8 = 7;

/// What an [`Entity`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// Brazilian individual taxpayer number, check digits valid.
    Cpf,
    /// Brazilian company number (numeric or alphanumeric), check digits valid.
    Cnpj,
    /// E-mail address.
    Email,
    /// Phone number, normalized to E.164.
    Phone,
    /// Money amount, normalized to `<amount> <ISO currency>` (currency omitted when unknown).
    Money,
    /// Calendar date, normalized to ISO 8601 (`2026-11-23`).
    Date,
    /// Order, protocol or ticket number matched by a configured pattern.
    Reference,
    /// Payment card number that passes the Luhn check.
    CardNumber,
}

/// A named pattern for order, protocol or ticket numbers, e.g. `order_number` = `\bPED-\d{6}\b`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferencePattern {
    /// The name reported in [`Entity::name`].
    pub name: String,
    /// A regular expression (Rust `regex` syntax; linear time, so safe on customer input).
    pub pattern: String,
}

/// Something recognized in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// What it is.
    pub kind: EntityKind,
    /// For [`EntityKind::Reference`], the name of the pattern that matched.
    pub name: Option<String>,
    /// The text as written.
    pub raw: String,
    /// Byte offset of `raw` in the message.
    pub start: usize,
    /// Byte offset just past `raw` in the message.
    pub end: usize,
    /// A canonical form (digits only, E.164, ISO date, lowercased e-mail...).
    pub normalized: String,
    /// True for personal data (CPF, CNPJ, e-mail, phone, card number), which must be masked
    /// before display or logging.
    pub is_sensitive: bool,
}

impl EntityKind {
    /// Whether values of this kind are personal data (masked wherever they are shown, by
    /// `crate::masking`).
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            EntityKind::Cpf
                | EntityKind::Cnpj
                | EntityKind::CardNumber
                | EntityKind::Phone
                | EntityKind::Email
        )
    }
}

/// Finds entities in messages. Build once (the regular expressions are compiled here).
#[derive(Debug, Clone)]
pub struct EntityExtractor {
    money_prefix: Regex,
    money_suffix: Regex,
    dates: dates::DatePatterns,
    references: Vec<(String, Regex)>,
}

impl EntityExtractor {
    /// Builds an extractor with the given order/protocol number patterns.
    ///
    /// # Errors
    /// [`EngineError::InvalidReferencePattern`] when a pattern does not compile.
    pub fn new(reference_patterns: &[ReferencePattern]) -> Result<Self, EngineError> {
        let references = reference_patterns
            .iter()
            .map(|p| {
                Regex::new(&p.pattern)
                    .map(|regex| (p.name.clone(), regex))
                    .map_err(|source| EngineError::InvalidReferencePattern {
                        name: p.name.clone(),
                        source,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EntityExtractor {
            money_prefix: fixed(
                r"(?i)(R\$|US\$|U\$|\$|€|£|\b(?:USD|BRL|EUR|MXN|ARS|COP|CLP|GBP)\b)\s?(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)",
            ),
            money_suffix: fixed(
                r"(?i)\b(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)\s?(reais|real|d[óo]lares|dollars?|bucks|euros?|pesos|usd|brl|eur)\b",
            ),
            dates: dates::DatePatterns::new(),
            references,
        })
    }

    /// Extracts the entities of `text`, written in `language`; relative dates ("amanhã",
    /// "next Monday") are resolved against `today`. Entities do not overlap; when two
    /// candidates overlap the more specific kind wins (a valid CPF over a phone number).
    pub fn extract(&self, text: &str, language: Language, today: jiff::civil::Date) -> Vec<Entity> {
        let north_american_phones = language == Language::English;
        let mut candidates: Vec<(u8, Entity)> = personal::candidates(text, north_american_phones)
            .into_iter()
            .map(|found| {
                let entity = entity(text, found.kind, found.start, found.end, found.normalized);
                (found.priority, entity)
            })
            .collect();
        for (name, regex) in &self.references {
            for found in regex.find_iter(text) {
                if found.is_empty() {
                    continue;
                }
                let mut normalized = found.as_str().to_uppercase();
                normalized.retain(|c| !c.is_whitespace());
                let mut reference = entity(
                    text,
                    EntityKind::Reference,
                    found.start(),
                    found.end(),
                    normalized,
                );
                reference.name = Some(name.clone());
                candidates.push((REFERENCE_PRIORITY, reference));
            }
        }
        for captures in self.money_prefix.captures_iter(text) {
            if let (Some(whole), Some(symbol), Some(amount)) =
                (captures.get(0), captures.get(1), captures.get(2))
            {
                let currency = currency_code(symbol.as_str(), language);
                candidates.push((
                    MONEY_PRIORITY,
                    entity(
                        text,
                        EntityKind::Money,
                        whole.start(),
                        whole.end(),
                        money(amount.as_str(), currency),
                    ),
                ));
            }
        }
        for captures in self.money_suffix.captures_iter(text) {
            if let (Some(whole), Some(amount), Some(word)) =
                (captures.get(0), captures.get(1), captures.get(2))
            {
                let currency = currency_code(word.as_str(), language);
                candidates.push((
                    MONEY_PRIORITY,
                    entity(
                        text,
                        EntityKind::Money,
                        whole.start(),
                        whole.end(),
                        money(amount.as_str(), currency),
                    ),
                ));
            }
        }
        for found in self.dates.find(text, language, today) {
            candidates.push((
                DATE_PRIORITY,
                entity(
                    text,
                    EntityKind::Date,
                    found.start,
                    found.end,
                    found.date.to_string(),
                ),
            ));
        }
        resolve_overlaps(candidates)
    }
}

/// An entity found at `start..end` in `text`; personal data is sensitive.
fn entity(text: &str, kind: EntityKind, start: usize, end: usize, normalized: String) -> Entity {
    Entity {
        kind,
        name: None,
        raw: text[start..end].to_owned(),
        start,
        end,
        normalized,
        is_sensitive: kind.is_personal(),
    }
}

/// Keeps the best candidates that do not overlap: lower priority number first, then longer.
fn resolve_overlaps(mut candidates: Vec<(u8, Entity)>) -> Vec<Entity> {
    candidates.sort_by(|(pa, a), (pb, b)| {
        pa.cmp(pb)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Entity> = Vec::new();
    for (_, candidate) in candidates {
        if kept
            .iter()
            .all(|k| candidate.end <= k.start || candidate.start >= k.end)
        {
            kept.push(candidate);
        }
    }
    kept.sort_by_key(|e| e.start);
    kept
}

fn currency_code(marker: &str, language: Language) -> Option<&'static str> {
    match marker.to_lowercase().as_str() {
        "r$" | "brl" | "reais" | "real" => Some("BRL"),
        "us$" | "u$" | "usd" | "dollar" | "dollars" | "bucks" | "dólares" | "dolares" => {
            Some("USD")
        }
        "€" | "eur" | "euro" | "euros" => Some("EUR"),
        "£" | "gbp" => Some("GBP"),
        "mxn" => Some("MXN"),
        "ars" => Some("ARS"),
        "cop" => Some("COP"),
        "clp" => Some("CLP"),
        // "$" alone is the dollar in English; in Spanish it is as likely a peso, so it stays unknown.
        "$" if language == Language::English => Some("USD"),
        _ => None,
    }
}

/// Normalizes an amount written with either decimal convention: a final separator followed
/// by one or two digits is the decimal point, every other separator groups thousands.
fn money(amount: &str, currency: Option<&str>) -> String {
    let last_separator = amount.rfind(['.', ',']);
    let (whole, fraction) = match last_separator {
        Some(index) if amount.len() - index - 1 <= 2 => (&amount[..index], &amount[index + 1..]),
        _ => (amount, ""),
    };
    let mut value = digits(whole);
    if !fraction.is_empty() {
        value.push('.');
        value.push_str(fraction);
        if fraction.len() == 1 {
            value.push('0');
        }
    }
    match currency {
        Some(code) => format!("{value} {code}"),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    /// A message, its language and the entities expected in it.
    type ExpectedEntities = (
        &'static str,
        Language,
        &'static [(EntityKind, &'static str)],
    );

    /// Saturday 2026-11-21, the day the relative dates below are resolved against.
    fn today() -> jiff::civil::Date {
        date(2026, 11, 21)
    }

    fn extract(text: &str, language: Language) -> Vec<(EntityKind, String)> {
        let patterns = [
            ReferencePattern {
                name: "order_number".to_owned(),
                pattern: r"(?i)\bPED-?\d{6}\b".to_owned(),
            },
            ReferencePattern {
                name: "protocol".to_owned(),
                pattern: r"\b20\d{2}\d{8}\b".to_owned(),
            },
        ];
        let extractor = EntityExtractor::new(&patterns).unwrap();
        extractor
            .extract(text, language, today())
            .into_iter()
            .map(|e| (e.kind, e.normalized))
            .collect()
    }

    #[test]
    fn hand_made_messages_yield_the_expected_entities() {
        use EntityKind::*;
        use Language::{English as En, Portuguese as Pt, Spanish as Es};
        let cases: &[ExpectedEntities] = &[
            ("meu cpf é 529.982.247-25", Pt, &[(Cpf, "52998224725")]),
            ("cpf 52998224725 por favor", Pt, &[(Cpf, "52998224725")]),
            ("cpf 529.982.247-26 está certo?", Pt, &[]),
            (
                "CNPJ da loja: 11.222.333/0001-81",
                Pt,
                &[(Cnpj, "11222333000181")],
            ),
            (
                "o novo cnpj é 12.ABC.345/01DE-35",
                Pt,
                &[(Cnpj, "12ABC34501DE35")],
            ),
            (
                "me escreve em Maria.Silva@Example.com.br",
                Pt,
                &[(Email, "maria.silva@example.com.br")],
            ),
            ("liga no (11) 98765-4321", Pt, &[(Phone, "+5511987654321")]),
            (
                "meu whats é +55 21 99876-5432",
                Pt,
                &[(Phone, "+5521998765432")],
            ),
            (
                "call me at +44 20 7946 0958",
                En,
                &[(Phone, "+442079460958")],
            ),
            (
                "my number is (415) 555-2671",
                En,
                &[(Phone, "+14155552671")],
            ),
            (
                "paguei R$ 1.234,56 no boleto",
                Pt,
                &[(Money, "1234.56 BRL")],
            ),
            ("foram 50 reais no pix", Pt, &[(Money, "50 BRL")]),
            ("me cobraron 1.500 pesos de más", Es, &[(Money, "1500")]),
            ("I was charged $19.99 twice", En, &[(Money, "19.99 USD")]),
            ("cobrado € 30,5", Pt, &[(Money, "30.50 EUR")]),
            (
                "o pedido PED-123456 não chegou",
                Pt,
                &[(Reference, "PED-123456")],
            ),
            ("protocolo 202612345678", Pt, &[(Reference, "202612345678")]),
            (
                "cartão 4111 1111 1111 1111 foi clonado",
                Pt,
                &[(CardNumber, "4111111111111111")],
            ),
            ("card 4111-1111-1111-1112 declined", En, &[]),
            (
                "cartão 4111111111111111 123",
                Pt,
                &[(CardNumber, "4111111111111111")],
            ),
            ("meu cpf é 529 982 247 25", Pt, &[(Cpf, "52998224725")]),
            ("posso pagar amanhã?", Pt, &[(Date, "2026-11-22")]),
            ("vence depois de amanhã", Pt, &[(Date, "2026-11-23")]),
            ("llega mañana", Es, &[(Date, "2026-11-22")]),
            ("pasado mañana", Es, &[(Date, "2026-11-23")]),
            ("I paid yesterday", En, &[(Date, "2026-11-20")]),
            ("can you call me next Monday", En, &[(Date, "2026-11-23")]),
            ("na próxima sexta-feira", Pt, &[(Date, "2026-11-27")]),
            ("el próximo lunes", Es, &[(Date, "2026-11-23")]),
            ("quero a segunda via do boleto", Pt, &[]),
            ("vencimento 10/12/2026", Pt, &[(Date, "2026-12-10")]),
            ("due 12/10/2026", En, &[(Date, "2026-12-10")]),
            ("entregue em 2026-11-02", Pt, &[(Date, "2026-11-02")]),
            ("el 5 de marzo de 2027", Es, &[(Date, "2027-03-05")]),
            ("dia 3 de dezembro", Pt, &[(Date, "2026-12-03")]),
            ("on March 5th, 2027", En, &[(Date, "2027-03-05")]),
            ("em 3 dias", Pt, &[(Date, "2026-11-24")]),
            ("in 10 days", En, &[(Date, "2026-12-01")]),
            ("semana que vem", Pt, &[(Date, "2026-11-28")]),
        ];
        for (text, language, expected) in cases {
            let expected: Vec<(EntityKind, String)> = expected
                .iter()
                .map(|(k, v)| (*k, (*v).to_owned()))
                .collect();
            assert_eq!(extract(text, *language), expected, "{text}");
        }
    }

    #[test]
    fn spans_point_at_the_raw_text_and_sensitive_values_are_masked() {
        let text = "Cartão 4111 1111 1111 1111, CPF 529.982.247-25";
        let extractor = EntityExtractor::new(&[]).unwrap();
        let entities = extractor.extract(text, Language::Portuguese, today());
        assert_eq!(entities.len(), 2);
        for entity in &entities {
            assert_eq!(&text[entity.start..entity.end], entity.raw);
            assert!(entity.is_sensitive);
        }
        assert_eq!(entities[0].masked(), "**** **** **** 1111");
        assert_eq!(entities[1].masked(), "***.***.***-25");
    }

    #[test]
    fn an_invalid_reference_pattern_is_reported_by_name() {
        let patterns = [ReferencePattern {
            name: "broken".to_owned(),
            pattern: "(".to_owned(),
        }];
        match EntityExtractor::new(&patterns) {
            Err(EngineError::InvalidReferencePattern { name, .. }) => assert_eq!(name, "broken"),
            other => panic!("expected an invalid pattern error, got {other:?}"),
        }
    }

    /// Computes the two CPF check digits of nine base digits, independently of `cpf_cnpj`.
    fn cpf_with_check_digits(base: &[u32; 9]) -> String {
        let mut digits: Vec<u32> = base.to_vec();
        for length in [9usize, 10] {
            let sum: u32 = digits
                .iter()
                .enumerate()
                .map(|(i, d)| d * (length as u32 + 1 - i as u32))
                .sum();
            let remainder = sum % 11;
            digits.push(if remainder < 2 { 0 } else { 11 - remainder });
        }
        digits
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
            .collect()
    }

    fn luhn_complete(base: &[u32]) -> String {
        let body: String = base
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
            .collect();
        (0..10)
            .map(|check| format!("{body}{check}"))
            .find(|n| passes_luhn(n))
            .unwrap_or_default()
    }

    proptest! {
        #[test]
        fn every_valid_cpf_is_found_formatted_or_not(base in prop::array::uniform9(0u32..10)) {
            let cpf = cpf_with_check_digits(&base);
            prop_assume!(!cpf.chars().all(|c| cpf.starts_with(c)));
            let formatted = format!("{}.{}.{}-{}", &cpf[..3], &cpf[3..6], &cpf[6..9], &cpf[9..]);
            for text in [format!("cpf {cpf} ok"), format!("cpf {formatted} ok")] {
                let found = extract(&text, Language::Portuguese);
                prop_assert_eq!(found, vec![(EntityKind::Cpf, cpf.clone())]);
            }
        }

        #[test]
        fn a_changed_cpf_check_digit_is_rejected(base in prop::array::uniform9(0u32..10), delta in 1u32..10) {
            let cpf = cpf_with_check_digits(&base);
            let last = cpf.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(0);
            let wrong = format!("{}.{}.{}-{}{}", &cpf[..3], &cpf[3..6], &cpf[6..9], &cpf[9..10], (last + delta) % 10);
            let found = extract(&format!("cpf {wrong}"), Language::Portuguese);
            prop_assert!(found.iter().all(|(kind, _)| *kind != EntityKind::Cpf));
        }

        #[test]
        fn luhn_accepts_exactly_one_check_digit(base in prop::collection::vec(0u32..10, 12..18)) {
            let number = luhn_complete(&base);
            prop_assert!(!number.is_empty());
            let valid = (0..10).filter(|check| passes_luhn(&format!("{}{check}", &number[..number.len() - 1]))).count();
            prop_assert_eq!(valid, 1);
        }

        #[test]
        fn extraction_never_panics_and_spans_are_char_boundaries(text in "\\PC{0,60}") {
            let extractor = EntityExtractor::new(&[]).unwrap();
            for entity in extractor.extract(&text, Language::Spanish, today()) {
                prop_assert_eq!(&text[entity.start..entity.end], entity.raw.as_str());
            }
        }
    }
}
