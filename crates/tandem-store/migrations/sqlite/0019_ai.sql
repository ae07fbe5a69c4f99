-- The AI layer. Each account's provider settings (the API key sealed with the server's key, as
-- channel secrets are); every call made to a model, for usage, budgets and the admins' log (no
-- prompt or answer text is kept); and translations of messages, kept beside the original.
CREATE TABLE ai_settings (
    account_id BLOB PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    base_url TEXT,
    model TEXT,
    api_key_sealed TEXT,
    timeout_ms BIGINT NOT NULL,
    daily_token_budget BIGINT,
    generative_answers INTEGER NOT NULL,
    translation INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE ai_calls (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id BLOB,
    conversation_id BLOB,
    purpose TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    latency_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ai_calls_by_account_time ON ai_calls (account_id, created_at);

CREATE TABLE message_translations (
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id BLOB NOT NULL,
    message_id BLOB NOT NULL,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, language)
);
CREATE INDEX message_translations_by_conversation ON message_translations (account_id, conversation_id);
