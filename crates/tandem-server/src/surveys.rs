//! The satisfaction survey (CSAT, 1 to 5) sent when a person resolves a conversation on a
//! provider channel, in the customer's language, with the scores as buttons (a list on
//! WhatsApp, buttons on Telegram, numbered lines on SMS and e-mail). The answer is recorded by
//! the store when the customer replies (`survey_answered`).

use tandem_domain::id::{AccountId, ConversationId};
use tandem_domain::survey::SurveyKind;
use tandem_nlu::Language;
use tandem_store::{StoreError, SurveyQuestion};

use crate::state::AppState;

/// The CSAT question in `language`.
fn csat_question(language: Language) -> &'static str {
    match language {
        Language::Portuguese => "Como você avalia o atendimento? Responda com uma nota de 1 a 5.",
        Language::Spanish => "¿Cómo calificaría la atención? Responda con una nota del 1 al 5.",
        Language::English => "How would you rate the service? Reply with a score from 1 to 5.",
    }
}

/// Sends the CSAT survey on a just-resolved conversation of a provider channel; does nothing
/// on other inboxes or when the conversation was reopened meanwhile.
pub async fn send_csat(
    state: &AppState,
    account_id: AccountId,
    conversation_id: ConversationId,
) -> Result<(), StoreError> {
    let store = &state.app.store;
    let conversation = store.conversation(account_id, conversation_id).await?;
    let inbox = store.inbox(account_id, conversation.inbox_id).await?;
    if !inbox.channel.delivers_outbound() {
        return Ok(());
    }
    let language = state
        .bot
        .conversation_language(account_id, conversation_id)
        .await?
        .unwrap_or(Language::Portuguese);
    let question = SurveyQuestion {
        survey: SurveyKind::Csat,
        text: csat_question(language).to_owned(),
        choices: (1..=5u8)
            .rev()
            .map(|score| {
                (
                    score.to_string(),
                    format!("{score} {}", "⭐".repeat(usize::from(score))),
                )
            })
            .collect(),
    };
    store
        .send_survey(account_id, conversation_id, &question, tandem_app::now())
        .await?;
    Ok(())
}
