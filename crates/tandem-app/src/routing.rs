//! Routing as people see and steer it: agents' presence, capacity and load, the account's
//! default capacity, the queue in order, and one conversation's team, place in the queue and
//! SLA clocks. (The routing worker that assigns the queue is elsewhere.)

use tandem_domain::event::Actor;
use tandem_domain::id::{AccountId, ConversationId, TeamId, UserId};
use tandem_domain::user::Presence;

use crate::audit::AuditEvent;
use crate::model::{AgentStatus, QueueEntry, QueueStatus, SlaClock};
use crate::{App, AppError, audit};

/// Where a conversation stands in routing.
#[derive(Clone, Debug)]
pub struct ConversationRouting {
    pub team_id: Option<TeamId>,
    /// Present while the conversation waits in the queue.
    pub queue: Option<QueueStatus>,
    pub sla: Vec<SlaClock>,
}

impl App {
    /// Every user's presence, capacity and current load.
    pub async fn agent_statuses(
        &self,
        account_id: AccountId,
    ) -> Result<Vec<AgentStatus>, AppError> {
        Ok(self.store.agent_statuses(account_id).await?)
    }

    /// One user's presence, capacity and current load.
    pub async fn agent_status(
        &self,
        account_id: AccountId,
        user_id: UserId,
    ) -> Result<AgentStatus, AppError> {
        self.store
            .agent_statuses(account_id)
            .await?
            .into_iter()
            .find(|status| status.user_id == user_id)
            .ok_or(AppError::NotFound { entity: "user" })
    }

    /// Sets the user's own presence; going offline returns their open conversations to the
    /// queue. Returns the user's new status.
    pub async fn set_presence(
        &self,
        account_id: AccountId,
        user_id: UserId,
        presence: Presence,
    ) -> Result<AgentStatus, AppError> {
        self.store
            .set_presence(
                account_id,
                user_id,
                presence,
                Actor::User(user_id),
                self.now(),
            )
            .await?;
        // Coming online makes room; going offline fills the queue.
        self.routing.kick(account_id);
        self.agent_status(account_id, user_id).await
    }

    /// Sets an agent's own capacity (`None`: the account's default), recorded as
    /// `user.capacity_changed` by `actor`; returns their new status.
    pub async fn set_capacity(
        &self,
        actor: &audit::Actor,
        user_id: UserId,
        capacity: Option<u32>,
    ) -> Result<AgentStatus, AppError> {
        let account_id = actor.account_id;
        self.store
            .set_capacity(account_id, user_id, capacity)
            .await?;
        let event = AuditEvent::new("user.capacity_changed", "user", user_id.0)
            .after(serde_json::json!({"capacity": capacity}));
        self.record(actor, event).await?;
        self.routing.kick(account_id);
        self.agent_status(account_id, user_id).await
    }

    /// The capacity of agents who have none of their own.
    pub async fn default_capacity(&self, account_id: AccountId) -> Result<u32, AppError> {
        Ok(self.store.default_capacity(account_id).await?)
    }

    /// Sets the capacity of agents who have none of their own, recorded as
    /// `account.routing_updated` by `actor`.
    pub async fn set_default_capacity(
        &self,
        actor: &audit::Actor,
        capacity: u32,
    ) -> Result<(), AppError> {
        let account_id = actor.account_id;
        let before = self.store.default_capacity(account_id).await?;
        self.store
            .set_default_capacity(account_id, capacity)
            .await?;
        let event = AuditEvent::new("account.routing_updated", "account", account_id.0).changes(
            &serde_json::json!({"default_capacity": before}),
            serde_json::json!({"default_capacity": capacity}),
        );
        if !event.is_empty_change() {
            self.record(actor, event).await?;
        }
        self.routing.kick(account_id);
        Ok(())
    }

    /// The queue in order, each conversation with its place in its team's line.
    pub async fn queue(&self, account_id: AccountId) -> Result<Vec<QueueEntry>, AppError> {
        Ok(self.store.queue(account_id).await?)
    }

    /// A conversation's team, its place in the queue while it waits, and its SLA clocks.
    pub async fn conversation_routing(
        &self,
        account_id: AccountId,
        conversation_id: ConversationId,
    ) -> Result<ConversationRouting, AppError> {
        let conversation = self.store.conversation(account_id, conversation_id).await?;
        let queue = self
            .store
            .queue_status(account_id, conversation_id, self.now())
            .await?;
        let sla = self.store.sla_clocks(account_id, conversation_id).await?;
        Ok(ConversationRouting {
            team_id: conversation.team_id,
            queue,
            sla,
        })
    }
}
