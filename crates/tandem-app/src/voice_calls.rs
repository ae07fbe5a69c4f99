//! Phone calls the bot hands over: where the call goes (the phones of the agents online, the
//! team's line, a Twilio queue, or a voicemail when nobody can answer or the team is closed),
//! the conversation assigned to the agent who answers, and the recordings — a voicemail, or the
//! call with the agent — kept on the conversation as audio that is transcribed like a voice note.
//! The conversation is never left stuck: a call nobody answers becomes a voicemail, queued.

use tandem_channels::config::VoiceHandover;
use tandem_channels::twilio::Recording;
use tandem_domain::contact::{Contact, Identity, IdentityKind};
use tandem_domain::conversation::ConversationStatus;
use tandem_domain::event::Actor;
use tandem_domain::id::{ConversationId, UserId};
use tandem_domain::inbox::Inbox;
use tandem_nlu::Language;
use tandem_store::{Availability, ConversationUpdate};

use crate::model::InboundMessage;
use crate::{App, AppError};

/// Most phones one handed-over call rings at once (Twilio's limit for one `<Dial>`).
const MAX_RUNG: u32 = 10;

/// Where a handed-over call goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallRoute {
    /// Ring these agents (and their phone or SIP address) at once.
    Agents(Vec<(UserId, String)>),
    /// Ring the team's line.
    Line(String),
    /// Put the call in this Twilio queue.
    Enqueue(String),
    /// Nobody can answer now: take a voicemail.
    Voicemail,
}

/// Which recording of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallRecording {
    /// The caller's message when nobody could answer.
    Voicemail,
    /// The call with the agent who answered.
    Conversation,
}

impl CallRecording {
    fn as_str(self) -> &'static str {
        match self {
            CallRecording::Voicemail => "voicemail",
            CallRecording::Conversation => "call_recording",
        }
    }
}

impl App {
    /// Where a call the bot handed over in `conversation_id` goes, by the inbox's `handover`:
    /// the agent it was assigned to (when they have a phone), the phones of the agents online
    /// (of the conversation's team, if any), the team's line while it is open, or a voicemail
    /// when none of these can answer.
    pub async fn call_route(
        &self,
        inbox: &Inbox,
        handover: &VoiceHandover,
        conversation_id: ConversationId,
    ) -> Result<CallRoute, AppError> {
        let account_id = inbox.account_id;
        let conversation = self.store.conversation(account_id, conversation_id).await?;
        if let VoiceHandover::Enqueue { queue } = handover {
            return Ok(CallRoute::Enqueue(queue.clone()));
        }
        match conversation.status {
            ConversationStatus::Assigned => {
                let Some(agent_id) = conversation.assignee_id else {
                    return Ok(CallRoute::Voicemail);
                };
                let agent = self.store.user(account_id, agent_id).await?;
                return Ok(match (handover, agent.phone) {
                    (VoiceHandover::Dial { number }, _) => CallRoute::Line(number.clone()),
                    (_, Some(phone)) => CallRoute::Agents(vec![(agent_id, phone)]),
                    (_, None) => CallRoute::Voicemail,
                });
            }
            ConversationStatus::Queued => {}
            ConversationStatus::Bot | ConversationStatus::Resolved => {
                return Ok(CallRoute::Voicemail);
            }
        }
        let status = self
            .store
            .queue_status(account_id, conversation_id, self.now())
            .await?;
        if status
            .as_ref()
            .is_some_and(|status| matches!(status.availability, Availability::Closed { .. }))
        {
            return Ok(CallRoute::Voicemail);
        }
        Ok(match handover {
            VoiceHandover::Dial { number } => CallRoute::Line(number.clone()),
            _ => {
                let agents = self
                    .store
                    .call_agents(account_id, conversation.team_id, MAX_RUNG)
                    .await?;
                if agents.is_empty() {
                    CallRoute::Voicemail
                } else {
                    CallRoute::Agents(agents)
                }
            }
        })
    }

