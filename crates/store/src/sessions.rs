//! Dashboard sessions (devise_token_auth's `client` + `access-token`) and the Platform
//! API's one-time SSO login tokens. Only SHA-256 digests of the secrets are stored.

use sqlx::FromRow;
use switchboard_domain::{Timestamp, UserId};

use crate::{Ex, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct Session {
    pub id: i64,
    pub user_id: UserId,
    pub client: String,
    pub token_digest: String,
    pub expires_at: Timestamp,
}

pub async fn find_by_client(mut ex: Ex<'_>, client: &str) -> StoreResult<Option<Session>> {
    const SQL: &str =
        "SELECT id, user_id, client, token_digest, expires_at FROM user_sessions WHERE client = $1";
    Ok(fetch!(optional, ex.re(), SQL, client)?)
}

pub async fn insert(
    mut ex: Ex<'_>,
    user_id: UserId,
    client: &str,
    token_digest: &str,
    expires_at: Timestamp,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO user_sessions (user_id, client, token_digest, expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)";
    exec!(ex.re(), SQL, user_id, client, token_digest, expires_at, now)?;
    Ok(())
}

/// Keeps the user's `keep` newest sessions (devise_token_auth's device limit) and
/// drops expired ones.
pub async fn prune(mut ex: Ex<'_>, user_id: UserId, keep: i64, now: Timestamp) -> StoreResult<()> {
    const EXPIRED: &str = "DELETE FROM user_sessions WHERE user_id = $1 AND expires_at < $2";
    const OLDEST: &str = "DELETE FROM user_sessions WHERE user_id = $1 AND id NOT IN \
         (SELECT id FROM user_sessions WHERE user_id = $1 ORDER BY id DESC LIMIT $2)";
    exec!(ex.re(), EXPIRED, user_id, now)?;
    exec!(ex.re(), OLDEST, user_id, keep)?;
    Ok(())
}

pub async fn delete_by_client(mut ex: Ex<'_>, client: &str) -> StoreResult<u64> {
    const SQL: &str = "DELETE FROM user_sessions WHERE client = $1";
    Ok(exec!(ex.re(), SQL, client)?)
}

/// Ends every session of the user but `keep` (a password change on one device).
pub async fn delete_others(mut ex: Ex<'_>, user_id: UserId, keep: Option<&str>) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM user_sessions WHERE user_id = $1 AND client <> $2";
    exec!(ex.re(), SQL, user_id, keep.unwrap_or_default())?;
    Ok(())
}

/// Signs the user out everywhere (password change or reset).
pub async fn delete_for_user(mut ex: Ex<'_>, user_id: UserId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM user_sessions WHERE user_id = $1";
    exec!(ex.re(), SQL, user_id)?;
    Ok(())
}

pub async fn insert_sso_token(
    mut ex: Ex<'_>,
    user_id: UserId,
    token_digest: &str,
    expires_at: Timestamp,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO user_sso_tokens (user_id, token_digest, expires_at, created_at) VALUES ($1, $2, $3, $4)";
    exec!(ex.re(), SQL, user_id, token_digest, expires_at, now)?;
    Ok(())
}

/// Consumes a one-time SSO token: true when it existed for this user and had not expired.
pub async fn take_sso_token(
    mut ex: Ex<'_>,
    user_id: UserId,
    token_digest: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str =
        "DELETE FROM user_sso_tokens WHERE user_id = $1 AND token_digest = $2 RETURNING expires_at";
    let expires: Option<Timestamp> = scalar!(optional, ex.re(), SQL, user_id, token_digest)?;
    Ok(expires.is_some_and(|t| t > now))
}

/// An OpenID Connect sign-in waiting for its callback.
#[derive(Clone, Debug, FromRow)]
pub struct OidcSignIn {
    pub nonce: String,
    pub pkce_verifier: String,
    pub expires_at: Timestamp,
}

pub async fn insert_oidc_sign_in(
    mut ex: Ex<'_>,
    state_digest: &str,
    nonce: &str,
    pkce_verifier: &str,
    expires_at: Timestamp,
    now: Timestamp,
) -> StoreResult<()> {
    // Abandoned sign-ins go as new ones start, so the table stays small without a job.
    const EXPIRED: &str = "DELETE FROM oidc_sign_ins WHERE expires_at < $1";
    const SQL: &str = "INSERT INTO oidc_sign_ins (state_digest, nonce, pkce_verifier, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)";
    exec!(ex.re(), EXPIRED, now)?;
    exec!(
        ex.re(),
        SQL,
        state_digest,
        nonce,
        pkce_verifier,
        expires_at,
        now
    )?;
    Ok(())
}

/// Consumes the sign-in started with this state: a second callback with the same state
/// (a replay) finds nothing. Expired rows are returned too; the caller refuses them.
pub async fn take_oidc_sign_in(
    mut ex: Ex<'_>,
    state_digest: &str,
) -> StoreResult<Option<OidcSignIn>> {
    const SQL: &str = "DELETE FROM oidc_sign_ins WHERE state_digest = $1 \
         RETURNING nonce, pkce_verifier, expires_at";
    Ok(fetch!(optional, ex.re(), SQL, state_digest)?)
}
