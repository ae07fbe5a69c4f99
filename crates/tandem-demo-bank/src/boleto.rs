//! Second copies of boletos: the amount updated for lateness and the 47-digit digitable
//! line built the FEBRABAN way (bank, currency, due-date factor, amount, free field, with
//! modulo-10 field check digits and the modulo-11 general check digit).

use jiff::civil::{Date, date};

use crate::calendar::{add_days, days_between};
use crate::customers::{DemoCustomer, OpenBoleto};

/// The COMPE bank code printed on Banco Aurora boletos. No real bank uses 999.
const BANK_CODE: &str = "999";
/// FEBRABAN's currency code for the real.
const CURRENCY_REAL: char = '9';
/// Banco Aurora's only agency.
const AGENCY: &str = "0001";
/// The late fee on an overdue boleto: 2% once.
const LATE_FEE_PERCENT: u64 = 2;
/// The late interest: 1% a month, pro rata per day over 30-day months.
const LATE_INTEREST_PERCENT_PER_MONTH: u64 = 1;

/// A freshly issued copy of an open boleto.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondCopy {
    /// The amount to pay, fine and interest included, in centavos.
    pub amount_cents: u64,
    /// The due date of this copy: the original one, or today when that has passed.
    pub due_date: Date,
    /// The 47 digits, grouped the usual way:
    /// `99990.00107 00000.123458 00123.450006 5 13150000012990`.
    pub digitable_line: String,
}

/// Issues the second copy of `boleto` as of `today`; an overdue one is re-dated to today
/// with the late fee and interest added.
pub fn second_copy(customer: &DemoCustomer, boleto: &OpenBoleto, today: Date) -> SecondCopy {
    let original_due = add_days(today, boleto.due_in_days);
    let (amount_cents, due_date) = if original_due < today {
        let late_days = u64::try_from(days_between(original_due, today)).unwrap_or_default();
        let fee = boleto.amount_cents * LATE_FEE_PERCENT / 100;
        let interest = boleto.amount_cents * LATE_INTEREST_PERCENT_PER_MONTH * late_days / 3_000;
        (boleto.amount_cents + fee + interest, today)
    } else {
        (boleto.amount_cents, original_due)
    };
    // Agency (4) + our number (11) + account (7) + wallet "109" (3) = the 25-digit free field.
    let free_field = format!("{AGENCY}{}{}109", boleto.our_number, customer.account);
    SecondCopy {
        amount_cents,
        due_date,
        digitable_line: digitable_line(&barcode(amount_cents, due_date, &free_field)),
    }
}

/// The 44-digit barcode: bank, currency, general check digit, due factor, amount, free field.
fn barcode(amount_cents: u64, due_date: Date, free_field: &str) -> String {
    let without_check = format!(
        "{BANK_CODE}{CURRENCY_REAL}{:04}{:010}{free_field}",
        due_date_factor(due_date),
        amount_cents
    );
    let check = modulo_11(&without_check);
    format!("{}{check}{}", &without_check[..4], &without_check[4..])
}

/// The barcode rearranged into five fields, the first three with their own check digit.
fn digitable_line(barcode: &str) -> String {
    let field = |digits: String| {
        let check = modulo_10(&digits);
        format!("{}.{}{check}", &digits[..5], &digits[5..])
    };
    let first = field(format!("{}{}", &barcode[..4], &barcode[19..24]));
    let second = field(barcode[24..34].to_owned());
    let third = field(barcode[34..44].to_owned());
    format!(
        "{first} {second} {third} {} {}",
        &barcode[4..5],
        &barcode[5..19]
    )
}

/// Days since 1997-10-07, restarting at 1000 after 9999 (so 2025-02-22 is 1000 again).
fn due_date_factor(due_date: Date) -> i64 {
    let days = days_between(date(1997, 10, 7), due_date);
    (days - 1_000).rem_euclid(9_000) + 1_000
}

