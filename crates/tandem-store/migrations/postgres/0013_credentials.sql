-- Credentials: e-mail addresses are unique per account (not across accounts, which let one
-- tenant learn whether an address exists in another); sessions and tokens remember when they
-- were last used and, for sessions, the client that opened them; password reset links are
-- stored by the hash of their secret, single use and expiring.
ALTER TABLE users DROP CONSTRAINT users_email_key;
CREATE UNIQUE INDEX users_email_account ON users (email, account_id);

ALTER TABLE auth_tokens ADD COLUMN last_used_at BIGINT;
ALTER TABLE auth_tokens ADD COLUMN client_ip TEXT;
ALTER TABLE auth_tokens ADD COLUMN user_agent TEXT;

CREATE TABLE password_resets (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);
