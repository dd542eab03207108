use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::{Ex, Json, StoreError, StoreResult, exec, fetch};

#[derive(Clone, Debug, FromRow)]
pub struct Definition {
    pub id: i64,
    pub attribute_display_name: Option<String>,
    pub attribute_key: Option<String>,
    pub attribute_display_type: Option<i32>,
    pub default_value: Option<i32>,
    pub attribute_model: Option<i32>,
    pub account_id: Option<AccountId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub attribute_description: Option<String>,
    pub attribute_values: Option<Json<Value>>,
    pub regex_pattern: Option<String>,
    pub regex_cue: Option<String>,
}

macro_rules! columns {
    () => {
        "id, attribute_display_name, attribute_key, attribute_display_type, default_value, attribute_model, \
         account_id, created_at, updated_at, attribute_description, attribute_values, regex_pattern, regex_cue"
    };
}

/// The writable columns.
#[derive(Clone, Debug)]
pub struct DefinitionFields {
    pub attribute_display_name: String,
    pub attribute_key: String,
    pub attribute_display_type: i32,
    pub default_value: Option<i32>,
    pub attribute_model: i32,
    pub attribute_description: Option<String>,
    pub attribute_values: Value,
    pub regex_pattern: Option<String>,
    pub regex_cue: Option<String>,
}

pub async fn list(
    mut ex: Ex<'_>,
    account: AccountId,
    model: Option<i32>,
) -> StoreResult<Vec<Definition>> {
    const ALL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM custom_attribute_definitions WHERE account_id = $1 ORDER BY id"
    );
    const BY_MODEL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM custom_attribute_definitions WHERE account_id = $1 AND attribute_model = $2 ORDER BY id"
    );
    Ok(match model {
        None => fetch!(all, ex.re(), ALL, account)?,
        Some(m) => fetch!(all, ex.re(), BY_MODEL, account, m)?,
    })
}

pub async fn find(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<Definition> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM custom_attribute_definitions WHERE account_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, id)?)
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    f: &DefinitionFields,
    now: Timestamp,
) -> StoreResult<Definition> {
    const SQL: &str = concat!(
        "INSERT INTO custom_attribute_definitions (attribute_display_name, attribute_key, attribute_display_type, \
         default_value, attribute_model, account_id, created_at, updated_at, attribute_description, \
         attribute_values, regex_pattern, regex_cue) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        &f.attribute_display_name,
        &f.attribute_key,
        f.attribute_display_type,
        f.default_value,
        f.attribute_model,
        account,
        now,
        &f.attribute_description,
        Json(&f.attribute_values),
        &f.regex_pattern,
        &f.regex_cue
    )?)
}

pub async fn update(
    mut ex: Ex<'_>,
    account: AccountId,
    id: i64,
    f: &DefinitionFields,
    now: Timestamp,
) -> StoreResult<Definition> {
    const SQL: &str = concat!(
        "UPDATE custom_attribute_definitions SET attribute_display_name = $3, attribute_key = $4, \
         attribute_display_type = $5, default_value = $6, attribute_model = $7, attribute_description = $8, \
         attribute_values = $9, regex_pattern = $10, regex_cue = $11, updated_at = $12 \
         WHERE account_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        id,
        &f.attribute_display_name,
        &f.attribute_key,
        f.attribute_display_type,
        f.default_value,
        f.attribute_model,
        &f.attribute_description,
        Json(&f.attribute_values),
        &f.regex_pattern,
        &f.regex_cue,
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM custom_attribute_definitions WHERE account_id = $1 AND id = $2";
    if exec!(ex.re(), SQL, account, id)? == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
