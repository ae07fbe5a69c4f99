//! What stays visible of each kind of personal value: one fixed shape per kind, with at
//! most the few trailing characters a person needs to confirm the value with its owner.

use super::PersonalDataKind;
use super::fold::FoldedText;
use crate::entities::digits;

/// How much of a value a mask may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reveal {
    /// What the kind's policy allows (the last digits of a CPF, card, phone...).
    Policy,
    /// Nothing: the shape alone, for spans that joined overlapping values and whose last
    /// digits might belong to a value of another kind.
    Nothing,
}

/// Masks `raw`, a value of `kind` as written or normalized, by the kind's policy (see the
/// table in [`crate::masking`]). Full-width digits count as digits. A value with fewer than
/// twice as many digits as its kind may show (too short to be what it claims) shows none.
pub fn mask_value(kind: PersonalDataKind, raw: &str) -> String {
    mask(kind, raw, Reveal::Policy)
}

/// Masks `raw` as [`mask_value`] does, or reveals nothing at all.
pub(super) fn mask(kind: PersonalDataKind, raw: &str, reveal: Reveal) -> String {
    let folded = FoldedText::new(raw).text;
    let all_digits = digits(&folded);
    let width = kind.visible_digits();
    let shown = match reveal {
        Reveal::Policy if all_digits.len() >= 2 * width => &all_digits[all_digits.len() - width..],
        Reveal::Policy | Reveal::Nothing => "",
    };
    // The visible digits, or as many `*` when none may be shown.
    let tail = format!("{shown:*>width$}");
    match kind {
        PersonalDataKind::Cpf => format!("***.***.***-{tail}"),
        PersonalDataKind::Cnpj => format!("**.***.***/****-{tail}"),
        PersonalDataKind::CardNumber => format!("**** **** **** {tail}"),
        PersonalDataKind::Phone => format!("****-{tail}"),
        PersonalDataKind::BankAccount => format!("****{tail}"),
        PersonalDataKind::CardSecurityCode => "***".to_owned(),
        PersonalDataKind::BankBranch => "****".to_owned(),
        PersonalDataKind::Email => masked_email(&folded, reveal),
    }
}

/// `c***@example.com`: the first character of the local part and the domain stay visible
/// (the domain is shared by many people; the first letter only helps confirm).
fn masked_email(address: &str, reveal: Reveal) -> String {
    match (address.rsplit_once('@'), reveal) {
        (Some((local, domain)), Reveal::Policy) if !domain.is_empty() => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        _ => "***@***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PersonalDataKind::*;

    #[test]
    fn each_kind_keeps_only_what_its_policy_shows() {
        let cases: &[(PersonalDataKind, &str, &str)] = &[
            (Cpf, "123.456.789-09", "***.***.***-09"),
            (Cpf, "12345678909", "***.***.***-09"),
            (Cpf, "123 456 789 09", "***.***.***-09"),
            (Cpf, "9", "***.***.***-**"),
            (Cnpj, "11.222.333/0001-81", "**.***.***/****-81"),
            (Cnpj, "11222333000181", "**.***.***/****-81"),
            (Cnpj, "12.ABC.345/01DE-35", "**.***.***/****-35"),
            (Cnpj, "12ABC34501DE35", "**.***.***/****-35"),
            (CardNumber, "4111 1111 1111 1111", "**** **** **** 1111"),
            (CardNumber, "4111111111111111", "**** **** **** 1111"),
            (CardNumber, "3782 822463 10005", "**** **** **** 0005"),
            (
                CardNumber,
                "４１１１-１１１１-１１１１-１１１１",
                "**** **** **** 1111",
            ),
            (CardNumber, "1234", "**** **** **** ****"),
            (CardSecurityCode, "123", "***"),
            (CardSecurityCode, "1234", "***"),
            (Phone, "+55 11 90000-0001", "****-0001"),
            (Phone, "+5511987654321", "****-4321"),
            (Phone, "(415) 555-2671", "****-2671"),
            (Phone, "123", "****-****"),
            (Email, "cliente@example.com", "c***@example.com"),
            (Email, "Maria.Silva@Example.com.br", "M***@Example.com.br"),
            (Email, "not an address", "***@***"),
            (BankAccount, "12345-6", "****56"),
            (BankAccount, "0011 2233 4455", "****55"),
            (BankAccount, "123", "******"),
            (BankBranch, "1234-5", "****"),
        ];
        for (kind, raw, expected) in cases {
            assert_eq!(mask_value(*kind, raw), *expected, "{kind:?} {raw}");
        }
    }

    #[test]
    fn revealing_nothing_keeps_the_shape_only() {
        let cases: &[(PersonalDataKind, &str, &str)] = &[
            (Cpf, "12345678909", "***.***.***-**"),
            (CardNumber, "4111111111111111", "**** **** **** ****"),
            (Phone, "+5511987654321", "****-****"),
            (Email, "cliente@example.com", "***@***"),
            (BankAccount, "12345-6", "******"),
        ];
        for (kind, raw, expected) in cases {
            assert_eq!(
                mask(*kind, raw, Reveal::Nothing),
                *expected,
                "{kind:?} {raw}"
            );
        }
    }
}
