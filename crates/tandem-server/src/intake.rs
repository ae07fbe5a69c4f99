//! Where every customer message enters, whatever channel it came from: stored (and durable)
//! first, then handed to the bot or the routing worker.

use tandem_domain::conversation::ConversationStatus;
use tandem_domain::event::EventKind;
use tandem_domain::id::AccountId;
use tandem_store::{InboundMessage, InboundOutcome, StoreError};

use crate::state::AppState;
use crate::surveys;

/// Stores a customer message and sets what follows in motion: the bot answers a conversation
/// it has, the routing worker places a queued one. A repeated delivery does nothing more.
pub async fn accept_inbound(
    state: &AppState,
    account_id: AccountId,
    inbound: &InboundMessage,
) -> Result<InboundOutcome, StoreError> {
    let outcome = state
        .app
        .store
        .append_inbound_message(account_id, inbound, tandem_app::now())
        .await?;
    if outcome.is_duplicate {
        return Ok(outcome);
    }
    for event in &outcome.events {
        if let EventKind::SurveyAnswered { survey, .. } = &event.kind
            && let Err(error) =
                surveys::after_answer(state, account_id, outcome.conversation.id, *survey).await
        {
            tracing::warn!(%error, "the follow-up survey was not sent");
        }
    }
    match outcome.conversation.status {
        ConversationStatus::Queued => state.routing.kick(account_id),
        ConversationStatus::Bot => state.bot.customer_wrote(
            account_id,
            outcome.conversation.id,
            outcome.message.id,
            outcome.message.text.clone(),
        ),
        ConversationStatus::Assigned | ConversationStatus::Resolved => {}
    }
    Ok(outcome)
}
