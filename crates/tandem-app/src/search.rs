//! Search over each account's messages and contacts. Each node keeps one in-memory index per
//! account that has searched, built from the database on the first search and kept up to date
//! from the change feed (every node hears every node's writes) and from this node's contact
//! changes. What a search finds is read back from the database, so a message or contact that
//! is gone (erased, expired, merged) is never shown, and snippets come from the stored text.
//! When the feed says changes may have been missed, the indexes are dropped and rebuilt on the
//! next search.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OnceCell, broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use tandem_domain::contact::Contact;
use tandem_domain::conversation::Conversation;
use tandem_domain::id::{AccountId, ContactId, ConversationId, MessageId};
use tandem_search::{
    AccountIndex, ContactDocument, Hits, MessageDocument, QueryWords, Snippet, snippet,
};
use tandem_store::{
    Change, ChangeNotice, ConversationFilter, ConversationSummary, MessageText, Store, StoreError,
};

use crate::{App, AppError, Principal};

/// Messages read per page while an index is built.
const BUILD_PAGE: u32 = 1000;
/// The most index hits of each kind a search reads back.
const HIT_LIMIT: usize = 200;
/// The most matching messages shown per conversation.
const HITS_PER_CONVERSATION: usize = 3;
/// The most changes applied in one commit.
const BATCH: usize = 512;

/// One account's index and whether it was built.
#[derive(Debug)]
struct Entry {
    index: AccountIndex,
    built: OnceCell<()>,
}

/// A change to apply to the indexes.
#[derive(Debug)]
enum Job {
    /// A message was written.
    Message(AccountId, MessageId),
    /// A contact was created or changed, or erased.
    Contact(AccountId, ContactId),
}

/// This node's search indexes. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct SearchIndexes {
    entries: Arc<Mutex<HashMap<AccountId, Arc<Entry>>>>,
    jobs: mpsc::UnboundedSender<Job>,
    receiver: Arc<Mutex<Option<mpsc::UnboundedReceiver<Job>>>>,
}

impl SearchIndexes {
    pub(crate) fn new() -> Self {
        let (jobs, receiver) = mpsc::unbounded_channel();
        Self {
            entries: Arc::default(),
            jobs,
            receiver: Arc::new(Mutex::new(Some(receiver))),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<AccountId, Arc<Entry>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn entry(&self, account_id: AccountId) -> Option<Arc<Entry>> {
        self.entries().get(&account_id).cloned()
    }

    /// The contact was created, changed or erased on this node.
    pub(crate) fn contact_changed(&self, account_id: AccountId, contact_id: ContactId) {
        if self.entry(account_id).is_some() {
            self.send(Job::Contact(account_id, contact_id));
        }
    }

    /// Drops the account's index (contacts merged, or asked to rebuild): the next search
    /// builds it afresh.
    pub(crate) fn forget(&self, account_id: AccountId) {
        self.entries().remove(&account_id);
    }

    fn send(&self, job: Job) {
        // The receiver lives as long as the node's workers; without them no index is kept.
        let _ = self.jobs.send(job);
    }

    /// The account's index, built from the database first if it was not.
    async fn ready(&self, store: &Store, account_id: AccountId) -> Result<Arc<Entry>, AppError> {
        let entry = match self.entry(account_id) {
            Some(entry) => entry,
            None => {
                let index = AccountIndex::new().map_err(internal)?;
                let fresh = Arc::new(Entry {
                    index,
                    built: OnceCell::new(),
                });
                Arc::clone(self.entries().entry(account_id).or_insert(fresh))
            }
        };
        entry
            .built
            .get_or_try_init(|| build(store, account_id, &entry))
            .await?;
        Ok(entry)
    }
}

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("search: {error}"))
}

