//! The CPF, Brazil's individual taxpayer number: parsed from 11 digits (dots and the dash
//! allowed) with both check digits verified.

use std::fmt;

/// A CPF whose check digits are valid, kept as its 11 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cpf([u8; 11]);

/// Why a text is not a CPF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CpfError {
    /// Something other than digits, dots and a dash.
    #[error("a CPF has only digits (dots and a dash are allowed)")]
    NotDigits,
    /// Not exactly 11 digits.
    #[error("a CPF has 11 digits, this has {0}")]
    WrongLength(usize),
    /// Eleven equal digits pass the check-digit arithmetic but are never issued.
    #[error("a CPF cannot be one digit repeated")]
    RepeatedDigit,
    /// The check digits do not match the first nine.
    #[error("the CPF's check digits do not match")]
    WrongCheckDigits,
}

impl Cpf {
    /// Parses `529.982.247-25` or `52998224725`.
    pub fn parse(raw: &str) -> Result<Self, CpfError> {
        let mut digits = Vec::with_capacity(11);
        for character in raw.trim().chars() {
            match character {
                '0'..='9' => digits.push(character as u8 - b'0'),
                '.' | '-' => {}
                _ => return Err(CpfError::NotDigits),
            }
        }
        let digits: [u8; 11] = digits
            .as_slice()
            .try_into()
            .map_err(|_| CpfError::WrongLength(digits.len()))?;
        if digits.iter().all(|digit| *digit == digits[0]) {
            return Err(CpfError::RepeatedDigit);
        }
        let first = check_digit(&digits[..9]);
        let second = check_digit(&digits[..10]);
        if digits[9] != first || digits[10] != second {
            return Err(CpfError::WrongCheckDigits);
        }
        Ok(Cpf(digits))
    }

    /// The 11 digits, unformatted: `52998224725`.
    pub fn digits(&self) -> String {
        self.0
            .iter()
            .map(|digit| char::from(b'0' + digit))
            .collect()
    }
}

impl fmt::Display for Cpf {
    /// The usual written form: `529.982.247-25`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.digits();
        write!(
            formatter,
            "{}.{}.{}-{}",
            &digits[0..3],
            &digits[3..6],
            &digits[6..9],
            &digits[9..11]
        )
    }
}

/// The modulo-11 check digit over `digits`, weighted from `len + 1` down to 2.
fn check_digit(digits: &[u8]) -> u8 {
    let top = digits.len() + 1;
    let sum: usize = digits
        .iter()
        .enumerate()
        .map(|(index, digit)| usize::from(*digit) * (top - index))
        .sum();
    // The remainder is below 11, so it fits in a u8; 10 becomes 0.
    ((sum * 10 % 11) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_cpfs_parse_with_or_without_punctuation() {
        for raw in ["52998224725", "529.982.247-25", " 12345678909 "] {
            assert!(Cpf::parse(raw).is_ok(), "{raw}");
        }
        assert_eq!(
            Cpf::parse("52998224725").unwrap().to_string(),
            "529.982.247-25"
        );
        assert_eq!(
            Cpf::parse("529.982.247-25").unwrap().digits(),
            "52998224725"
        );
    }

    #[test]
    fn invalid_cpfs_say_why() {
        let cases = [
            ("52998224724", CpfError::WrongCheckDigits),
            ("52998224735", CpfError::WrongCheckDigits),
            ("5299822472", CpfError::WrongLength(10)),
            ("529982247250", CpfError::WrongLength(12)),
            ("", CpfError::WrongLength(0)),
            ("11111111111", CpfError::RepeatedDigit),
            ("5299822472a", CpfError::NotDigits),
            ("529 982 247 25", CpfError::NotDigits),
        ];
        for (raw, expected) in cases {
            assert_eq!(Cpf::parse(raw), Err(expected), "{raw}");
        }
    }

    #[test]
    fn check_digits_agree_with_the_cpf_cnpj_crate() {
        // Every base from a simple sequence, completed with our check digits, must be
        // accepted by the crate tandem-nlu uses, and a changed last digit rejected by both.
        for base in (100_000_000u64..999_999_999).step_by(7_654_321) {
            let mut digits: Vec<u8> = base.to_string().bytes().map(|byte| byte - b'0').collect();
            digits.push(check_digit(&digits));
            digits.push(check_digit(&digits));
            let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            assert!(cpf_cnpj::cpf::validate(&text), "{text}");
            assert_eq!(
                Cpf::parse(&text).is_ok(),
                !digits.iter().all(|d| *d == digits[0])
            );
            let last = digits[10];
            digits[10] = (last + 1) % 10;
            let wrong: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            assert!(!cpf_cnpj::cpf::validate(&wrong), "{wrong}");
            assert!(Cpf::parse(&wrong).is_err(), "{wrong}");
        }
    }
}
