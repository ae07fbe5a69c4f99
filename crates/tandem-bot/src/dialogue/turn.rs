//! What a turn takes and gives, shared by the built-in dialogue (`dialogue`) and an account's
//! external bot (`external`): the customer's turn in; the replies, outcome and next state
//! out; the draft in between; and the handover that can end a turn of either.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tandem_domain::contact::Attributes;
use tandem_nlu::{Analysis, Language};

use super::state::BotState;
use crate::action::ActionRequest;
use crate::handover_model::{HandoverModel, Likelihoods};
use crate::messages::{TeamAvailability, handover_message};
use crate::policy::HandoverDecision;
use crate::profile::BotProfile;

/// One message from the bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The text, in the customer's language.
    pub text: String,
    /// The knowledge-base article the text quotes.
    pub cites_article: Option<String>,
}

/// What a turn did, for metrics and policy replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TurnOutcome {
    /// Greetings, thanks or acknowledgements.
    SmallTalk,
    /// An intent's reply, an article or an action's result.
    Answered {
        /// The intent answered, if any.
        intent: Option<String>,
        /// The article cited, if any.
        article_id: Option<String>,
    },
    /// The bot asked for a slot (again, after an invalid answer).
    AskedForSlot {
        /// The intent being served.
        intent: String,
        /// The slot.
        slot: String,
    },
    /// The bot asked which of two intents was meant.
    Clarifying {
        /// The two intents.
        options: Vec<String>,
    },
    /// The bot asked the server to run an action.
    ActionRequested {
        /// The intent whose action it is.
        intent: String,
    },
    /// The bot did not understand.
    NotUnderstood,
    /// An action failed and the `action_failed` rule is off: the bot apologized.
    ActionUnavailable,
    /// The conversation goes to a person.
    HandedOver,
    /// An action outcome that the bot was not waiting for; nothing was said.
    Ignored,
    /// The handover rules let the message through to the account's external bot.
    Forwarded,
    /// The external bot answered.
    ExternalAnswer {
        /// The external bot said it understood.
        understood: bool,
    },
}

/// The result of one turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotTurn {
    /// The messages to send, in order.
    pub replies: Vec<Reply>,
    /// An HTTP call to make; report its outcome to [`Bot::action_result`].
    pub action: Option<ActionRequest>,
    /// Set when the conversation goes to a person.
    pub handover: Option<HandoverDecision>,
    /// The state to store for the next turn.
    pub new_state: BotState,
    /// The language of the replies.
    pub language: Language,
    /// What the turn did.
    pub outcome: TurnOutcome,
    /// Set when the account's language model should answer from the articles instead; the
    /// replies above are the answer when it is off, fails or declines.
    pub generate: Option<Generation>,
    /// The bot resolves the conversation after these replies: the customer thanked it after an
    /// answer ([`crate::profile::Closing::on_thanks`]).
    pub resolves: bool,
}

/// A request that the account's language model answer the customer from the articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    /// The intent whose answer is generated; none for a question the profile does not cover.
    pub intent: Option<String>,
    /// The turn's replies answer the question without the model (the intent's reply or
    /// article); otherwise they only say the bot did not understand.
    pub has_offline_answer: bool,
}

/// A customer's message and what surrounds it.
#[derive(Debug, Clone, Copy)]
pub struct CustomerTurn<'a> {
    /// The message.
    pub text: &'a str,
    /// The engine's analysis of it, made with [`BotState::analysis_context`].
    pub analysis: &'a Analysis,
    /// The contact's attributes.
    pub attributes: &'a Attributes,
    /// The customer pressed a "talk to a person" button.
    pub requested_person: bool,
    /// Whether the team is there, for the handover message.
    pub availability: TeamAvailability,
}

/// The built-in bot of one profile.
#[derive(Debug, Clone)]
pub struct Bot<'p> {
    pub(super) profile: &'p BotProfile,
    /// The learned second opinion of the handover rules.
    pub(super) model: Option<Arc<HandoverModel>>,
}

/// The reply under construction during a turn.
pub(super) struct Draft<'a> {
    pub(super) state: BotState,
    pub(super) language: Language,
    pub(super) attributes: &'a Attributes,
    pub(super) availability: TeamAvailability,
    pub(super) replies: Vec<Reply>,
    /// The greeting is among the replies of this turn.
    pub(super) greeted_now: bool,
}

impl Draft<'_> {
    /// Adds a reply that cites nothing.
    pub(super) fn say(&mut self, text: String) {
        self.replies.push(Reply {
            text,
            cites_article: None,
        });
    }
}

impl<'p> Bot<'p> {
    /// The bot of `profile` (which should have passed validation).
    /// The bot of `profile`, its handover rules helped by the profile's learned model
    /// ([`HandoverModel::for_profile`], trained the first time a profile content is seen).
    pub fn new(profile: &'p BotProfile) -> Self {
        Bot {
            profile,
            model: HandoverModel::for_profile(profile),
        }
    }

    /// A bot whose handover rules take `model`'s opinion instead (none: the word rules alone),
    /// for evaluations.
    pub fn with_handover_model(profile: &'p BotProfile, model: Option<Arc<HandoverModel>>) -> Self {
        Bot { profile, model }
    }

    /// The model's likelihoods for a customer message (zero without a model).
    pub(super) fn likelihoods(&self, text: &str, language: Language) -> Likelihoods {
        self.model
            .as_ref()
            .map(|model| model.likelihoods(text, language))
            .unwrap_or_default()
    }

    /// The profile.
    pub fn profile(&self) -> &'p BotProfile {
        self.profile
    }

    /// Ends the turn with a handover: nothing stays pending, and the last reply is the
    /// handover message (a person is coming, or when the team is back).
    pub(super) fn hand_over(&self, mut draft: Draft<'_>, decision: HandoverDecision) -> BotTurn {
        draft.state.pending_slot = None;
        draft.state.pending_clarification.clear();
        draft.state.pending_action = None;
        let message = handover_message(
            self.profile,
            draft.language,
            &draft.availability,
            draft.attributes,
            Some(decision.reason),
        );
        draft.say(message);
        BotTurn {
            replies: draft.replies,
            action: None,
            handover: Some(decision),
            new_state: draft.state,
            language: draft.language,
            outcome: TurnOutcome::HandedOver,
            generate: None,
            resolves: false,
        }
    }
}
