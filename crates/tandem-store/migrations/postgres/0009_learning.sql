-- The learning loop: every customer question the bot could not answer (out of scope, or too
-- unsure of the best intent), recorded in the transaction of the bot turn that failed it, and
-- the suggestions made from them (new intent examples or a new knowledge-base article) that an
-- admin approves or dismisses. A suggestion's group key is unique per account, so refreshing
-- suggestions never brings back a dismissed one.
CREATE TABLE unanswered_questions (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id UUID NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    conversation_id UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_id UUID REFERENCES messages (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    reason TEXT NOT NULL,
    confidence_permille BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX unanswered_questions_recent ON unanswered_questions (account_id, created_at);

CREATE TABLE learning_suggestions (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    group_key TEXT NOT NULL,
    language TEXT NOT NULL,
    questions JSONB NOT NULL,
    question_count BIGINT NOT NULL,
    proposal JSONB NOT NULL,
    edited BOOLEAN NOT NULL,
    source_message_id UUID REFERENCES messages (id) ON DELETE SET NULL,
    source_conversation_id UUID REFERENCES conversations (id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    decided_by UUID REFERENCES users (id) ON DELETE SET NULL,
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, group_key)
);
