//! The one masking rule for personal data, used wherever a value or a text is shown to a
//! person or leaves the conversation (handover context, summaries, slots, external bots).
//! Pure: no I/O.
//!
//! | kind | found by | mask |
//! | --- | --- | --- |
//! | [`Cpf`](PersonalDataKind::Cpf) | 11 digits, `123.456.789-09` or `123 456 789 09`, check digits valid | `***.***.***-09` (check digits only) |
//! | [`Cnpj`](PersonalDataKind::Cnpj) | 14 characters (numeric or alphanumeric), check digits valid | `**.***.***/****-81` (check digits only) |
//! | [`CardNumber`](PersonalDataKind::CardNumber) | 13–19 digits in groups split by single spaces or dashes, Luhn valid | `**** **** **** 1111` (last four, PCI DSS 3.4.1; the length is hidden too) |
//! | [`CardSecurityCode`](PersonalDataKind::CardSecurityCode) | 3–4 digits after "cvv", "cvc", "código de segurança", "security code"... | `***` (never shown, PCI DSS 3.3.1) |
//! | [`Phone`](PersonalDataKind::Phone) | `+` and 8–15 digits, Brazilian numbers with area code, `(415) 555-2671` | `****-4321` (last four) |
//! | [`Email`](PersonalDataKind::Email) | `local@domain.tld` | `c***@example.com` (first character and domain) |
//! | [`BankAccount`](PersonalDataKind::BankAccount) | 4 or more digits after "conta", "cuenta", "CLABE", "account"... | `****56` (last two) |
//! | [`BankBranch`](PersonalDataKind::BankBranch) | 3–5 digits after "agência", "sucursal", "branch", "ag" | `****` (nothing) |
//!
//! Every mask has a fixed shape whatever the value's length or punctuation, so a mask tells
//! nothing more than its visible characters. A value too short for its kind (fewer than
//! twice the digits its mask would show) shows no digits.
//!
//! Detection runs on the text folded to NFKC (full-width `４１１１` counts as `4111`) and
//! shares its patterns and checks with [`EntityExtractor`](crate::EntityExtractor), so
//! whatever the engine extracts as personal data, [`mask_text`] masks.

mod fold;
mod introduced;
mod policy;

use serde::{Deserialize, Serialize};

use crate::entities::{Entity, EntityKind, personal};
use fold::FoldedText;
use introduced::introduced_values;
pub use policy::mask_value;
use policy::{Reveal, mask};

/// A kind of personal value, each with its own masking policy (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalDataKind {
    /// Brazilian individual taxpayer number.
    Cpf,
    /// Brazilian company number (numeric or alphanumeric).
    Cnpj,
    /// Payment card number (PAN).
    CardNumber,
    /// Card security code (CVV, CVC, CID), sensitive authentication data.
    CardSecurityCode,
    /// Phone number.
    Phone,
    /// E-mail address.
    Email,
    /// Bank account number (including CLABE, CBU/CVU).
    BankAccount,
    /// Bank branch (agência) number.
    BankBranch,
}

impl PersonalDataKind {
    /// The personal data kind of an entity kind; `None` for money, dates and references,
    /// which are shown as they are.
    pub fn of_entity(kind: EntityKind) -> Option<Self> {
        match kind {
            EntityKind::Cpf => Some(PersonalDataKind::Cpf),
            EntityKind::Cnpj => Some(PersonalDataKind::Cnpj),
            EntityKind::CardNumber => Some(PersonalDataKind::CardNumber),
            EntityKind::Phone => Some(PersonalDataKind::Phone),
            EntityKind::Email => Some(PersonalDataKind::Email),
            EntityKind::Money | EntityKind::Date | EntityKind::Reference => None,
        }
    }

