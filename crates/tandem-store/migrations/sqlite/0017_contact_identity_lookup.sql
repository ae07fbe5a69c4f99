-- A contact's identities are read by account and contact (every message's notification, the
-- widget's visitor lookup). The primary key starts with (account_id, kind), so without this
-- index those reads scan every identity of the account.
CREATE INDEX contact_identities_by_contact ON contact_identities (account_id, contact_id, kind, value);
