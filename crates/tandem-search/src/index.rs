//! One account's index: a document per message (its words, its conversation and contact) and
//! per contact (the words of its name, identities and attribute values). Only ids are stored.

use std::sync::{Mutex, PoisonError};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

use tandem_domain::id::{ContactId, ConversationId, MessageId};

use crate::analyzer::{ANALYZER, analyzer};
use crate::query::QueryWords;

/// Memory the index writer may use before it writes a segment.
const WRITER_MEMORY_BYTES: usize = 15_000_000;
const MESSAGE: &str = "message";
const CONTACT: &str = "contact";

/// What the search library reported.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// A message to index.
#[derive(Clone, Debug)]
pub struct MessageDocument {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub contact_id: ContactId,
    pub text: String,
}

/// A contact to index: `text` holds its name, identities and attribute values.
#[derive(Clone, Debug)]
pub struct ContactDocument {
    pub contact_id: ContactId,
    pub text: String,
}

/// What a query found, best first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hits {
    pub messages: Vec<(MessageId, ConversationId)>,
    pub contacts: Vec<ContactId>,
}

#[derive(Clone, Copy, Debug)]
struct Fields {
    kind: Field,
    key: Field,
    conversation: Field,
    contact: Field,
    text: Field,
}

/// One account's search index, in memory. Writes are seen by searches after
/// [`AccountIndex::commit`].
pub struct AccountIndex {
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    fields: Fields,
}

impl std::fmt::Debug for AccountIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AccountIndex")
            .field("documents", &self.reader.searcher().num_docs())
            .finish()
    }
}

