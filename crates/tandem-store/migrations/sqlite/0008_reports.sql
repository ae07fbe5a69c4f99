-- Reports: each account's time zone (report days are its calendar days), and one row of facts
-- per conversation, folded from its events and messages by tandem-reports in the transaction
-- that records them, so reports sum rows instead of replaying event logs.
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

CREATE TABLE conversation_facts (
    conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BLOB NOT NULL,
    channel TEXT NOT NULL,
    contact_id BLOB NOT NULL,
    team_id BLOB,
    agent_id BLOB,
    intent TEXT,
    handover_reason TEXT,
    opened_at BIGINT NOT NULL,
    bot_first INTEGER NOT NULL DEFAULT 0,
    first_response_ms BIGINT,
    queued_at BIGINT,
    time_to_agent_ms BIGINT,
    abandoned_at BIGINT,
    first_human_response_ms BIGINT,
    resolution_ms BIGINT,
    resolved_at BIGINT,
    reopens INTEGER NOT NULL DEFAULT 0,
    handle_ms BIGINT,
    has_sla INTEGER NOT NULL DEFAULT 0,
    sla_breached INTEGER NOT NULL DEFAULT 0,
    csat_sent INTEGER NOT NULL DEFAULT 0,
    csat_score INTEGER,
    nps_sent INTEGER NOT NULL DEFAULT 0,
    nps_score INTEGER,
    bot_customer_messages INTEGER NOT NULL DEFAULT 0,
    bot_answered_messages INTEGER NOT NULL DEFAULT 0,
    out_of_scope_handover INTEGER NOT NULL DEFAULT 0,
    asked_again INTEGER NOT NULL DEFAULT 0,
    -- When the contact next opened a conversation on the same intent (first-contact resolution).
    next_same_intent_at BIGINT,
    -- Stored in this order (WITHOUT ROWID): every report reads one account's conversations
    -- opened in a range, which is then one contiguous run of the table instead of a lookup per
    -- row among every account's rows.
    PRIMARY KEY (account_id, opened_at, conversation_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX conversation_facts_conversation ON conversation_facts (conversation_id);
-- First-contact resolution looks up the contact's other conversations.
CREATE INDEX conversation_facts_contact ON conversation_facts (account_id, contact_id, opened_at);
