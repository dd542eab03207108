-- A conversation's unsent reply. Chatwoot keeps it in Redis under
-- CONVERSATION::<id>::DRAFT_MESSAGE; a row is shared by every process and survives restarts.
CREATE TABLE conversation_drafts (
    conversation_id BIGINT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    message TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
