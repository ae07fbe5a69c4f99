//! What the web-chat widget reads and writes beyond ordinary messages: a visitor's latest
//! conversation in an inbox, the rating given in the widget after resolution, and the agent's
//! typing notice.

use sqlx::types::Json;

use tandem_domain::Timestamp;
use tandem_domain::contact::{Attributes, Identity, NewContact};
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::event::{Actor, Event, EventKind};
use tandem_domain::id::{AccountId, ContactId, ConversationId, InboxId, UserId};
use tandem_domain::inbox::Inbox;
use tandem_domain::survey::SurveyKind;

use crate::changes::Announcements;
use crate::contacts::{insert_contact, insert_identity};
use crate::conversation_rows::find_conversation;
use crate::db::Conn;
use crate::db::args;
use crate::error::Conflict;
use crate::events::{Written, record};
use crate::inboxes::inbox_rules;
use crate::records::{CONVERSATION_COLUMNS, ConversationRow, INBOX_COLUMNS, InboxRow};
use crate::surveys::SURVEY_WINDOW;
use crate::{Store, StoreError};

impl Store {
    /// The web inbox a widget names by its public id, in any account (the id is public; what a
    /// visitor may read is then bounded by its visitor token).
    pub async fn web_inbox(&self, inbox_id: InboxId) -> Result<Option<Inbox>, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<InboxRow>(
            &format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE id = $1 AND channel = 'web'"),
            args![inbox_id],
        )
        .await?
        .map(TryInto::try_into)
        .transpose()
    }

    /// The oldest web inbox of the installation: the demo site's widget.
    pub async fn first_web_inbox(&self) -> Result<Option<Inbox>, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<InboxRow>(
            &format!(
                "SELECT {INBOX_COLUMNS} FROM inboxes WHERE channel = 'web' ORDER BY created_at, id LIMIT 1"
            ),
            args![],
        )
        .await?
        .map(TryInto::try_into)
        .transpose()
    }

    /// The latest conversation in `inbox_id` of the contact known by the widget visitor id.
    pub async fn visitor_conversation(
        &self,
        account_id: AccountId,
        inbox_id: InboxId,
        visitor: &str,
    ) -> Result<Option<Conversation>, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<ConversationRow>(
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE account_id = $1 AND inbox_id = $2 \
                 AND contact_id IN (SELECT contact_id FROM contact_identities \
                 WHERE account_id = $1 AND kind = 'web_visitor' AND value = $3) \
                 ORDER BY created_at DESC, id DESC LIMIT 1"
            ),
            args![account_id, inbox_id, visitor],
        )
        .await?
        .map(TryInto::try_into)
        .transpose()
    }

    /// Links a signed-in customer's widget visitor to their contact: the contact known by
    /// `user` (their id in the company's systems, the identity the API channel uses too) gets the
    /// `visitor` identity, so every channel and browser reaches one contact; without one, the
    /// contact the visitor already is gets `user`, or a new contact is made with both. `name`
    /// fills a contact that has none. Returns the contact.
    pub async fn link_identified_visitor(
        &self,
        account_id: AccountId,
        user: &Identity,
        visitor: &Identity,
        name: Option<&str>,
        now: Timestamp,
    ) -> Result<ContactId, StoreError> {
        let mut conn = self.write().await?;
        let by_user = identity_owner(&mut conn, account_id, user).await?;
        let by_visitor = identity_owner(&mut conn, account_id, visitor).await?;
        let contact_id = match (by_user, by_visitor) {
            (Some(contact), Some(other)) if contact != other => {
                return Err(StoreError::Conflict {
                    kind: Conflict::IdentityTaken,
                    field: "identity",
                    message: "this visitor belongs to another contact".into(),
                });
            }
            (Some(contact), Some(_)) => contact,
            (Some(contact), None) => {
                insert_identity(&mut conn, account_id, contact, visitor).await?;
                contact
            }
            (None, Some(contact)) => {
                insert_identity(&mut conn, account_id, contact, user).await?;
                contact
            }
            (None, None) => {
                let contact = NewContact {
                    name: name.map(str::to_owned),
                    attributes: Attributes::new(),
                    identities: vec![user.clone(), visitor.clone()],
                };
                insert_contact(&mut conn, account_id, &contact, now).await?
            }
        };
        if let Some(name) = name {
            conn.execute(
                "UPDATE contacts SET name = $1 WHERE account_id = $2 AND id = $3 AND name IS NULL",
                args![name, account_id, contact_id],
            )
            .await?;
        }
        conn.commit().await?;
        Ok(contact_id)
    }

    /// The contact a widget visitor is, if they have one yet.
    pub async fn visitor_contact_id(
        &self,
        account_id: AccountId,
        visitor: &Identity,
    ) -> Result<Option<ContactId>, StoreError> {
        let mut conn = self.read().await?;
        identity_owner(&mut conn, account_id, visitor).await
    }

    /// The contact a widget visitor is, made now if the visitor has not written yet (a file
    /// sent before any message belongs to someone).
    pub async fn visitor_contact(
        &self,
        account_id: AccountId,
        visitor: &Identity,
        now: Timestamp,
    ) -> Result<ContactId, StoreError> {
        let mut conn = self.write().await?;
        if let Some(contact) = identity_owner(&mut conn, account_id, visitor).await? {
            conn.commit().await?;
            return Ok(contact);
        }
        let contact = NewContact {
            name: None,
            attributes: Attributes::new(),
            identities: vec![visitor.clone()],
        };
        let contact_id = insert_contact(&mut conn, account_id, &contact, now).await?;
        conn.commit().await?;
        Ok(contact_id)
    }

    /// The widget visitor id of a contact, if it came through the widget.
    pub async fn web_visitor_of(
        &self,
        account_id: AccountId,
        contact_id: ContactId,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.read().await?;
        let row: Option<(String,)> = conn
            .fetch_optional(
                "SELECT value FROM contact_identities WHERE account_id = $1 AND contact_id = $2 \
                 AND kind = 'web_visitor' ORDER BY value LIMIT 1",
                args![account_id, contact_id],
            )
            .await?;
        Ok(row.map(|(value,)| value))
    }

    /// The CSAT score last given on a resolved conversation since its latest resolution (a
    /// reopened and resolved again conversation is rated anew), if any.
    pub async fn conversation_rating(
        &self,
        conversation: &Conversation,
    ) -> Result<Option<u8>, StoreError> {
        let Some(resolved_at) = conversation.resolved_at else {
            return Ok(None);
        };
        let mut conn = self.read().await?;
        let answers: Vec<(Json<EventKind>,)> = conn
            .fetch_all(
                "SELECT data FROM events WHERE account_id = $1 AND conversation_id = $2 \
                 AND kind = 'survey_answered' AND created_at >= $3 ORDER BY created_at DESC, id DESC",
                args![conversation.account_id, conversation.id, resolved_at],
            )
            .await?;
        Ok(answers.into_iter().find_map(|(Json(kind),)| match kind {
            EventKind::SurveyAnswered {
                survey: SurveyKind::Csat,
                score,
                ..
            } => Some(score),
            _ => None,
        }))
    }

    /// Records the customer's rating (CSAT 1–5) of a resolved conversation, given in the widget
    /// within the survey window after resolution. Rating again replaces the earlier answer (the
    /// last one counts).
    pub async fn rate_conversation(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        score: u8,
        comment: Option<String>,
        now: Timestamp,
    ) -> Result<Event, StoreError> {
        let mut conn = self.write().await?;
        let mut conversation =
            find_conversation(&mut conn, account_id, conversation_id, true).await?;
        let within_window = conversation
            .resolved_at
            .and_then(|resolved| resolved.checked_add(SURVEY_WINDOW).ok())
            .is_some_and(|closes| now <= closes);
        if conversation.status != ConversationStatus::Resolved || !within_window {
            return Err(StoreError::Conflict {
                kind: Conflict::NotResolved,
                field: "conversation",
                message: "only a conversation resolved within the last 72 hours can be rated"
                    .into(),
            });
        }
        let rules = inbox_rules(&mut conn, account_id, conversation.inbox_id).await?;
        let customer = Actor::Contact(conversation.contact_id);
        let rating = EventKind::SurveyAnswered {
            survey: SurveyKind::Csat,
            score,
            comment,
        };
        let mut announcements = Announcements::default();
        let events = record(
            &mut conn,
            &mut conversation,
            rules.has_webhook,
            Written::by(customer, vec![rating]),
            now,
            &mut announcements,
        )
        .await?;
        self.changes.commit_with(conn, announcements).await?;
        events
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::corrupt("the rating event was not recorded"))
    }

    /// Tells every node that `user_id` is typing in a conversation of the account (nothing is
    /// stored; the customer's widget shows it).
    pub async fn announce_typing(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        user_id: UserId,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let conversation = find_conversation(&mut conn, account_id, conversation_id, false).await?;
        if conversation.assignee_id != Some(user_id) {
            conn.commit().await?;
            return Ok(());
        }
        self.changes
            .commit_with(conn, Announcements::typing(account_id, conversation_id))
            .await
    }
}

/// The contact an identity belongs to, if any.
async fn identity_owner(
    conn: &mut Conn,
    account_id: AccountId,
    identity: &Identity,
) -> Result<Option<ContactId>, StoreError> {
    let row: Option<(uuid::Uuid,)> = conn
        .fetch_optional(
            "SELECT contact_id FROM contact_identities WHERE account_id = $1 AND kind = $2 AND value = $3",
            args![account_id, identity.kind.as_str(), identity.value.as_str()],
        )
        .await?;
    Ok(row.map(|(id,)| ContactId(id)))
}