    /// How many trailing digits the kind's mask shows.
    fn visible_digits(self) -> usize {
        match self {
            PersonalDataKind::CardNumber | PersonalDataKind::Phone => 4,
            PersonalDataKind::Cpf | PersonalDataKind::Cnpj | PersonalDataKind::BankAccount => 2,
            PersonalDataKind::CardSecurityCode
            | PersonalDataKind::BankBranch
            | PersonalDataKind::Email => 0,
        }
    }
}

/// A personal value found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalDataSpan {
    /// What it is; for a merged span, the kind of the most specific value in it.
    pub kind: PersonalDataKind,
    /// Byte offset of the value in the text.
    pub start: usize,
    /// Byte offset just past the value.
    pub end: usize,
    /// True when overlapping values were joined into this span; its mask then shows no
    /// digits, since the trailing ones might belong to a value of another kind.
    pub is_merged: bool,
}

/// Where values introduced by a word ("cvv 123", "conta 12345-6") rank among overlapping
/// candidates: after card numbers, before phone numbers (see `entities::personal`).
const INTRODUCED_PRIORITY: u8 = 3;

/// Every personal value in `text`, in order, not overlapping.
pub fn find_personal_data(text: &str) -> Vec<PersonalDataSpan> {
    let folded = FoldedText::new(text);
    let mut candidates: Vec<Candidate> = personal::candidates(&folded.text, true)
        .into_iter()
        .filter_map(|found| {
            Some(Candidate {
                priority: found.priority,
                kind: PersonalDataKind::of_entity(found.kind)?,
                start: found.start,
                end: found.end,
                is_merged: false,
            })
        })
        .collect();
    candidates.extend(
        introduced_values(&folded.text)
            .into_iter()
            .map(|found| Candidate {
                priority: INTRODUCED_PRIORITY,
                kind: found.kind,
                start: found.start,
                end: found.end,
                is_merged: false,
            }),
    );
    merge_overlaps(candidates)
        .into_iter()
        .map(|kept| {
            let (start, end) = folded.original_range(kept.start, kept.end);
            PersonalDataSpan {
                kind: kept.kind,
                start,
                end,
                is_merged: kept.is_merged,
            }
        })
        .collect()
}

/// `text` with every personal value replaced by its mask; the rest is left as it is.
pub fn mask_text(text: &str) -> String {
    mask_kinds(text, ALL_KINDS)
}

/// Every kind of personal value.
const ALL_KINDS: &[PersonalDataKind] = &[
    PersonalDataKind::Cpf,
    PersonalDataKind::Cnpj,
    PersonalDataKind::CardNumber,
    PersonalDataKind::CardSecurityCode,
    PersonalDataKind::Phone,
    PersonalDataKind::Email,
    PersonalDataKind::BankAccount,
    PersonalDataKind::BankBranch,
];

/// The kinds never stored in clear (PCI DSS 3.3 and 3.4): a card number keeps only its last
/// four digits and a security code nothing, from the moment a message arrives.
pub const CARD_DATA: &[PersonalDataKind] = &[
    PersonalDataKind::CardNumber,
    PersonalDataKind::CardSecurityCode,
];

/// `text` with the personal values of the `kinds` given replaced by their masks, each as
/// [`mask_text`] masks it; values of other kinds are left as they are (a CPF the bot still
/// needs, when only [`CARD_DATA`] is masked on intake).
pub fn mask_kinds(text: &str, kinds: &[PersonalDataKind]) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut copied_up_to = 0;
    for span in find_personal_data(text)
        .into_iter()
        .filter(|span| kinds.contains(&span.kind))
    {
        masked.push_str(&text[copied_up_to..span.start]);
        let reveal = if span.is_merged {
            Reveal::Nothing
        } else {
            Reveal::Policy
        };
        masked.push_str(&mask(span.kind, &text[span.start..span.end], reveal));
        copied_up_to = span.end;
    }
    masked.push_str(&text[copied_up_to..]);
    masked
}

/// A candidate span in the folded text.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    priority: u8,
    kind: PersonalDataKind,
    start: usize,
    end: usize,
    is_merged: bool,
}

