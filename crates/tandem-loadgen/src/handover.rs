//! Handover → agent-notified timing. A customer's request for a person is known by its message
//! key; an agent's socket sees that message arrive (`message.created` with the key in its
//! `external_id`) and learns its conversation; when a socket then sees the conversation
//! assigned to its agent, the time since the request was sent is the latency.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::address::message_key_of_external_id;

#[derive(Debug, Default)]
struct Pending {
    /// Message key → when the request was sent.
    by_key: HashMap<String, Instant>,
    /// Conversation id → when its request was sent.
    by_conversation: HashMap<String, Instant>,
}

/// Requests for a person on their way to an agent.
#[derive(Debug, Default)]
pub struct HandoverTracker {
    pending: Mutex<Pending>,
}

impl HandoverTracker {
    /// A request for a person with message key `key` is being sent at `sent_at`.
    pub fn requested(&self, key: String, sent_at: Instant) {
        self.lock().by_key.insert(key, sent_at);
    }

    /// The request `key` will not arrive (its send failed).
    pub fn withdraw(&self, key: &str) {
        self.lock().by_key.remove(key);
    }

    /// An agent's socket saw a customer message with `external_id` in `conversation_id`.
    pub fn message_seen(&self, external_id: &str, conversation_id: &str) {
        let mut pending = self.lock();
        if let Some(sent_at) = pending
            .by_key
            .remove(message_key_of_external_id(external_id))
        {
            pending
                .by_conversation
                .insert(conversation_id.to_owned(), sent_at);
        }
    }

    /// An agent's socket saw `conversation_id` assigned to its agent: when its request was
    /// sent, the first time only.
    pub fn assigned(&self, conversation_id: &str) -> Option<Instant> {
        self.lock().by_conversation.remove(conversation_id)
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_timed_from_its_message_to_its_assignment() {
        let tracker = HandoverTracker::default();
        let sent_at = Instant::now();
        tracker.requested("lg000001m7".into(), sent_at);
        assert_eq!(tracker.assigned("conv-1"), None, "not seen yet");
        tracker.message_seen("visitor123:lg000001m7", "conv-1");
        tracker.message_seen("visitor123:lg000001m7", "conv-1");
        assert_eq!(tracker.assigned("conv-1"), Some(sent_at));
        assert_eq!(tracker.assigned("conv-1"), None, "first assignment only");
    }

    #[test]
    fn other_messages_and_withdrawn_requests_are_ignored() {
        let tracker = HandoverTracker::default();
        tracker.requested("lg000001m8".into(), Instant::now());
        tracker.withdraw("lg000001m8");
        tracker.message_seen("wamid.lg000001m8", "conv-2");
        tracker.message_seen("someone-else", "conv-3");
        assert_eq!(tracker.assigned("conv-2"), None);
        assert_eq!(tracker.assigned("conv-3"), None);
    }
}
