//! Where replies meet the customers waiting for them. A customer registers what it expects
//! before it sends (a reply can arrive before the send's answer does); whoever sees the reply
//! (the webhook receiver, the fake Graph API, a widget socket) delivers it with the time it was
//! seen. A reply nobody waits for (a bot's second message, a queue notice) is dropped.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::sync::oneshot;

/// What a customer waits to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Awaited {
    /// The bot's answer to its message.
    BotReply,
    /// A person's answer after a handover.
    AgentReply,
    /// Its handed-over conversation resolved (a `conversation.resolved` webhook, the widget's
    /// status, or on WhatsApp the satisfaction survey that follows resolution).
    Resolution,
}

/// The waiting customers.
#[derive(Debug, Default)]
pub struct ReplyBoard {
    waiting: Mutex<HashMap<(usize, Awaited), oneshot::Sender<Instant>>>,
    /// API-channel contact ids → customers, for webhooks that name only the contact id.
    contacts: Mutex<HashMap<String, usize>>,
}

impl ReplyBoard {
    /// Starts waiting: the receiver gets the time the awaited message was seen.
    pub fn expect(&self, customer: usize, awaited: Awaited) -> oneshot::Receiver<Instant> {
        let (sender, receiver) = oneshot::channel();
        lock(&self.waiting).insert((customer, awaited), sender);
        receiver
    }

    /// Whether `customer` waits for `awaited`.
    pub fn is_expecting(&self, customer: usize, awaited: Awaited) -> bool {
        lock(&self.waiting).contains_key(&(customer, awaited))
    }

    /// Delivers a message seen at `at`; false when nobody waited for it.
    pub fn deliver(&self, customer: usize, awaited: Awaited, at: Instant) -> bool {
        let waiter = lock(&self.waiting).remove(&(customer, awaited));
        waiter.is_some_and(|sender| sender.send(at).is_ok())
    }

    /// Stops every wait of `customer` (after a timeout or a failed send).
    pub fn forget(&self, customer: usize) {
        for awaited in [Awaited::BotReply, Awaited::AgentReply, Awaited::Resolution] {
            lock(&self.waiting).remove(&(customer, awaited));
        }
    }

    /// How many waits are open.
    pub fn pending(&self) -> usize {
        lock(&self.waiting).len()
    }

    /// Remembers the customer of an API-channel contact.
    pub fn learn_contact(&self, contact_id: String, customer: usize) {
        lock(&self.contacts).insert(contact_id, customer);
    }

    /// The customer of an API-channel contact, once learnt.
    pub fn customer_of_contact(&self, contact_id: &str) -> Option<usize> {
        lock(&self.contacts).get(contact_id).copied()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps stay consistent even if a holder panicked: keep going.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_reaches_the_customer_waiting_for_it() {
        let board = ReplyBoard::default();
        let mut bot = board.expect(1, Awaited::BotReply);
        let seen = Instant::now();
        assert!(!board.deliver(1, Awaited::AgentReply, seen));
        assert!(!board.deliver(2, Awaited::BotReply, seen));
        assert!(board.is_expecting(1, Awaited::BotReply));
        assert!(board.deliver(1, Awaited::BotReply, seen));
        assert_eq!(bot.try_recv().unwrap(), seen);
        assert!(!board.deliver(1, Awaited::BotReply, seen), "delivered once");
        assert_eq!(board.pending(), 0);
    }

    #[test]
    fn forgetting_drops_every_wait_of_a_customer() {
        let board = ReplyBoard::default();
        let _bot = board.expect(4, Awaited::BotReply);
        let _agent = board.expect(4, Awaited::AgentReply);
        let _other = board.expect(5, Awaited::BotReply);
        board.forget(4);
        assert_eq!(board.pending(), 1);
        assert!(!board.is_expecting(4, Awaited::AgentReply));
    }

    #[test]
    fn contacts_lead_to_customers() {
        let board = ReplyBoard::default();
        board.learn_contact("c-1".into(), 9);
        assert_eq!(board.customer_of_contact("c-1"), Some(9));
        assert_eq!(board.customer_of_contact("c-2"), None);
    }
}
