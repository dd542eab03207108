-- The job queue (ARCHITECTURE.md §6): rows enqueued in the transaction of the change
-- that causes them, claimed with a lease, retried with backoff. status: queued 0,
-- running 1, dead 3 (a finished job is deleted; its lasting record, such as a webhook
-- delivery, lives in its own table).
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL,
    payload TEXT NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at BIGINT NOT NULL,
    locked_until BIGINT,
    locked_by VARCHAR,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX index_jobs_on_status_and_run_at ON jobs (status, run_at);

-- Account webhooks, with Chatwoot's columns (webhook_type account_type 0, inbox_type 1)
-- plus our `secret`, which signs every delivery.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BIGINT REFERENCES inboxes (id) ON DELETE SET NULL,
    url TEXT NOT NULL,
    subscriptions TEXT NOT NULL DEFAULT '[]',
    webhook_type INTEGER DEFAULT 0,
    name VARCHAR,
    secret VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX index_webhooks_on_account_id_and_url ON webhooks (account_id, url);

-- One row per event sent to one target (an account webhook, or an API inbox's
-- webhook_url): the body as signed, and how delivery went. status: queued 0,
-- delivered 1, retrying 2, failed 3.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    webhook_id BIGINT REFERENCES webhooks (id) ON DELETE CASCADE,
    inbox_id BIGINT REFERENCES inboxes (id) ON DELETE CASCADE,
    uuid VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    response_code INTEGER,
    last_error TEXT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX index_webhook_deliveries_on_webhook_id ON webhook_deliveries (webhook_id);
