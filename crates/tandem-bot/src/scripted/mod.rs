//! The player of the scripted demo conversations (`scripts/demo-conversations.yaml`): loads
//! them, plays each through the understanding engine and the bot exactly as the server
//! would (analysis with the conversation's context, `Bot::turn`, then `Bot::action_result`
//! with a simulated core-banking answer), checks every expectation and computes the
//! figures of issue 4: containment of routine conversations, handover precision and recall
//! per reason, outcome accuracy and per-turn latency.
//!
//! Evaluation code, behind the `scripts` feature: `tests/scripted.rs` and
//! `examples/bot_eval.rs` use it (the crate is its own dev-dependency with the feature on),
//! and other builds leave it out. It is the one part of the crate that reads the clock, to
//! time the bot's part of each turn.
//!
//! Its parts: `script` (the file's shape and its loading), `player` (playing a conversation),
//! `checks` (what each turn and conversation is held to), `run` (what a play produced) and
//! `figures` (the aggregate figures).
//!
//! Two kinds of findings come out of a run:
//! * **misses** — the bot did something else than a good bot should (another intent, no
//!   handover, a late one...). They depend on the engine's statistics and are what the
//!   aggregate floors measure;
//! * **violations** — a structural promise of the dialogue was broken (no person hint, a
//!   second greeting, an action sent with a CPF the customer never typed, a failed action
//!   that did not hand over, a template variable left unrendered...). These hold whatever
//!   the classifier decides, so the test treats each one as a bug.

mod checks;
mod figures;
mod player;
mod run;
mod script;

pub use checks::{describe_outcome, has_unrendered_variable};
pub use figures::{Figures, ReasonFigures, percentile};
pub use player::Player;
pub use run::{ActualOutcome, ConversationRun, Finding};
pub use script::{
    ActionWord, Conversation, ExpectedOutcome, ExpectedTurnKind, Label, SCRIPT_YAML, Script,
    ScriptedTurn, SimulatedAction, TurnExpectation, load_script,
};
