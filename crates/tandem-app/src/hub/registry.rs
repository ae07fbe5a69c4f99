//! Who hears what: every session of this node is filed under the keys it follows, so a change
//! wakes only the sessions it concerns instead of every socket of every account.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use tandem_domain::id::{AccountId, ContactId, InboxId};

use super::Notification;

/// What a session follows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Key {
    /// Every change of an account, but typing notices (an agent's inbox).
    Account(AccountId),
    /// The conversations of one contact (a widget visitor who has written).
    Contact(ContactId),
    /// Conversations a widget visitor opens (one who has not written yet).
    Visitor(InboxId, String),
    /// Every change of an inbox: a widget session while it looks its contact up, so nothing
    /// committed in that moment passes it by.
    Inbox(InboxId),
}

/// One session's way in: its queue and the flag set when the queue overflowed.
#[derive(Debug)]
struct Outlet {
    sender: mpsc::Sender<Arc<Notification>>,
    lagged: Arc<AtomicBool>,
    keys: HashSet<Key>,
}

/// The sessions of this node by what they follow.
#[derive(Debug, Default)]
pub(super) struct Registry {
    next_id: u64,
    outlets: HashMap<u64, Outlet>,
    followers: HashMap<Key, HashSet<u64>>,
}

impl Registry {
    /// Files a session's queue under `keys`; returns its id.
    pub(super) fn add(
        &mut self,
        sender: mpsc::Sender<Arc<Notification>>,
        lagged: Arc<AtomicBool>,
        keys: impl IntoIterator<Item = Key>,
    ) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.outlets.insert(
            id,
            Outlet {
                sender,
                lagged,
                keys: HashSet::new(),
            },
        );
        for key in keys {
            self.follow(id, key);
        }
        id
    }

    /// Adds `key` to what session `id` follows.
    pub(super) fn follow(&mut self, id: u64, key: Key) {
        let Some(outlet) = self.outlets.get_mut(&id) else {
            return;
        };
        if outlet.keys.insert(key.clone()) {
            self.followers.entry(key).or_default().insert(id);
        }
    }

    /// Stops session `id` following `key`.
    pub(super) fn unfollow(&mut self, id: u64, key: &Key) {
        if let Some(outlet) = self.outlets.get_mut(&id)
            && outlet.keys.remove(key)
        {
            self.forget_follower(id, key);
        }
    }

    /// Removes session `id` altogether.
    pub(super) fn remove(&mut self, id: u64) {
        if let Some(outlet) = self.outlets.remove(&id) {
            for key in &outlet.keys {
                self.forget_follower(id, key);
            }
        }
    }

    /// Drops every queue: their sessions see the hub has stopped.
    pub(super) fn clear(&mut self) {
        self.outlets.clear();
        self.followers.clear();
    }

    /// Queues `notification` for every session it concerns, without waiting: a full queue marks
    /// its session lagged (it reloads), a closed one is removed. Returns how many got it.
    pub(super) fn deliver(&mut self, notification: &Arc<Notification>) -> usize {
        let recipients = self.recipients(notification);
        let mut delivered = 0;
        for id in recipients {
            let Some(outlet) = self.outlets.get(&id) else {
                continue;
            };
            match outlet.sender.try_send(Arc::clone(notification)) {
                Ok(()) => delivered += 1,
                Err(TrySendError::Full(_)) => outlet.lagged.store(true, Ordering::Release),
                Err(TrySendError::Closed(_)) => self.remove(id),
            }
        }
        delivered
    }

    /// The sessions a notification concerns, each once. A widget visitor named as the opener
    /// of a conversation follows its contact from then on.
    fn recipients(&mut self, notification: &Notification) -> Vec<u64> {
        let Some(conversation) = notification.conversation() else {
            return self
                .outlets
                .iter()
                .filter(|(_, outlet)| outlet.keys.iter().any(|key| matches!(key, Key::Account(_))))
                .map(|(id, _)| *id)
                .collect();
        };
        if let Some(visitor) = notification.opened_by_visitor() {
            let openers: Vec<u64> = self
                .followers_of(&Key::Visitor(conversation.inbox_id, visitor.to_owned()))
                .collect();
            for id in openers {
                self.follow(id, Key::Contact(conversation.contact_id));
            }
        }
        let mut recipients: Vec<u64> = self
            .followers_of(&Key::Contact(conversation.contact_id))
            .chain(self.followers_of(&Key::Inbox(conversation.inbox_id)))
            .collect();
        if !notification.is_typing() {
            recipients.extend(self.followers_of(&Key::Account(conversation.account_id)));
        }
        recipients.sort_unstable();
        recipients.dedup();
        recipients
    }

    fn followers_of(&self, key: &Key) -> impl Iterator<Item = u64> + '_ {
        self.followers.get(key).into_iter().flatten().copied()
    }

    fn forget_follower(&mut self, id: u64, key: &Key) {
        if let Some(ids) = self.followers.get_mut(key) {
            ids.remove(&id);
            if ids.is_empty() {
                self.followers.remove(key);
            }
        }
    }

    /// How many sessions are filed.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.outlets.len()
    }
}

#[cfg(test)]
mod tests {
    use tandem_domain::conversation::{Conversation, ConversationStatus};
    use tandem_domain::id::ConversationId;

    use super::*;

    struct Session {
        id: u64,
        receiver: mpsc::Receiver<Arc<Notification>>,
        lagged: Arc<AtomicBool>,
    }

    impl Session {
        fn open(registry: &mut Registry, capacity: usize, keys: Vec<Key>) -> Self {
            let (sender, receiver) = mpsc::channel(capacity);
            let lagged = Arc::new(AtomicBool::new(false));
            let id = registry.add(sender, Arc::clone(&lagged), keys);
            Self {
                id,
                receiver,
                lagged,
            }
        }

