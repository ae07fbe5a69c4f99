//! The bot's own messages as a profile sees them ([`MessageKind`]): where the profile overrides
//! each one and which variables it may use there. Validation checks the overrides with this,
//! and `messages` renders them; the built-in texts are [`MessageKind::built_in`], next to the
//! rendering in `messages.rs`.

use crate::profile::localized::Localized;
use crate::profile::schema::BotProfile;

/// One of the bot's own messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// Within business hours: a person is coming.
    PersonComing,
    /// The customer's place in the queue (`{position}`).
    QueuePosition,
    /// The estimated wait (`{wait}`).
    QueueWait,
    /// Outside business hours: when the team is back (`{reopens_at}`).
    Closed,
    /// Outside business hours, and the bot keeps the conversation (`{reopens_at}`).
    ClosedBotStays,
    /// The bot did not understand.
    NotUnderstood,
    /// A person is available on request.
    PersonHint,
    /// "Did you mean {first} or {second}?"
    Clarify,
    /// A slot's answer is not valid.
    InvalidSlot,
    /// "How can I help?"
    AnythingElse,
    /// The answer to thanks and goodbyes.
    Thanks,
    /// An action failed and the `action_failed` rule is off.
    ActionUnavailable,
    /// The bot resolves a conversation the customer went quiet in after its answer.
    ClosedAfterSilence,
    /// A person is coming for a customer who is upset: sorry first, and no cheer.
    PersonComingUpset,
    /// A person is coming because the topic needs one (fraud, cancellation...).
    PersonComingSensitive,
    /// A person is coming because the bot could not complete what was asked (an action failed
    /// or found nothing): the customer is told so.
    PersonComingAfterFailure,
    /// A person sent the conversation to another team (`{team}`).
    Transferred,
    /// A person handed the conversation to a colleague (`{agent}`, their first name).
    TransferredToAgent,
    /// A voice note could not be made out: the customer may type it or ask for a person.
    VoiceNoteUnheard,
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [MessageKind; 19] = [
        MessageKind::PersonComing,
        MessageKind::QueuePosition,
        MessageKind::QueueWait,
        MessageKind::Closed,
        MessageKind::ClosedBotStays,
        MessageKind::NotUnderstood,
        MessageKind::PersonHint,
        MessageKind::Clarify,
        MessageKind::InvalidSlot,
        MessageKind::AnythingElse,
        MessageKind::Thanks,
        MessageKind::ActionUnavailable,
        MessageKind::ClosedAfterSilence,
        MessageKind::PersonComingUpset,
        MessageKind::PersonComingSensitive,
        MessageKind::PersonComingAfterFailure,
        MessageKind::Transferred,
        MessageKind::TransferredToAgent,
        MessageKind::VoiceNoteUnheard,
    ];

    /// Where a profile overrides it.
    pub fn path(self) -> &'static str {
        match self {
            MessageKind::PersonComing => "business_hours.person_coming",
            MessageKind::PersonComingUpset => "business_hours.person_coming_upset",
            MessageKind::PersonComingSensitive => "business_hours.person_coming_sensitive",
            MessageKind::PersonComingAfterFailure => "business_hours.person_coming_after_failure",
            MessageKind::QueuePosition => "business_hours.queue_position",
            MessageKind::QueueWait => "business_hours.queue_wait",
            MessageKind::Closed => "business_hours.closed",
            MessageKind::ClosedBotStays => "business_hours.closed_bot_stays",
            MessageKind::NotUnderstood => "messages.not_understood",
            MessageKind::PersonHint => "messages.person_hint",
            MessageKind::Clarify => "messages.clarify",
            MessageKind::InvalidSlot => "messages.invalid_slot",
            MessageKind::AnythingElse => "messages.anything_else",
            MessageKind::Thanks => "messages.thanks",
            MessageKind::ActionUnavailable => "messages.action_unavailable",
            MessageKind::ClosedAfterSilence => "messages.closed_after_silence",
            MessageKind::Transferred => "messages.transferred",
            MessageKind::TransferredToAgent => "messages.transferred_to_agent",
            MessageKind::VoiceNoteUnheard => "messages.voice_note_unheard",
        }
    }

    /// The variables this message has besides `{bot_name}` and the contact attributes.
    pub fn own_variables(self) -> &'static [&'static str] {
        match self {
            MessageKind::QueuePosition => &["position"],
            MessageKind::QueueWait => &["wait"],
            MessageKind::Closed | MessageKind::ClosedBotStays => &["reopens_at"],
            MessageKind::Clarify => &["first", "second"],
            MessageKind::Transferred => &["team"],
            MessageKind::TransferredToAgent => &["agent"],
            _ => &[],
        }
    }

    /// The profile's override, if any.
    pub fn override_in(self, profile: &BotProfile) -> Option<&Localized<String>> {
        let hours = &profile.business_hours;
        let messages = &profile.messages;
        match self {
            MessageKind::PersonComing => hours.person_coming.as_ref(),
            MessageKind::PersonComingUpset => hours.person_coming_upset.as_ref(),
            MessageKind::PersonComingSensitive => hours.person_coming_sensitive.as_ref(),
            MessageKind::PersonComingAfterFailure => hours.person_coming_after_failure.as_ref(),
            MessageKind::QueuePosition => hours.queue_position.as_ref(),
            MessageKind::QueueWait => hours.queue_wait.as_ref(),
            MessageKind::Closed => hours.closed.as_ref(),
            MessageKind::ClosedBotStays => hours.closed_bot_stays.as_ref(),
            MessageKind::NotUnderstood => messages.not_understood.as_ref(),
            MessageKind::PersonHint => messages.person_hint.as_ref(),
            MessageKind::Clarify => messages.clarify.as_ref(),
            MessageKind::InvalidSlot => messages.invalid_slot.as_ref(),
            MessageKind::AnythingElse => messages.anything_else.as_ref(),
            MessageKind::Thanks => messages.thanks.as_ref(),
            MessageKind::ActionUnavailable => messages.action_unavailable.as_ref(),
            MessageKind::ClosedAfterSilence => messages.closed_after_silence.as_ref(),
            MessageKind::Transferred => messages.transferred.as_ref(),
            MessageKind::TransferredToAgent => messages.transferred_to_agent.as_ref(),
            MessageKind::VoiceNoteUnheard => messages.voice_note_unheard.as_ref(),
        }
    }
}
