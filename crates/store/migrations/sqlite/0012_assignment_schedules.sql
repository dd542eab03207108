-- Auto-assignment's round robin (Chatwoot keeps it in a Redis list per inbox): each
-- member's last turn in an inbox; the member with the oldest turn (none counts as 0)
-- is asked first. In the database, so every web and worker process shares one order.
CREATE TABLE round_robin_turns (
    inbox_id BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    turn BIGINT NOT NULL,
    PRIMARY KEY (inbox_id, user_id)
);

-- Recurring work (ARCHITECTURE.md §6): one row per schedule. A worker claims a due run by
-- moving `next_run_at` on in one conditional UPDATE, and enqueues its job in the same
-- transaction, so each run happens once across all workers and survives a crash.
CREATE TABLE schedules (
    name VARCHAR PRIMARY KEY,
    next_run_at BIGINT NOT NULL,
    last_run_at BIGINT
);

-- Snoozed conversations falling due are found by index (idle open ones by the existing
-- account_id, last_activity_at index); old delivery rows are cleaned up by date.
CREATE INDEX index_conversations_on_status_and_snoozed_until ON conversations (status, snoozed_until);
CREATE INDEX index_webhook_deliveries_on_created_at ON webhook_deliveries (created_at);
