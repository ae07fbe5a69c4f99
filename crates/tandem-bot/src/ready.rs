//! A profile ready to answer: parsed, validated and with its understanding engine trained —
//! the one way the server, the API and the command line turn YAML into a working bot.

use tandem_nlu::{Engine, EngineError};

use crate::profile::{BotProfile, ProfileErrors};

/// Why a profile's source cannot become a working bot.
#[derive(Debug, thiserror::Error)]
pub enum ReadyError {
    /// The YAML is not a valid profile; every problem has its path.
    #[error("not a valid bot profile:\n{0}")]
    Invalid(ProfileErrors),
    /// The profile is valid but its understanding engine cannot be trained.
    #[error("the understanding engine cannot be built: {}", describe_chain(.0))]
    Untrainable(EngineError),
}

/// Parses and validates `source` and trains its engine.
pub fn ready_profile(source: &str) -> Result<(BotProfile, Engine), ReadyError> {
    let profile = BotProfile::from_yaml(source).map_err(ReadyError::Invalid)?;
    let engine = Engine::new(&profile.engine_config()).map_err(ReadyError::Untrainable)?;
    Ok((profile, engine))
}

/// An error and its causes, joined by ": ".
fn describe_chain(error: &EngineError) -> String {
    let mut message = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        message.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEMO_PROFILE_YAML;

    #[test]
    fn the_demo_profile_becomes_a_bot_and_bad_yaml_names_its_problems() {
        let (profile, _engine) = ready_profile(DEMO_PROFILE_YAML).expect("ready");
        assert!(!profile.intents.is_empty());
        match ready_profile("persona: [") {
            Err(ReadyError::Invalid(errors)) => assert!(!errors.is_empty()),
            other => panic!("{other:?}"),
        }
    }
}
