//! Labels people and rules put on conversations: the one shape every label takes (trimmed,
//! lower-cased, inner spaces collapsed; 1 to [`MAX_LABEL_CHARS`] letters, digits, spaces, `-` or
//! `_`), shared by the workspace's labels and the bot profile's label rules.

/// The most labels a conversation carries.
pub const MAX_LABELS: usize = 20;
/// The longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 40;

/// `raw` in its one shape, or `None` when it cannot be a label.
pub fn normalize_label(raw: &str) -> Option<String> {
    let label = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let fits = !label.is_empty()
        && label.chars().count() <= MAX_LABEL_CHARS
        && label
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'));
    fits.then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_take_one_shape_and_refuse_what_cannot_be_one() {
        assert_eq!(
            normalize_label("  Segunda   VIA ").as_deref(),
            Some("segunda via")
        );
        assert_eq!(
            normalize_label("cartão_2-via").as_deref(),
            Some("cartão_2-via")
        );
        for bad in ["", "   ", "<b>", "a/b", &"x".repeat(MAX_LABEL_CHARS + 1)] {
            assert_eq!(normalize_label(bad), None, "{bad:?}");
        }
    }
}
