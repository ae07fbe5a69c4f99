//! The web-chat widget's use cases: a visitor of a web inbox (proved by its visitor token,
//! `visitor.rs`) reads its latest conversation, writes, asks for a person and rates the
//! conversation. A visitor only ever reaches its own conversations.

use tandem_domain::contact::{Identity, IdentityKind};
use tandem_domain::conversation::{Conversation, ConversationStatus};
use tandem_domain::id::{AccountId, FileId, InboxId, UserId};
use tandem_domain::inbox::Inbox;
use tandem_domain::message::{Attachment, Message};
use tandem_domain::validation::MAX_NAME_CHARS;
use tandem_nlu::Language;
use tandem_store::{Conflict, StoreError};

use crate::channels::talk_to_person_title;
use crate::error::ConflictKind;
use crate::files::attachment_of;
use crate::model::InboundMessage;
use crate::visitor::{MAX_USER_ID_CHARS, identified_visitor, user_hash_matches};
use crate::{App, AppError};

/// What the customer sees of a conversation besides its status.
#[derive(Debug)]
pub struct VisitorView {
    /// The customer's place in line while queued (1 is next).
    pub queue_position: Option<u32>,
    /// The customer's rating (1–5), once given.
    pub rating: Option<u8>,
    /// The language the conversation is held in, once the bot has detected it: the widget's
    /// own texts follow it.
    pub language: Option<Language>,
}

impl App {
    /// Verifies the customer a host site says is signed in (`user_id` and its HMAC under the
    /// inbox's secret) and links their visitor to their contact; returns the visitor id.
    pub async fn identify_visitor(
        &self,
        inbox: &Inbox,
        user_id: &str,
        user_hash: &str,
        name: Option<&str>,
    ) -> Result<String, AppError> {
        let user_id = user_id.trim();
        if user_id.is_empty()
            || user_id.chars().count() > MAX_USER_ID_CHARS
            || user_id.chars().any(char::is_control)
        {
            return Err(AppError::invalid(
                "identity.user_id",
                "invalid_value",
                format!("must be 1 to {MAX_USER_ID_CHARS} characters without control characters"),
            ));
        }
        let name = name.map(str::trim).filter(|name| !name.is_empty());
        if name.is_some_and(|name| name.chars().count() > MAX_NAME_CHARS) {
            return Err(AppError::invalid(
                "identity.name",
                "too_long",
                format!("must be at most {MAX_NAME_CHARS} characters"),
            ));
        }
        let secrets = self
            .store
            .inbox_with_secrets(inbox.account_id, inbox.id)
            .await?;
        if !user_hash_matches(&secrets.webhook_secret, user_id, user_hash) {
            return Err(AppError::invalid(
                "identity.user_hash",
                "invalid_signature",
                "is not the HMAC-SHA256 of user_id under the inbox's secret",
            ));
        }
        let visitor = identified_visitor(user_id);
        self.store
            .link_identified_visitor(
                inbox.account_id,
                &Identity {
                    kind: IdentityKind::External,
                    value: user_id.to_owned(),
                },
                &Identity {
                    kind: IdentityKind::WebVisitor,
                    value: visitor.clone(),
                },
                name,
                self.now(),
            )
            .await?;
        Ok(visitor)
    }

    /// The web inbox a widget names (`None` for unknown ids and other kinds of inbox).
    pub async fn web_inbox(&self, inbox_id: InboxId) -> Result<Option<Inbox>, AppError> {
        Ok(self.store.web_inbox(inbox_id).await?)
    }

    /// The visitor's latest conversation in the inbox, if it has one.
    pub async fn visitor_conversation(
        &self,
        inbox: &Inbox,
        visitor_id: &str,
    ) -> Result<Option<Conversation>, AppError> {
        Ok(self
            .store
            .visitor_conversation(inbox.account_id, inbox.id, visitor_id)
            .await?)
    }

