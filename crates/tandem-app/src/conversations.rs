//! Agent actions on conversations: the filtered list, one conversation with its transcript,
//! event log and handover context, replies and private notes, and the changes people make
//! (assign, transfer, unassign, resolve, reopen, hand back to the bot).

use std::collections::HashMap;

use serde_json::Value;

use tandem_domain::Timestamp;
use tandem_domain::conversation::Conversation;
use tandem_domain::event::{Actor, Event};
use tandem_domain::id::{AccountId, ConversationId, FileId, MessageId, TeamId, UserId};
use tandem_domain::inbox::ChannelKind;
use tandem_domain::label::{MAX_LABEL_CHARS, MAX_LABELS, normalize_label};
use tandem_domain::message::{Message, validate_message_text};

use tandem_store::StoreError;

use tandem_reports::period::{DateRange, time_zone};

use crate::audit::AuditEvent;
use crate::bot_turn::TransferTarget;
use crate::model::{
    AgentMessage, ConversationFilter, ConversationPage, ConversationSummary, ConversationUpdate,
    MessagePage,
};
use crate::{App, AppError, Principal, audit};

/// `labels` trimmed, lower-cased, with inner spaces collapsed and repeats dropped; a label that
/// is empty, too long or has other characters than letters, digits, spaces, `-` and `_` is
/// refused naming its index.
fn normalized_labels(labels: &[String]) -> Result<Vec<String>, AppError> {
    if labels.len() > MAX_LABELS {
        return Err(AppError::invalid(
            "labels",
            "too_many",
            format!("at most {MAX_LABELS} labels"),
        ));
    }
    let mut normalized: Vec<String> = Vec::with_capacity(labels.len());
    for (index, label) in labels.iter().enumerate() {
        let label = normalize_label(label).ok_or_else(|| {
            AppError::invalid(
                &format!("labels[{index}]"),
                "invalid_label",
                format!("must be 1 to {MAX_LABEL_CHARS} letters, digits, spaces, '-' or '_'"),
            )
        })?;
        if !normalized.contains(&label) {
            normalized.push(label);
        }
    }
    Ok(normalized)
}

/// The audit record of a person's change to a conversation: its status, owner and team before
/// and after.
fn conversation_change(
    update: &ConversationUpdate,
    before: &Conversation,
    after: &Conversation,
) -> AuditEvent {
    let action = match update {
        ConversationUpdate::Assign { .. } => "conversation.assigned",
        ConversationUpdate::TransferToTeam { .. } => "conversation.transferred",
        ConversationUpdate::Unassign => "conversation.unassigned",
        ConversationUpdate::RequestHandover { .. } => "conversation.handover_requested",
        ConversationUpdate::HandBackToBot => "conversation.handed_back_to_bot",
        ConversationUpdate::Resolve => "conversation.resolved",
        ConversationUpdate::Reopen { .. } => "conversation.reopened",
    };
    let state = |conversation: &Conversation| {
        serde_json::json!({
            "status": conversation.status.as_str(),
            "assignee_id": conversation.assignee_id.map(|id| id.0),
            "team_id": conversation.team_id.map(|id| id.0),
        })
    };
    AuditEvent::new(action, "conversation", after.id.0)
        .before(state(before))
        .after(state(after))
}

impl App {
    /// A page of the account's conversations matching `filter`, with each one's summary (last
    /// message, unread state) where it has one.
    pub async fn conversations(
        &self,
        account_id: AccountId,
        filter: &ConversationFilter,
        after: Option<(Timestamp, ConversationId)>,
        limit: u32,
    ) -> Result<
        (
            ConversationPage,
            HashMap<ConversationId, ConversationSummary>,
        ),
        AppError,
    > {
        let page = self
            .store
            .conversations(account_id, filter, after, limit)
            .await?;
        let ids: Vec<ConversationId> = page.conversations.iter().map(|c| c.id).collect();
        let summaries = self.store.conversation_summaries(account_id, &ids).await?;
        Ok((page, summaries))
    }

