-- Labels people put on conversations ("vip", "segunda-via"): lower case, one row per label, gone
-- with the conversation. Listing by label reads the index on (account_id, label).
CREATE TABLE conversation_labels (
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, label)
);
CREATE INDEX conversation_labels_by_label ON conversation_labels (account_id, label);
