//! Voice notes as customers send them: any bytes, read as Ogg/Opus and as WAV, decode to
//! samples within the limit or to a typed error, never a panic.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tandem_speech::audio::{self, AudioError};

/// The limit the fuzzed decodes run under: short, so a header that claims hours is refused.
const LIMIT: Duration = Duration::from_secs(10);

fuzz_target!(|data: &[u8]| {
    for mime_type in ["audio/ogg; codecs=opus", "audio/wav"] {
        match audio::decode(data, mime_type, LIMIT) {
            Ok(pcm) => assert!(pcm.duration() <= LIMIT),
            Err(AudioError::Malformed(_) | AudioError::TooLong { .. }) => {}
            Err(AudioError::UnsupportedType(found)) => panic!("{found} is supported"),
        }
    }
});