impl AccountIndex {
    /// An empty index.
    ///
    /// # Errors
    /// The search library could not make its writer or reader.
    pub fn new() -> Result<Self, SearchError> {
        let mut schema = Schema::builder();
        let text_options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let fields = Fields {
            kind: schema.add_text_field("kind", STRING),
            key: schema.add_text_field("key", STRING | STORED),
            conversation: schema.add_text_field("conversation", STRING | STORED),
            contact: schema.add_text_field("contact", STRING),
            text: schema.add_text_field("text", text_options),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            writer: Mutex::new(writer),
            reader,
            fields,
        })
    }

    /// Adds or replaces messages (by id).
    ///
    /// # Errors
    /// The search library refused a document.
    pub fn put_messages(&self, messages: &[MessageDocument]) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let fields = self.fields;
        for message in messages {
            let key = message.message_id.to_string();
            writer.delete_term(Term::from_field_text(fields.key, &key));
            writer.add_document(doc!(
                fields.kind => MESSAGE,
                fields.key => key,
                fields.conversation => message.conversation_id.to_string(),
                fields.contact => message.contact_id.to_string(),
                fields.text => message.text.as_str(),
            ))?;
        }
        Ok(())
    }

    /// Adds or replaces contacts (by id).
    ///
    /// # Errors
    /// The search library refused a document.
    pub fn put_contacts(&self, contacts: &[ContactDocument]) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let fields = self.fields;
        for contact in contacts {
            let key = contact.contact_id.to_string();
            writer.delete_term(Term::from_field_text(fields.key, &key));
            writer.add_document(doc!(
                fields.kind => CONTACT,
                fields.key => key.as_str(),
                fields.contact => key.as_str(),
                fields.text => contact.text.as_str(),
            ))?;
        }
        Ok(())
    }

    /// Removes a contact and every message of its conversations.
    pub fn remove_contact(&self, contact_id: ContactId) {
        let writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        writer.delete_term(Term::from_field_text(
            self.fields.contact,
            &contact_id.to_string(),
        ));
    }

    /// Makes the writes so far visible to searches.
    ///
    /// # Errors
    /// The search library could not commit or reload.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The `limit` best messages and the `limit` best contacts for `query`.
    ///
    /// # Errors
    /// The search library failed.
    pub fn search(&self, query: &QueryWords, limit: usize) -> Result<Hits, SearchError> {
        if query.is_empty() || limit == 0 {
            return Ok(Hits::default());
        }
        let searcher = self.reader.searcher();
        let fields = self.fields;
        let of_kind = |kind: &str| -> BooleanQuery {
            let kind_term = TermQuery::new(
                Term::from_field_text(fields.kind, kind),
                IndexRecordOption::Basic,
            );
            BooleanQuery::new(vec![
                (Occur::Must, Box::new(kind_term) as Box<dyn Query>),
                (Occur::Must, Box::new(query.query(fields.text))),
            ])
        };
        let stored = |document: &TantivyDocument, field: Field| -> Option<String> {
            document
                .get_first(field)
                .and_then(|value| value.as_str())
                .map(str::to_owned)
        };
        let mut hits = Hits::default();
        for (_, address) in searcher.search(
            &of_kind(MESSAGE),
            &TopDocs::with_limit(limit).order_by_score(),
        )? {
            let document: TantivyDocument = searcher.doc(address)?;
            let message = stored(&document, fields.key).and_then(|key| key.parse().ok());
            let conversation =
                stored(&document, fields.conversation).and_then(|key| key.parse().ok());
            if let (Some(message), Some(conversation)) = (message, conversation) {
                hits.messages.push((message, conversation));
            }
        }
        for (_, address) in searcher.search(
            &of_kind(CONTACT),
            &TopDocs::with_limit(limit).order_by_score(),
        )? {
            let document: TantivyDocument = searcher.doc(address)?;
            if let Some(contact) = stored(&document, fields.key).and_then(|key| key.parse().ok()) {
                hits.contacts.push(contact);
            }
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(
        conversation_id: ConversationId,
        contact_id: ContactId,
        text: &str,
    ) -> MessageDocument {
        MessageDocument {
            message_id: MessageId::generate(),
            conversation_id,
            contact_id,
            text: text.into(),
        }
    }

    #[test]
    fn messages_and_contacts_are_found_by_folded_words_and_prefixes() {
        let index = AccountIndex::new().expect("index");
        let (maria, joao) = (ContactId::generate(), ContactId::generate());
        let (first, second) = (ConversationId::generate(), ConversationId::generate());
        let boleto = message(first, maria, "Preciso da segunda via do boleto");
        let cartao = message(second, joao, "Meu cartão não chegou");
        index
            .put_messages(&[boleto.clone(), cartao.clone()])
            .expect("put");
        index
            .put_contacts(&[ContactDocument {
                contact_id: maria,
                text: "Maria Conceição maria@example.com".into(),
            }])
            .expect("put");
        index.commit().expect("commit");

        let found = index
            .search(&QueryWords::new("SEGUNDA bol"), 10)
            .expect("search");
        assert_eq!(found.messages, [(boleto.message_id, first)]);
        let found = index
            .search(&QueryWords::new("cartao nao"), 10)
            .expect("search");
        assert_eq!(found.messages, [(cartao.message_id, second)]);
        let found = index
            .search(&QueryWords::new("conceicao"), 10)
            .expect("search");
        assert_eq!(found.contacts, [maria]);
        assert!(found.messages.is_empty());
        let typo = index
            .search(&QueryWords::new("cartaa chegou"), 10)
            .expect("search");
        assert_eq!(typo.messages.len(), 1);
    }

    #[test]
    fn a_replaced_message_is_found_once_and_a_removed_contact_takes_its_messages() {
        let index = AccountIndex::new().expect("index");
        let contact = ContactId::generate();
        let mut first = message(ConversationId::generate(), contact, "pix agendado");
        index
            .put_messages(std::slice::from_ref(&first))
            .expect("put");
        first.text = "pix agendado para amanhã".into();
        index
            .put_messages(std::slice::from_ref(&first))
            .expect("put");
        index.commit().expect("commit");
        assert_eq!(
            index
                .search(&QueryWords::new("pix"), 10)
                .expect("search")
                .messages
                .len(),
            1
        );

        index.remove_contact(contact);
        index.commit().expect("commit");
        assert_eq!(
            index.search(&QueryWords::new("pix"), 10).expect("search"),
            Hits::default()
        );
    }
}
