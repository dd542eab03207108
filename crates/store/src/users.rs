use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp, UserId, attributes};

use crate::{Ex, Json, StoreError, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct User {
    pub id: UserId,
    pub provider: String,
    pub uid: String,
    pub encrypted_password: String,
    pub name: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub pubsub_token: Option<String>,
    pub availability: Option<i32>,
    pub ui_settings: Option<Json<Value>>,
    pub custom_attributes: Option<Json<Value>>,
    /// Rails STI: `SuperAdmin` or NULL.
    #[sqlx(rename = "type")]
    pub user_type: Option<String>,
    pub message_signature: Option<String>,
    pub confirmed_at: Option<Timestamp>,
    pub sign_in_count: i32,
    pub current_sign_in_at: Option<Timestamp>,
    pub last_sign_in_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, provider, uid, encrypted_password, name, display_name, email, pubsub_token, \
         availability, ui_settings, custom_attributes, type, message_signature, confirmed_at, \
         sign_in_count, current_sign_in_at, last_sign_in_at, created_at, updated_at"
    };
}

/// The writable profile columns of a user.
#[derive(Clone, Debug)]
pub struct UserFields {
    pub name: String,
    pub display_name: Option<String>,
    pub email: String,
    pub availability: i32,
    pub ui_settings: Value,
    pub custom_attributes: Value,
    pub message_signature: Option<String>,
}

impl From<&User> for UserFields {
    fn from(u: &User) -> Self {
        let json = |v: &Option<Json<Value>>| attributes::object(v.as_ref().map(|j| &j.0));
        Self {
            name: u.name.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone().unwrap_or_default(),
            availability: u.availability.unwrap_or(0),
            ui_settings: json(&u.ui_settings),
            custom_attributes: json(&u.custom_attributes),
            message_signature: u.message_signature.clone(),
        }
    }
}

pub struct NewUser<'a> {
    pub fields: &'a UserFields,
    pub encrypted_password: &'a str,
    pub pubsub_token: &'a str,
    pub user_type: Option<&'a str>,
    pub confirmed_at: Option<Timestamp>,
}

pub async fn find(mut ex: Ex<'_>, id: UserId) -> StoreResult<User> {
    const SQL: &str = concat!("SELECT ", columns!(), " FROM users WHERE id = $1");
    Ok(fetch!(one, ex.re(), SQL, id)?)
}

/// The user an `api_access_token` belongs to, in one statement (the common case of
/// every API request).
pub async fn find_by_access_token(mut ex: Ex<'_>, token: &str) -> StoreResult<Option<User>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE id = (SELECT owner_id FROM access_tokens \
         WHERE token = $1 AND owner_type = 'User')"
    );
    Ok(fetch!(optional, ex.re(), SQL, token)?)
}

/// Emails are stored lower-cased (Devise's `case_insensitive_keys`).
pub async fn find_by_email(mut ex: Ex<'_>, email: &str) -> StoreResult<Option<User>> {
    const SQL: &str = concat!("SELECT ", columns!(), " FROM users WHERE email = $1");
    Ok(fetch!(optional, ex.re(), SQL, email.to_lowercase())?)
}

/// The users who are members of `account`, by id.
pub async fn list_for_account(mut ex: Ex<'_>, account: AccountId) -> StoreResult<Vec<User>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE id IN (SELECT user_id FROM account_users WHERE account_id = $1) ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, account)?)
}

pub async fn insert(mut ex: Ex<'_>, u: &NewUser<'_>, now: Timestamp) -> StoreResult<User> {
    const SQL: &str = concat!(
        "INSERT INTO users (provider, uid, encrypted_password, name, display_name, email, \
         pubsub_token, availability, ui_settings, custom_attributes, type, message_signature, \
         confirmed_at, sign_in_count, created_at, updated_at) \
         VALUES ('email', $1, $2, $3, $4, $1, $5, $6, $7, $8, $9, $10, $11, 0, $12, $12) RETURNING ",
        columns!()
    );
    let f = u.fields;
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        &f.email,
        u.encrypted_password,
        &f.name,
        &f.display_name,
        u.pubsub_token,
        f.availability,
        Json(&f.ui_settings),
        Json(&f.custom_attributes),
        u.user_type,
        &f.message_signature,
        u.confirmed_at,
        now
    )?)
}

/// Saves the profile; `uid` follows the email as devise_token_auth keeps it.
pub async fn update(
    mut ex: Ex<'_>,
    id: UserId,
    f: &UserFields,
    now: Timestamp,
) -> StoreResult<User> {
    const SQL: &str = concat!(
        "UPDATE users SET name = $2, display_name = $3, email = $4, uid = $4, availability = $5, \
         ui_settings = $6, custom_attributes = $7, message_signature = $8, updated_at = $9 \
         WHERE id = $1 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        id,
        &f.name,
        &f.display_name,
        &f.email,
        f.availability,
        Json(&f.ui_settings),
        Json(&f.custom_attributes),
        &f.message_signature,
        now
    )?)
}

