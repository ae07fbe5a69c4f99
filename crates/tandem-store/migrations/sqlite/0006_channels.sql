-- Channels: each inbox's provider settings (encrypted by the server, opaque here), the address
-- a conversation answers to, message attachments and channel particulars, the durable outbound
-- queue to the providers, per-inbox polling cursors, and the audit log.
ALTER TABLE inboxes ADD COLUMN channel_config TEXT;
ALTER TABLE conversations ADD COLUMN channel_address TEXT;
ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE messages ADD COLUMN channel_data TEXT;
ALTER TABLE messages ADD COLUMN delivery_error TEXT;

-- Written in the same transaction as the message it delivers; claimed by one worker at a time.
CREATE TABLE channel_deliveries (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BLOB NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    message_id BLOB NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX channel_deliveries_due ON channel_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX channel_deliveries_inbox ON channel_deliveries (inbox_id, status, next_attempt_at);

-- Where polling an inbox stopped (IMAP UIDs), and which node polls it now.
CREATE TABLE channel_cursors (
    inbox_id BLOB PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    cursor TEXT,
    lease_until BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Who did what to whom, for actions that must be accountable (merging contacts).
CREATE TABLE audit_log (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    actor_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    subject_id BLOB NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_account ON audit_log (account_id, created_at, id);
