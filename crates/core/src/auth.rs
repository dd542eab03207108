//! Who is calling: devise_token_auth sessions, `api_access_token`s, and the account
//! membership every account-scoped action needs.

use switchboard_domain::{AccountId, AccountStatus, Error, Result, Timestamp, UserId};
use switchboard_store::access_tokens::{self, Owner};
use switchboard_store::account_users::{self, AccountUser};
use switchboard_store::users::{self, User};
use switchboard_store::{Ex, accounts, platform_apps, sessions};

use crate::Ctx;
use crate::secrets::{self, Verified};

/// devise_token_auth's `token_lifespan` in Chatwoot: two months.
const SESSION_LIFESPAN_SECONDS: i64 = 5_259_492;
/// devise_token_auth's `max_number_of_devices` in Chatwoot.
const MAX_SESSIONS_PER_USER: i64 = 25;
/// How long a Platform API SSO login link stays valid.
const SSO_TOKEN_LIFESPAN_SECONDS: i64 = 300;

/// The credentials a sign-in hands back as devise_token_auth's response headers.
#[derive(Clone, Debug)]
pub struct SessionTokens {
    pub access_token: String,
    pub client: String,
    pub expiry: Timestamp,
    pub uid: String,
}

/// How a user proves who they are at `POST /auth/sign_in`.
pub enum Proof<'a> {
    Password(&'a str),
    /// A one-time token from the Platform API's `users/:id/login` link.
    SsoToken(&'a str),
}

/// The caller of an `api_access_token` request.
#[derive(Clone, Debug)]
pub enum TokenOwner {
    User(Box<User>),
    PlatformApp(platform_apps::PlatformApp),
    /// Agent bots arrive with the bots issue; their tokens are recognised but not yet served.
    AgentBot(i64),
}

pub async fn sign_in(
    ctx: &Ctx,
    email: &str,
    proof: Proof<'_>,
    ip: Option<&str>,
) -> Result<(User, SessionTokens)> {
    let mut conn = ctx.db.conn().await?;
    let user = users::find_by_email(conn.ex(), email.trim())
        .await?
        .ok_or(Error::BadCredentials)?;
    drop(conn);

    let mut tx = ctx.db.begin().await?;
    let now = Timestamp::now();
    match proof {
        Proof::Password(password) => {
            match secrets::verify_password(password, &user.encrypted_password).await {
                Verified::No => return Err(Error::BadCredentials),
                Verified::Yes => {}
                Verified::YesUpgrade => {
                    // An imported Devise bcrypt hash: keep the password, store it as Argon2.
                    let hash = secrets::hash_password(password).await?;
                    users::set_password(tx.ex(), user.id, &hash, now).await?;
                }
            }
        }
        Proof::SsoToken(token) => {
            if !sessions::take_sso_token(tx.ex(), user.id, &secrets::digest(token), now).await? {
                return Err(Error::BadCredentials);
            }
        }
    }
    if user.confirmed_at.is_none() {
        return Err(Error::Unauthorized(format!(
            "A confirmation email was sent to your account at '{}'. You must follow the instructions in the email before your account can be activated",
            user.email.as_deref().unwrap_or_default()
        )));
    }
    users::record_sign_in(tx.ex(), user.id, ip, now).await?;
    let tokens = start_session(tx.ex(), &user, now).await?;
    tx.commit().await?;
    let user = users::find(ctx.db.conn().await?.ex(), user.id).await?;
    Ok((user, tokens))
}

/// Opens a new device session for `user` inside the caller's transaction.
pub async fn start_session(mut ex: Ex<'_>, user: &User, now: Timestamp) -> Result<SessionTokens> {
    let tokens = SessionTokens {
        access_token: secrets::url_safe_token(32),
        client: secrets::url_safe_token(22),
        expiry: now.plus_seconds(SESSION_LIFESPAN_SECONDS),
        uid: user.uid.clone(),
    };
    sessions::insert(
        ex.re(),
        user.id,
        &tokens.client,
        &secrets::digest(&tokens.access_token),
        tokens.expiry,
        now,
    )
    .await?;
    sessions::prune(ex.re(), user.id, MAX_SESSIONS_PER_USER, now).await?;
    Ok(tokens)
}

/// Checks devise_token_auth's `access-token`/`client`/`uid` triple.
pub async fn authenticate_session(
    ctx: &Ctx,
    uid: &str,
    client: &str,
    access_token: &str,
) -> Result<User> {
    let mut conn = ctx.db.conn().await?;
    let session = sessions::find_by_client(conn.ex(), client)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if session.token_digest != secrets::digest(access_token)
        || session.expires_at <= Timestamp::now()
    {
        return Err(Error::Unauthenticated);
    }
    let user = users::find(conn.ex(), session.user_id)
        .await
        .map_err(|_| Error::Unauthenticated)?;
    if user.uid != uid {
        return Err(Error::Unauthenticated);
    }
    Ok(user)
}

/// Ends the session named by `client` (after the caller authenticated it).
pub async fn sign_out(ctx: &Ctx, client: &str) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    sessions::delete_by_client(tx.ex(), client).await?;
    tx.commit().await?;
    Ok(())
}

