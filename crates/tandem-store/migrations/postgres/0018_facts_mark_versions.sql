-- A refold no longer deletes the marks it takes before reading the logs (which made every write
-- to a conversation in the batch wait for the whole refold): it reads each mark's version,
-- refolds, and at the end deletes only the marks still at the version it read. A write marks
-- by raising the version, so a mark written after the refold read it survives.
ALTER TABLE facts_stale ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
