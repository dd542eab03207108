-- Contacts, their identities per inbox (contact_inboxes) and agents' notes on them,
-- with Chatwoot's columns (db/schema.rb of Chatwoot 4.10).

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    name VARCHAR DEFAULT '',
    email VARCHAR,
    phone_number VARCHAR,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    additional_attributes TEXT DEFAULT '{}',
    identifier VARCHAR,
    custom_attributes TEXT DEFAULT '{}',
    last_activity_at BIGINT,
    contact_type INTEGER DEFAULT 0,
    middle_name VARCHAR DEFAULT '',
    last_name VARCHAR DEFAULT '',
    location VARCHAR DEFAULT '',
    country_code VARCHAR DEFAULT '',
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    company_id BIGINT
);
CREATE UNIQUE INDEX uniq_email_per_account_contact ON contacts (email, account_id);
CREATE UNIQUE INDEX uniq_identifier_per_account_contact ON contacts (identifier, account_id);
CREATE INDEX index_contacts_on_account_id ON contacts (account_id);
CREATE INDEX index_contacts_on_phone_number_and_account_id ON contacts (phone_number, account_id);
CREATE INDEX index_contacts_on_account_id_and_last_activity_at ON contacts (account_id, last_activity_at);

CREATE TABLE contact_inboxes (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    inbox_id BIGINT REFERENCES inboxes (id) ON DELETE CASCADE,
    source_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    hmac_verified BOOLEAN DEFAULT FALSE,
    pubsub_token VARCHAR
);
CREATE UNIQUE INDEX index_contact_inboxes_on_inbox_id_and_source_id ON contact_inboxes (inbox_id, source_id);
CREATE UNIQUE INDEX index_contact_inboxes_on_pubsub_token ON contact_inboxes (pubsub_token);
CREATE INDEX index_contact_inboxes_on_contact_id ON contact_inboxes (contact_id);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    content TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    user_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX index_notes_on_contact_id ON notes (contact_id);
