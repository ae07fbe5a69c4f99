//! The satisfaction surveys: CSAT (1 to 5) when a person resolves a conversation on a provider
//! channel, and, for a sample of the conversations (`nps_sample_percent`), NPS (0 to 10) once
//! the CSAT is answered — in the customer's language, with the scores as buttons (a list on
//! WhatsApp, buttons on Telegram, numbered lines on SMS and e-mail). The store records each
//! answer when the customer replies (`survey_answered`).

use tandem_domain::Timestamp;
use tandem_domain::id::{AccountId, ConversationId};
use tandem_domain::survey::SurveyKind;
use tandem_nlu::Language;
use tandem_store::{Store, StoreError, SurveyQuestion};

use crate::App;

/// The NPS question in `language`.
fn nps_question(language: Language) -> &'static str {
    match language {
        Language::Portuguese => "De 0 a 10, quanto você nos recomendaria a um amigo ou familiar?",
        Language::Spanish => {
            "Del 0 al 10, ¿qué tan probable es que nos recomiende a un amigo o familiar?"
        }
        Language::English => {
            "From 0 to 10, how likely are you to recommend us to a friend or family member?"
        }
    }
}

/// Whether a conversation is in the NPS sample: a stable draw from its id, so every node
/// agrees and a repeat never asks twice.
fn in_nps_sample(conversation_id: ConversationId, percent: u8) -> bool {
    let draw = conversation_id.0.as_u128() % 100;
    draw < u128::from(percent.min(100))
}

/// Asks the NPS question after a CSAT answer when the conversation is in the sample.
pub(crate) async fn after_answer(
    app: &App,
    account_id: AccountId,
    conversation_id: ConversationId,
    answered: SurveyKind,
) -> Result<(), StoreError> {
    if answered != SurveyKind::Csat
        || !in_nps_sample(conversation_id, app.settings.nps_sample_percent)
    {
        return Ok(());
    }
    let language = language(app, account_id, conversation_id).await?;
    let question = SurveyQuestion {
        survey: SurveyKind::Nps,
        text: nps_question(language).to_owned(),
        choices: (0..=10u8)
            .rev()
            .map(|score| (score.to_string(), score.to_string()))
            .collect(),
    };
    app.store
        .send_survey(account_id, conversation_id, &question, app.now())
        .await
        .map(drop)
}

async fn language(
    app: &App,
    account_id: AccountId,
    conversation_id: ConversationId,
) -> Result<Language, StoreError> {
    Ok(app
        .bot
        .conversation_language(account_id, conversation_id)
        .await?
        .unwrap_or(Language::Portuguese))
}

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
pub(crate) async fn send_csat(
    store: &Store,
    account_id: AccountId,
    conversation_id: ConversationId,
    language: Option<Language>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let conversation = store.conversation(account_id, conversation_id).await?;
    let inbox = store.inbox(account_id, conversation.inbox_id).await?;
    if !inbox.channel.delivers_outbound() {
        return Ok(());
    }
    let language = language.unwrap_or(Language::Portuguese);
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
        .send_survey(account_id, conversation_id, &question, now)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nps_sample_is_a_stable_share_of_conversations() {
        let ids: Vec<ConversationId> = (0..1000).map(|_| ConversationId::generate()).collect();
        let sampled = |percent| ids.iter().filter(|id| in_nps_sample(**id, percent)).count();
        assert_eq!(sampled(0), 0);
        assert_eq!(sampled(100), 1000);
        assert!(
            (100..=300).contains(&sampled(20)),
            "about a fifth: {}",
            sampled(20)
        );
        assert!(
            ids.iter()
                .all(|id| in_nps_sample(*id, 20) == in_nps_sample(*id, 20))
        );
    }
}
