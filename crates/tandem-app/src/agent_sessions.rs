//! An agent's live session on a node: the connection that keeps the agent online while it is
//! open (the routing worker sets offline the agents whose connections are gone), and the
//! typing notices passed on to the customer.

use uuid::Uuid;

use tandem_domain::id::ConversationId;

use crate::{App, AppError, Principal};

/// An agent's open connection on this node.
#[derive(Clone, Copy, Debug)]
pub struct AgentConnection(Uuid);

impl App {
    /// Records that the agent is connected to this node.
    pub async fn agent_connected(
        &self,
        principal: &Principal,
    ) -> Result<AgentConnection, AppError> {
        let id = self
            .store
            .open_agent_connection(
                principal.account_id(),
                principal.user_id(),
                &self.settings.routing.node,
                self.now(),
            )
            .await?;
        Ok(AgentConnection(id))
    }

    /// Records that the connection closed.
    pub async fn agent_disconnected(&self, connection: AgentConnection) -> Result<(), AppError> {
        Ok(self
            .store
            .close_agent_connection(connection.0, self.now())
            .await?)
    }

    /// Tells the customer that the agent is typing in a conversation the agent has.
    pub async fn agent_typing(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
    ) -> Result<(), AppError> {
        Ok(self
            .store
            .announce_typing(principal.account_id(), conversation_id, principal.user_id())
            .await?)
    }
}
