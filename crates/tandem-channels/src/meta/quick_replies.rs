//! Quick replies on Meta's channels: whether they still fit a channel's buttons once cut to
//! its limits, and the numbered text that carries them when they do not.

use std::collections::HashSet;

use crate::{QuickReply, truncate};

/// Whether the options, cut to the channel's limits, still have non-empty, distinct titles
/// and ids, as the providers require of buttons.
pub(super) fn distinct(options: &[QuickReply], title_max: usize, id_max: usize) -> bool {
    let mut titles = HashSet::new();
    let mut ids = HashSet::new();
    options.iter().all(|option| {
        let title = truncate(&option.title, title_max);
        let id = truncate(&option.id, id_max);
        !title.trim().is_empty() && !id.is_empty() && titles.insert(title) && ids.insert(id)
    })
}

/// The text with the options listed as numbered lines, for when buttons cannot carry them.
pub(super) fn with_numbered_options(text: &str, options: &[QuickReply]) -> String {
    let mut body = text.to_owned();
    if !options.is_empty() {
        body.push('\n');
    }
    for (number, option) in options.iter().enumerate() {
        body.push_str(&format!("\n{}. {}", number + 1, option.title));
    }
    body
}
