-- Notes people keep about a contact (personal data of the contact: exported and erased with it;
-- moved to the kept contact by a merge).
CREATE TABLE contact_notes (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id UUID NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    author_id UUID REFERENCES users (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX contact_notes_by_contact ON contact_notes (account_id, contact_id, created_at);

-- A person's saved conversation-list filters, by name.
CREATE TABLE saved_views (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    filters JSONB NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
