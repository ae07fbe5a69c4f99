//! Test support: the demo profile and its engine, built once per test binary (training
//! takes a moment), and a helper to analyze a message as the first of a conversation.

use std::sync::LazyLock;

use tandem_nlu::{Analysis, AnalysisContext, Engine, Language};

use crate::demo::demo_profile;
use crate::profile::BotProfile;

/// The demo profile.
pub(crate) static PROFILE: LazyLock<BotProfile> = LazyLock::new(demo_profile);

/// The engine of the demo profile.
pub(crate) static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    Engine::new(&PROFILE.engine_config()).expect("the demo profile trains an engine")
});

/// The day the tests run on.
pub(crate) fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 20)
}

/// Analyzes `text` in a conversation whose language so far is `language`.
pub(crate) fn analyze(text: &str, language: Option<Language>) -> Analysis {
    ENGINE
        .analyze(
            text,
            &AnalysisContext {
                conversation_language: language,
                today: today(),
            },
        )
        .expect("analysis succeeds")
}
