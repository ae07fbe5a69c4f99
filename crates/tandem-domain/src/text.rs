//! The one rule for text that comes from outside, whatever the channel: control characters
//! are removed (tab and line breaks kept; NUL cannot even be stored by PostgreSQL, and none of
//! them shows on a screen), and a message is at most [`MAX_MESSAGE_CHARS`] characters. A
//! caller who can fix its request (the API channel, the widget) is refused past the cap; a
//! provider, which would retry a refused webhook forever, gets its text cut with
//! [`TRUNCATION_MARK`] at the end, so nothing is silently lost.

use std::borrow::Cow;

/// Longest message text accepted on every channel (long e-mails included).
pub const MAX_MESSAGE_CHARS: usize = 64 * 1024;

/// Ends a provider's text that was cut at [`MAX_MESSAGE_CHARS`], so people see it was cut.
pub const TRUNCATION_MARK: &str = " […]";

/// Whether a character is kept in a text from outside.
fn is_kept(character: char) -> bool {
    !character.is_control() || matches!(character, '\t' | '\n' | '\r')
}

/// The text without its control characters (tab, line feed and carriage return are kept).
pub fn clean_text(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_kept) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .filter(|&character| is_kept(character))
                .collect(),
        )
    }
}

/// A text as it is stored: cleaned, and cut when it was longer than the cap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FittedText {
    pub text: String,
    /// How many characters the original had, when it was cut.
    pub cut_from: Option<usize>,
}

/// A text cleaned and fitted to at most [`MAX_MESSAGE_CHARS`] characters, the mark included.
pub fn fit_text(text: &str) -> FittedText {
    fit_text_to(text, MAX_MESSAGE_CHARS)
}

/// A text cleaned and fitted to at most `max_chars` characters, the mark included when cut.
pub fn fit_text_to(text: &str, max_chars: usize) -> FittedText {
    let cleaned = clean_text(text);
    let chars = cleaned.chars().count();
    if chars <= max_chars {
        return FittedText {
            text: cleaned.into_owned(),
            cut_from: None,
        };
    }
    let kept = max_chars.saturating_sub(TRUNCATION_MARK.chars().count());
    let mut text: String = cleaned.chars().take(kept).collect();
    text.push_str(TRUNCATION_MARK);
    FittedText {
        text,
        cut_from: Some(chars),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn control_characters_go_and_line_breaks_stay() {
        assert_eq!(clean_text("a\0b\u{7}c\u{1b}[31m\u{9f}"), "abc[31m");
        assert_eq!(
            clean_text("linha 1\r\nlinha 2\tfim"),
            "linha 1\r\nlinha 2\tfim"
        );
        assert!(matches!(clean_text("olá 👋"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_text_over_the_cap_is_cut_and_marked() {
        let long = "a".repeat(70_000);
        let fitted = fit_text(&long);
        assert_eq!(fitted.cut_from, Some(70_000));
        assert_eq!(fitted.text.chars().count(), MAX_MESSAGE_CHARS);
        assert!(fitted.text.ends_with(TRUNCATION_MARK));
        let exact = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(fit_text(&exact).cut_from, None);
        assert_eq!(fit_text(&exact).text, exact);
    }

    proptest! {
        #[test]
        fn a_fitted_text_is_clean_and_within_the_cap(text in any::<String>(), max in 0usize..64) {
            let fitted = fit_text_to(&text, max.max(TRUNCATION_MARK.chars().count()));
            prop_assert!(fitted.text.chars().count() <= max.max(TRUNCATION_MARK.chars().count()));
            prop_assert!(fitted.text.chars().all(is_kept));
            if fitted.cut_from.is_none() {
                prop_assert_eq!(fitted.text, clean_text(&text).into_owned());
            }
        }
    }
}
