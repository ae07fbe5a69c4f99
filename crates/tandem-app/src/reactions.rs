//! What follows a committed change, in one place: the store has already announced it to every
//! node's hub (in the same transaction that recorded it) and queued its webhooks and channel
//! deliveries; here the node sets the rest in motion — the bot answers, the routing worker
//! assigns, the NPS question follows a CSAT answer, the CSAT survey follows a resolution.

use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::EventKind;
use tandem_domain::id::AccountId;

use crate::model::{ConversationUpdate, InboundOutcome};
use crate::surveys;
use crate::{App, AppError};

impl App {
    /// After a new customer message: a survey answer may ask the next question, then the bot
    /// answers a conversation it has (a voice note once it is transcribed) and the routing
    /// worker places a queued one.
    pub(crate) async fn after_customer_message(
        &self,
        account_id: AccountId,
        outcome: &InboundOutcome,
    ) {
        for event in &outcome.events {
            if let EventKind::SurveyAnswered { survey, .. } = &event.kind
                && let Err(error) =
                    surveys::after_answer(self, account_id, outcome.conversation.id, *survey).await
            {
                tracing::warn!(%error, "the follow-up survey was not sent");
            }
        }
        match outcome.conversation.status {
            ConversationStatus::Queued => self.routing.kick(account_id),
            // A voice note is answered once its words come (`transcription`); one that can
            // never be heard is answered as such.
            ConversationStatus::Bot if outcome.message.awaits_transcription() => {}
            ConversationStatus::Bot
                if outcome
                    .message
                    .attachments
                    .iter()
                    .any(|attachment| attachment.needs_transcription) =>
            {
                self.after_transcription(account_id, outcome.conversation.id, &outcome.message)
                    .await;
            }
            ConversationStatus::Bot => self.bot.customer_wrote(
                account_id,
                outcome.conversation.id,
                outcome.message.id,
                outcome.message.text.clone(),
            ),
            ConversationStatus::Assigned | ConversationStatus::Resolved => {}
        }
    }

    /// After people changed a conversation: resolving, unassigning or transferring frees
    /// room or fills the queue, so the routing worker runs; a resolution on a provider channel
    /// asks the CSAT question; a conversation handed back to the bot resumes its memory (same
    /// language and slots, no second greeting).
    pub(crate) async fn after_conversation_update(
        &self,
        update: &ConversationUpdate,
        conversation: &Conversation,
    ) -> Result<(), AppError> {
        let account_id = conversation.account_id;
        self.routing.kick(account_id);
        match update {
            ConversationUpdate::Resolve => {
                let language = self
                    .bot
                    .conversation_language(account_id, conversation.id)
                    .await?;
                if let Err(error) = surveys::send_csat(
                    &self.store,
                    account_id,
                    conversation.id,
                    language,
                    self.now(),
                )
                .await
                {
                    tracing::warn!(%error, conversation_id = %conversation.id, "the satisfaction survey was not sent");
                }
            }
            ConversationUpdate::HandBackToBot => {
                self.bot.handed_back(account_id, conversation.id).await?;
            }
            _ => {}
        }
        Ok(())
    }
}
