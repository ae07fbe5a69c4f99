//! Slot filling: finding a slot's value among the message's entities, and telling an invalid
//! answer (a CPF with a wrong check digit) from a change of subject.

use std::collections::BTreeMap;

use tandem_nlu::{Analysis, EntityKind};

use crate::profile::{BotProfile, Slot};

/// What the customer's message did to the slot the bot asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SlotAnswer {
    /// A valid value (normalized).
    Filled(String),
    /// An attempt that is not valid, or no answer at all.
    Invalid,
    /// The customer moved on to another request.
    ChangedSubject,
}

/// The value of `slot` in the message, if the engine extracted one.
pub(crate) fn value_for(slot: &Slot, analysis: &Analysis) -> Option<String> {
    let kind = slot.entity_kind()?;
    analysis
        .entities
        .iter()
        .find(|entity| {
            entity.kind == kind && (kind != EntityKind::Reference || entity.name == slot.pattern)
        })
        .map(|entity| entity.normalized.clone())
}

/// Remembers identity slots (CPF, CNPJ, e-mail, phone) found in any message, even one that is
/// handed over, so the bot does not ask again after a hand-back. Dates, amounts and
/// references belong to one request and are only taken when that request asks for them.
pub(crate) fn remember_identity(
    profile: &BotProfile,
    analysis: &Analysis,
    slots: &mut BTreeMap<String, String>,
) {
    for slot in profile.intents.iter().flat_map(|intent| &intent.slots) {
        let is_identity = matches!(
            slot.entity_kind(),
            Some(EntityKind::Cpf | EntityKind::Cnpj | EntityKind::Email | EntityKind::Phone)
        );
        if is_identity
            && !slots.contains_key(&slot.name)
            && let Some(value) = value_for(slot, analysis)
        {
            slots.insert(slot.name.clone(), value);
        }
    }
}

/// Classifies the answer to a pending slot. A message counts as a change of subject only
/// when it confidently names another intent and does not look like an attempt at the value.
pub(crate) fn answer(
    slot: &Slot,
    pending_intent: &str,
    text: &str,
    analysis: &Analysis,
    minimum_confidence: f32,
) -> SlotAnswer {
    if let Some(value) = value_for(slot, analysis) {
        return SlotAnswer::Filled(value);
    }
    let other_intent = !analysis.out_of_scope
        && analysis.intents.first().is_some_and(|top| {
            top.intent != pending_intent && top.confidence >= minimum_confidence
        });
    if other_intent && !looks_like_attempt(text, slot.entity_kind()) {
        SlotAnswer::ChangedSubject
    } else {
        SlotAnswer::Invalid
    }
}

/// Whether `text` tries to give a value of `kind` (digits for numbers and dates, `@` for
/// e-mail).
fn looks_like_attempt(text: &str, kind: Option<EntityKind>) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    match kind {
        Some(EntityKind::Email) => text.contains('@'),
        Some(EntityKind::Cpf | EntityKind::Cnpj | EntityKind::CardNumber | EntityKind::Phone) => {
            digits >= 5
        }
        Some(EntityKind::Money | EntityKind::Date | EntityKind::Reference) | None => digits >= 1,
    }
}
