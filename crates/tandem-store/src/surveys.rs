//! Satisfaction surveys after resolution: the question goes out as a bot message on the
//! conversation's own channel (with a `survey_sent` event), and a customer reply that reads as
//! a score within the window is recorded as `survey_answered` on the resolved conversation
//! instead of reopening it. With several answers, the last one counts.

use tandem_domain::Timestamp;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, EventKind};
use tandem_domain::id::{AccountId, ConversationId};
use tandem_domain::message::Message;
use tandem_domain::survey::{SurveyAnswer, SurveyKind, parse_answer};

use crate::changes::Announcements;
use crate::conversation_rows::find_conversation;
use crate::db::{Conn, args};
use crate::events::{Written, record};
use crate::inboxes::inbox_rules;
use crate::message_rows::insert_bot_message;
use crate::{Store, StoreError};

/// How long after the question an answer is still taken as one.
pub const SURVEY_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(72);

/// The survey whose answer `text` is, when `conversation` (resolved) asked one within the window
/// and the text reads as a score.
pub(crate) async fn pending_answer(
    conn: &mut Conn,
    conversation: &Conversation,
    text: &str,
    now: Timestamp,
) -> Result<Option<(SurveyKind, SurveyAnswer)>, StoreError> {
    if conversation.status != ConversationStatus::Resolved {
        return Ok(None);
    }
    let Ok(since) = now.checked_sub(SURVEY_WINDOW) else {
        return Ok(None);
    };
    let sent = conn
        .fetch_optional::<(sqlx::types::Json<EventKind>,)>(
            "SELECT data FROM events WHERE account_id = $1 AND conversation_id = $2 AND kind = 'survey_sent' \
             AND created_at >= $3 ORDER BY created_at DESC, id DESC LIMIT 1",
            args![conversation.account_id, conversation.id, since],
        )
        .await?;
    Ok(match sent {
        Some((sqlx::types::Json(EventKind::SurveySent { survey }),)) => {
            parse_answer(survey, text).map(|answer| (survey, answer))
        }
        _ => None,
    })
}

/// The event recording an answer.
pub(crate) fn answered(survey: SurveyKind, answer: SurveyAnswer) -> EventKind {
    EventKind::SurveyAnswered {
        survey,
        score: answer.score,
        comment: answer.comment,
    }
}

/// A survey question to send.
#[derive(Clone, Debug)]
pub struct SurveyQuestion {
    pub survey: SurveyKind,
    /// The question, in the customer's language.
    pub text: String,
    /// The scores offered as buttons: `(id, title)`.
    pub choices: Vec<(String, String)>,
}

impl Store {
    /// Sends a survey on a resolved conversation's channel. `None` when the conversation is not
    /// resolved (it was reopened meanwhile) or its inbox has no way to reach the customer.
    pub async fn send_survey(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        question: &SurveyQuestion,
        now: Timestamp,
    ) -> Result<Option<Message>, StoreError> {
        let mut conn = self.write().await?;
        let mut conversation =
            find_conversation(&mut conn, account_id, conversation_id, true).await?;
        let rules = inbox_rules(&mut conn, account_id, conversation.inbox_id).await?;
        if conversation.status != ConversationStatus::Resolved || !rules.sends_outbound() {
            conn.commit().await?;
            return Ok(None);
        }
        let quick_replies: Vec<_> = question
            .choices
            .iter()
            .map(|(id, title)| serde_json::json!({"id": id, "title": title}))
            .collect();
        let channel_data = serde_json::json!({
            "survey": question.survey,
            "quick_replies": quick_replies,
        });
        let message = insert_bot_message(
            &mut conn,
            &conversation,
            &rules,
            &question.text,
            Some(channel_data),
            now,
        )
        .await?;
        let kinds = vec![EventKind::SurveySent {
            survey: question.survey,
        }];
        let mut announcements = Announcements::default();
        record(
            &mut conn,
            &mut conversation,
            rules.has_webhook,
            Written::by(Actor::Bot, kinds).messages([message.clone()]),
            now,
            &mut announcements,
        )
        .await?;
        self.changes.commit_with(conn, announcements).await?;
        Ok(Some(message))
    }
}
