-- Login protection. Failed logins are counted per key (an e-mail address as typed, or a client
-- address) in the database, so every node of one PostgreSQL sees the same counts. The key is
-- stored as a SHA-256, never as typed: people type passwords into the e-mail field. These rows
-- precede any account (an unknown e-mail is throttled like a known one), so they carry none.
CREATE TABLE login_throttles (
    key_hash TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
CREATE INDEX login_throttles_age ON login_throttles (last_failure_at);

-- Two-factor authentication (TOTP, RFC 6238). The secret is sealed with the server's key and
-- bound to the user; `enabled_at` is NULL while the user is enrolling; `last_used_step` is the
-- last time step a code was accepted for, so a code works once.
CREATE TABLE two_factor (
    user_id UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sealed_secret TEXT NOT NULL,
    enabled_at BIGINT,
    last_used_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Single-use recovery codes, stored as SHA-256 (they are random, like tokens).
CREATE TABLE two_factor_recovery_codes (
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- The second step of a login: a short-lived token given after the password, exchanged for a
-- session with a code. `flow` says which session it becomes (a bearer token or the browser's
-- cookie).
CREATE TABLE two_factor_challenges (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    flow TEXT NOT NULL CHECK (flow IN ('token', 'browser')),
    expires_at BIGINT NOT NULL
);
CREATE INDEX two_factor_challenges_expiry ON two_factor_challenges (expires_at);

-- An admin may require every user of the account to use two-factor authentication.
ALTER TABLE accounts ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;
