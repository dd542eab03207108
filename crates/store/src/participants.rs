//! Conversation participants: agents who follow a conversation they are not assigned to.

use switchboard_domain::{AccountId, Timestamp, UserId};

use crate::{Ex, StoreResult, exec, scalar};

pub async fn user_ids(mut ex: Ex<'_>, conversation: i64) -> StoreResult<Vec<UserId>> {
    Ok(scalar!(
        all,
        ex.re(),
        "SELECT user_id FROM conversation_participants WHERE conversation_id = $1 ORDER BY id",
        conversation
    )?)
}

/// Adds `user` unless already there.
pub async fn add(
    mut ex: Ex<'_>,
    account: AccountId,
    conversation: i64,
    user: UserId,
    now: Timestamp,
) -> StoreResult<()> {
    exec!(
        ex.re(),
        "INSERT INTO conversation_participants (account_id, user_id, conversation_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (user_id, conversation_id) DO NOTHING",
        account,
        user,
        conversation,
        now
    )?;
    Ok(())
}

pub async fn remove(mut ex: Ex<'_>, conversation: i64, user: UserId) -> StoreResult<()> {
    exec!(
        ex.re(),
        "DELETE FROM conversation_participants WHERE conversation_id = $1 AND user_id = $2",
        conversation,
        user
    )?;
    Ok(())
}
