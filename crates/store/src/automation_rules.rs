//! `automation_rules` (Chatwoot's AutomationRule): an account's rules, and the one cheap
//! question a change asks before it enqueues automation.

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::{Ex, Json, StoreError, StoreResult, exec, fetch};

#[derive(Clone, Debug, FromRow)]
pub struct AutomationRule {
    pub id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub description: Option<String>,
    pub event_name: String,
    pub conditions: Json<Value>,
    pub actions: Json<Value>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, account_id, name, description, event_name, conditions, actions, active, created_at, updated_at"
    };
}

/// What an administrator sets on a rule.
pub struct Fields<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub event_name: &'a str,
    pub conditions: &'a Value,
    pub actions: &'a Value,
    pub active: bool,
}

pub async fn list(mut ex: Ex<'_>, account: AccountId) -> StoreResult<Vec<AutomationRule>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM automation_rules WHERE account_id = $1 ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, account)?)
}

/// The account's active rules for `event`, in id order (the order Chatwoot runs them).
pub async fn active_for(
    mut ex: Ex<'_>,
    account: AccountId,
    event: &str,
) -> StoreResult<Vec<AutomationRule>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM automation_rules WHERE account_id = $1 AND event_name = $2 AND active = $3 ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, account, event, true)?)
}

/// Whether the account has an active rule for `event`: asked inside a change's
/// transaction, so an account without rules pays one read per change and no job.
pub async fn any_active(mut ex: Ex<'_>, account: AccountId, event: &str) -> StoreResult<bool> {
    Ok(crate::scalar!(
        one,
        ex.re(),
        "SELECT EXISTS (SELECT 1 FROM automation_rules WHERE account_id = $1 AND event_name = $2 \
         AND active = $3)",
        account,
        event,
        true
    )?)
}

pub async fn find(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<AutomationRule> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM automation_rules WHERE account_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, id)?)
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    f: &Fields<'_>,
    now: Timestamp,
) -> StoreResult<AutomationRule> {
    const SQL: &str = concat!(
        "INSERT INTO automation_rules (account_id, name, description, event_name, conditions, \
         actions, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        f.name,
        f.description,
        f.event_name,
        Json(f.conditions),
        Json(f.actions),
        f.active,
        now
    )?)
}

pub async fn update(
    mut ex: Ex<'_>,
    account: AccountId,
    id: i64,
    f: &Fields<'_>,
    now: Timestamp,
) -> StoreResult<AutomationRule> {
    const SQL: &str = concat!(
        "UPDATE automation_rules SET name = $3, description = $4, event_name = $5, conditions = $6, \
         actions = $7, active = $8, updated_at = $9 WHERE account_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        id,
        f.name,
        f.description,
        f.event_name,
        Json(f.conditions),
        Json(f.actions),
        f.active,
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM automation_rules WHERE account_id = $1 AND id = $2";
    if exec!(ex.re(), SQL, account, id)? == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
