-- Canned responses: replies agents insert by shortcut (`/boleto`), unique per account; and the
-- customer message the bot's latest turn answered, so a message that arrived while the bot was
-- answering an earlier one is still answered.
CREATE TABLE canned_responses (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    shortcut TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, shortcut)
);

ALTER TABLE conversations ADD COLUMN bot_answered_message_id BLOB;