        fn received(&mut self) -> usize {
            let mut count = 0;
            while self.receiver.try_recv().is_ok() {
                count += 1;
            }
            count
        }
    }

    fn conversation(
        account_id: AccountId,
        inbox_id: InboxId,
        contact_id: ContactId,
    ) -> Conversation {
        Conversation::open(
            ConversationId::generate(),
            account_id,
            inbox_id,
            contact_id,
            ConversationStatus::Bot,
            jiff::Timestamp::UNIX_EPOCH,
        )
        .0
    }

    fn fresh_ids() -> (AccountId, InboxId, ContactId) {
        (
            AccountId::generate(),
            InboxId::generate(),
            ContactId::generate(),
        )
    }

    fn change(
        conversation: &Conversation,
        events: &[&str],
        opened_by: Option<&str>,
    ) -> Arc<Notification> {
        Arc::new(Notification::Conversation {
            account_id: conversation.account_id,
            conversation: conversation.clone(),
            events: events.iter().map(|event| (*event).to_owned()).collect(),
            handover_context: None,
            opened_by_visitor: opened_by.map(str::to_owned),
        })
    }

    #[test]
    fn a_change_reaches_its_accounts_agents_and_its_contacts_widget_only() {
        let mut registry = Registry::default();
        let (account, other_account) = (AccountId::generate(), AccountId::generate());
        let inbox = InboxId::generate();
        let (contact, other_contact) = (ContactId::generate(), ContactId::generate());
        let mut agent = Session::open(&mut registry, 8, vec![Key::Account(account)]);
        let mut stranger = Session::open(&mut registry, 8, vec![Key::Account(other_account)]);
        let mut widget = Session::open(&mut registry, 8, vec![Key::Contact(contact)]);
        let mut other_widget = Session::open(&mut registry, 8, vec![Key::Contact(other_contact)]);

        let delivered = registry.deliver(&change(
            &conversation(account, inbox, contact),
            &["assigned"],
            None,
        ));

        assert_eq!(delivered, 2);
        assert_eq!((agent.received(), widget.received()), (1, 1));
        assert_eq!((stranger.received(), other_widget.received()), (0, 0));
    }

    #[test]
    fn typing_notices_reach_the_widget_but_not_the_agents() {
        let mut registry = Registry::default();
        let (account, inbox, contact) = fresh_ids();
        let mut agent = Session::open(&mut registry, 8, vec![Key::Account(account)]);
        let mut widget = Session::open(&mut registry, 8, vec![Key::Contact(contact)]);

        registry.deliver(&change(
            &conversation(account, inbox, contact),
            &[tandem_store::TYPING],
            None,
        ));

        assert_eq!((agent.received(), widget.received()), (0, 1));
    }

    #[test]
    fn a_visitor_follows_the_contact_of_the_conversation_it_opened() {
        let mut registry = Registry::default();
        let (account, inbox, contact) = fresh_ids();
        let mut widget = Session::open(
            &mut registry,
            8,
            vec![Key::Visitor(inbox, "v-1".to_owned())],
        );
        let mut other_visitor = Session::open(
            &mut registry,
            8,
            vec![Key::Visitor(inbox, "v-2".to_owned())],
        );
        let opened = conversation(account, inbox, contact);

        registry.deliver(&change(&opened, &["opened"], Some("v-1")));
        registry.deliver(&change(&opened, &["assigned"], None));

        assert_eq!(widget.received(), 2);
        assert_eq!(other_visitor.received(), 0);
    }

    #[test]
    fn a_session_following_by_two_keys_hears_a_change_once() {
        let mut registry = Registry::default();
        let (account, inbox, contact) = fresh_ids();
        let mut widget = Session::open(
            &mut registry,
            8,
            vec![Key::Inbox(inbox), Key::Contact(contact)],
        );

        registry.deliver(&change(
            &conversation(account, inbox, contact),
            &["assigned"],
            None,
        ));
        assert_eq!(widget.received(), 1);

        registry.unfollow(widget.id, &Key::Inbox(inbox));
        registry.deliver(&change(
            &conversation(account, inbox, ContactId::generate()),
            &["assigned"],
            None,
        ));
        assert_eq!(widget.received(), 0);
    }

    #[test]
    fn a_full_queue_marks_its_session_lagged_and_a_closed_one_is_removed() {
        let mut registry = Registry::default();
        let (account, inbox, contact) = fresh_ids();
        let slow = Session::open(&mut registry, 1, vec![Key::Account(account)]);
        let gone = Session::open(&mut registry, 8, vec![Key::Account(account)]);
        let gone_id = gone.id;
        drop(gone);
        let notification = change(&conversation(account, inbox, contact), &["assigned"], None);

        registry.deliver(&notification);
        assert!(!slow.lagged.load(Ordering::Acquire));
        registry.deliver(&notification);

        assert!(slow.lagged.load(Ordering::Acquire));
        assert!(!registry.outlets.contains_key(&gone_id));
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn resync_reaches_agents_only() {
        let mut registry = Registry::default();
        let mut agent = Session::open(&mut registry, 8, vec![Key::Account(AccountId::generate())]);
        let mut widget = Session::open(&mut registry, 8, vec![Key::Contact(ContactId::generate())]);

        registry.deliver(&Arc::new(Notification::Resync));

        assert_eq!((agent.received(), widget.received()), (1, 0));
        registry.remove(agent.id);
        registry.remove(widget.id);
        assert_eq!(registry.len(), 0);
        assert!(registry.followers.is_empty());
    }
}