pub async fn set_password(
    mut ex: Ex<'_>,
    id: UserId,
    encrypted_password: &str,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET encrypted_password = $2, updated_at = $3 WHERE id = $1";
    let n = exec!(ex.re(), SQL, id, encrypted_password, now)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub async fn set_user_type(
    mut ex: Ex<'_>,
    id: UserId,
    user_type: Option<&str>,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET type = $2, updated_at = $3 WHERE id = $1";
    exec!(ex.re(), SQL, id, user_type, now)?;
    Ok(())
}

/// Devise's trackable columns, updated at each sign-in.
pub async fn record_sign_in(
    mut ex: Ex<'_>,
    id: UserId,
    ip: Option<&str>,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET sign_in_count = sign_in_count + 1, \
         last_sign_in_at = current_sign_in_at, current_sign_in_at = $2, \
         last_sign_in_ip = current_sign_in_ip, current_sign_in_ip = $3 WHERE id = $1";
    exec!(ex.re(), SQL, id, now, ip)?;
    Ok(())
}

pub async fn set_pubsub_token(mut ex: Ex<'_>, id: UserId, token: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET pubsub_token = $2 WHERE id = $1";
    exec!(ex.re(), SQL, id, token)?;
    Ok(())
}

pub async fn delete(mut ex: Ex<'_>, id: UserId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM users WHERE id = $1";
    let n = exec!(ex.re(), SQL, id)?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub async fn count(mut ex: Ex<'_>) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM users";
    Ok(scalar!(one, ex.re(), SQL)?)
}

pub async fn confirm(mut ex: Ex<'_>, id: UserId, now: Timestamp) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET confirmed_at = COALESCE(confirmed_at, $2) WHERE id = $1";
    exec!(ex.re(), SQL, id, now)?;
    Ok(())
}

/// The `pubsub_token`s of the agents who see an inbox's conversations live: its members
/// and the account's administrators (Chatwoot's recipients for conversation events).
pub async fn pubsub_tokens_for_inbox(
    mut ex: Ex<'_>,
    account: AccountId,
    inbox: i64,
) -> StoreResult<Vec<String>> {
    Ok(crate::scalar!(
        all,
        ex.re(),
        "SELECT u.pubsub_token FROM users u JOIN account_users au ON au.user_id = u.id \
         WHERE au.account_id = $1 AND u.pubsub_token IS NOT NULL \
         AND (au.role = 1 OR u.id IN (SELECT user_id FROM inbox_members WHERE inbox_id = $2)) \
         ORDER BY u.id",
        account,
        inbox
    )?)
}

/// Stores the digest of a new password-reset (or invitation) token and when it was sent.
pub async fn set_reset_token(
    mut ex: Ex<'_>,
    id: UserId,
    digest: &str,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE users SET reset_password_token = $2, reset_password_sent_at = $3 WHERE id = $1";
    exec!(ex.re(), SQL, id, digest, now)?;
    Ok(())
}

/// The user a reset token's digest names, with when it was sent.
pub async fn find_by_reset_token(
    mut ex: Ex<'_>,
    digest: &str,
) -> StoreResult<Option<(User, Option<Timestamp>)>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE reset_password_token = $1"
    );
    const SENT: &str = "SELECT reset_password_sent_at FROM users WHERE id = $1";
    let Some(user): Option<User> = fetch!(optional, ex.re(), SQL, digest)? else {
        return Ok(None);
    };
    let sent: Option<Timestamp> = scalar!(one, ex.re(), SENT, user.id)?;
    Ok(Some((user, sent)))
}

/// A reset done: the new password, the token spent (as Devise, the confirmation token
/// too) and the user confirmed, since only they could read the mail.
pub async fn complete_reset(
    mut ex: Ex<'_>,
    id: UserId,
    encrypted_password: &str,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET encrypted_password = $2, reset_password_token = NULL, \
         reset_password_sent_at = NULL, confirmation_token = NULL, \
         confirmed_at = COALESCE(confirmed_at, $3), updated_at = $3 WHERE id = $1";
    exec!(ex.re(), SQL, id, encrypted_password, now)?;
    Ok(())
}

/// Stores the digest of a new confirmation token and when it was sent.
pub async fn set_confirmation_token(
    mut ex: Ex<'_>,
    id: UserId,
    digest: &str,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE users SET confirmation_token = $2, confirmation_sent_at = $3 WHERE id = $1";
    exec!(ex.re(), SQL, id, digest, now)?;
    Ok(())
}

pub async fn find_by_confirmation_token(mut ex: Ex<'_>, digest: &str) -> StoreResult<Option<User>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE confirmation_token = $1"
    );
    Ok(fetch!(optional, ex.re(), SQL, digest)?)
}
