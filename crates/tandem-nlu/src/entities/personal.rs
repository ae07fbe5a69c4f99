//! Detection of the personal values shared by entity extraction and masking: CPF and CNPJ
//! (check digits validated), e-mail, card numbers (Luhn) and phone numbers.

use std::sync::LazyLock;

use regex::Regex;

use super::EntityKind;

/// A personal value found in a text, before overlaps between candidates are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PersonalCandidate {
    /// Lower wins when two candidates overlap (a valid CPF over a phone number).
    pub(crate) priority: u8,
    pub(crate) kind: EntityKind,
    /// Byte offset of the value in the text.
    pub(crate) start: usize,
    /// Byte offset just past the value.
    pub(crate) end: usize,
    /// Digits only for numbers, E.164 for phones, lowercase for e-mail.
    pub(crate) normalized: String,
}

/// Priority of e-mail addresses, the most specific shape.
pub(crate) const EMAIL_PRIORITY: u8 = 0;
/// Priority of CPFs and CNPJs (check digits make them near certain).
pub(crate) const TAX_ID_PRIORITY: u8 = 1;
/// Priority of Luhn-valid card numbers.
pub(crate) const CARD_PRIORITY: u8 = 2;
/// Priority of international and North American phone numbers.
pub(crate) const PHONE_PRIORITY: u8 = 4;
/// Priority of Brazilian phone numbers written without a country code, the loosest shape.
pub(crate) const BRAZILIAN_PHONE_PRIORITY: u8 = 5;

/// The compiled patterns, built once for the whole process: they are fixed literals, so every
/// extractor and every masking call can share them.
static PATTERNS: LazyLock<PersonalPatterns> = LazyLock::new(PersonalPatterns::new);

#[derive(Debug)]
struct PersonalPatterns {
    email: Regex,
    cpf: Regex,
    cnpj: Regex,
    /// Digits in groups separated by single spaces or dashes, where card numbers are sought.
    digit_run: Regex,
    international_phone: Regex,
    brazilian_phone: Regex,
    north_american_phone: Regex,
}

/// Compiles one of the crate's own patterns, which are fixed and covered by tests.
pub(crate) fn fixed(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(regex) => regex,
        // The patterns are literals in this crate and every one is exercised by the unit
        // tests, so a compile failure is a programming error caught before release.
        Err(error) => unreachable!("built-in pattern failed to compile: {error}"),
    }
}

