-- Agent bots (Chatwoot's agent_bots and agent_bot_inboxes). A bot whose account_id is
-- NULL is a "system bot" (made through the Platform API without an account). bot_type:
-- webhook 0. agent_bot_inboxes.status: active 0, inactive 1; one bot per inbox.
CREATE TABLE agent_bots (
    id INTEGER PRIMARY KEY,
    name VARCHAR,
    description VARCHAR,
    outgoing_url VARCHAR,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    bot_type INTEGER DEFAULT 0,
    bot_config TEXT DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX index_agent_bots_on_account_id ON agent_bots (account_id);

CREATE TABLE agent_bot_inboxes (
    id INTEGER PRIMARY KEY,
    inbox_id BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    agent_bot_id BIGINT NOT NULL REFERENCES agent_bots (id) ON DELETE CASCADE,
    status INTEGER DEFAULT 0,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_agent_bot_inboxes_on_inbox_id ON agent_bot_inboxes (inbox_id);
CREATE INDEX index_agent_bot_inboxes_on_agent_bot_id ON agent_bot_inboxes (agent_bot_id);

-- A bot's outgoing_url is one more delivery target of the webhook outbox.
ALTER TABLE webhook_deliveries ADD COLUMN agent_bot_id BIGINT REFERENCES agent_bots (id) ON DELETE CASCADE;
