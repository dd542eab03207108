-- Conversations, messages, attachments and participants, with Chatwoot's columns.
-- The per-account display id comes from accounts.last_display_id, bumped in the same
-- transaction (Chatwoot uses one PostgreSQL sequence per account instead).

ALTER TABLE accounts ADD COLUMN last_display_id BIGINT NOT NULL DEFAULT 0;

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    status INTEGER NOT NULL DEFAULT 0,
    assignee_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    contact_id BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    display_id BIGINT NOT NULL,
    contact_last_seen_at BIGINT,
    agent_last_seen_at BIGINT,
    additional_attributes TEXT DEFAULT '{}',
    contact_inbox_id BIGINT,
    uuid TEXT NOT NULL,
    identifier VARCHAR,
    last_activity_at BIGINT NOT NULL,
    team_id BIGINT,
    campaign_id BIGINT,
    snoozed_until BIGINT,
    custom_attributes TEXT DEFAULT '{}',
    assignee_last_seen_at BIGINT,
    first_reply_created_at BIGINT,
    priority INTEGER,
    sla_policy_id BIGINT,
    waiting_since BIGINT,
    cached_label_list TEXT,
    assignee_agent_bot_id BIGINT
);
CREATE UNIQUE INDEX index_conversations_on_account_id_and_display_id ON conversations (account_id, display_id);
CREATE UNIQUE INDEX index_conversations_on_uuid ON conversations (uuid);
CREATE INDEX conv_acid_inbid_stat_asgnid_idx ON conversations (account_id, inbox_id, status, assignee_id);
CREATE INDEX index_conversations_on_account_id_and_last_activity_at ON conversations (account_id, last_activity_at);
CREATE INDEX index_conversations_on_contact_id ON conversations (contact_id);
CREATE INDEX index_conversations_on_contact_inbox_id ON conversations (contact_inbox_id);
CREATE INDEX index_conversations_on_team_id ON conversations (team_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    content TEXT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    message_type INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    private BOOLEAN NOT NULL DEFAULT FALSE,
    status INTEGER DEFAULT 0,
    source_id TEXT,
    content_type INTEGER NOT NULL DEFAULT 0,
    content_attributes TEXT DEFAULT '{}',
    sender_type VARCHAR,
    sender_id BIGINT,
    external_source_ids TEXT DEFAULT '{}',
    additional_attributes TEXT DEFAULT '{}',
    processed_message_content TEXT,
    sentiment TEXT DEFAULT '{}'
);
CREATE INDEX index_messages_on_conversation_id_and_id ON messages (conversation_id, id);
CREATE INDEX index_messages_on_account_created_type ON messages (account_id, created_at, message_type);
CREATE INDEX index_messages_on_sender_type_and_sender_id ON messages (sender_type, sender_id);
CREATE INDEX index_messages_on_source_id ON messages (source_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    file_type INTEGER DEFAULT 0,
    external_url VARCHAR,
    coordinates_lat REAL DEFAULT 0.0,
    coordinates_long REAL DEFAULT 0.0,
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    fallback_title VARCHAR,
    extension VARCHAR,
    meta TEXT DEFAULT '{}'
);
CREATE INDEX index_attachments_on_message_id ON attachments (message_id);

CREATE TABLE conversation_participants (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_conversation_participants_on_user_id_and_conversation_id ON conversation_participants (user_id, conversation_id);
CREATE INDEX index_conversation_participants_on_conversation_id ON conversation_participants (conversation_id);