    /// Stores a message from the visitor; `client_id` makes a retry one message.
    pub async fn visitor_wrote(
        &self,
        inbox: &Inbox,
        visitor_id: &str,
        text: &str,
        client_id: Option<String>,
        file_id: Option<FileId>,
    ) -> Result<(Conversation, Message), AppError> {
        let attachments = match file_id {
            Some(file_id) => vec![self.visitor_attachment(inbox, visitor_id, file_id).await?],
            None => Vec::new(),
        };
        let inbound = InboundMessage {
            inbox_id: inbox.id,
            identity: Identity {
                kind: IdentityKind::WebVisitor,
                value: visitor_id.to_owned(),
            },
            contact_name: None,
            text: text.to_owned(),
            external_id: client_id.map(|client_id| format!("{visitor_id}:{client_id}")),
            attachments,
            channel_data: None,
            reply_address: None,
        };
        let outcome = self.accept_inbound(inbox.account_id, &inbound).await?;
        Ok((outcome.conversation, outcome.message))
    }

    /// The attachment a visitor's message carries for one of their uploads not sent yet.
    async fn visitor_attachment(
        &self,
        inbox: &Inbox,
        visitor_id: &str,
        file_id: FileId,
    ) -> Result<Attachment, AppError> {
        let unknown = || {
            AppError::invalid(
                "file_id",
                "unknown_file",
                "no file you uploaded and have not sent yet has this id",
            )
        };
        let file = match self.visitor_file_record(inbox, visitor_id, file_id).await {
            Ok(file) => file,
            Err(AppError::NotFound { .. }) => return Err(unknown()),
            Err(error) => return Err(error),
        };
        if file.message_id.is_some() {
            return Err(unknown());
        }
        Ok(attachment_of(&file))
    }

    /// The visitor asks for a person. The request goes in as the customer's own words, the
    /// same as the "talk to a person" button on other channels, so the transcript shows it and
    /// the bot hands over with the reason `customer_request`. A conversation already with
    /// people (queued or assigned) stays as it is.
    pub async fn visitor_asks_for_person(
        &self,
        inbox: &Inbox,
        visitor_id: &str,
    ) -> Result<Conversation, AppError> {
        let account_id = inbox.account_id;
        let current = self.visitor_conversation(inbox, visitor_id).await?;
        match current {
            Some(conversation)
                if matches!(
                    conversation.status,
                    ConversationStatus::Queued | ConversationStatus::Assigned
                ) =>
            {
                Ok(conversation)
            }
            current => {
                let language = match &current {
                    Some(conversation) => {
                        self.bot
                            .conversation_language(account_id, conversation.id)
                            .await?
                    }
                    None => self.bot.inbox_language(account_id, inbox.id).await?,
                };
                let words = talk_to_person_title(language.unwrap_or(Language::Portuguese));
                Ok(self
                    .visitor_wrote(inbox, visitor_id, words, None, None)
                    .await?
                    .0)
            }
        }
    }

    /// The visitor's CSAT (1–5) for its latest conversation; the last one counts.
    pub async fn visitor_rates(
        &self,
        inbox: &Inbox,
        visitor_id: &str,
        score: u8,
        comment: Option<String>,
    ) -> Result<Conversation, AppError> {
        let conversation =
            self.visitor_conversation(inbox, visitor_id)
                .await?
                .ok_or(AppError::Conflict {
                    kind: ConflictKind::Store(Conflict::NotResolved),
                    field: Some("conversation"),
                    message: "there is no conversation to rate yet".into(),
                })?;
        self.store
            .rate_conversation(
                conversation.account_id,
                conversation.id,
                score,
                comment,
                self.now(),
            )
            .await?;
        tracing::info!(conversation_id = %conversation.id, score, "widget rating recorded");
        Ok(conversation)
    }

    /// The customer's place in line (while queued) and rating (once resolved).
    pub async fn visitor_view(&self, conversation: &Conversation) -> Result<VisitorView, AppError> {
        let queue_position = if conversation.status == ConversationStatus::Queued {
            self.store
                .queue_status(conversation.account_id, conversation.id, self.now())
                .await?
                .map(|status| status.position)
        } else {
            None
        };
        let rating = if conversation.status == ConversationStatus::Resolved {
            self.store.conversation_rating(conversation).await?
        } else {
            None
        };
        let language = self
            .bot
            .detected_language(conversation.account_id, conversation.id)
            .await?;
        Ok(VisitorView {
            queue_position,
            rating,
            language,
        })
    }

    /// An agent's name as customers see it; `None` for a user who no longer exists.
    pub async fn agent_name(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<Option<String>, AppError> {
        match self.store.user(account_id, user_id).await {
            Ok(user) => Ok(Some(user.name)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }
}
