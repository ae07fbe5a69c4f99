//! What the search index reads: messages' texts with their conversation's contact (all of an
//! account's, paged by id, or some by id), and contacts by id.

use uuid::Uuid;

use tandem_domain::contact::Contact;
use tandem_domain::id::{AccountId, ContactId, ConversationId, MessageId};

use crate::contacts::with_identities;
use crate::db::{Arg, args, placeholders};
use crate::records::{CONTACT_COLUMNS, ContactRow};
use crate::{Store, StoreError};

/// A message's text and where it belongs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageText {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub contact_id: ContactId,
    pub text: String,
}

type TextRow = (Uuid, Uuid, Uuid, String);

const SELECT: &str = "SELECT m.id, m.conversation_id, c.contact_id, m.text FROM messages m \
     JOIN conversations c ON c.id = m.conversation_id AND c.account_id = m.account_id";

fn message_text((id, conversation_id, contact_id, text): TextRow) -> MessageText {
    MessageText {
        message_id: MessageId(id),
        conversation_id: ConversationId(conversation_id),
        contact_id: ContactId(contact_id),
        text,
    }
}

impl Store {
    /// Up to `limit` of an account's messages with text, after `after` in id order.
    pub async fn message_texts(
        &self,
        account_id: AccountId,
        after: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<MessageText>, StoreError> {
        let mut conn = self.read().await?;
        let rows: Vec<TextRow> = match after {
            Some(after) => {
                conn.fetch_all(
                    &format!(
                        "{SELECT} WHERE m.account_id = $1 AND m.text <> '' AND m.id > $2 \
                         ORDER BY m.id LIMIT $3"
                    ),
                    args![account_id, after, i64::from(limit)],
                )
                .await?
            }
            None => {
                conn.fetch_all(
                    &format!(
                        "{SELECT} WHERE m.account_id = $1 AND m.text <> '' ORDER BY m.id LIMIT $2"
                    ),
                    args![account_id, i64::from(limit)],
                )
                .await?
            }
        };
        Ok(rows.into_iter().map(message_text).collect())
    }

    /// Those of `ids` that still exist in the account, in no particular order.
    pub async fn message_texts_by_id(
        &self,
        account_id: AccountId,
        ids: &[MessageId],
    ) -> Result<Vec<MessageText>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query_args = vec![Arg::from(account_id)];
        query_args.extend(ids.iter().map(|id| Arg::from(*id)));
        let mut conn = self.read().await?;
        let rows: Vec<TextRow> = conn
            .fetch_all(
                &format!(
                    "{SELECT} WHERE m.account_id = $1 AND m.id IN ({})",
                    placeholders(2, ids.len())
                ),
                query_args,
            )
            .await?;
        Ok(rows.into_iter().map(message_text).collect())
    }

    /// Those of `ids` that still exist in the account, with their identities, in no particular
    /// order.
    pub async fn contacts_by_id(
        &self,
        account_id: AccountId,
        ids: &[ContactId],
    ) -> Result<Vec<Contact>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query_args = vec![Arg::from(account_id)];
        query_args.extend(ids.iter().map(|id| Arg::from(*id)));
        let mut conn = self.read().await?;
        let rows = conn
            .fetch_all::<ContactRow>(
                &format!(
                    "SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1 AND id IN ({})",
                    placeholders(2, ids.len())
                ),
                query_args,
            )
            .await?;
        with_identities(&mut conn, account_id, rows).await
    }
}
