-- Routing: each team's routing settings (JSON), agents' presence and capacity, a queued
-- conversation's priority and place, SLA clocks, and the live agent connections that keep an
-- agent online.
ALTER TABLE accounts ADD COLUMN default_capacity BIGINT NOT NULL DEFAULT 3;
ALTER TABLE teams ADD COLUMN routing JSONB NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'away', 'offline'));
ALTER TABLE users ADD COLUMN presence_changed_at BIGINT;
ALTER TABLE users ADD COLUMN capacity BIGINT;
ALTER TABLE users ADD COLUMN last_assigned_at BIGINT;
ALTER TABLE conversations ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN escalations BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN queued_at BIGINT;
ALTER TABLE conversations ADD COLUMN assigned_at BIGINT;
ALTER TABLE conversations ADD COLUMN awaiting_answer_since BIGINT;
ALTER TABLE conversations ADD COLUMN not_to_agent_id UUID;
ALTER TABLE conversations ADD COLUMN queue_notice_position BIGINT;
ALTER TABLE conversations ADD COLUMN queue_notice_at BIGINT;
CREATE INDEX conversations_queue ON conversations (account_id, priority DESC, queued_at) WHERE status = 'queued';
CREATE INDEX conversations_awaiting ON conversations (awaiting_answer_since) WHERE awaiting_answer_since IS NOT NULL;
CREATE INDEX conversations_assignee_open ON conversations (assignee_id) WHERE status = 'assigned';

CREATE TABLE sla_clocks (
    conversation_id UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target TEXT NOT NULL CHECK (target IN ('first_response', 'resolution')),
    started_at BIGINT NOT NULL,
    near_breach_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('on_track', 'near_breach', 'breached')),
    stopped_at BIGINT,
    PRIMARY KEY (conversation_id, target)
);
CREATE INDEX sla_clocks_running ON sla_clocks (near_breach_at) WHERE stopped_at IS NULL;

CREATE TABLE agent_connections (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    node TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX agent_connections_user ON agent_connections (user_id);
