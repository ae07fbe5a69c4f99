//! The password policy, the one place it lives: at least 12 characters (at most 1024), not a
//! common password (the list in `data/common-passwords.txt` ships inside the binary), not one
//! with only digits or symbols added to a common one, not a run of one character or a
//! keyboard-style sequence, and not containing its user's e-mail name or name. Every code that
//! sets a password (creating a user, an admin setting one, changing or resetting one) checks it
//! here; logging in never does, so old passwords keep working until changed.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::validation::Validator;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (Argon2 is slow on huge inputs, and nobody types more).
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// Shortest e-mail name or name part that a password may not contain (shorter ones are
/// everywhere: "ana" is in "banana").
const MIN_PERSONAL_CHARS: usize = 4;

/// The list shipped with the binary; its first line names its source.
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .filter(|line| !line.starts_with('#'))
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect()
    })
}

/// Who the password is for: what it must not contain.
#[derive(Clone, Copy, Debug, Default)]
pub struct PasswordOwner<'a> {
    pub email: &'a str,
    pub name: &'a str,
}

/// Why a password is refused; each is a stable code for the `password` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    TooCommon,
    ContainsPersonalInfo,
}

impl PasswordProblem {
    /// The code the API names the `password` field with.
    pub fn code(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password_too_short",
            PasswordProblem::TooLong => "password_too_long",
            PasswordProblem::TooCommon => "password_too_common",
            PasswordProblem::ContainsPersonalInfo => "password_contains_personal_info",
        }
    }

    fn message(self) -> String {
        match self {
            PasswordProblem::TooShort => {
                format!("must be at least {MIN_PASSWORD_CHARS} characters")
            }
            PasswordProblem::TooLong => format!("must be at most {MAX_PASSWORD_CHARS} characters"),
            PasswordProblem::TooCommon => {
                "is a common or easily guessed password; choose a longer phrase of your own".into()
            }
            PasswordProblem::ContainsPersonalInfo => {
                "must not contain your name or the name of your e-mail address".into()
            }
        }
    }
}

/// The first problem with `password` for `owner`, if any. Commonness is checked before
/// length, so `1234567890` is called common rather than merely short.
pub fn password_problem(password: &str, owner: PasswordOwner<'_>) -> Option<PasswordProblem> {
    let lower = password.to_lowercase();
    let chars = password.chars().count();
    if chars > MAX_PASSWORD_CHARS {
        return Some(PasswordProblem::TooLong);
    }
    if is_common(&lower) {
        return Some(PasswordProblem::TooCommon);
    }
    if chars < MIN_PASSWORD_CHARS {
        return Some(PasswordProblem::TooShort);
    }
    if contains_personal_info(&lower, owner) {
        return Some(PasswordProblem::ContainsPersonalInfo);
    }
    None
}

/// Records the problem with `password` for `owner`, if any, on the `password` field.
pub fn check_password(validator: &mut Validator, password: &str, owner: PasswordOwner<'_>) {
    if let Some(problem) = password_problem(password, owner) {
        validator.reject("password", problem.code(), problem.message());
    }
}

/// On the list; or the list's entry with digits or symbols appended (`password2024!`); or one
/// character repeated; or a run of consecutive characters (`1234567890ab` counts its run).
fn is_common(lower: &str) -> bool {
    let list = common_passwords();
    if list.contains(lower) {
        return true;
    }
    let stem = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    if stem.chars().count() >= 4 && stem != lower && list.contains(stem) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    let distinct: HashSet<char> = chars.iter().copied().collect();
    if distinct.len() <= 2 {
        return true;
    }
    let consecutive = chars
        .windows(2)
        .filter(|pair| {
            let step = i64::from(u32::from(pair[1])) - i64::from(u32::from(pair[0]));
            step.abs() == 1
        })
        .count();
    consecutive + 1 >= chars.len().saturating_sub(2)
}

fn contains_personal_info(lower: &str, owner: PasswordOwner<'_>) -> bool {
    let local_part = owner
        .email
        .split('@')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let name = owner.name.to_lowercase();
    let joined_name: String = name.split_whitespace().collect();
    std::iter::once(local_part.as_str())
        .chain(std::iter::once(joined_name.as_str()))
        .chain(name.split(|c: char| !c.is_alphanumeric()))
        .chain(local_part.split(|c: char| !c.is_alphanumeric()))
        .filter(|part| part.chars().count() >= MIN_PERSONAL_CHARS)
        .any(|part| lower.contains(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANA: PasswordOwner<'static> = PasswordOwner {
        email: "ana.souza@aurora.example",
        name: "Ana Souza",
    };

    #[test]
    fn the_list_ships_and_its_header_is_not_a_password() {
        assert!(common_passwords().len() > 19_000);
        assert!(common_passwords().contains("123456"));
        assert!(!common_passwords().iter().any(|p| p.starts_with('#')));
    }

    #[test]
    fn each_rule_refuses_with_its_own_code() {
        let cases = [
            ("1234567890", Some(PasswordProblem::TooCommon)),
            ("Password", Some(PasswordProblem::TooCommon)),
            ("password2024!", Some(PasswordProblem::TooCommon)),
            ("qwertyuiop", Some(PasswordProblem::TooCommon)),
            ("aaaaaaaaaaaaaaaa", Some(PasswordProblem::TooCommon)),
            ("abababababababab", Some(PasswordProblem::TooCommon)),
            ("abcdefghijklmnop", Some(PasswordProblem::TooCommon)),
            ("short horse", Some(PasswordProblem::TooShort)),
            (
                "my souza family rules",
                Some(PasswordProblem::ContainsPersonalInfo),
            ),
            (
                "ana.souza is here",
                Some(PasswordProblem::ContainsPersonalInfo),
            ),
            ("correct horse battery", None),
            ("banana split sundae", None),
            ("Tr0ub4dor&3xyz", None),
        ];
        for (password, expected) in cases {
            assert_eq!(password_problem(password, ANA), expected, "{password}");
        }
        let long = "x1y2".repeat(300);
        assert_eq!(password_problem(&long, ANA), Some(PasswordProblem::TooLong));
        assert_eq!(password_problem(&"xy3z".repeat(256), ANA), None);
    }

    #[test]
    fn the_validator_names_the_password_field_with_the_code() {
        let mut validator = Validator::new();
        check_password(&mut validator, "1234567890", PasswordOwner::default());
        let error = validator.finish().unwrap_err();
        assert_eq!(error.0[0].field, "password");
        assert_eq!(error.0[0].code, "password_too_common");
    }
}
