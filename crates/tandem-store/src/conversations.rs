//! Conversations: loading, listing with filters and keyset pagination, and applying the status
//! changes people and the bot ask for, recorded with their events in one transaction.

use tandem_domain::Timestamp;
use tandem_domain::conversation::{Conversation, ConversationStatus, TransitionError};
use tandem_domain::event::{Actor, Event, HandoverReason};
use tandem_domain::id::{AccountId, ContactId, ConversationId, EventId, InboxId, TeamId, UserId};

use crate::changes::Announcements;
use crate::conversation_rows::{find_conversation, update_conversation_row};
use crate::db::{Arg, args, placeholders};
use crate::events::{Written, record};
use crate::inboxes::inbox_rules;
use crate::records::{CONVERSATION_COLUMNS, ConversationRow, EVENT_COLUMNS, EventRow, convert_all};
use crate::routing::{check_room, lock_account_routing};
use crate::users::find_user;
use crate::{Store, StoreError};

/// A change people or the bot make to a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConversationUpdate {
    /// Give it to `agent_id`; refused with `agent_at_capacity` when the agent has no room,
    /// unless `over_capacity` (a supervisor's override).
    Assign {
        agent_id: UserId,
        over_capacity: bool,
    },
    /// Send it to a team's queue.
    TransferToTeam {
        team_id: TeamId,
    },
    Unassign,
    RequestHandover {
        reason: HandoverReason,
    },
    HandBackToBot,
    Resolve,
    /// Reopen, owned by `agent_id` when a person reopens it.
    Reopen {
        agent_id: Option<UserId>,
    },
}

/// Which conversations to list.
#[derive(Clone, Debug, Default)]
pub struct ConversationFilter {
    pub status: Option<ConversationStatus>,
    /// `Some(None)`: only unassigned conversations.
    pub assignee_id: Option<Option<UserId>>,
    pub team_id: Option<TeamId>,
    pub inbox_id: Option<InboxId>,
    pub contact_id: Option<ContactId>,
    /// Only conversations with this label.
    pub label: Option<String>,
    /// Only these conversations (what a search found).
    pub ids: Option<Vec<ConversationId>>,
    /// Only conversations opened in `[start, end)`.
    pub opened: Option<(Timestamp, Timestamp)>,
}

/// One page of conversations, most recently active first.
#[derive(Clone, Debug)]
pub struct ConversationPage {
    pub conversations: Vec<Conversation>,
    /// Position after the last conversation, to pass back for the next page.
    pub next: Option<(Timestamp, ConversationId)>,
}

