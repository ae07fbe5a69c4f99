-- The AI layer. Each account's provider settings (the API key sealed with the server's key, as
-- channel secrets are); every call made to a model, for usage, budgets and the admins' log (no
-- prompt or answer text is kept); and translations of messages, kept beside the original.
CREATE TABLE ai_settings (
    account_id UUID PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    base_url TEXT,
    model TEXT,
    api_key_sealed TEXT,
    timeout_ms BIGINT NOT NULL,
    daily_token_budget BIGINT,
    generative_answers BOOLEAN NOT NULL,
    translation BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE ai_calls (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id UUID,
    conversation_id UUID,
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
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id UUID NOT NULL,
    message_id UUID NOT NULL,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, language)
);
CREATE INDEX message_translations_by_conversation ON message_translations (account_id, conversation_id);
