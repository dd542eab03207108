//! `installation_configs`: instance-wide settings. Chatwoot stores each value as
//! `{"value": …}` in `serialized_value`; we keep that shape so imported rows read back.

use serde_json::{Value, json};
use switchboard_domain::Timestamp;

use crate::{Ex, Json, StoreResult, exec, scalar};

pub async fn get(mut ex: Ex<'_>, name: &str) -> StoreResult<Option<Value>> {
    const SQL: &str = "SELECT serialized_value FROM installation_configs WHERE name = $1";
    let row: Option<Json<Value>> = scalar!(optional, ex.re(), SQL, name)?;
    Ok(row.and_then(|Json(v)| v.get("value").cloned()))
}

pub async fn set(mut ex: Ex<'_>, name: &str, value: &Value, now: Timestamp) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO installation_configs (name, serialized_value, locked, created_at, updated_at) \
         VALUES ($1, $2, TRUE, $3, $3) \
         ON CONFLICT (name) DO UPDATE SET serialized_value = excluded.serialized_value, updated_at = excluded.updated_at";
    let wrapped = json!({ "value": value });
    exec!(ex.re(), SQL, name, Json(&wrapped), now)?;
    Ok(())
}
