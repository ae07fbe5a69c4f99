//! Full-text search over one account's messages and contacts. An [`AccountIndex`] lives in
//! memory and holds only ids and the words of each text (nothing is stored to read back), so
//! callers read what they show from the database, and an erased contact's words leave with
//! [`AccountIndex::remove_contact`] or with the process. [`snippet`] cuts the text around the
//! words a query matched and says where they are.

mod analyzer;
mod index;
mod query;
mod snippet;

pub use index::{AccountIndex, ContactDocument, Hits, MessageDocument, SearchError};
pub use query::QueryWords;
pub use snippet::{Snippet, snippet};
