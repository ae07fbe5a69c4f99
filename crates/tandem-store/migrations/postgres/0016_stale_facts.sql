-- Report facts leave the message path: a write that records events on a conversation marks
-- its facts stale here (one statement in its transaction), and they are refolded in batches
-- by each node's facts worker, or by a report before it reads the account's facts.
CREATE TABLE facts_stale (
    conversation_id UUID PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    marked_at BIGINT NOT NULL
);
CREATE INDEX facts_stale_account ON facts_stale (account_id, marked_at);
