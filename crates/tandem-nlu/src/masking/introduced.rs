//! Values recognizable only by the words that introduce them: a card security code after
//! "cvv" / "código de segurança", a bank account after "conta" / "cuenta" / "account", a
//! branch after "agência" / "sucursal" / "branch". A bare three-digit or five-digit number
//! means nothing on its own, so without such a word it is left alone.

use std::sync::LazyLock;

use regex::Regex;

use super::PersonalDataKind;
use crate::entities::{digits, fixed};

/// Words that may stand between the introducing word and the value, in pt/es/en
/// ("conta **nº** 123", "cvv **do cartão é** 123", "account **number is** 123").
const FILLER: &str = r"(?:\s*(?:[:=#.-]|(?:n[ºo°]|number|n[úu]mero|é|es|is|do|da|of|the|my|meu|minha|mi|cart[ãa]o|tarjeta|card)\b))*\s*";

/// A value found after its introducing word: its kind and byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct IntroducedValue {
    pub(super) kind: PersonalDataKind,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// The fewest digits a bank account has; fewer is more likely an amount or a count.
const SHORTEST_ACCOUNT: usize = 4;

/// Each kind's pattern; group 1 is the value.
static PATTERNS: LazyLock<[(PersonalDataKind, Regex); 3]> = LazyLock::new(|| {
    let pattern =
        |introduction: &str, value: &str| fixed(&format!("(?i){introduction}{FILLER}({value})"));
    [
        (
            PersonalDataKind::CardSecurityCode,
            pattern(
                r"\b(?:cvv2?|cvc2?|cvn|cid|c[óo]d(?:igo|\.)?\s+(?:de\s+)?seguran[çc]a|c[óo]digo\s+de\s+seguridad|security\s+code|card\s+verification(?:\s+(?:code|value))?)",
                r"\d{3,4}\b",
            ),
        ),
        (
            PersonalDataKind::BankAccount,
            pattern(
                r"\b(?:conta(?:\s+(?:corrente|poupan[çc]a|banc[áa]ria|sal[áa]rio))?|c/c|cuenta(?:\s+(?:corriente|de\s+ahorros?|bancaria))?|cbu|cvu|clabe|account|acct)",
                r"\d(?:[\d.]|[ -]\d)*(?:-[\dxX])?\b",
            ),
        ),
        (
            PersonalDataKind::BankBranch,
            pattern(
                r"\b(?:ag[êe]ncia|ag\.?|sucursal|branch)",
                r"\d{3,5}(?:-[\dxX])?\b",
            ),
        ),
    ]
});

/// The introduced values of `text`, in no particular order.
pub(super) fn introduced_values(text: &str) -> Vec<IntroducedValue> {
    let mut found = Vec::new();
    for (kind, pattern) in PATTERNS.iter() {
        for captures in pattern.captures_iter(text) {
            let Some(value) = captures.get(1) else {
                continue;
            };
            let is_too_short = *kind == PersonalDataKind::BankAccount
                && digits(value.as_str()).len() < SHORTEST_ACCOUNT;
            if !is_too_short {
                found.push(IntroducedValue {
                    kind: *kind,
                    start: value.start(),
                    end: value.end(),
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use PersonalDataKind::{BankAccount, BankBranch, CardSecurityCode};

    #[test]
    fn values_are_found_after_the_words_that_introduce_them() {
        let cases: &[(&str, &[(PersonalDataKind, &str)])] = &[
            ("venc 12/30 cvv 123", &[(CardSecurityCode, "123")]),
            ("o CVV do cartão é 0123", &[(CardSecurityCode, "0123")]),
            ("código de segurança: 456", &[(CardSecurityCode, "456")]),
            ("cód. segurança 789", &[(CardSecurityCode, "789")]),
            (
                "el código de seguridad es 321",
                &[(CardSecurityCode, "321")],
            ),
            ("security code is 555", &[(CardSecurityCode, "555")]),
            ("cvv 12", &[]),
            ("cvv 12345", &[]),
            ("um pedido de 123 itens", &[]),
            ("conta corrente 12345-6", &[(BankAccount, "12345-6")]),
            ("minha conta: 0012345-X", &[(BankAccount, "0012345-X")]),
            ("conta nº 98.765-4", &[(BankAccount, "98.765-4")]),
            (
                "cuenta de ahorros 0011 2233 4455",
                &[(BankAccount, "0011 2233 4455")],
            ),
            (
                "CLABE 002180012345678901",
                &[(BankAccount, "002180012345678901")],
            ),
            ("account number is 12345678", &[(BankAccount, "12345678")]),
            ("a conta de luz deu 150", &[]),
            ("a conta 150 tá errada", &[]),
            ("agência 1234-5", &[(BankBranch, "1234-5")]),
            ("ag 0001", &[(BankBranch, "0001")]),
            ("agosto 2026", &[]),
            (
                "agência 1234 conta 56789-0",
                &[(BankAccount, "56789-0"), (BankBranch, "1234")],
            ),
        ];
        for (text, expected) in cases {
            let found: Vec<(PersonalDataKind, &str)> = introduced_values(text)
                .into_iter()
                .map(|value| (value.kind, &text[value.start..value.end]))
                .collect();
            assert_eq!(found, *expected, "{text}");
        }
    }
}
