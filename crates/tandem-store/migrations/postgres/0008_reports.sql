-- Reports: each account's time zone (report days are its calendar days), and one row of facts
-- per conversation, folded from its events and messages by tandem-reports in the transaction
-- that records them, so reports sum rows instead of replaying event logs.
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

CREATE TABLE conversation_facts (
    conversation_id UUID PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id UUID NOT NULL,
    channel TEXT NOT NULL,
    contact_id UUID NOT NULL,
    team_id UUID,
    agent_id UUID,
    intent TEXT,
    handover_reason TEXT,
    opened_at BIGINT NOT NULL,
    bot_first BIGINT NOT NULL DEFAULT 0,
    first_response_ms BIGINT,
    queued_at BIGINT,
    time_to_agent_ms BIGINT,
    abandoned_at BIGINT,
    first_human_response_ms BIGINT,
    resolution_ms BIGINT,
    resolved_at BIGINT,
    reopens BIGINT NOT NULL DEFAULT 0,
    handle_ms BIGINT,
    has_sla BIGINT NOT NULL DEFAULT 0,
    sla_breached BIGINT NOT NULL DEFAULT 0,
    csat_sent BIGINT NOT NULL DEFAULT 0,
    csat_score BIGINT,
    nps_sent BIGINT NOT NULL DEFAULT 0,
    nps_score BIGINT,
    bot_customer_messages BIGINT NOT NULL DEFAULT 0,
    bot_answered_messages BIGINT NOT NULL DEFAULT 0,
    out_of_scope_handover BIGINT NOT NULL DEFAULT 0,
    asked_again BIGINT NOT NULL DEFAULT 0,
    -- When the contact next opened a conversation on the same intent (first-contact resolution).
    next_same_intent_at BIGINT
);
-- Every report reads one account's conversations opened in a range.
CREATE INDEX conversation_facts_opened ON conversation_facts (account_id, opened_at);
-- First-contact resolution looks up the contact's other conversations.
CREATE INDEX conversation_facts_contact ON conversation_facts (account_id, contact_id, opened_at);