/// Fills `entry` with every message and contact of the account. Changes that arrive meanwhile
/// are applied to it too; both replace by id, so nothing is indexed twice.
async fn build(store: &Store, account_id: AccountId, entry: &Arc<Entry>) -> Result<(), AppError> {
    let started = std::time::Instant::now();
    let mut after = None;
    let mut messages = 0;
    loop {
        let page = store.message_texts(account_id, after, BUILD_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.message_id);
        messages += page.len();
        let documents: Vec<MessageDocument> = page.into_iter().map(message_document).collect();
        blocking(entry, move |index| index.put_messages(&documents)).await?;
    }
    let mut before = None;
    let mut contacts = 0;
    loop {
        let page = store.contacts(account_id, None, before, BUILD_PAGE).await?;
        contacts += page.contacts.len();
        let documents: Vec<ContactDocument> = page.contacts.iter().map(contact_document).collect();
        blocking(entry, move |index| index.put_contacts(&documents)).await?;
        match page.next_before {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    blocking(entry, AccountIndex::commit).await?;
    tracing::info!(
        %account_id,
        messages,
        contacts,
        elapsed_ms = started.elapsed().as_millis(),
        "search index built"
    );
    Ok(())
}

/// Runs index work off the async threads.
async fn blocking<T: Send + 'static>(
    entry: &Arc<Entry>,
    work: impl FnOnce(&AccountIndex) -> Result<T, tandem_search::SearchError> + Send + 'static,
) -> Result<T, AppError> {
    let entry = Arc::clone(entry);
    tokio::task::spawn_blocking(move || work(&entry.index))
        .await
        .map_err(internal)?
        .map_err(internal)
}

fn message_document(text: MessageText) -> MessageDocument {
    MessageDocument {
        message_id: text.message_id,
        conversation_id: text.conversation_id,
        contact_id: text.contact_id,
        text: text.text,
    }
}

/// The shortest end of a number a contact is found by ("2222" of "+55 11 96000-2222").
const SHORTEST_NUMBER_END: usize = 4;

/// The words a contact is found by: name, identities and attribute values, and every ending of
/// an identity's digits (people search for the end of a phone number, as it is written locally).
fn contact_text(contact: &Contact) -> String {
    let mut parts: Vec<String> = contact.name.iter().cloned().collect();
    for identity in &contact.identities {
        parts.push(identity.value.clone());
        let digits: String = identity
            .value
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        parts.extend(
            (1..digits.len().saturating_sub(SHORTEST_NUMBER_END - 1))
                .filter_map(|start| digits.get(start..).map(str::to_owned)),
        );
    }
    for value in contact.attributes.values() {
        match value {
            serde_json::Value::String(text) => parts.push(text.clone()),
            serde_json::Value::Number(number) => parts.push(number.to_string()),
            _ => {}
        }
    }
    parts.join(" ")
}

fn contact_document(contact: &Contact) -> ContactDocument {
    ContactDocument {
        contact_id: contact.id,
        text: contact_text(contact),
    }
}

/// The job of a change that wrote a new message (a delivery status changes no text).
fn message_written(change: &Change) -> Option<Job> {
    let message_id = change.message_id.filter(|_| !change.is_message_update)?;
    Some(Job::Message(change.account_id, message_id))
}

/// Keeps this node's indexes up to date until `shutdown`.
pub(crate) fn spawn_worker(app: App, shutdown: CancellationToken) -> JoinHandle<()> {
    let receiver = app
        .search
        .receiver
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    let mut changes = app.store.changes().subscribe();
    tokio::spawn(async move {
        let Some(mut jobs) = receiver else { return };
        loop {
            let first = tokio::select! {
                () = shutdown.cancelled() => return,
                job = jobs.recv() => match job {
                    Some(job) => job,
                    None => return,
                },
                notice = changes.recv() => match notice {
                    Ok(ChangeNotice::Changed(change)) => match message_written(&change) {
                        Some(job) => job,
                        None => continue,
                    },
                    Ok(ChangeNotice::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        app.search.entries().clear();
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            while batch.len() < BATCH {
                match changes.try_recv() {
                    Ok(ChangeNotice::Changed(change)) => batch.extend(message_written(&change)),
                    Ok(ChangeNotice::Resync) | Err(broadcast::error::TryRecvError::Lagged(_)) => {
                        app.search.entries().clear();
                    }
                    Err(_) => break,
                }
            }
            if let Err(error) = apply(&app, batch).await {
                tracing::warn!(%error, "search index update failed; indexes start afresh");
                app.search.entries().clear();
            }
        }
    })
}

/// Applies a batch of jobs to the indexes that exist, one commit per account.
async fn apply(app: &App, batch: Vec<Job>) -> Result<(), AppError> {
    let mut messages: HashMap<AccountId, Vec<MessageId>> = HashMap::new();
    let mut contacts: HashMap<AccountId, HashSet<ContactId>> = HashMap::new();
    for job in batch {
        match job {
            Job::Message(account_id, message_id) => {
                messages.entry(account_id).or_default().push(message_id);
            }
            Job::Contact(account_id, contact_id) => {
                contacts.entry(account_id).or_default().insert(contact_id);
            }
        }
    }
    let accounts: HashSet<AccountId> = messages.keys().chain(contacts.keys()).copied().collect();
    for account_id in accounts {
        let Some(entry) = app.search.entry(account_id) else {
            continue;
        };
        let texts = app
            .store
            .message_texts_by_id(
                account_id,
                &messages.remove(&account_id).unwrap_or_default(),
            )
            .await?;
        let mut touched = contacts.remove(&account_id).unwrap_or_default();
        // A message may come from a contact just created or renamed on another node.
        touched.extend(texts.iter().map(|text| text.contact_id));
        let touched: Vec<ContactId> = touched.into_iter().collect();
        let found = app.store.contacts_by_id(account_id, &touched).await?;
        let gone: Vec<ContactId> = touched
            .into_iter()
            .filter(|id| !found.iter().any(|contact| contact.id == *id))
            .collect();
        let message_documents: Vec<MessageDocument> =
            texts.into_iter().map(message_document).collect();
        let contact_documents: Vec<ContactDocument> = found.iter().map(contact_document).collect();
        blocking(&entry, move |index| {
            for contact_id in gone {
                index.remove_contact(contact_id);
            }
            index.put_messages(&message_documents)?;
            index.put_contacts(&contact_documents)?;
            index.commit()
        })
        .await?;
    }
    Ok(())
}

/// A message that matched, with the part of its text around the match.
#[derive(Clone, Debug)]
pub struct MessageHit {
    pub message_id: MessageId,
    pub snippet: Snippet,
}

/// What a search found: conversations (best first) with their matching messages and their
/// list summaries, and contacts.
#[derive(Clone, Debug, Default)]
pub struct SearchResults {
    pub conversations: Vec<(Conversation, Vec<MessageHit>)>,
    pub summaries: HashMap<ConversationId, ConversationSummary>,
    pub contacts: Vec<Contact>,
}

/// The words of a query, or a 422 naming `field` when it has none.
fn query_words(query: &str, field: &str) -> Result<QueryWords, AppError> {
    let words = QueryWords::new(query);
    if words.is_empty() {
        return Err(AppError::invalid(
            field,
            "no_words",
            "give at least one word or number to search for",
        ));
    }
    Ok(words)
}

impl App {
    /// Conversations whose messages match `query` (among those `filter` lets through, at most
    /// `limit`, best first) and contacts whose name, identities or attributes match it.
    pub async fn search(
        &self,
        principal: &Principal,
        query: &str,
        filter: &ConversationFilter,
        limit: u32,
    ) -> Result<SearchResults, AppError> {
        let account_id = principal.account_id();
        let words = query_words(query, "q")?;
        let hits = self.index_hits(account_id, &words).await?;
        let texts = self
            .store
            .message_texts_by_id(
                account_id,
                &hits.messages.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            )
            .await?;
        let texts: HashMap<MessageId, MessageText> = texts
            .into_iter()
            .map(|text| (text.message_id, text))
            .collect();
        let mut order: Vec<ConversationId> = Vec::new();
        let mut found: HashMap<ConversationId, Vec<MessageHit>> = HashMap::new();
        for (message_id, _) in &hits.messages {
            let Some(text) = texts.get(message_id) else {
                continue;
            };
            if !words.found_in(&text.text) {
                continue;
            }
            let hits = found.entry(text.conversation_id).or_default();
            if hits.is_empty() {
                order.push(text.conversation_id);
            }
            if hits.len() < HITS_PER_CONVERSATION {
                hits.push(MessageHit {
                    message_id: *message_id,
                    snippet: snippet(&text.text, &words),
                });
            }
        }
        let among = ConversationFilter {
            ids: Some(order.clone()),
            ..filter.clone()
        };
        let page = self
            .store
            .conversations(
                account_id,
                &among,
                None,
                u32::try_from(order.len()).unwrap_or(u32::MAX),
            )
            .await?;
        let mut conversations: HashMap<ConversationId, Conversation> = page
            .conversations
            .into_iter()
            .map(|conversation| (conversation.id, conversation))
            .collect();
        let conversations: Vec<(Conversation, Vec<MessageHit>)> = order
            .into_iter()
            .filter_map(|id| Some((conversations.remove(&id)?, found.remove(&id)?)))
            .take(limit as usize)
            .collect();
        let shown: Vec<ConversationId> = conversations.iter().map(|(c, _)| c.id).collect();
        let summaries = self
            .store
            .conversation_summaries(account_id, &shown)
            .await?;
        let contacts = self
            .found_contacts(account_id, &words, &hits.contacts, limit)
            .await?;
        Ok(SearchResults {
            conversations,
            summaries,
            contacts,
        })
    }

    /// Contacts whose name, identities or attributes match `query`, best first, at most `limit`.
    pub async fn search_contacts(
        &self,
        principal: &Principal,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Contact>, AppError> {
        let account_id = principal.account_id();
        let words = query_words(query, "q")?;
        let hits = self.index_hits(account_id, &words).await?;
        Ok(self
            .found_contacts(account_id, &words, &hits.contacts, limit)
            .await?)
    }

    /// Drops the account's index on this node; the next search builds it afresh.
    pub fn rebuild_search_index(&self, account_id: AccountId) {
        self.search.forget(account_id);
    }

    async fn index_hits(
        &self,
        account_id: AccountId,
        words: &QueryWords,
    ) -> Result<Hits, AppError> {
        let entry = self.search.ready(&self.store, account_id).await?;
        let words = words.clone();
        blocking(&entry, move |index| index.search(&words, HIT_LIMIT)).await
    }

    /// The contacts of `ids` that still exist and still match, in `ids`' order.
    async fn found_contacts(
        &self,
        account_id: AccountId,
        words: &QueryWords,
        ids: &[ContactId],
        limit: u32,
    ) -> Result<Vec<Contact>, StoreError> {
        let mut contacts: HashMap<ContactId, Contact> = self
            .store
            .contacts_by_id(account_id, ids)
            .await?
            .into_iter()
            .map(|contact| (contact.id, contact))
            .collect();
        Ok(ids
            .iter()
            .filter_map(|id| contacts.remove(id))
            .filter(|contact| words.found_in(&contact_text(contact)))
            .take(limit as usize)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use tandem_domain::Timestamp;
    use tandem_domain::contact::{Identity, IdentityKind};
    use tandem_domain::id::AccountId;

    use super::*;

    #[test]
    fn a_contact_is_found_by_its_name_values_and_any_ending_of_its_numbers() {
        let contact = Contact {
            id: ContactId::generate(),
            account_id: AccountId::generate(),
            name: Some("Maria Conceição".into()),
            attributes: serde_json::json!({"tier": "gold", "since": 2019, "vip": true})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            identities: vec![
                Identity::parse(IdentityKind::Phone, "+55 11 96000-2222", "identity")
                    .expect("a phone"),
            ],
            created_at: Timestamp::UNIX_EPOCH,
        };
        let text = contact_text(&contact);
        for query in [
            "conceicao",
            "gold",
            "2019",
            "2222",
            "960002222",
            "5511960002222",
        ] {
            assert!(QueryWords::new(query).found_in(&text), "{query}: {text}");
        }
        assert!(!QueryWords::new("true").found_in(&text));
    }
}