    /// An agent answered a handed-over call: the conversation is theirs (unless it is over),
    /// and they hear who is calling and what the customer asked, in the conversation's
    /// language; the lines to say. `agent_id` is `None` for the team's line, where who answered
    /// is not known.
    pub async fn call_answered(
        &self,
        inbox: &Inbox,
        conversation_id: ConversationId,
        agent_id: Option<UserId>,
    ) -> Result<(Vec<String>, Language), AppError> {
        let account_id = inbox.account_id;
        let conversation = self.store.conversation(account_id, conversation_id).await?;
        if let Some(agent_id) = agent_id
            && conversation.status != ConversationStatus::Resolved
            && conversation.assignee_id != Some(agent_id)
        {
            let update = ConversationUpdate::Assign {
                agent_id,
                over_capacity: true,
            };
            let (conversation, _) = self
                .store
                .update_conversation(
                    account_id,
                    conversation_id,
                    update,
                    Actor::User(agent_id),
                    true,
                    self.now(),
                )
                .await?;
            tracing::info!(%conversation_id, %agent_id, "a handed-over call was answered");
            self.after_conversation_update(&update, &conversation)
                .await?;
        }
        let language = self.call_language(inbox, conversation_id).await?;
        let contact = self
            .store
            .contact(account_id, conversation.contact_id)
            .await?;
        let caller = contact
            .name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| {
                phone_identity(&contact)
                    .map(|identity| identity.value.clone())
                    .unwrap_or_default()
            });
        let page = self
            .store
            .messages(account_id, conversation_id, None, 500)
            .await?;
        let asked = page
            .messages
            .iter()
            .rev()
            .find(|message| {
                matches!(message.sender, Actor::Contact(_)) && !message.text.trim().is_empty()
            })
            .map(|message| message.text.clone());
        let mut lines = vec![caller_line(language, &caller)];
        lines.extend(asked);
        Ok((lines, language))
    }

    /// A recording of a call — the caller's voicemail or the call with an agent — kept on the
    /// call's conversation as audio that is fetched from Twilio and transcribed; a voicemail
    /// leaves the conversation queued for an agent to call back. A recording that arrives
    /// after the conversation was resolved stays at Twilio (it would otherwise open a new
    /// conversation with the bot), and the log names it.
    pub async fn keep_call_recording(
        &self,
        inbox: &Inbox,
        conversation_id: ConversationId,
        call_sid: Option<&str>,
        recording: &Recording,
        kind: CallRecording,
    ) -> Result<(), AppError> {
        let account_id = inbox.account_id;
        let conversation = self.store.conversation(account_id, conversation_id).await?;
        if conversation.status == ConversationStatus::Resolved {
            tracing::warn!(%conversation_id, recording_sid = %recording.sid, "a call recording arrived after its conversation was resolved; it stays at Twilio");
            return Ok(());
        }
        let contact = self
            .store
            .contact(account_id, conversation.contact_id)
            .await?;
        let identity = phone_identity(&contact).cloned().ok_or_else(|| {
            AppError::Internal(format!(
                "the caller of conversation {conversation_id} has no phone"
            ))
        })?;
        let inbound = InboundMessage {
            inbox_id: inbox.id,
            identity,
            contact_name: None,
            text: String::new(),
            external_id: Some(format!("{}:{}", kind.as_str(), recording.sid)),
            attachments: vec![recording.attachment()],
            channel_data: Some(serde_json::json!({
                "call_sid": call_sid,
                kind.as_str(): true,
                "recording_sid": recording.sid,
                "duration_seconds": recording.duration_seconds,
            })),
            reply_address: None,
        };
        let outcome = self.accept_inbound(account_id, &inbound).await?;
        tracing::info!(conversation_id = %outcome.conversation.id, kind = kind.as_str(), "call recording kept");
        Ok(())
    }

    /// The language a call's conversation is spoken in.
    pub async fn call_language(
        &self,
        inbox: &Inbox,
        conversation_id: ConversationId,
    ) -> Result<Language, AppError> {
        Ok(self
            .bot
            .conversation_language(inbox.account_id, conversation_id)
            .await?
            .unwrap_or(Language::Portuguese))
    }
}

/// The contact's phone identity: the caller's number.
fn phone_identity(contact: &Contact) -> Option<&Identity> {
    contact
        .identities
        .iter()
        .find(|identity| identity.kind == IdentityKind::Phone)
}

/// What an agent hears first when they answer.
fn caller_line(language: Language, caller: &str) -> String {
    match language {
        Language::Portuguese => format!("Ligação de {caller}, transferida pelo bot."),
        Language::Spanish => format!("Llamada de {caller}, transferida por el bot."),
        Language::English => format!("Call from {caller}, handed over by the bot."),
    }
}
