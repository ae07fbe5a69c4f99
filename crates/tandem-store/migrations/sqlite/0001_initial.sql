-- Tandem's initial schema (SQLite: UUID is BLOB, JSONB is TEXT, BOOLEAN is INTEGER). Times are Unix milliseconds (BIGINT) on both engines, so one SQL
-- text serves both; ids are UUIDv7 stored as 16-byte BLOBs; every tenant-owned row carries account_id.

CREATE TABLE accounts (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_account ON users (account_id, created_at);

CREATE TABLE auth_tokens (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('session', 'api')),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id, kind);

CREATE TABLE teams (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE team_members (
    team_id BLOB NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE inboxes (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    channel TEXT NOT NULL,
    first_responder TEXT NOT NULL CHECK (first_responder IN ('bot', 'human')),
    webhook_url TEXT,
    webhook_secret TEXT NOT NULL,
    api_token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX inboxes_account ON inboxes (account_id, created_at);

CREATE TABLE contacts (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT,
    attributes TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX contacts_account ON contacts (account_id, created_at, id);

CREATE TABLE contact_identities (
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    contact_id BLOB NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, kind, value)
);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);

CREATE TABLE conversations (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BLOB NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    contact_id BLOB NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('bot', 'queued', 'assigned', 'resolved')),
    assignee_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    team_id BLOB REFERENCES teams (id) ON DELETE SET NULL,
    first_agent_reply_at BIGINT,
    last_activity_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT
);
-- At most one open conversation per contact and inbox: concurrent first messages cannot open two.
CREATE UNIQUE INDEX conversations_one_open ON conversations (inbox_id, contact_id) WHERE status <> 'resolved';
CREATE INDEX conversations_contact ON conversations (contact_id, inbox_id, created_at);
CREATE INDEX conversations_activity ON conversations (account_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_status ON conversations (account_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_assignee ON conversations (assignee_id, last_activity_at DESC, id DESC);

CREATE TABLE messages (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    inbox_id BLOB NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    sender_kind TEXT NOT NULL,
    sender_id BLOB,
    is_private INTEGER NOT NULL,
    text TEXT NOT NULL,
    external_id TEXT,
    delivery_status TEXT,
    created_at BIGINT NOT NULL
);
-- The same delivery from a channel, however often it arrives, is one message.
CREATE UNIQUE INDEX messages_external ON messages (inbox_id, external_id);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at, id);

CREATE TABLE events (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    actor_kind TEXT NOT NULL,
    actor_id BLOB,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_conversation ON events (conversation_id, created_at, id);
CREATE INDEX events_account_kind ON events (account_id, kind, created_at);

-- The outgoing-webhook outbox: written in the same transaction as the change it reports.
CREATE TABLE webhook_deliveries (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BLOB NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('message', 'event')),
    subject_id BLOB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_inbox ON webhook_deliveries (inbox_id, created_at);
