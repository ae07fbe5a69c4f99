//! The learning loop's pure parts: which bot turns left a question unanswered
//! ([`unanswered`]), what to teach the bot from a group of such questions and a person's
//! answer ([`propose`]: new examples for an intent the questions were close to, else a new
//! knowledge-base article), the profile with an approved proposal applied ([`apply`]), and what
//! that change would do to past questions ([`impact`]), and which customer messages are never
//! taught because the customer needed a person ([`needs_a_person`]).

mod apply;
mod impact;
mod propose;
mod unanswered;

pub use apply::{LearningError, apply, profile_source};
pub use impact::{Impact, ImpactedQuestion, Verdict, impact, needs_a_person};
pub use propose::{MAX_ARTICLE_QUESTIONS, Proposal, propose};
pub use unanswered::{Unanswered, UnansweredReason, unanswered};
