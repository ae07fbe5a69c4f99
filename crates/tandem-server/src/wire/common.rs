//! Shapes every resource shares: a plain list, a page of a list with its cursor, and who did
//! something.

use serde::Serialize;
use uuid::Uuid;

use tandem_domain::event::Actor;

/// A page of a list, with the cursor of the next page when there is one.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A plain list.
#[derive(Debug, Serialize)]
pub struct List<T> {
    pub data: Vec<T>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActorBody {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Option<Uuid>,
}

impl From<Actor> for ActorBody {
    fn from(actor: Actor) -> Self {
        Self {
            kind: actor.kind(),
            id: actor.id(),
        }
    }
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`), for updates where
/// `null` removes a value.
pub(super) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}