/// Resolves overlapping candidates: the more specific kind (lower priority), then the longer
/// one, wins; a candidate inside a winner is dropped, and one that sticks out of winners is
/// joined with them into one merged span, so no part of any candidate stays in clear.
fn merge_overlaps(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        let overlaps = |k: &Candidate| candidate.start < k.end && k.start < candidate.end;
        if kept
            .iter()
            .any(|k| k.start <= candidate.start && candidate.end <= k.end)
        {
            continue;
        }
        let (overlapping, mut others): (Vec<Candidate>, Vec<Candidate>) =
            kept.into_iter().partition(overlaps);
        let mut joined = candidate;
        // Kept candidates came first, so the best of them is at least as specific.
        if let Some(best) = overlapping.iter().min_by_key(|k| k.priority) {
            joined.priority = best.priority;
            joined.kind = best.kind;
            joined.is_merged = true;
        }
        for k in &overlapping {
            joined.start = joined.start.min(k.start);
            joined.end = joined.end.max(k.end);
        }
        others.push(joined);
        kept = others;
    }
    kept.sort_by_key(|k| k.start);
    kept
}

impl Entity {
    /// The value safe to show: [`EntityKind::masked_value`] of the normalized value.
    pub fn masked(&self) -> String {
        self.kind.masked_value(&self.normalized)
    }
}

impl EntityKind {
    /// `value`, a value of this kind, as it may be shown: personal data masked by
    /// [`mask_value`] (`***.***.***-09`, `**** **** **** 1111`, `c***@example.com`...),
    /// money, dates and references as they are.
    pub fn masked_value(self, value: &str) -> String {
        match PersonalDataKind::of_entity(self) {
            Some(kind) => mask_value(kind, value),
            None => value.to_owned(),
        }
    }
}

