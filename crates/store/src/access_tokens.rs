//! `access_tokens`: the `api_access_token` of users, agent bots and platform apps.
//! Stored as given (as Chatwoot does), because the profile shows it back to its owner.

use sqlx::FromRow;
use switchboard_domain::Timestamp;

use crate::{Ex, StoreResult, exec, fetch, scalar};

/// The polymorphic owner, with Chatwoot's `owner_type` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    User(i64),
    PlatformApp(i64),
    AgentBot(i64),
}

impl Owner {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Owner::User(id) => ("User", id),
            Owner::PlatformApp(id) => ("PlatformApp", id),
            Owner::AgentBot(id) => ("AgentBot", id),
        }
    }
}

#[derive(Debug, FromRow)]
struct Row {
    owner_type: Option<String>,
    owner_id: Option<i64>,
}

pub async fn find_owner(mut ex: Ex<'_>, token: &str) -> StoreResult<Option<Owner>> {
    const SQL: &str = "SELECT owner_type, owner_id FROM access_tokens WHERE token = $1";
    let row: Option<Row> = fetch!(optional, ex.re(), SQL, token)?;
    Ok(
        row.and_then(|r| match (r.owner_type.as_deref(), r.owner_id) {
            (Some("User"), Some(id)) => Some(Owner::User(id)),
            (Some("PlatformApp"), Some(id)) => Some(Owner::PlatformApp(id)),
            (Some("AgentBot"), Some(id)) => Some(Owner::AgentBot(id)),
            _ => None,
        }),
    )
}

pub async fn token_of(mut ex: Ex<'_>, owner: Owner) -> StoreResult<Option<String>> {
    const SQL: &str = "SELECT token FROM access_tokens WHERE owner_type = $1 AND owner_id = $2 ORDER BY id LIMIT 1";
    let (t, id) = owner.parts();
    Ok(scalar!(optional, ex.re(), SQL, t, id)?)
}

pub async fn insert(mut ex: Ex<'_>, owner: Owner, token: &str, now: Timestamp) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO access_tokens (owner_type, owner_id, token, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4)";
    let (t, id) = owner.parts();
    exec!(ex.re(), SQL, t, id, token, now)?;
    Ok(())
}

/// Replaces the owner's token (`reset_access_token`), creating it if missing.
pub async fn replace(mut ex: Ex<'_>, owner: Owner, token: &str, now: Timestamp) -> StoreResult<()> {
    const SQL: &str = "UPDATE access_tokens SET token = $3, updated_at = $4 WHERE owner_type = $1 AND owner_id = $2";
    let (t, id) = owner.parts();
    let n = exec!(ex.re(), SQL, t, id, token, now)?;
    if n == 0 {
        insert(ex, owner, token, now).await?;
    }
    Ok(())
}

pub async fn delete_for(mut ex: Ex<'_>, owner: Owner) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM access_tokens WHERE owner_type = $1 AND owner_id = $2";
    let (t, id) = owner.parts();
    exec!(ex.re(), SQL, t, id)?;
    Ok(())
}