/// The modulo-10 check digit: weights 2, 1, 2, ... from the right, products' digits summed.
fn modulo_10(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|character| character.to_digit(10))
        .zip([2, 1].into_iter().cycle())
        .map(|(digit, weight)| {
            let product = digit * weight;
            product / 10 + product % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The barcode's general check digit: weights 2 to 9 from the right; 0, 10 and 11 become 1.
fn modulo_11(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|character| character.to_digit(10))
        .zip((2..=9).cycle())
        .map(|(digit, weight)| digit * weight)
        .sum();
    match 11 - sum % 11 {
        0 | 10 | 11 => 1,
        check => check,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::DEMO_CUSTOMERS;

    /// Rebuilds the barcode from a digitable line, checking the three field check digits.
    fn barcode_from_line(line: &str) -> String {
        let digits: String = line.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(digits.len(), 47, "{line}");
        for (start, end) in [(0, 9), (10, 20), (21, 31)] {
            let check = digits[end..=end].parse::<u32>().unwrap();
            assert_eq!(
                modulo_10(&digits[start..end]),
                check,
                "field check in {line}"
            );
        }
        format!(
            "{}{}{}{}{}{}",
            &digits[0..4],
            &digits[32..33],
            &digits[33..47],
            &digits[4..9],
            &digits[10..20],
            &digits[21..31]
        )
    }

    #[test]
    fn due_date_factor_restarts_at_1000_in_2025() {
        assert_eq!(due_date_factor(date(2000, 7, 3)), 1_000);
        assert_eq!(due_date_factor(date(2025, 2, 21)), 9_999);
        assert_eq!(due_date_factor(date(2025, 2, 22)), 1_000);
        assert_eq!(due_date_factor(date(2026, 11, 30)), 1_646);
    }

    #[test]
    fn check_digits_match_known_values() {
        // Worked examples from the FEBRABAN method.
        assert_eq!(modulo_10("001905009"), 5);
        assert_eq!(modulo_10("4014481606"), 9);
        assert_eq!(modulo_10("0680935031"), 4);
        assert_eq!(modulo_11("0019373700000001000500940144816060680935031"), 3);
    }

    #[test]
    fn digitable_lines_are_consistent_with_their_barcode() {
        let today = date(2026, 11, 13);
        for customer in DEMO_CUSTOMERS {
            let Some(boleto) = customer.boleto else {
                continue;
            };
            let copy = second_copy(customer, &boleto, today);
            let line = &copy.digitable_line;
            let shape: Vec<usize> = line.split(' ').map(str::len).collect();
            assert_eq!(shape, [11, 12, 12, 1, 14], "{line}");
            assert!(line.starts_with("9999"), "{line}");
            let barcode = barcode_from_line(line);
            let general = barcode[4..5].parse::<u32>().unwrap();
            let without_check = format!("{}{}", &barcode[..4], &barcode[5..]);
            assert_eq!(modulo_11(&without_check), general, "{line}");
            assert_eq!(
                barcode[9..19].parse::<u64>().unwrap(),
                copy.amount_cents,
                "{line}"
            );
            assert_eq!(
                barcode[5..9].parse::<i64>().unwrap(),
                due_date_factor(copy.due_date)
            );
        }
    }

    #[test]
    fn an_overdue_boleto_is_redated_to_today_with_fee_and_interest() {
        let today = date(2026, 11, 13);
        let customer = &DEMO_CUSTOMERS[1];
        let boleto = customer.boleto.unwrap();
        assert_eq!(boleto.due_in_days, -8);
        let copy = second_copy(customer, &boleto, today);
        assert_eq!(copy.due_date, today);
        // 487,50 + 2% (9,75) + 1% a month for 8 days (1,30).
        assert_eq!(copy.amount_cents, 48_750 + 975 + 130);
    }

    #[test]
    fn a_boleto_not_yet_due_keeps_its_amount_and_date() {
        let today = date(2026, 11, 13);
        let customer = &DEMO_CUSTOMERS[0];
        let boleto = customer.boleto.unwrap();
        let copy = second_copy(customer, &boleto, today);
        assert_eq!(copy.due_date, date(2026, 11, 18));
        assert_eq!(copy.amount_cents, boleto.amount_cents);
    }
}