/// Resolves an `api_access_token` header.
pub async fn authenticate_access_token(ctx: &Ctx, token: &str) -> Result<TokenOwner> {
    let invalid = || Error::Unauthorized("Invalid Access Token".into());
    let mut conn = ctx.db.conn().await?;
    if let Some(user) = users::find_by_access_token(conn.ex(), token).await? {
        return Ok(TokenOwner::User(Box::new(user)));
    }
    let owner = access_tokens::find_owner(conn.ex(), token)
        .await?
        .ok_or_else(invalid)?;
    Ok(match owner {
        Owner::User(id) => TokenOwner::User(Box::new(
            users::find(conn.ex(), UserId(id))
                .await
                .map_err(|_| invalid())?,
        )),
        Owner::PlatformApp(id) => TokenOwner::PlatformApp(
            platform_apps::find(conn.ex(), switchboard_domain::PlatformAppId(id))
                .await
                .map_err(|_| invalid())?,
        ),
        Owner::AgentBot(id) => TokenOwner::AgentBot(id),
    })
}

/// The caller's membership of `account`, checked in Chatwoot's order
/// (`ensure_current_account`): unknown account 404, suspended 401, not a member 401.
pub async fn membership(mut ex: Ex<'_>, user: &User, account: AccountId) -> Result<AccountUser> {
    // The usual case in one statement; the reasons for a refusal only when refusing.
    if let Some(member) = account_users::find_active(ex.re(), account, user.id).await? {
        return Ok(member);
    }
    let account_row = accounts::find(ex.re(), account).await?;
    if account_row.status == Some(AccountStatus::Suspended.value()) {
        return Err(Error::Unauthorized("Account is suspended".into()));
    }
    account_users::find(ex.re(), account, user.id)
        .await?
        .ok_or_else(|| Error::Unauthorized("You are not authorized to access this account".into()))
}

/// Administrators only, with Pundit's 401 for everyone else.
pub fn require_administrator(member: &AccountUser) -> Result<()> {
    if member.role == Some(switchboard_domain::Role::Administrator.value()) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

/// A one-time login token for the Platform API's `users/:id/login` link.
pub async fn issue_sso_token(mut ex: Ex<'_>, user: UserId) -> Result<String> {
    let token = secrets::hex_token(32);
    let now = Timestamp::now();
    sessions::insert_sso_token(
        ex.re(),
        user,
        &secrets::digest(&token),
        now.plus_seconds(SSO_TOKEN_LIFESPAN_SECONDS),
        now,
    )
    .await?;
    Ok(token)
}

/// The caller's membership, which must be an administrator's.
pub async fn administrator(ex: Ex<'_>, user: &User, account: AccountId) -> Result<AccountUser> {
    let member = membership(ex, user, account).await?;
    require_administrator(&member)?;
    Ok(member)
}
