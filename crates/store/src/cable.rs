//! Lookups for `/cable` subscriptions, like Chatwoot's `RoomChannel#current_user` and
//! `#current_account`.

use crate::{Ex, StoreResult, fetch, scalar};

/// Whether the user `user_id` has `pubsub_token` and belongs to `account_id`.
pub async fn agent_matches(
    mut ex: Ex<'_>,
    pubsub_token: &str,
    user_id: i64,
    account_id: i64,
) -> StoreResult<bool> {
    const SQL: &str = "SELECT u.id FROM users u \
         JOIN account_users au ON au.user_id = u.id \
         WHERE u.pubsub_token = $1 AND u.id = $2 AND au.account_id = $3";
    let found: Option<i64> = scalar!(optional, ex.re(), SQL, pubsub_token, user_id, account_id)?;
    Ok(found.is_some())
}

/// The contact (id, account id) whose contact inbox has `pubsub_token`.
pub async fn contact_by_token(
    mut ex: Ex<'_>,
    pubsub_token: &str,
) -> StoreResult<Option<(i64, i64)>> {
    const SQL: &str = "SELECT c.id, c.account_id FROM contact_inboxes ci \
         JOIN contacts c ON c.id = ci.contact_id \
         WHERE ci.pubsub_token = $1";
    Ok(fetch!(optional, ex.re(), SQL, pubsub_token)?)
}
