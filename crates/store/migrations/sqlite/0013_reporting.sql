-- Reporting events (Chatwoot's ReportingEventListener): one row per measured moment of a
-- conversation (first_response, reply_time, conversation_resolved, conversation_opened,
-- conversation_bot_handoff, conversation_bot_resolved), written in the transaction of
-- the change. `value` and `value_in_business_hours` are seconds.
CREATE TABLE reporting_events (
    id INTEGER PRIMARY KEY,
    name VARCHAR,
    value REAL,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    inbox_id BIGINT,
    user_id BIGINT,
    conversation_id BIGINT REFERENCES conversations (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    value_in_business_hours REAL,
    event_start_time BIGINT,
    event_end_time BIGINT
);
-- Reports filter by account, event name and date (Chatwoot's composite index); the
-- per-inbox and per-agent reports add their column; a conversation's own events are
-- read when the next one is computed.
CREATE INDEX reporting_events__account_id__name__created_at ON reporting_events (account_id, name, created_at);
CREATE INDEX index_reporting_events_on_conversation_id ON reporting_events (conversation_id);
CREATE INDEX index_reporting_events_on_inbox_id ON reporting_events (inbox_id);
CREATE INDEX index_reporting_events_on_user_id ON reporting_events (user_id);

-- conversations_count by date range.
CREATE INDEX index_conversations_on_account_id_and_created_at ON conversations (account_id, created_at);
