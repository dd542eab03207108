use sqlx::FromRow;
use switchboard_domain::{AccountId, AccountUserId, Timestamp, UserId};

use crate::{Ex, StoreError, StoreResult, exec, fetch, scalar};

/// A user's membership of an account: role and per-account availability.
#[derive(Clone, Debug, FromRow)]
pub struct AccountUser {
    pub id: AccountUserId,
    pub account_id: AccountId,
    pub user_id: UserId,
    pub role: Option<i32>,
    pub inviter_id: Option<UserId>,
    pub active_at: Option<Timestamp>,
    pub availability: i32,
    pub auto_offline: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Whether a socket of the user is open now: not stored, but marked by `core` from
    /// presence, so that views show Chatwoot's `availability_status`.
    #[sqlx(skip)]
    pub online: bool,
}

macro_rules! columns {
    () => {
        "id, account_id, user_id, role, inviter_id, active_at, availability, auto_offline, created_at, updated_at"
    };
}

/// A membership with the account it grants, for the profile's `accounts` list.
#[derive(Clone, Debug, FromRow)]
pub struct Membership {
    #[sqlx(flatten)]
    pub account_user: AccountUser,
    pub account_name: String,
    pub account_status: Option<i32>,
}

pub async fn find(
    mut ex: Ex<'_>,
    account_id: AccountId,
    user_id: UserId,
) -> StoreResult<Option<AccountUser>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM account_users WHERE account_id = $1 AND user_id = $2"
    );
    Ok(fetch!(optional, ex.re(), SQL, account_id, user_id)?)
}

/// A membership of an active account: what nearly every request checks first, in one
/// statement. `None` when the account is suspended, unknown, or not the user's.
pub async fn find_active(
    mut ex: Ex<'_>,
    account_id: AccountId,
    user_id: UserId,
) -> StoreResult<Option<AccountUser>> {
    const SQL: &str = "SELECT au.id, au.account_id, au.user_id, au.role, au.inviter_id, au.active_at, \
         au.availability, au.auto_offline, au.created_at, au.updated_at \
         FROM account_users au JOIN accounts a ON a.id = au.account_id \
         WHERE au.account_id = $1 AND au.user_id = $2 AND COALESCE(a.status, 0) = 0";
    Ok(fetch!(optional, ex.re(), SQL, account_id, user_id)?)
}

pub async fn list_for_account(
    mut ex: Ex<'_>,
    account_id: AccountId,
) -> StoreResult<Vec<AccountUser>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM account_users WHERE account_id = $1 ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, account_id)?)
}

pub async fn list_for_user(mut ex: Ex<'_>, user_id: UserId) -> StoreResult<Vec<Membership>> {
    const SQL: &str = "SELECT au.id, au.account_id, au.user_id, au.role, au.inviter_id, au.active_at, \
         au.availability, au.auto_offline, au.created_at, au.updated_at, \
         a.name AS account_name, a.status AS account_status \
         FROM account_users au JOIN accounts a ON a.id = au.account_id \
         WHERE au.user_id = $1 ORDER BY au.id";
    Ok(fetch!(all, ex.re(), SQL, user_id)?)
}

pub struct NewAccountUser {
    pub account_id: AccountId,
    pub user_id: UserId,
    pub role: i32,
    pub inviter_id: Option<UserId>,
    pub availability: i32,
    pub auto_offline: bool,
}

pub async fn insert(
    mut ex: Ex<'_>,
    n: &NewAccountUser,
    now: Timestamp,
) -> StoreResult<AccountUser> {
    const SQL: &str = concat!(
        "INSERT INTO account_users (account_id, user_id, role, inviter_id, availability, auto_offline, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        n.account_id,
        n.user_id,
        n.role,
        n.inviter_id,
        n.availability,
        n.auto_offline,
        now
    )?)
}

pub async fn update(mut ex: Ex<'_>, au: &AccountUser, now: Timestamp) -> StoreResult<AccountUser> {
    const SQL: &str = concat!(
        "UPDATE account_users SET role = $2, availability = $3, auto_offline = $4, active_at = $5, \
         updated_at = $6 WHERE id = $1 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        au.id,
        au.role,
        au.availability,
        au.auto_offline,
        au.active_at,
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, account_id: AccountId, user_id: UserId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM account_users WHERE account_id = $1 AND user_id = $2";
    let n = exec!(ex.re(), SQL, account_id, user_id)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub async fn count_for_user(mut ex: Ex<'_>, user_id: UserId) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM account_users WHERE user_id = $1";
    Ok(scalar!(one, ex.re(), SQL, user_id)?)
}

pub async fn count_administrators(mut ex: Ex<'_>, account_id: AccountId) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM account_users WHERE account_id = $1 AND role = 1";
    Ok(scalar!(one, ex.re(), SQL, account_id)?)
}
