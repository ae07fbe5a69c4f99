//! Search results.

use serde::Serialize;
use uuid::Uuid;

use tandem_app::search::MessageHit;

use super::{ContactResponse, ConversationResponse};

/// A message that matched: the part of its text around the match, and where in that part each
/// matched word is (`[start, end)` in characters, i.e. Unicode code points).
#[derive(Debug, Serialize)]
pub struct SearchHitResponse {
    pub message_id: Uuid,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
}

impl From<MessageHit> for SearchHitResponse {
    fn from(hit: MessageHit) -> Self {
        Self {
            message_id: hit.message_id.0,
            snippet: hit.snippet.text,
            highlights: hit
                .snippet
                .highlights
                .into_iter()
                .map(|(start, end)| [start, end])
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SearchConversationResponse {
    pub conversation: ConversationResponse,
    pub hits: Vec<SearchHitResponse>,
}

#[derive(Debug, Serialize)]
pub struct SearchResponse {
    /// Conversations whose messages match, best first.
    pub conversations: Vec<SearchConversationResponse>,
    /// Contacts whose name, identities or attributes match, best first.
    pub contacts: Vec<ContactResponse>,
}
