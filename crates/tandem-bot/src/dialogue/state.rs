//! The bot's state for one conversation, stored between turns as JSON: language, greeting,
//! remembered slots, what the bot is waiting for, the policy's memory and what it answered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tandem_nlu::{AnalysisContext, Language};

use crate::policy::BotMemory;
use crate::profile::BotProfile;

/// How many answers [`BotState::answered`] keeps.
const REMEMBERED_ANSWERS: usize = 20;

/// Everything the bot remembers about a conversation. Serializable; contains slot values
/// such as CPFs, so store it like message text and never log it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BotState {
    /// The customer's language, once known.
    pub language: Option<Language>,
    /// The bot has greeted (it never greets twice, not even after a hand-back).
    pub has_greeted: bool,
    /// Slot values given so far (normalized: CPF digits, ISO dates...), by slot name; reused
    /// by every intent with a slot of that name.
    pub slots: BTreeMap<String, String>,
    /// The slot the bot asked for and is waiting on.
    pub pending_slot: Option<PendingSlot>,
    /// The two intents of a "did you mean A or B?" question, while waiting for the answer.
    pub pending_clarification: Vec<String>,
    /// The intent whose action the server is running.
    pub pending_action: Option<String>,
    /// The last intent the bot served.
    pub last_intent: Option<String>,
    /// The handover policy's memory.
    pub memory: BotMemory,
    /// What the bot answered, oldest first (at most 20), for the handover context.
    pub answered: Vec<Answered>,
    /// An external bot's own state, returned to it with every turn (opaque to Tandem).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<serde_json::Value>,
}

/// A slot the bot asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSlot {
    /// The intent being served.
    pub intent: String,
    /// The slot asked for.
    pub slot: String,
    /// Invalid answers so far.
    pub attempts: u8,
}

/// Something the bot answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Answered {
    /// An intent's reply template.
    Intent {
        /// The intent.
        intent: String,
    },
    /// A knowledge-base article.
    Article {
        /// The article's id.
        article_id: String,
    },
    /// An action's result.
    Action {
        /// The intent whose action it was.
        intent: String,
    },
}

impl BotState {
    /// The state of a new conversation.
    pub fn new() -> Self {
        BotState::default()
    }

    /// The engine's context for the next message of this conversation.
    pub fn analysis_context(&self, today: jiff::civil::Date) -> AnalysisContext {
        AnalysisContext {
            conversation_language: self.language,
            today,
        }
    }

    /// The state when an agent hands the conversation back to the bot: language and slots are
    /// kept; the bot does not greet (a person has already spoken with the customer);
    /// questions in flight and failure streaks are dropped.
    pub fn hand_back(&self) -> BotState {
        BotState {
            language: self.language,
            has_greeted: true,
            slots: self.slots.clone(),
            pending_slot: None,
            pending_clarification: Vec::new(),
            pending_action: None,
            last_intent: self.last_intent.clone(),
            memory: self.memory.handed_back(),
            answered: self.answered.clone(),
            external: self.external.clone(),
        }
    }

    /// The slot values safe to show an agent: each slot's value masked by its entity kind's
    /// rule ([`tandem_nlu::EntityKind::masked_value`]: CPF, CNPJ, card number, phone and
    /// e-mail masked; dates, amounts and references as they are), and a slot the profile no
    /// longer declares hidden entirely.
    pub fn masked_slots(&self, profile: &BotProfile) -> BTreeMap<String, String> {
        self.slots
            .iter()
            .map(|(name, value)| {
                let kind = profile
                    .intents
                    .iter()
                    .flat_map(|intent| &intent.slots)
                    .find(|slot| &slot.name == name)
                    .and_then(|slot| slot.entity_kind());
                let masked = match kind {
                    Some(kind) => kind.masked_value(value),
                    // A slot the profile no longer declares might have held anything.
                    None => "***".to_owned(),
                };
                (name.clone(), masked)
            })
            .collect()
    }

    /// The bot answered something in the conversation and waits for nothing, so the customer's
    /// thanks or silence may close it ([`crate::profile::Closing`]).
    pub fn has_served(&self) -> bool {
        !self.answered.is_empty()
            && self.pending_slot.is_none()
            && self.pending_action.is_none()
            && self.pending_clarification.is_empty()
    }

    pub(crate) fn remember_answer(&mut self, answered: Answered) {
        self.answered.push(answered);
        let excess = self.answered.len().saturating_sub(REMEMBERED_ANSWERS);
        self.answered.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Checked, Slot};
    use crate::testing::PROFILE;

    #[test]
    fn slots_are_masked_by_their_entity_kinds_rule() {
        // (slot, its entity kind in the profile, value, shown to the agent)
        let cases: &[(&str, Option<&str>, &str, &str)] = &[
            ("cpf", Some("cpf"), "52998224725", "***.***.***-25"),
            (
                "company",
                Some("cnpj"),
                "11222333000181",
                "**.***.***/****-81",
            ),
            (
                "card",
                Some("card_number"),
                "4111111111111111",
                "**** **** **** 1111",
            ),
            (
                "contact_email",
                Some("email"),
                "cliente@example.com",
                "c***@example.com",
            ),
            ("mobile", Some("phone"), "+5511987654321", "****-4321"),
            ("due", Some("date"), "2026-11-30", "2026-11-30"),
            ("amount", Some("money"), "129.90 BRL", "129.90 BRL"),
            ("order", Some("reference"), "PED-123456", "PED-123456"),
            ("forgotten", None, "11222333000181", "***"),
        ];
        let mut profile = PROFILE.clone();
        let template = profile
            .intents
            .iter()
            .flat_map(|intent| &intent.slots)
            .find(|slot| slot.name == "cpf")
            .cloned()
            .expect("the demo profile asks for a CPF");
        for (name, kind, _, _) in cases {
            if let Some(kind) = kind
                && *name != "cpf"
            {
                profile.intents[0].slots.push(Slot {
                    name: (*name).to_owned(),
                    entity: Checked::new(*kind),
                    ..template.clone()
                });
            }
        }
        let state = BotState {
            slots: cases
                .iter()
                .map(|(name, _, value, _)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            ..BotState::new()
        };
        let masked = state.masked_slots(&profile);
        for (name, _, _, shown) in cases {
            assert_eq!(
                masked.get(*name).map(String::as_str),
                Some(*shown),
                "{name}"
            );
        }
    }
}
