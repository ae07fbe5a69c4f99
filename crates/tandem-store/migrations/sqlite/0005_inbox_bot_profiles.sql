-- An inbox's own bot profile, used instead of the account's for its conversations.
CREATE TABLE inbox_bot_profiles (
    inbox_id BLOB PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BLOB REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX inbox_bot_profiles_account ON inbox_bot_profiles (account_id);
