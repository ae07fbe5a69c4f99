//! Tandem's built-in bot: bot profiles written in YAML and validated with a path for every
//! problem ([`BotProfile::from_yaml`]), the handover policy evaluated on every customer turn
//! ([`policy::evaluate`]), and the dialogue as a pure state machine ([`Bot::turn`],
//! [`Bot::action_result`]).
//!
//! Pure and deterministic: no I/O, no clock, no randomness. The caller analyzes each message
//! with a `tandem_nlu::Engine` built from [`BotProfile::engine_config`], passes the current
//! day and business hours in, stores [`BotState`] between turns, and performs the
//! [`ActionRequest`]s the bot asks for.
//!
//! The `scripts` feature adds `scripted`, the player of the scripted demo conversations that
//! the scripted test and the `bot_eval` example share; it times turns with the clock, so it
//! stays out of every other build.
//!
//! ```
//! use tandem_bot::{Bot, BotState, CustomerTurn, TeamAvailability, demo_profile};
//! use tandem_nlu::Engine;
//!
//! let profile = demo_profile();
//! let engine = Engine::new(&profile.engine_config())?;
//! let state = BotState::new();
//! let today = jiff::civil::date(2026, 11, 20);
//! let text = "quero falar com um atendente";
//! let analysis = engine.analyze(text, &state.analysis_context(today))?;
//! let attributes = serde_json::Map::new();
//! let turn = Bot::new(&profile).turn(&state, &CustomerTurn {
//!     text,
//!     analysis: &analysis,
//!     attributes: &attributes,
//!     requested_person: false,
//!     availability: TeamAvailability::default(),
//! });
//! assert_eq!(turn.handover.unwrap().reason.as_str(), "customer_request");
//! # Ok::<(), tandem_nlu::EngineError>(())
//! ```

mod action;
mod demo;
pub mod dialogue;
pub mod handover_eval;
pub mod handover_model;
pub mod handover_set;
pub mod label_rules;
pub mod learning;
mod messages;
pub mod policy;
pub mod profile;
mod ready;
pub mod replay;
#[cfg(feature = "scripts")]
pub mod scripted;
mod small_talk;
mod suggestion;
mod template;
#[cfg(test)]
mod testing;
mod words;

pub use action::{ActionFailure, ActionFailureKind, ActionOutcome, ActionRequest, outbound_urls};
pub use demo::{
    DEMO_CORE_BANKING_KEY, DEMO_CORE_BANKING_URL, DEMO_PROFILE_YAML, demo_profile,
    demo_profile_yaml_with_core_banking,
};
pub use dialogue::{
    Answered, Bot, BotState, BotTurn, CustomerTurn, ExternalHandover, ExternalReply, Generation,
    PendingSlot, Reply, TurnOutcome,
};
pub use messages::{
    TeamAvailability, describe_reopening, describe_wait, handover_message, queue_notice,
    render_message,
};
pub use policy::{BotMemory, Evidence, HandoverDecision, PolicyInput};
pub use profile::{BotProfile, MessageKind, ProfileError, ProfileErrorKind, ProfileErrors};
pub use ready::{ReadyError, ready_profile};
pub use suggestion::suggested_first_reply;
pub use template::{MissingVariable, Template, TemplateError};
