-- A media job has two tasks: fetching the content from the provider, then, for audio that
-- needs it, transcribing it. Each task is claimed by its own worker.
ALTER TABLE media_fetches ADD COLUMN task TEXT NOT NULL DEFAULT 'fetch';
DROP INDEX media_fetches_due;
CREATE INDEX media_fetches_due ON media_fetches (task, next_attempt_at);
-- The phone (E.164) or SIP address a call handed over by the bot rings for this agent.
ALTER TABLE users ADD COLUMN phone TEXT;