impl PersonalPatterns {
    fn new() -> Self {
        PersonalPatterns {
            email: fixed(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"),
            cpf: fixed(r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b|\b\d{3} \d{3} \d{3} \d{2}\b|\b\d{11}\b"),
            cnpj: fixed(
                r"(?i)\b[0-9a-z]{2}\.[0-9a-z]{3}\.[0-9a-z]{3}/[0-9a-z]{4}-\d{2}\b|\b[0-9A-Z]{12}\d{2}\b",
            ),
            digit_run: fixed(r"\b\d(?:[ -]?\d)*\b"),
            international_phone: fixed(r"\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){1,5}"),
            brazilian_phone: fixed(r"\(?\b\d{2}\)?[\s.-]?9?\d{4}[\s.-]?\d{4}\b"),
            north_american_phone: fixed(r"\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b|\b\d{3}-\d{3}-\d{4}\b"),
        }
    }
}

/// Every personal value candidate in `text`, overlapping ones included. North American
/// phone numbers without a country code (`(415) 555-2671`) are looked for only when
/// `north_american_phones` is set, since in pt/es texts that shape is as likely something else.
pub(crate) fn candidates(text: &str, north_american_phones: bool) -> Vec<PersonalCandidate> {
    let patterns = &*PATTERNS;
    let mut found: Vec<PersonalCandidate> = Vec::new();
    let mut push = |priority, kind, start, end, normalized| {
        found.push(PersonalCandidate {
            priority,
            kind,
            start,
            end,
            normalized,
        });
    };
    for email in patterns.email.find_iter(text) {
        let normalized = email.as_str().to_lowercase();
        push(
            EMAIL_PRIORITY,
            EntityKind::Email,
            email.start(),
            email.end(),
            normalized,
        );
    }
    for cpf in patterns.cpf.find_iter(text) {
        let number = digits(cpf.as_str());
        if cpf_cnpj::cpf::validate(&number) {
            push(
                TAX_ID_PRIORITY,
                EntityKind::Cpf,
                cpf.start(),
                cpf.end(),
                number,
            );
        }
    }
    for cnpj in patterns.cnpj.find_iter(text) {
        let upper = cnpj.as_str().to_ascii_uppercase();
        if upper.chars().any(|c| c.is_ascii_digit()) && cpf_cnpj::cnpj::validate(&upper) {
            let normalized = upper.chars().filter(char::is_ascii_alphanumeric).collect();
            push(
                TAX_ID_PRIORITY,
                EntityKind::Cnpj,
                cnpj.start(),
                cnpj.end(),
                normalized,
            );
        }
    }
    for run in patterns.digit_run.find_iter(text) {
        // A number after `+` is a phone number's country code, not a card.
        let follows_plus = text[..run.start()].ends_with('+');
        for (start, end) in card_numbers_in(run.as_str()) {
            if !(follows_plus && start == 0) {
                let (start, end) = (run.start() + start, run.start() + end);
                let number = digits(&text[start..end]);
                push(CARD_PRIORITY, EntityKind::CardNumber, start, end, number);
            }
        }
    }
    for phone in patterns.international_phone.find_iter(text) {
        let number = digits(phone.as_str());
        if (8..=15).contains(&number.len()) {
            let normalized = format!("+{number}");
            push(
                PHONE_PRIORITY,
                EntityKind::Phone,
                phone.start(),
                phone.end(),
                normalized,
            );
        }
    }
    for phone in patterns.brazilian_phone.find_iter(text) {
        let number = digits(phone.as_str());
        // Non-ASCII digits also match `\d` but are not counted, hence `get` rather than indexing.
        let is_plausible = !number.starts_with('0')
            && (number.len() == 10 || number.as_bytes().get(2) == Some(&b'9'));
        if is_plausible {
            let normalized = format!("+55{number}");
            let (start, end) = (phone.start(), phone.end());
            push(
                BRAZILIAN_PHONE_PRIORITY,
                EntityKind::Phone,
                start,
                end,
                normalized,
            );
        }
    }
    if north_american_phones {
        for phone in patterns.north_american_phone.find_iter(text) {
            let normalized = format!("+1{}", digits(phone.as_str()));
            push(
                PHONE_PRIORITY,
                EntityKind::Phone,
                phone.start(),
                phone.end(),
                normalized,
            );
        }
    }
    found
}

/// The card numbers in a run of digit groups (`4111 1111 1111 1111 12/30` gives the run
/// `4111 1111 1111 1111 12`): the longest Luhn-valid sequences of whole groups with 13 to 19
/// digits, left to right, as byte ranges of `run`. Looking inside the run matters because a
/// card number is often written next to other numbers (an expiry month, a CVV), and a run
/// judged only as a whole would leave such a card in clear.
fn card_numbers_in(run: &str) -> Vec<(usize, usize)> {
    // Each group's byte range and digit count.
    let mut groups: Vec<(usize, usize, usize)> = Vec::new();
    let mut group_start = 0;
    for (index, character) in run.char_indices() {
        if character == ' ' || character == '-' {
            groups.push((group_start, index, digits(&run[group_start..index]).len()));
            group_start = index + 1;
        }
    }
    groups.push((group_start, run.len(), digits(&run[group_start..]).len()));
    let mut found = Vec::new();
    let mut first = 0;
    while first < groups.len() {
        let mut best = None;
        let mut count = 0;
        for (last, &(_, _, group_digits)) in groups.iter().enumerate().skip(first) {
            count += group_digits;
            if count > 19 {
                break;
            }
            let (start, end) = (groups[first].0, groups[last].1);
            if count >= 13 && passes_luhn(&digits(&run[start..end])) {
                best = Some((last, start, end));
            }
        }
        match best {
            Some((last, start, end)) => {
                found.push((start, end));
                first = last + 1;
            }
            None => first += 1,
        }
    }
    found
}

/// The ASCII digits of `text`, in order.
pub(crate) fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The Luhn check used by payment card numbers.
pub fn passes_luhn(number: &str) -> bool {
    let mut sum = 0;
    let mut count = 0;
    for (position, character) in number.chars().rev().enumerate() {
        let Some(digit) = character.to_digit(10) else {
            return false;
        };
        let value = if position % 2 == 1 {
            let doubled = digit * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            digit
        };
        sum += value;
        count += 1;
    }
    let all_same = number.chars().all(|c| number.starts_with(c));
    count > 1 && sum % 10 == 0 && !all_same
}
