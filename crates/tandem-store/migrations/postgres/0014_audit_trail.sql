-- The audit trail: who acted (their e-mail address and name kept as they were, so the record
-- outlives the user), from where (client IP and user agent), what (an action name), on which
-- subject (a kind and an id; none for e.g. a failed login with an unknown address), and the
-- values before and after (secrets never stored). The contact merges recorded so far keep their
-- particulars as their "after".
ALTER TABLE audit_log ADD COLUMN actor_email TEXT;
ALTER TABLE audit_log ADD COLUMN actor_name TEXT;
ALTER TABLE audit_log ADD COLUMN ip TEXT;
ALTER TABLE audit_log ADD COLUMN user_agent TEXT;
ALTER TABLE audit_log ADD COLUMN subject_kind TEXT NOT NULL DEFAULT 'contact';
ALTER TABLE audit_log ALTER COLUMN subject_kind DROP DEFAULT;
ALTER TABLE audit_log ALTER COLUMN subject_id DROP NOT NULL;
ALTER TABLE audit_log ADD COLUMN before_data JSONB;
ALTER TABLE audit_log RENAME COLUMN data TO after_data;
ALTER TABLE audit_log ALTER COLUMN after_data DROP NOT NULL;
UPDATE audit_log a SET actor_email = u.email, actor_name = u.name FROM users u
WHERE u.id = a.actor_id;
CREATE INDEX audit_log_subject ON audit_log (account_id, subject_id);
