-- Indexes for the shared inbox at scale, found with bench/inbox.sh (docs/benchmarks.md).
--
-- The conversation list and its counts (Chatwoot's ConversationFinder) filter on account
-- and status and sort on last activity; with this index the counts are an index-only scan
-- of the status's rows and a page is read in order, instead of walking every conversation
-- of the account (conv_acid_inbid_stat_asgnid_idx starts with inbox_id after account_id).
CREATE INDEX index_conversations_on_account_status_activity
    ON conversations (account_id, status, last_activity_at, assignee_id);

-- Contact and conversation search match `LOWER(column) LIKE '%…%'`, which no b-tree can
-- serve. Trigram GIN indexes can, as in Chatwoot's schema (which indexes the raw columns
-- for ILIKE; ours index the LOWER() expressions the queries use). pg_trgm is a trusted
-- extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX index_contacts_on_lower_name_trgm ON contacts USING gin (LOWER(name) gin_trgm_ops);
CREATE INDEX index_contacts_on_lower_email_trgm ON contacts USING gin (LOWER(email) gin_trgm_ops);
CREATE INDEX index_contacts_on_lower_phone_number_trgm ON contacts USING gin (LOWER(phone_number) gin_trgm_ops);
CREATE INDEX index_contacts_on_lower_identifier_trgm ON contacts USING gin (LOWER(identifier) gin_trgm_ops);
CREATE INDEX index_contacts_on_lower_company_name_trgm
    ON contacts USING gin (LOWER(additional_attributes ->> 'company_name') gin_trgm_ops);
CREATE INDEX index_messages_on_lower_content_trgm ON messages USING gin (LOWER(content) gin_trgm_ops);