impl Store {
    /// One conversation.
    pub async fn conversation(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Conversation, StoreError> {
        let mut conn = self.read().await?;
        find_conversation(&mut conn, account_id, conversation_id, false).await
    }

    /// Applies `update` by `actor`. Illegal changes fail with [`StoreError::Transition`] and
    /// leave everything as it was; a change that changes nothing records no event. Unless
    /// `may_override`, a user may not change a conversation another agent owns.
    pub async fn update_conversation(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
        update: ConversationUpdate,
        actor: Actor,
        may_override: bool,
        now: Timestamp,
    ) -> Result<(Conversation, Vec<Event>), StoreError> {
        let mut conn = self.write().await?;
        lock_account_routing(&mut conn, account_id).await?;
        let mut conversation =
            find_conversation(&mut conn, account_id, conversation_id, true).await?;
        if let (Actor::User(user_id), Some(assignee_id)) = (actor, conversation.assignee_id)
            && !may_override
            && conversation.status == ConversationStatus::Assigned
            && assignee_id != user_id
        {
            return Err(TransitionError::AssignedToAnotherAgent { assignee_id }.into());
        }
        let rules = inbox_rules(&mut conn, account_id, conversation.inbox_id).await?;
        let (agent, over_capacity) = match update {
            ConversationUpdate::Assign {
                agent_id,
                over_capacity,
            } => (Some(agent_id), over_capacity),
            ConversationUpdate::Reopen {
                agent_id: Some(agent_id),
            } => (Some(agent_id), false),
            _ => (None, false),
        };
        if let Some(agent_id) = agent {
            if find_user(&mut conn, account_id, agent_id).await?.is_none() {
                return Err(StoreError::InvalidReference {
                    field: "agent_id",
                    message: "no such user in this account".into(),
                });
            }
            if !over_capacity && conversation.assignee_id != Some(agent_id) {
                check_room(&mut conn, account_id, agent_id).await?;
            }
        }
        if let ConversationUpdate::TransferToTeam { team_id } = update {
            let found: Option<(uuid::Uuid,)> = conn
                .fetch_optional(
                    "SELECT id FROM teams WHERE account_id = $1 AND id = $2",
                    args![account_id, team_id],
                )
                .await?;
            if found.is_none() {
                return Err(StoreError::InvalidReference {
                    field: "team_id",
                    message: "no such team in this account".into(),
                });
            }
        }
        let kinds = match update {
            ConversationUpdate::Assign { agent_id, .. } => conversation.assign(agent_id, now)?,
            ConversationUpdate::TransferToTeam { team_id } => {
                conversation.transfer_to_team(team_id, now)?
            }
            ConversationUpdate::Unassign => conversation.unassign(now)?,
            ConversationUpdate::RequestHandover { reason } => {
                conversation.request_handover(reason, None, now)?
            }
            ConversationUpdate::HandBackToBot => conversation.hand_back_to_bot(now)?,
            ConversationUpdate::Resolve => conversation.resolve(now)?,
            ConversationUpdate::Reopen { agent_id } => {
                conversation.reopen(agent_id, rules.first_responder.opening_status(), now)?
            }
        };
        if kinds.is_empty() {
            return Ok((conversation, Vec::new()));
        }
        update_conversation_row(&mut conn, &conversation).await?;
        let mut announcements = Announcements::default();
        let events = record(
            &mut conn,
            &mut conversation,
            rules.has_webhook,
            Written::by(actor, kinds),
            now,
            &mut announcements,
        )
        .await?;
        self.changes.commit_with(conn, announcements).await?;
        Ok((conversation, events))
    }

    /// A page of conversations matching `filter`, most recently active first, starting after
    /// `after` (the `next` of the previous page).
    pub async fn conversations(
        &self,
        account_id: AccountId,
        filter: &ConversationFilter,
        after: Option<(Timestamp, ConversationId)>,
        limit: u32,
    ) -> Result<ConversationPage, StoreError> {
        let mut sql =
            format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE account_id = $1");
        let mut query_args = vec![Arg::from(account_id)];
        let mut condition = |sql: &mut String, column: &str, arg: Arg| {
            query_args.push(arg);
            sql.push_str(&format!(" AND {column} = ${}", query_args.len()));
        };
        if let Some(status) = filter.status {
            condition(&mut sql, "status", Arg::from(status.as_str()));
        }
        match filter.assignee_id {
            Some(Some(assignee_id)) => condition(&mut sql, "assignee_id", Arg::from(assignee_id)),
            Some(None) => sql.push_str(" AND assignee_id IS NULL"),
            None => {}
        }
        if let Some(team_id) = filter.team_id {
            condition(&mut sql, "team_id", Arg::from(team_id));
        }
        if let Some(inbox_id) = filter.inbox_id {
            condition(&mut sql, "inbox_id", Arg::from(inbox_id));
        }
        if let Some(contact_id) = filter.contact_id {
            condition(&mut sql, "contact_id", Arg::from(contact_id));
        }
        if let Some(label) = &filter.label {
            query_args.push(Arg::from(label.as_str()));
            sql.push_str(&format!(
                " AND id IN (SELECT conversation_id FROM conversation_labels \
                 WHERE account_id = $1 AND label = ${})",
                query_args.len()
            ));
        }
        if let Some((start, end)) = filter.opened {
            query_args.push(Arg::from(start));
            query_args.push(Arg::from(end));
            let (a, b) = (query_args.len() - 1, query_args.len());
            sql.push_str(&format!(" AND created_at >= ${a} AND created_at < ${b}"));
        }
        if let Some(ids) = &filter.ids {
            if ids.is_empty() {
                return Ok(ConversationPage {
                    conversations: Vec::new(),
                    next: None,
                });
            }
            let first = query_args.len() + 1;
            query_args.extend(ids.iter().map(|id| Arg::from(*id)));
            sql.push_str(&format!(" AND id IN ({})", placeholders(first, ids.len())));
        }
        if let Some((activity, id)) = after {
            query_args.push(Arg::from(activity));
            query_args.push(Arg::from(id));
            let (a, b) = (query_args.len() - 1, query_args.len());
            sql.push_str(&format!(
                " AND (last_activity_at < ${a} OR (last_activity_at = ${a} AND id < ${b}))"
            ));
        }
        query_args.push(Arg::from(i64::from(limit) + 1));
        sql.push_str(&format!(
            " ORDER BY last_activity_at DESC, id DESC LIMIT ${}",
            query_args.len()
        ));
        let mut conn = self.read().await?;
        let rows = conn.fetch_all::<ConversationRow>(&sql, query_args).await?;
        let mut conversations: Vec<Conversation> = convert_all(rows)?;
        let has_more = conversations.len() > limit as usize;
        conversations.truncate(limit as usize);
        let next = if has_more {
            conversations.last().map(|c| (c.last_activity_at, c.id))
        } else {
            None
        };
        Ok(ConversationPage {
            conversations,
            next,
        })
    }

    /// A conversation's event log, oldest first.
    pub async fn events(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<Vec<Event>, StoreError> {
        let mut conn = self.read().await?;
        find_conversation(&mut conn, account_id, conversation_id, false).await?;
        let rows = conn
            .fetch_all::<EventRow>(
                &format!("SELECT {EVENT_COLUMNS} FROM events WHERE account_id = $1 AND conversation_id = $2 ORDER BY created_at, id"),
                args![account_id, conversation_id],
            )
            .await?;
        convert_all(rows)
    }

    /// One event, for building its webhook.
    pub async fn event(
        &self,
        account_id: AccountId,
        event_id: EventId,
    ) -> Result<Event, StoreError> {
        let mut conn = self.read().await?;
        conn.fetch_optional::<EventRow>(
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE account_id = $1 AND id = $2"),
            args![account_id, event_id],
        )
        .await?
        .ok_or(StoreError::not_found("event"))?
        .try_into()
    }
}
