-- Outbound deliveries name their conversation. A worker claims only the oldest pending delivery
-- of each conversation, so one conversation's webhooks and channel messages leave in order on
-- any node and across retries, while different conversations are delivered concurrently.
ALTER TABLE webhook_deliveries ADD COLUMN conversation_id BLOB;
UPDATE webhook_deliveries SET conversation_id = COALESCE(
    (SELECT m.conversation_id FROM messages m WHERE m.id = webhook_deliveries.subject_id),
    (SELECT e.conversation_id FROM events e WHERE e.id = webhook_deliveries.subject_id)
);
CREATE INDEX webhook_deliveries_conversation ON webhook_deliveries (conversation_id, id) WHERE status = 'pending';

ALTER TABLE channel_deliveries ADD COLUMN conversation_id BLOB;
UPDATE channel_deliveries SET conversation_id =
    (SELECT m.conversation_id FROM messages m WHERE m.id = channel_deliveries.message_id);
CREATE INDEX channel_deliveries_conversation ON channel_deliveries (conversation_id, id) WHERE status = 'pending';
