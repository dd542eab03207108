-- Contact CSV imports, as Chatwoot records them (data_imports in db/schema.rb of
-- Chatwoot 4.10): data_type 'contacts'; status pending 0, processing 1, completed 2,
-- failed 3; the counts once processed.

CREATE TABLE data_imports (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    data_type VARCHAR NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    processing_errors TEXT,
    total_records INTEGER,
    processed_records INTEGER,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX index_data_imports_on_account_id ON data_imports (account_id);
