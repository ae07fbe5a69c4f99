//! Checks masking against the shared personal-data samples
//! (`shared/fixtures/pii_samples.jsonl`): every value the file marks for redaction is gone
//! from [`mask_text`]'s output, card masks show no more than the file allows, and nothing
//! else in a sample's text is changed.

use serde::Deserialize;

use super::fold::FoldedText;
use super::{PersonalDataKind, find_personal_data, mask_text, mask_value};

const SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/pii_samples.jsonl"
);

#[derive(Debug, Deserialize)]
struct Sample {
    id: String,
    text: String,
    expect: Vec<Expected>,
}

/// One value in a sample. `redact: true` means the value must not survive masking;
/// `mask_to` is the most a display may show of it (PCI DSS: at most BIN and last four).
#[derive(Debug, Deserialize)]
struct Expected {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "match")]
    value: Option<String>,
    #[serde(default)]
    redact: Option<bool>,
    #[serde(default)]
    mask_to: Option<String>,
}

fn kind_of(label: &str) -> Option<PersonalDataKind> {
    match label {
        "BR_CPF" => Some(PersonalDataKind::Cpf),
        "BR_CNPJ" => Some(PersonalDataKind::Cnpj),
        "PHONE" | "PHONE_BR" => Some(PersonalDataKind::Phone),
        "EMAIL" => Some(PersonalDataKind::Email),
        "PAN" => Some(PersonalDataKind::CardNumber),
        "CVV" => Some(PersonalDataKind::CardSecurityCode),
        _ => None,
    }
}

/// The problems masking has with one sample; empty when it passes.
fn problems(sample: &Sample) -> Vec<String> {
    let masked = mask_text(&sample.text);
    let spans = find_personal_data(&sample.text);
    let mut problems = Vec::new();
    for expected in &sample.expect {
        let Some(kind) = kind_of(&expected.kind) else {
            problems.push(format!("unknown type {}", expected.kind));
            continue;
        };
        let must_redact = expected.redact == Some(true) || expected.mask_to.is_some();
        match &expected.value {
            Some(value) if must_redact => {
                if masked.contains(value.as_str()) {
                    problems.push(format!("{value:?} is still in {masked:?}"));
                }
                let at = sample.text.find(value.as_str());
                let is_found = spans.iter().any(|span| {
                    span.kind == kind
                        && at.is_some_and(|at| span.start <= at && at + value.len() <= span.end)
                });
                if !is_found {
                    problems.push(format!("{value:?} not found as {kind:?}: {spans:?}"));
                }
            }
            Some(value) => {
                if !masked.contains(value.as_str()) {
                    problems.push(format!("{value:?} must stay but became {masked:?}"));
                }
            }
            None => {
                // No value given (full-width digits): the kind must be found, and no run of
                // more digits than a mask shows may remain once the output is folded.
                if !spans.iter().any(|span| span.kind == kind) {
                    problems.push(format!("no {kind:?} found: {spans:?}"));
                }
                let longest = longest_digit_run(&FoldedText::new(&masked).text);
                if longest > 4 {
                    problems.push(format!("{longest} digits in a row remain in {masked:?}"));
                }
            }
        }
        if let (Some(value), Some(allowed)) = (&expected.value, &expected.mask_to) {
            let shown = mask_value(kind, value);
            if !shows_no_more_than(&shown, allowed) {
                problems.push(format!("mask {shown:?} shows more than {allowed:?}"));
            }
        }
    }
    if !keeps_everything_else(sample, &masked) {
        problems.push(format!(
            "text outside the expected values changed: {masked:?}"
        ));
    }
    problems
}

/// The most digits in a row in `text`, single spaces and dashes between digits allowed.
fn longest_digit_run(text: &str) -> usize {
    let mut longest = 0;
    let mut current = 0;
    let mut previous_was_digit = false;
    for character in text.chars() {
        if character.is_ascii_digit() {
            current += 1;
            longest = longest.max(current);
            previous_was_digit = true;
        } else if previous_was_digit && (character == ' ' || character == '-') {
            previous_was_digit = false;
        } else {
            current = 0;
            previous_was_digit = false;
        }
    }
    longest
}

/// Whether every digit `shown` reveals is revealed by `allowed` too, at the same place
/// counted from the end (mask characters and digits only; spaces and punctuation ignored).
fn shows_no_more_than(shown: &str, allowed: &str) -> bool {
    let places = |mask: &str| -> Vec<char> {
        mask.chars()
            .filter(|c| *c == '*' || c.is_ascii_digit())
            .rev()
            .collect()
    };
    let allowed = places(allowed);
    places(shown)
        .iter()
        .enumerate()
        .all(|(place, c)| *c == '*' || allowed.get(place) == Some(c))
}

/// Whether `masked` is the sample's text with only the values to redact replaced: the text
/// between them comes through unchanged and in order. A sample whose expected values are not
/// all given (full-width digits) cannot be cut this way and is checked by its other rules.
fn keeps_everything_else(sample: &Sample, masked: &str) -> bool {
    let mut pieces: Vec<&str> = Vec::new();
    let mut rest = sample.text.as_str();
    for expected in &sample.expect {
        let must_redact = expected.redact == Some(true) || expected.mask_to.is_some();
        let Some(value) = &expected.value else {
            return true;
        };
        if !must_redact {
            continue;
        }
        let Some((before, after)) = rest.split_once(value.as_str()) else {
            return false;
        };
        pieces.push(before);
        rest = after;
    }
    pieces.push(rest);
    if pieces.len() == 1 {
        return masked == sample.text;
    }
    let mut remaining = masked;
    for (index, piece) in pieces.iter().enumerate() {
        let position = if index == 0 {
            remaining.starts_with(piece).then_some(0)
        } else if index == pieces.len() - 1 {
            remaining
                .ends_with(piece)
                .then(|| remaining.len() - piece.len())
        } else {
            remaining.find(piece)
        };
        let Some(position) = position else {
            return false;
        };
        remaining = &remaining[position + piece.len()..];
    }
    true
}

#[test]
fn the_shared_personal_data_samples_are_masked_as_expected() {
    let lines =
        std::fs::read_to_string(SAMPLES).expect("the shared fixtures sit beside the repository");
    let samples: Vec<Sample> = lines
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("a sample per line"))
        .collect();
    assert!(!samples.is_empty(), "no samples in {SAMPLES}");
    let mut failures = Vec::new();
    let mut passed = 0;
    for sample in &samples {
        let problems = problems(sample);
        if problems.is_empty() {
            passed += 1;
        } else {
            failures.push(format!("{}: {}", sample.id, problems.join("; ")));
        }
    }
    eprintln!("{passed} of {} personal-data samples pass", samples.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_checks_themselves_catch_what_they_should() {
    assert_eq!(longest_digit_run("**** **** **** 1111"), 4);
    assert_eq!(longest_digit_run("4111 1111-1111"), 12);
    assert_eq!(longest_digit_run("12/30 cvv 123"), 3);
    assert!(shows_no_more_than(
        "**** **** **** 1111",
        "411111******1111"
    ));
    assert!(shows_no_more_than("**** **** **** 0005", "378282*****0005"));
    assert!(!shows_no_more_than("4111 11** **** 1111", "******"));
    assert!(!shows_no_more_than(
        "**** **** **** 1112",
        "411111******1111"
    ));
}
