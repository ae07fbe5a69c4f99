-- The bot's memory of a conversation (language, slots, streaks), with a version that makes
-- concurrent bot turns on one conversation detectable, and the context a person receives at
-- handover.
ALTER TABLE conversations ADD COLUMN bot_state JSONB;
ALTER TABLE conversations ADD COLUMN bot_state_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN handover_context JSONB;
