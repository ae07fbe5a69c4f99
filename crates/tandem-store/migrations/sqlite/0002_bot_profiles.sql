-- Each account's bot profile, as the YAML source its admins wrote (validated before saving).
CREATE TABLE bot_profiles (
    account_id BLOB PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BLOB REFERENCES users (id) ON DELETE SET NULL
);