    /// The instants `[start, end)` of the days `from` to `to` (`YYYY-MM-DD`, inclusive) in the
    /// account's time zone, as the reports read them; errors name `opened_from` / `opened_to`.
    pub async fn opened_between(
        &self,
        account_id: AccountId,
        from: &str,
        to: &str,
    ) -> Result<(Timestamp, Timestamp), AppError> {
        let time_zone_name = self.store.account_time_zone(account_id).await?;
        let zone = time_zone(&time_zone_name).ok_or_else(|| {
            AppError::Internal(format!("account time zone {time_zone_name:?} is unknown"))
        })?;
        let range = DateRange::parse(from, to, zone).map_err(|error| {
            let field = if error.field() == "to" {
                "opened_to"
            } else {
                "opened_from"
            };
            AppError::invalid(field, "invalid_range", error.to_string())
        })?;
        Ok((range.start(), range.end()))
    }

    pub async fn conversation(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Conversation, AppError> {
        Ok(self.store.conversation(account_id, conversation_id).await?)
    }

    /// A page of a conversation's transcript, oldest first.
    pub async fn messages(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        after: Option<(Timestamp, MessageId)>,
        limit: u32,
    ) -> Result<MessagePage, AppError> {
        Ok(self
            .store
            .messages(account_id, conversation_id, after, limit)
            .await?)
    }

    /// A conversation's event log, oldest first.
    pub async fn events(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Vec<Event>, AppError> {
        Ok(self.store.events(account_id, conversation_id).await?)
    }

    /// What the person taking over was given when the bot handed the conversation over.
    pub async fn handover_context(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Value, AppError> {
        self.store
            .handover_context(account_id, conversation_id)
            .await?
            .ok_or(AppError::NotFound {
                entity: "handover context",
            })
    }

    /// A person's reply (or private note) on a conversation.
    pub async fn reply(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        text: String,
        is_private: bool,
        file_id: Option<FileId>,
    ) -> Result<(Conversation, Message, Vec<Event>), AppError> {
        let attachments = match file_id {
            Some(file_id) => {
                let attachment = self
                    .upload_attachment(principal.account_id(), conversation_id, file_id)
                    .await?;
                if !text.trim().is_empty() {
                    self.check_caption(principal.account_id(), conversation_id)
                        .await?;
                }
                vec![attachment]
            }
            None => Vec::new(),
        };
        if attachments.is_empty() || !text.trim().is_empty() {
            validate_message_text(&text)?;
        }
        let agent_message = AgentMessage {
            conversation_id,
            author_id: principal.user_id(),
            text: tandem_domain::text::clean_text(&text).into_owned(),
            is_private,
            may_override: principal.role().can_override_assignment(),
            attachments,
        };
        Ok(self
            .store
            .append_agent_message(principal.account_id(), &agent_message, self.now())
            .await?)
    }

    /// Refuses a text with a file where the channel sends files without one (Messenger and
    /// Instagram), rather than losing the text.
    async fn check_caption(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<(), AppError> {
        let conversation = self.store.conversation(account_id, conversation_id).await?;
        let inbox = self.store.inbox(account_id, conversation.inbox_id).await?;
        if matches!(
            inbox.channel,
            ChannelKind::Messenger | ChannelKind::Instagram
        ) {
            return Err(AppError::invalid(
                "text",
                "no_caption",
                "Messenger and Instagram send a file without text: send the text as its own message",
            ));
        }
        Ok(())
    }

    /// Replaces a conversation's labels; each is trimmed and lower-cased, 1 to
    /// [`MAX_LABEL_CHARS`] letters, digits, spaces, `-` or `_`, at most [`MAX_LABELS`]. Recorded
    /// as `conversation.labeled` with the labels before and after.
    pub async fn set_labels(
        &self,
        principal: &Principal,
        actor: &audit::Actor,
        conversation_id: ConversationId,
        labels: &[String],
    ) -> Result<Vec<String>, AppError> {
        let labels = normalized_labels(labels)?;
        let account_id = principal.account_id();
        let before = self
            .store
            .conversation_labels(account_id, &[conversation_id])
            .await?
            .remove(&conversation_id)
            .unwrap_or_default();
        let after = self
            .store
            .set_conversation_labels(account_id, conversation_id, &labels, self.now())
            .await?;
        self.record(
            actor,
            AuditEvent::new("conversation.labeled", "conversation", conversation_id.0)
                .before(serde_json::json!({ "labels": before }))
                .after(serde_json::json!({ "labels": after })),
        )
        .await?;
        Ok(after)
    }

    /// The labels of each of `ids` that has any.
    pub async fn labels_of(
        &self,
        account_id: AccountId,
        ids: &[ConversationId],
    ) -> Result<HashMap<ConversationId, Vec<String>>, AppError> {
        Ok(self.store.conversation_labels(account_id, ids).await?)
    }

    /// Every label the account uses, with how many conversations carry it.
    pub async fn labels_in_use(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<(String, i64)>, AppError> {
        Ok(self.store.labels_in_use(account_id).await?)
    }

    /// A person sends the conversation to a team's queue or to a colleague, with a private note
    /// for whoever takes it (written first, while the person still has it); the customer is
    /// told, in their language, which team or who (by first name) will continue.
    pub async fn transfer(
        &self,
        principal: &Principal,
        actor: &audit::Actor,
        conversation_id: ConversationId,
        to: Transfer,
        note: Option<String>,
    ) -> Result<(Conversation, Vec<Event>), AppError> {
        let account_id = principal.account_id();
        let (update, target) = match to {
            Transfer::Team(team_id) => {
                let team = self
                    .store
                    .team(account_id, team_id)
                    .await
                    .map_err(|error| {
                        invalid_reference(error, "team_id", "no such team in this account")
                    })?;
                (
                    ConversationUpdate::TransferToTeam { team_id },
                    TransferTarget::Team(team.name),
                )
            }
            Transfer::Agent {
                agent_id,
                over_capacity,
            } => {
                let agent = self
                    .store
                    .user(account_id, agent_id)
                    .await
                    .map_err(|error| {
                        invalid_reference(error, "agent_id", "no such user in this account")
                    })?;
                if agent_id == principal.user_id() {
                    return Err(AppError::invalid(
                        "agent_id",
                        "same_agent",
                        "choose a colleague, not yourself",
                    ));
                }
                (
                    ConversationUpdate::Assign {
                        agent_id,
                        over_capacity,
                    },
                    TransferTarget::Agent(agent.name),
                )
            }
        };
        if let Some(note) = note.filter(|note| !note.trim().is_empty()) {
            validate_message_text(&note).map_err(|_| {
                AppError::invalid("note", "invalid_text", "must be 1 to 65,536 characters")
            })?;
            self.reply(principal, conversation_id, note, true, None)
                .await?;
        }
        let changed = self
            .change_conversation(principal, actor, conversation_id, update)
            .await?;
        if let Some(text) = self
            .bot
            .transfer_notice_text(account_id, conversation_id, &target)
            .await?
        {
            self.store
                .send_bot_notice(account_id, conversation_id, &text, self.now())
                .await?;
        }
        Ok(changed)
    }

    /// A change a person makes to a conversation, and what follows it (routing, the CSAT
    /// survey, the bot resuming).
    pub async fn change_conversation(
        &self,
        principal: &Principal,
        actor: &audit::Actor,
        conversation_id: ConversationId,
        update: ConversationUpdate,
    ) -> Result<(Conversation, Vec<Event>), AppError> {
        let before = self
            .store
            .conversation(principal.account_id(), conversation_id)
            .await?;
        let (conversation, events) = self
            .store
            .update_conversation(
                principal.account_id(),
                conversation_id,
                update,
                Actor::User(principal.user_id()),
                principal.role().can_override_assignment(),
                self.now(),
            )
            .await?;
        self.record(actor, conversation_change(&update, &before, &conversation))
            .await?;
        self.after_conversation_update(&update, &conversation)
            .await?;
        Ok((conversation, events))
    }
}

/// Where a person sends a conversation.
#[derive(Clone, Copy, Debug)]
pub enum Transfer {
    /// To a team's queue.
    Team(TeamId),
    /// To a colleague, who owns it at once (if they have room, unless `over_capacity`).
    Agent {
        agent_id: UserId,
        over_capacity: bool,
    },
}

/// A missing team or user named by the caller is their mistake, reported on `field`.
fn invalid_reference(error: StoreError, field: &'static str, message: &str) -> StoreError {
    match error {
        StoreError::NotFound { .. } => StoreError::InvalidReference {
            field,
            message: message.into(),
        },
        other => other,
    }
}
