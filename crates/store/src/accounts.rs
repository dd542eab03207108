use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp, attributes};

use crate::{Ex, Json, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub locale: Option<i32>,
    pub domain: Option<String>,
    pub support_email: Option<String>,
    pub feature_flags: i64,
    pub auto_resolve_duration: Option<i32>,
    pub limits: Option<Json<Value>>,
    pub custom_attributes: Option<Json<Value>>,
    pub status: Option<i32>,
    pub settings: Option<Json<Value>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The columns `Account` reads, for every query that returns one.
macro_rules! columns {
    () => {
        "id, name, locale, domain, support_email, feature_flags, auto_resolve_duration, \
         limits, custom_attributes, status, settings, created_at, updated_at"
    };
}

/// The writable columns of an account.
#[derive(Clone, Debug)]
pub struct AccountFields {
    pub name: String,
    pub locale: i32,
    pub domain: Option<String>,
    pub support_email: Option<String>,
    pub feature_flags: i64,
    pub auto_resolve_duration: Option<i32>,
    pub limits: Value,
    pub custom_attributes: Value,
    pub status: i32,
    pub settings: Value,
}

impl From<&Account> for AccountFields {
    fn from(a: &Account) -> Self {
        let json = |v: &Option<Json<Value>>| attributes::object(v.as_ref().map(|j| &j.0));
        Self {
            name: a.name.clone(),
            locale: a.locale.unwrap_or(0),
            domain: a.domain.clone(),
            support_email: a.support_email.clone(),
            feature_flags: a.feature_flags,
            auto_resolve_duration: a.auto_resolve_duration,
            limits: json(&a.limits),
            custom_attributes: json(&a.custom_attributes),
            status: a.status.unwrap_or(0),
            settings: json(&a.settings),
        }
    }
}

pub async fn find(mut ex: Ex<'_>, id: AccountId) -> StoreResult<Account> {
    const SQL: &str = concat!("SELECT ", columns!(), " FROM accounts WHERE id = $1");
    Ok(fetch!(one, ex.re(), SQL, id)?)
}

pub async fn insert(mut ex: Ex<'_>, f: &AccountFields, now: Timestamp) -> StoreResult<Account> {
    const SQL: &str = concat!(
        "INSERT INTO accounts (name, locale, domain, support_email, feature_flags, \
         auto_resolve_duration, limits, custom_attributes, status, settings, internal_attributes, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '{}', $11, $11) \
         RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        &f.name,
        f.locale,
        &f.domain,
        &f.support_email,
        f.feature_flags,
        f.auto_resolve_duration,
        Json(&f.limits),
        Json(&f.custom_attributes),
        f.status,
        Json(&f.settings),
        now
    )?)
}

pub async fn update(
    mut ex: Ex<'_>,
    id: AccountId,
    f: &AccountFields,
    now: Timestamp,
) -> StoreResult<Account> {
    const SQL: &str = concat!(
        "UPDATE accounts SET name = $2, locale = $3, domain = $4, support_email = $5, \
         feature_flags = $6, auto_resolve_duration = $7, limits = $8, custom_attributes = $9, \
         status = $10, settings = $11, updated_at = $12 WHERE id = $1 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        id,
        &f.name,
        f.locale,
        &f.domain,
        &f.support_email,
        f.feature_flags,
        f.auto_resolve_duration,
        Json(&f.limits),
        Json(&f.custom_attributes),
        f.status,
        Json(&f.settings),
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, id: AccountId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM accounts WHERE id = $1";
    let done = exec!(ex.re(), SQL, id)?;
    if done == 0 {
        Err(crate::StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub async fn count(mut ex: Ex<'_>) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM accounts";
    Ok(scalar!(one, ex.re(), SQL)?)
}

/// The accounts a platform app may act on.
pub async fn list_permitted(
    mut ex: Ex<'_>,
    app: switchboard_domain::PlatformAppId,
) -> StoreResult<Vec<Account>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM accounts WHERE id IN (SELECT permissible_id FROM platform_app_permissibles \
         WHERE platform_app_id = $1 AND permissible_type = 'Account') ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, app)?)
}
