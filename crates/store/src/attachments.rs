//! Files: Active Storage's blobs (one per stored object) and the links from records to
//! them, and Chatwoot's message `attachments`, each holding at most one file.

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::query::{self, Arg, Query};
use crate::{Ex, Json, StoreResult, exec, fetch, scalar};

/// A stored object: `key` names it in the local directory or the bucket.
#[derive(Clone, Debug, FromRow)]
pub struct Blob {
    pub id: i64,
    pub key: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub metadata: Option<String>,
    pub byte_size: i64,
    pub checksum: Option<String>,
    pub created_at: Timestamp,
    pub service_name: String,
}

#[derive(Clone, Debug)]
pub struct NewBlob {
    pub key: String,
    pub filename: String,
    pub content_type: String,
    pub byte_size: i64,
    pub checksum: String,
    pub service_name: String,
}

macro_rules! blob_columns {
    () => {
        "id, key, filename, content_type, metadata, byte_size, checksum, created_at, service_name"
    };
}

pub async fn insert_blob(mut ex: Ex<'_>, b: &NewBlob, now: Timestamp) -> StoreResult<Blob> {
    const SQL: &str = concat!(
        "INSERT INTO active_storage_blobs \
         (key, filename, content_type, metadata, byte_size, checksum, created_at, service_name) \
         VALUES ($1, $2, $3, '{\"identified\":true}', $4, $5, $6, $7) RETURNING ",
        blob_columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        &b.key,
        &b.filename,
        &b.content_type,
        b.byte_size,
        &b.checksum,
        now,
        &b.service_name
    )?)
}

pub async fn find_blob(mut ex: Ex<'_>, id: i64) -> StoreResult<Option<Blob>> {
    const SQL: &str = concat!(
        "SELECT ",
        blob_columns!(),
        " FROM active_storage_blobs WHERE id = $1"
    );
    Ok(fetch!(optional, ex.re(), SQL, id)?)
}

/// Ties `blob` to a record, as Active Storage's `has_one_attached :name` does.
pub async fn link(
    mut ex: Ex<'_>,
    record_type: &str,
    record_id: i64,
    name: &str,
    blob: i64,
    now: Timestamp,
) -> StoreResult<()> {
    exec!(
        ex.re(),
        "INSERT INTO active_storage_attachments (name, record_type, record_id, blob_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
        name,
        record_type,
        record_id,
        blob,
        now
    )?;
    Ok(())
}

/// A message attachment with its file, when it has one (locations and fallbacks do not).
#[derive(Clone, Debug, FromRow)]
pub struct Attachment {
    pub id: i64,
    pub file_type: Option<i32>,
    pub external_url: Option<String>,
    pub coordinates_lat: Option<f64>,
    pub coordinates_long: Option<f64>,
    pub message_id: i64,
    pub account_id: AccountId,
    pub created_at: Timestamp,
    pub fallback_title: Option<String>,
    pub extension: Option<String>,
    pub meta: Option<Json<Value>>,
    pub blob_id: Option<i64>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub byte_size: Option<i64>,
}

pub struct NewAttachment<'a> {
    pub account_id: AccountId,
    pub message_id: i64,
    pub file_type: i32,
    pub extension: Option<&'a str>,
    pub external_url: Option<&'a str>,
    pub fallback_title: Option<&'a str>,
}

macro_rules! attachment_select {
    () => {
        "SELECT a.id, a.file_type, a.external_url, a.coordinates_lat, a.coordinates_long, a.message_id, \
         a.account_id, a.created_at, a.fallback_title, a.extension, a.meta, \
         b.id AS blob_id, b.filename, b.content_type, b.byte_size \
         FROM attachments a \
         LEFT JOIN active_storage_attachments l \
           ON l.record_type = 'Attachment' AND l.record_id = a.id AND l.name = 'file' \
         LEFT JOIN active_storage_blobs b ON b.id = l.blob_id "
    };
}

/// Inserts the attachment row and returns its id; `link` ties its file.
pub async fn insert(mut ex: Ex<'_>, a: &NewAttachment<'_>, now: Timestamp) -> StoreResult<i64> {
    Ok(scalar!(
        one,
        ex.re(),
        "INSERT INTO attachments (file_type, external_url, message_id, account_id, created_at, updated_at, \
         fallback_title, extension, meta) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, '{}') RETURNING id",
        a.file_type,
        a.external_url,
        a.message_id,
        a.account_id,
        now,
        a.fallback_title,
        a.extension
    )?)
}

/// The attachments of these messages, oldest first.
pub async fn for_messages(ex: Ex<'_>, messages: &[i64]) -> StoreResult<Vec<Attachment>> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::new(concat!(attachment_select!(), "WHERE a.message_id IN "));
    q.bind_list(messages.iter().map(|m| Arg::Int(*m)))
        .push(" ORDER BY a.id");
    query::fetch_all(ex, &q).await
}

/// A page of a conversation's attachments, newest first, and their total.
pub async fn for_conversation(
    mut ex: Ex<'_>,
    conversation: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<Attachment>)> {
    let total: i64 = scalar!(
        one,
        ex.re(),
        "SELECT COUNT(*) FROM attachments a JOIN messages m ON m.id = a.message_id \
         WHERE m.conversation_id = $1",
        conversation
    )?;
    let rows = fetch!(
        all,
        ex.re(),
        concat!(
            attachment_select!(),
            "JOIN messages m ON m.id = a.message_id WHERE m.conversation_id = $1 \
             ORDER BY a.created_at DESC, a.id DESC LIMIT $2 OFFSET $3"
        ),
        conversation,
        limit,
        offset
    )?;
    Ok((total, rows))
}

/// Removes a message's attachments and their blobs; returns the blob keys, so the
/// objects can be deleted once the transaction has committed.
pub async fn delete_for_message(mut ex: Ex<'_>, message: i64) -> StoreResult<Vec<String>> {
    let keys: Vec<(i64, String)> = fetch!(
        all,
        ex.re(),
        "SELECT b.id, b.key FROM active_storage_blobs b \
         JOIN active_storage_attachments l ON l.blob_id = b.id AND l.record_type = 'Attachment' \
         JOIN attachments a ON a.id = l.record_id WHERE a.message_id = $1",
        message
    )?;
    exec!(
        ex.re(),
        "DELETE FROM active_storage_attachments WHERE record_type = 'Attachment' \
         AND record_id IN (SELECT id FROM attachments WHERE message_id = $1)",
        message
    )?;
    exec!(
        ex.re(),
        "DELETE FROM attachments WHERE message_id = $1",
        message
    )?;
    // A blob another record still uses (a reused signed id) stays, and so does its object.
    let mut gone = Vec::new();
    for (id, key) in keys {
        let deleted = exec!(
            ex.re(),
            "DELETE FROM active_storage_blobs WHERE id = $1 \
             AND NOT EXISTS (SELECT 1 FROM active_storage_attachments WHERE blob_id = $1)",
            id
        )?;
        if deleted > 0 {
            gone.push(key);
        }
    }
    Ok(gone)
}
