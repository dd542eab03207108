use sqlx::FromRow;
use switchboard_domain::{PlatformAppId, Timestamp};

use crate::{Ex, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct PlatformApp {
    pub id: PlatformAppId,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The kinds of object a platform app can own, with Chatwoot's `permissible_type` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permissible {
    Account(i64),
    User(i64),
    AgentBot(i64),
}

impl Permissible {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Permissible::Account(id) => ("Account", id),
            Permissible::User(id) => ("User", id),
            Permissible::AgentBot(id) => ("AgentBot", id),
        }
    }
}

pub async fn find(mut ex: Ex<'_>, id: PlatformAppId) -> StoreResult<PlatformApp> {
    const SQL: &str = "SELECT id, name, created_at, updated_at FROM platform_apps WHERE id = $1";
    Ok(fetch!(one, ex.re(), SQL, id)?)
}

pub async fn insert(mut ex: Ex<'_>, name: &str, now: Timestamp) -> StoreResult<PlatformApp> {
    const SQL: &str = "INSERT INTO platform_apps (name, created_at, updated_at) VALUES ($1, $2, $2) \
         RETURNING id, name, created_at, updated_at";
    Ok(fetch!(one, ex.re(), SQL, name, now)?)
}

pub async fn is_permitted(
    mut ex: Ex<'_>,
    app: PlatformAppId,
    object: Permissible,
) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM platform_app_permissibles \
         WHERE platform_app_id = $1 AND permissible_type = $2 AND permissible_id = $3";
    let (t, id) = object.parts();
    let n: i64 = scalar!(one, ex.re(), SQL, app, t, id)?;
    Ok(n > 0)
}

/// Records that `app` may act on `object`; idempotent.
pub async fn permit(
    mut ex: Ex<'_>,
    app: PlatformAppId,
    object: Permissible,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO platform_app_permissibles \
         (platform_app_id, permissible_type, permissible_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (platform_app_id, permissible_id, permissible_type) DO NOTHING";
    let (t, id) = object.parts();
    exec!(ex.re(), SQL, app, t, id, now)?;
    Ok(())
}

/// Drops every app's permission on a deleted object.
pub async fn forget(mut ex: Ex<'_>, object: Permissible) -> StoreResult<()> {
    const SQL: &str =
        "DELETE FROM platform_app_permissibles WHERE permissible_type = $1 AND permissible_id = $2";
    let (t, id) = object.parts();
    exec!(ex.re(), SQL, t, id)?;
    Ok(())
}

/// The ids of the objects of one kind (`"AgentBot"`, …) that `app` may act on, oldest first.
pub async fn permitted_ids(
    mut ex: Ex<'_>,
    app: PlatformAppId,
    permissible_type: &str,
) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT permissible_id FROM platform_app_permissibles \
         WHERE platform_app_id = $1 AND permissible_type = $2 ORDER BY id";
    Ok(scalar!(all, ex.re(), SQL, app, permissible_type)?)
}
