-- Indexes for the shared inbox at scale, found with bench/inbox.sh (docs/benchmarks.md).
--
-- The conversation list and its counts (Chatwoot's ConversationFinder) filter on account
-- and status and sort on last activity; with this index the counts are a covering-index
-- scan of the status's rows and a page is read in order.
CREATE INDEX index_conversations_on_account_status_activity
    ON conversations (account_id, status, last_activity_at, assignee_id);

-- PostgreSQL's migration adds trigram indexes for `LOWER(column) LIKE '%…%'` searches;
-- SQLite has no equivalent for infix LIKE, so its searches scan the account's rows.
