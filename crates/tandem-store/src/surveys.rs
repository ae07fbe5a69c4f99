//! Satisfaction surveys after resolution: the question goes out as a bot message on the
//! conversation's own channel (with a `survey_sent` event), and a customer reply that reads as
//! a score within the window is recorded as `survey_answered` on the resolved conversation
//! instead of reopening it. With several answers, the last one counts.

use sqlx::types::Json;
use tandem_domain::Timestamp;
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, EventKind};
use tandem_domain::id::{AccountId, ConversationId, UserId};
use tandem_domain::inbox::ChannelKind;
use tandem_domain::message::Message;
use tandem_domain::survey::{SurveyAnswer, SurveyKind, parse_answer};
use uuid::Uuid;

use crate::changes::Announcements;
use crate::conversation_rows::find_conversation;
use crate::db::{Conn, args};
use crate::events::{Written, record};
use crate::inboxes::inbox_rules;
use crate::message_rows::insert_bot_message;
use crate::records::timestamp;
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

/// A customer's answer to a survey, as the reports list them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyResponse {
    pub conversation_id: ConversationId,
    pub survey: SurveyKind,
    pub score: u8,
    pub comment: Option<String>,
    pub answered_at: Timestamp,
    /// Who had the conversation when the customer answered (none: the bot).
    pub agent_id: Option<UserId>,
    pub channel: ChannelKind,
}

#[derive(Debug, sqlx::FromRow)]
struct SurveyResponseRow {
    conversation_id: Uuid,
    data: Json<EventKind>,
    created_at: i64,
    assignee_id: Option<Uuid>,
    channel: String,
}

/// The answer a row holds; `None` for an event that is not one.
fn response(row: SurveyResponseRow) -> Result<Option<SurveyResponse>, StoreError> {
    let EventKind::SurveyAnswered {
        survey,
        score,
        comment,
    } = row.data.0
    else {
        return Ok(None);
    };
    Ok(Some(SurveyResponse {
        conversation_id: ConversationId(row.conversation_id),
        survey,
        score,
        comment,
        answered_at: timestamp(row.created_at)?,
        agent_id: row.assignee_id.map(UserId),
        channel: row
            .channel
            .parse()
            .map_err(|_| StoreError::corrupt(format!("inboxes.channel = {:?}", row.channel)))?,
    }))
}

impl Store {
    /// The survey answers given in `[start, end)`, newest first, at most `limit`.
    pub async fn survey_responses(
        &self,
        account_id: AccountId,
        start: Timestamp,
        end: Timestamp,
        limit: u32,
    ) -> Result<Vec<SurveyResponse>, StoreError> {
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<SurveyResponseRow>(
                "SELECT e.conversation_id, e.data, e.created_at, c.assignee_id, i.channel \
                 FROM events e JOIN conversations c ON c.account_id = e.account_id AND c.id = e.conversation_id \
                 JOIN inboxes i ON i.account_id = c.account_id AND i.id = c.inbox_id \
                 WHERE e.account_id = $1 AND e.kind = 'survey_answered' \
                 AND e.created_at >= $2 AND e.created_at < $3 \
                 ORDER BY e.created_at DESC, e.id DESC LIMIT $4",
                args![account_id, start, end, i64::from(limit)],
            )
            .await?;
        rows.into_iter()
            .filter_map(|row| response(row).transpose())
            .collect()
    }

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
