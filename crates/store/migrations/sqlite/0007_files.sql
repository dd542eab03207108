-- Stored files, in Active Storage's two tables so a Chatwoot import copies them as they
-- are: a blob per stored object (its key names the object in the local directory or the
-- bucket), and a link from a record (an Attachment, a User's avatar…) to a blob.

CREATE TABLE active_storage_blobs (
    id INTEGER PRIMARY KEY,
    key VARCHAR NOT NULL,
    filename VARCHAR NOT NULL,
    content_type VARCHAR,
    metadata TEXT,
    byte_size BIGINT NOT NULL,
    checksum VARCHAR,
    created_at BIGINT NOT NULL,
    service_name VARCHAR NOT NULL
);
CREATE UNIQUE INDEX index_active_storage_blobs_on_key ON active_storage_blobs (key);

CREATE TABLE active_storage_attachments (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    record_type VARCHAR NOT NULL,
    record_id BIGINT NOT NULL,
    blob_id BIGINT NOT NULL REFERENCES active_storage_blobs (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX index_active_storage_attachments_on_blob_id ON active_storage_attachments (blob_id);
CREATE UNIQUE INDEX index_active_storage_attachments_uniqueness
    ON active_storage_attachments (record_type, record_id, name, blob_id);