#[cfg(test)]
mod fixture_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_entity_kinds_extraction_marks_sensitive_are_the_ones_masking_masks() {
        for kind in [
            EntityKind::Cpf,
            EntityKind::Cnpj,
            EntityKind::Email,
            EntityKind::Phone,
            EntityKind::Money,
            EntityKind::Date,
            EntityKind::CardNumber,
            EntityKind::Reference,
        ] {
            assert_eq!(
                kind.is_personal(),
                PersonalDataKind::of_entity(kind).is_some(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn every_kind_is_masked_in_free_text_and_the_rest_is_kept() {
        let cases: &[(&str, &str)] = &[
            // CPF: formatted, raw, spaced; a wrong check digit or repeated digits are not CPFs.
            ("meu CPF é 123.456.789-09", "meu CPF é ***.***.***-09"),
            ("cpf 00000000191 por favor", "cpf ***.***.***-91 por favor"),
            ("meu cpf é 123 456 789 09", "meu cpf é ***.***.***-09"),
            ("protocolo 123.456.789-00", "protocolo 123.456.789-00"),
            ("cpf 111.111.111-11", "cpf 111.111.111-11"),
            // CNPJ, numeric and alphanumeric.
            (
                "CNPJ da loja: 11.222.333/0001-81",
                "CNPJ da loja: **.***.***/****-81",
            ),
            ("cnpj 11222333000181", "cnpj **.***.***/****-81"),
            (
                "o novo cnpj é 12.ABC.345/01DE-35",
                "o novo cnpj é **.***.***/****-35",
            ),
            // Card numbers, also next to an expiry date, a CVV or in full-width digits.
            (
                "cartão 4111 1111 1111 1111 venc 12/30 cvv 123",
                "cartão **** **** **** 1111 venc 12/30 cvv ***",
            ),
            (
                "cartão 4111111111111111 123",
                "cartão **** **** **** 1111 123",
            ),
            (
                "cartão 4111 1111 1111 1111 12/30",
                "cartão **** **** **** 1111 12/30",
            ),
            ("amex 3782 822463 10005", "amex **** **** **** 0005"),
            ("card 5555-5555-5555-4444.", "card **** **** **** 4444."),
            (
                "cartao ４１１１-１１１１-１１１１-１１１１",
                "cartao **** **** **** 1111",
            ),
            ("pedido 4111 1111 1111 1112", "pedido 4111 1111 1111 1112"),
            // Card security codes only when introduced as such.
            ("o CVV é 0123", "o CVV é ***"),
            ("código de segurança: 456", "código de segurança: ***"),
            ("comprei 123 unidades", "comprei 123 unidades"),
            // Phones.
            ("liga no 11987654321", "liga no ****-4321"),
            ("liga no (11) 98765-4321", "liga no ****-4321"),
            ("whatsapp +55 11 90000-0001", "whatsapp ****-0001"),
            ("call me at +44 20 7946 0958", "call me at ****-0958"),
            ("my number is (415) 555-2671", "my number is ****-2671"),
            // E-mail.
            (
                "manda para cliente@example.com",
                "manda para c***@example.com",
            ),
            (
                "escreve em Maria.Silva@Example.com.br!",
                "escreve em M***@Example.com.br!",
            ),
            // Bank account and branch only when introduced as such.
            (
                "agência 1234-5 conta corrente 12345-6",
                "agência **** conta corrente ****56",
            ),
            ("cuenta CLABE 002180012345678902", "cuenta CLABE ****02"),
            (
                "a conta de luz deu 150 reais",
                "a conta de luz deu 150 reais",
            ),
            // What is not personal stays: money, dates, references, plain numbers.
            (
                "paguei R$ 1.234,56 em 10/12/2026, pedido PED-123456",
                "paguei R$ 1.234,56 em 10/12/2026, pedido PED-123456",
            ),
            ("", ""),
        ];
        for (text, expected) in cases {
            assert_eq!(mask_text(text), *expected, "{text}");
        }
    }

    #[test]
    fn only_card_data_is_masked_on_intake_and_the_rest_is_kept() {
        let cases: &[(&str, &str)] = &[
            (
                "cartão 4111 1111 1111 1111 cvv 123, cpf 123.456.789-09",
                "cartão **** **** **** 1111 cvv ***, cpf 123.456.789-09",
            ),
            ("card 5555-5555-5555-4444", "card **** **** **** 4444"),
            ("amex 378282246310005", "amex **** **** **** 0005"),
            (
                "cartao ４１１１１１１１１１１１１１１１",
                "cartao **** **** **** 1111",
            ),
            // Not Luhn valid: an order number, kept.
            ("pedido 4111 1111 1111 1112", "pedido 4111 1111 1111 1112"),
            // The last four digits alone (blocking a card by them) are kept.
            (
                "bloquear o cartão final 1111",
                "bloquear o cartão final 1111",
            ),
            (
                "liga no 11987654321 ou c@example.com",
                "liga no 11987654321 ou c@example.com",
            ),
            ("**** **** **** 1111", "**** **** **** 1111"),
        ];
        for (text, expected) in cases {
            assert_eq!(mask_kinds(text, CARD_DATA), *expected, "{text}");
        }
    }

    #[test]
    fn every_kind_masks_alone_as_it_masks_in_full_text() {
        let text = "cpf 123.456.789-09 cnpj 11.222.333/0001-81 cartão 4111 1111 1111 1111 \
                    cvv 123 fone +55 11 90000-0001 mail cliente@example.com \
                    agência 1234-5 conta 12345-6";
        let mut all = text.to_owned();
        for kind in ALL_KINDS {
            all = mask_kinds(&all, &[*kind]);
        }
        assert_eq!(all, mask_text(text));
        assert_eq!(find_personal_data(&all), vec![]);
    }

    #[test]
    fn spans_point_at_the_original_text() {
        let text = "CPF 123.456.789-09, cartão ４１１１ １１１１ １１１１ １１１１, cvv 123";
        let found: Vec<(PersonalDataKind, &str)> = find_personal_data(text)
            .iter()
            .map(|span| (span.kind, &text[span.start..span.end]))
            .collect();
        assert_eq!(
            found,
            [
                (PersonalDataKind::Cpf, "123.456.789-09"),
                (
                    PersonalDataKind::CardNumber,
                    "４１１１ １１１１ １１１１ １１１１"
                ),
                (PersonalDataKind::CardSecurityCode, "123"),
            ]
        );
    }

    /// A candidate given to `merge_overlaps`: priority, kind, start, end.
    type GivenCandidate = (u8, PersonalDataKind, usize, usize);
    /// A span it keeps: kind, start, end, merged.
    type KeptSpan = (PersonalDataKind, usize, usize, bool);

    #[test]
    fn overlapping_values_are_joined_and_show_no_digits() {
        let cases: &[(&[GivenCandidate], &[KeptSpan])] = &[
            // Apart: both kept.
            (
                &[
                    (1, PersonalDataKind::Cpf, 0, 5),
                    (4, PersonalDataKind::Phone, 6, 9),
                ],
                &[
                    (PersonalDataKind::Cpf, 0, 5, false),
                    (PersonalDataKind::Phone, 6, 9, false),
                ],
            ),
            // Inside a more specific value: dropped.
            (
                &[
                    (1, PersonalDataKind::Cpf, 0, 10),
                    (4, PersonalDataKind::Phone, 2, 8),
                ],
                &[(PersonalDataKind::Cpf, 0, 10, false)],
            ),
            // Sticking out: joined under the more specific kind.
            (
                &[
                    (0, PersonalDataKind::Email, 1, 10),
                    (4, PersonalDataKind::Phone, 0, 6),
                ],
                &[(PersonalDataKind::Email, 0, 10, true)],
            ),
            // Bridging two kept values: all three joined.
            (
                &[
                    (2, PersonalDataKind::CardNumber, 0, 4),
                    (2, PersonalDataKind::CardNumber, 6, 10),
                    (4, PersonalDataKind::Phone, 3, 7),
                ],
                &[(PersonalDataKind::CardNumber, 0, 10, true)],
            ),
        ];
        for (given, expected) in cases {
            let candidates = given
                .iter()
                .map(|&(priority, kind, start, end)| Candidate {
                    priority,
                    kind,
                    start,
                    end,
                    is_merged: false,
                })
                .collect();
            let kept: Vec<KeptSpan> = merge_overlaps(candidates)
                .iter()
                .map(|k| (k.kind, k.start, k.end, k.is_merged))
                .collect();
            assert_eq!(kept, *expected, "{given:?}");
        }
    }

    #[test]
    fn entity_kinds_map_to_personal_data_kinds() {
        let cases = [
            (EntityKind::Cpf, Some(PersonalDataKind::Cpf)),
            (EntityKind::Cnpj, Some(PersonalDataKind::Cnpj)),
            (EntityKind::CardNumber, Some(PersonalDataKind::CardNumber)),
            (EntityKind::Phone, Some(PersonalDataKind::Phone)),
            (EntityKind::Email, Some(PersonalDataKind::Email)),
            (EntityKind::Money, None),
            (EntityKind::Date, None),
            (EntityKind::Reference, None),
        ];
        for (entity, expected) in cases {
            assert_eq!(PersonalDataKind::of_entity(entity), expected, "{entity:?}");
        }
    }

    proptest! {
        #[test]
        fn masked_text_holds_no_personal_data_and_masking_again_changes_nothing(
            text in "[0-9a-z@.+() /-]{0,40}|\\PC{0,40}"
        ) {
            let masked = mask_text(&text);
            prop_assert_eq!(find_personal_data(&masked), vec![]);
            prop_assert_eq!(mask_text(&masked), masked);
        }

        #[test]
        fn a_text_without_digits_or_at_sign_is_unchanged(text in "[^0-9@０-９]{0,60}") {
            prop_assume!(!text.chars().any(|c| c.is_numeric()));
            prop_assert_eq!(mask_text(&text), text);
        }
    }
}
