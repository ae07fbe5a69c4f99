-- Out-of-scope rate per bot turn: how many of a conversation's customer messages the bot found
-- out of its scope (its `unanswered_questions` with reason `out_of_scope`), kept with its facts.
ALTER TABLE conversation_facts ADD COLUMN bot_out_of_scope_messages BIGINT NOT NULL DEFAULT 0;
-- Every refold of a conversation's facts counts its questions.
CREATE INDEX unanswered_questions_conversation ON unanswered_questions (account_id, conversation_id);
-- Conversations folded before this column existed: count their recorded questions now.
UPDATE conversation_facts SET bot_out_of_scope_messages = LEAST(bot_customer_messages, (
    SELECT COUNT(*) FROM unanswered_questions q
    WHERE q.account_id = conversation_facts.account_id
    AND q.conversation_id = conversation_facts.conversation_id AND q.reason = 'out_of_scope'));

-- Occupancy needs to know when agents were online: every presence change (by the agent, or
-- the routing worker's expiry) closes the agent's open period and opens one, in the same
-- transaction. An open period has ended_at NULL.
CREATE TABLE presence_periods (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    presence TEXT NOT NULL CHECK (presence IN ('online', 'away', 'offline')),
    started_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX presence_periods_user ON presence_periods (account_id, user_id, started_at);
CREATE INDEX presence_periods_range ON presence_periods (account_id, started_at);
-- Agents present when this runs: their period began at their last change.
INSERT INTO presence_periods (id, account_id, user_id, presence, started_at)
SELECT gen_random_uuid(), account_id, id, presence, presence_changed_at FROM users
WHERE presence_changed_at IS NOT NULL;
