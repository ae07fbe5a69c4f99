-- Retention per account: conversations resolved more than `retention_days` ago are deleted or
-- anonymised (NULL days: kept forever); `anonymised_at` marks the ones already anonymised.
ALTER TABLE accounts ADD COLUMN retention_days INTEGER;
ALTER TABLE accounts ADD COLUMN retention_action TEXT NOT NULL DEFAULT 'delete' CHECK (retention_action IN ('delete', 'anonymise'));
ALTER TABLE conversations ADD COLUMN anonymised_at BIGINT;
-- Outgoing webhooks carry personal data masked unless the admin turns this off.
ALTER TABLE accounts ADD COLUMN webhook_mask_personal_data INTEGER NOT NULL DEFAULT 1;
CREATE INDEX conversations_resolved ON conversations (account_id, resolved_at) WHERE status = 'resolved';
