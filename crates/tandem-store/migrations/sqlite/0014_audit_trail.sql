-- The audit trail: who acted (their e-mail address and name kept as they were, so the record
-- outlives the user), from where (client IP and user agent), what (an action name), on which
-- subject (a kind and an id; none for e.g. a failed login with an unknown address), and the
-- values before and after (secrets never stored). SQLite cannot drop a NOT NULL, so the table is
-- rebuilt; the contact merges recorded so far keep their particulars as their "after".
CREATE TABLE audit_trail (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    actor_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    actor_email TEXT,
    actor_name TEXT,
    ip TEXT,
    user_agent TEXT,
    action TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BLOB,
    before_data TEXT,
    after_data TEXT,
    created_at BIGINT NOT NULL
);
INSERT INTO audit_trail (id, account_id, actor_id, actor_email, actor_name, action, subject_kind,
    subject_id, after_data, created_at)
SELECT a.id, a.account_id, a.actor_id, u.email, u.name, a.action, 'contact', a.subject_id, a.data,
    a.created_at
FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id;
DROP TABLE audit_log;
ALTER TABLE audit_trail RENAME TO audit_log;
CREATE INDEX audit_log_account ON audit_log (account_id, created_at, id);
CREATE INDEX audit_log_subject ON audit_log (account_id, subject_id);
