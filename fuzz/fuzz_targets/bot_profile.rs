//! The bot profile loader (YAML): any text is a profile or errors that each name a path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem_bot::BotProfile;

fuzz_target!(|source: &[u8]| {
    let Ok(source) = std::str::from_utf8(source) else {
        return;
    };
    if let Err(errors) = BotProfile::from_yaml(source) {
        assert!(errors.errors().iter().all(|error| !error.path.is_empty()));
    }
});
