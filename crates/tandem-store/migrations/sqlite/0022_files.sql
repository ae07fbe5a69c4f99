-- Stored files: customers' media fetched from their providers, and files people and widget
-- visitors upload. The content is kept by the file storage under the file's id; a row is what is
-- known of it. An upload has no message until a message carries it.
CREATE TABLE files (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BLOB NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    contact_id BLOB NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    conversation_id BLOB REFERENCES conversations (id) ON DELETE CASCADE,
    message_id BLOB,
    kind TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    file_name TEXT,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX files_by_contact ON files (account_id, contact_id);
CREATE INDEX files_by_conversation ON files (account_id, conversation_id);
CREATE INDEX files_unattached ON files (created_at) WHERE message_id IS NULL;

-- Customers' media still to fetch from their providers: one job per attachment of a message,
-- written with the message, leased by the node that fetches it.
CREATE TABLE media_fetches (
    message_id BLOB NOT NULL,
    attachment_index INTEGER NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BLOB NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, attachment_index)
);
CREATE INDEX media_fetches_due ON media_fetches (next_attempt_at);
