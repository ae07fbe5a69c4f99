-- Out-of-scope rate per bot turn: how many of a conversation's customer messages the bot found
-- out of its scope (its `unanswered_questions` with reason `out_of_scope`), kept with its facts.
ALTER TABLE conversation_facts ADD COLUMN bot_out_of_scope_messages INTEGER NOT NULL DEFAULT 0;
-- Every refold of a conversation's facts counts its questions.
CREATE INDEX unanswered_questions_conversation ON unanswered_questions (account_id, conversation_id);
-- Conversations folded before this column existed: count their recorded questions now.
UPDATE conversation_facts SET bot_out_of_scope_messages = MIN(bot_customer_messages, (
    SELECT COUNT(*) FROM unanswered_questions q
    WHERE q.account_id = conversation_facts.account_id
    AND q.conversation_id = conversation_facts.conversation_id AND q.reason = 'out_of_scope'));
