//! A conversation's unsent reply (Chatwoot keeps it in Redis; here it is a row, so every
//! process sees it and a restart keeps it).

use switchboard_domain::Timestamp;

use crate::{Ex, StoreResult, exec, scalar};

pub async fn find(mut ex: Ex<'_>, conversation: i64) -> StoreResult<Option<String>> {
    Ok(scalar!(
        optional,
        ex.re(),
        "SELECT message FROM conversation_drafts WHERE conversation_id = $1",
        conversation
    )?)
}

pub async fn save(
    mut ex: Ex<'_>,
    conversation: i64,
    message: &str,
    now: Timestamp,
) -> StoreResult<()> {
    exec!(
        ex.re(),
        "INSERT INTO conversation_drafts (conversation_id, message, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (conversation_id) DO UPDATE SET message = excluded.message, updated_at = excluded.updated_at",
        conversation,
        message,
        now
    )?;
    Ok(())
}

pub async fn delete(mut ex: Ex<'_>, conversation: i64) -> StoreResult<()> {
    exec!(
        ex.re(),
        "DELETE FROM conversation_drafts WHERE conversation_id = $1",
        conversation
    )?;
    Ok(())
}
