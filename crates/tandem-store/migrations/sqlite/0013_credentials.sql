-- no-transaction
-- Credentials: e-mail addresses are unique per account (not across accounts, which let one
-- tenant learn whether an address exists in another); sessions and tokens remember when they
-- were last used and, for sessions, the client that opened them; password reset links are
-- stored by the hash of their secret, single use and expiring.
--
-- SQLite cannot drop a column's UNIQUE constraint, so `users` is rebuilt with SQLite's
-- documented procedure: foreign keys off (which only takes effect outside a transaction, hence
-- `no-transaction` above and the explicit transaction below), copy, drop, rename, check.
-- The column list is every column `users` has after migration 0012.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_rebuilt (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    presence TEXT NOT NULL DEFAULT 'offline' CHECK (presence IN ('online', 'away', 'offline')),
    presence_changed_at BIGINT,
    capacity INTEGER,
    last_assigned_at BIGINT
);
INSERT INTO users_rebuilt (id, account_id, email, name, role, password_hash, created_at,
                           presence, presence_changed_at, capacity, last_assigned_at)
    SELECT id, account_id, email, name, role, password_hash, created_at,
           presence, presence_changed_at, capacity, last_assigned_at
    FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_account ON users (account_id, created_at);
CREATE UNIQUE INDEX users_email_account ON users (email, account_id);

ALTER TABLE auth_tokens ADD COLUMN last_used_at BIGINT;
ALTER TABLE auth_tokens ADD COLUMN client_ip TEXT;
ALTER TABLE auth_tokens ADD COLUMN user_agent TEXT;

CREATE TABLE password_resets (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);
COMMIT;
PRAGMA foreign_keys = ON;
