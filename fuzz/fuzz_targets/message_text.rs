//! The one rule for text from outside: a fitted text is clean, within the cap, and the
//! cleaned original when it was not cut.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_domain::text::{MAX_MESSAGE_CHARS, clean_text, fit_text, fit_text_to};

fuzz_target!(|data: (&str, u8)| {
    let (text, max) = data;
    let max = usize::from(max).max(8);
    let fitted = fit_text_to(text, max);
    assert!(fitted.text.chars().count() <= max);
    assert!(
        fitted
            .text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    );
    if fitted.cut_from.is_none() {
        assert_eq!(fitted.text, clean_text(text));
    }
    assert!(fit_text(text).text.chars().count() <= MAX_MESSAGE_CHARS);
});
