//! `macros` (Chatwoot's Macro): saved lists of actions an agent runs on conversations.
//! visibility: personal 0 (its creator's only), global 1.

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp, UserId};

use crate::{Ex, Json, StoreError, StoreResult, exec, fetch};

pub const PERSONAL: i32 = 0;
pub const GLOBAL: i32 = 1;

#[derive(Clone, Debug, FromRow)]
pub struct Macro {
    pub id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub visibility: Option<i32>,
    pub created_by_id: Option<UserId>,
    pub updated_by_id: Option<UserId>,
    pub actions: Json<Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Macro {
    pub fn is_global(&self) -> bool {
        self.visibility == Some(GLOBAL)
    }
}

macro_rules! columns {
    () => {
        "id, account_id, name, visibility, created_by_id, updated_by_id, actions, created_at, updated_at"
    };
}

/// The account's global macros and `user`'s personal ones (Macro.with_visibility).
pub async fn visible_to(
    mut ex: Ex<'_>,
    account: AccountId,
    user: UserId,
) -> StoreResult<Vec<Macro>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM macros WHERE account_id = $1 AND (visibility = $2 OR created_by_id = $3) ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, account, GLOBAL, user)?)
}

pub async fn find(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<Macro> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM macros WHERE account_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, id)?)
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    name: &str,
    visibility: i32,
    actions: &Value,
    by: UserId,
    now: Timestamp,
) -> StoreResult<Macro> {
    const SQL: &str = concat!(
        "INSERT INTO macros (account_id, name, visibility, created_by_id, updated_by_id, actions, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $5, $6, $6) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        name,
        visibility,
        by,
        Json(actions),
        now
    )?)
}

pub async fn update(mut ex: Ex<'_>, m: &Macro, now: Timestamp) -> StoreResult<Macro> {
    const SQL: &str = concat!(
        "UPDATE macros SET name = $3, visibility = $4, updated_by_id = $5, actions = $6, \
         updated_at = $7 WHERE account_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        m.account_id,
        m.id,
        &m.name,
        m.visibility,
        m.updated_by_id,
        Json(&m.actions.0),
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM macros WHERE account_id = $1 AND id = $2";
    if exec!(ex.re(), SQL, account, id)? == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
