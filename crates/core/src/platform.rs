//! The Platform API (`/platform/api/v1`): a platform app manages the accounts and users
//! it created, and nothing else (Chatwoot's `platform_app_permissibles`).

use serde_json::{Map, Value};
use switchboard_domain::{
    AccountId, Error, PlatformAppId, Result, Role, Timestamp, UserId, attributes, validation,
};
use switchboard_store::access_tokens::{self, Owner};
use switchboard_store::account_users::{self, AccountUser};
use switchboard_store::accounts::{self, Account};
use switchboard_store::platform_apps::{self, Permissible, PlatformApp};
use switchboard_store::users::{self, User, UserFields};
use switchboard_store::{Ex, Tx};

use crate::accounts::{AccountInput, add_member, update_fields};
use crate::users::{UserInput, unique_email};
use crate::{Ctx, auth, secrets};

async fn require(ex: Ex<'_>, app: &PlatformApp, object: Permissible) -> Result<()> {
    if platform_apps::is_permitted(ex, app.id, object).await? {
        Ok(())
    } else {
        Err(Error::Unauthorized("Non permissible resource".into()))
    }
}

/// Resolves the object first, so an unknown id is a 404 and a foreign one a 401.
async fn require_account(ex: &mut Tx, app: &PlatformApp, id: AccountId) -> Result<Account> {
    let account = accounts::find(ex.ex(), id).await?;
    require(ex.ex(), app, Permissible::Account(id.0)).await?;
    Ok(account)
}

async fn require_user(ex: &mut Tx, app: &PlatformApp, id: UserId) -> Result<User> {
    let user = users::find(ex.ex(), id).await?;
    require(ex.ex(), app, Permissible::User(id.0)).await?;
    Ok(user)
}

pub async fn create_account(ctx: &Ctx, app: &PlatformApp, input: AccountInput) -> Result<Account> {
    let mut tx = ctx.db.begin().await?;
    let account = crate::accounts::create(tx.ex(), &ctx.settings, input).await?;
    platform_apps::permit(
        tx.ex(),
        app.id,
        Permissible::Account(account.id.0),
        Timestamp::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

pub async fn show_account(ctx: &Ctx, app: &PlatformApp, id: AccountId) -> Result<Account> {
    let mut tx = ctx.db.begin().await?;
    let account = require_account(&mut tx, app, id).await?;
    tx.commit().await?;
    Ok(account)
}

pub async fn update_account(
    ctx: &Ctx,
    app: &PlatformApp,
    id: AccountId,
    input: AccountInput,
) -> Result<Account> {
    let mut tx = ctx.db.begin().await?;
    require_account(&mut tx, app, id).await?;
    let account = update_fields(tx.ex(), id, input).await?;
    tx.commit().await?;
    Ok(account)
}

pub async fn destroy_account(ctx: &Ctx, app: &PlatformApp, id: AccountId) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    require_account(&mut tx, app, id).await?;
    accounts::delete(tx.ex(), id).await?;
    platform_apps::forget(tx.ex(), Permissible::Account(id.0)).await?;
    tx.commit().await?;
    Ok(())
}

pub struct PlatformUserInput {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub custom_attributes: Option<Map<String, Value>>,
}

/// Like Chatwoot, a user that already exists with this email is returned (and the app
/// is granted it) rather than duplicated; platform-created users need no confirmation.
pub async fn create_user(ctx: &Ctx, app: &PlatformApp, input: PlatformUserInput) -> Result<User> {
    let email = validation::email(input.email.as_deref().unwrap_or_default())?;
    let mut tx = ctx.db.begin().await?;
    let now = Timestamp::now();
    let user = match users::find_by_email(tx.ex(), &email).await? {
        Some(existing) => {
            users::confirm(tx.ex(), existing.id, now).await?;
            users::find(tx.ex(), existing.id).await?
        }
        None => {
            let user_input = UserInput {
                name: input.name.as_deref().unwrap_or_default(),
                email: &email,
                // Required here: a platform user signs in with it (empty fails the policy).
                password: Some(input.password.as_deref().unwrap_or_default()),
                display_name: input.display_name.as_deref(),
                custom_attributes: input.custom_attributes,
                confirmed: true,
                super_admin: false,
            };
            crate::users::create(tx.ex(), user_input, now).await?
        }
    };
    platform_apps::permit(tx.ex(), app.id, Permissible::User(user.id.0), now).await?;
    tx.commit().await?;
    Ok(user)
}

/// A user with its access token, as the Platform API shows it.
pub async fn show_user(ctx: &Ctx, app: &PlatformApp, id: UserId) -> Result<(User, String)> {
    let mut tx = ctx.db.begin().await?;
    let user = require_user(&mut tx, app, id).await?;
    let token = access_tokens::token_of(tx.ex(), Owner::User(id.0))
        .await?
        .unwrap_or_default();
    tx.commit().await?;
    Ok((user, token))
}

pub async fn update_user(
    ctx: &Ctx,
    app: &PlatformApp,
    id: UserId,
    input: PlatformUserInput,
) -> Result<(User, String)> {
    let mut tx = ctx.db.begin().await?;
    let user = require_user(&mut tx, app, id).await?;
    let mut fields = UserFields::from(&user);
    if let Some(name) = &input.name {
        fields.name = validation::name("name", name, 255)?;
    }
    if let Some(d) = input.display_name {
        fields.display_name = Some(d);
    }
    if let Some(email) = &input.email {
        fields.email = validation::email(email)?;
        if fields.email != user.email.clone().unwrap_or_default()
            && users::find_by_email(tx.ex(), &fields.email)
                .await?
                .is_some()
        {
            return Err(crate::users::email_taken());
        }
    }
    if let Some(custom) = input.custom_attributes {
        attributes::merge(&mut fields.custom_attributes, custom);
    }
    let now = Timestamp::now();
    let user = users::update(tx.ex(), id, &fields, now)
        .await
        .map_err(unique_email)?;
    if let Some(password) = input.password.as_deref().filter(|p| !p.is_empty()) {
        crate::profile::set_password(tx.ex(), &user, password).await?;
    }
    let token = access_tokens::token_of(tx.ex(), Owner::User(id.0))
        .await?
        .unwrap_or_default();
    tx.commit().await?;
    Ok((user, token))
}

pub async fn destroy_user(ctx: &Ctx, app: &PlatformApp, id: UserId) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    require_user(&mut tx, app, id).await?;
    access_tokens::delete_for(tx.ex(), Owner::User(id.0)).await?;
    users::delete(tx.ex(), id).await?;
    platform_apps::forget(tx.ex(), Permissible::User(id.0)).await?;
    tx.commit().await?;
    Ok(())
}

/// `GET users/:id/login`: a one-time link that signs the user into the dashboard.
pub async fn login_url(ctx: &Ctx, app: &PlatformApp, id: UserId) -> Result<String> {
    let mut tx = ctx.db.begin().await?;
    let user = require_user(&mut tx, app, id).await?;
    let token = auth::issue_sso_token(tx.ex(), id).await?;
    tx.commit().await?;
    let base = ctx.settings.frontend_url.trim_end_matches('/');
    let email = user.email.unwrap_or_default();
    Ok(format!(
        "{base}/app/login?email={}&sso_auth_token={token}",
        encode_query(&email)
    ))
}

/// `POST users/:id/token`: the user's `api_access_token`.
pub async fn user_token(ctx: &Ctx, app: &PlatformApp, id: UserId) -> Result<String> {
    let (_, token) = show_user(ctx, app, id).await?;
    if !token.is_empty() {
        return Ok(token);
    }
    let mut tx = ctx.db.begin().await?;
    let token = secrets::secure_token();
    access_tokens::replace(tx.ex(), Owner::User(id.0), &token, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn list_account_users(
    ctx: &Ctx,
    app: &PlatformApp,
    account: AccountId,
) -> Result<Vec<AccountUser>> {
    let mut tx = ctx.db.begin().await?;
    require_account(&mut tx, app, account).await?;
    let list = account_users::list_for_account(tx.ex(), account).await?;
    tx.commit().await?;
    Ok(list)
}

/// Adds a user to the account (or changes the role of an existing membership).
pub async fn create_account_user(
    ctx: &Ctx,
    app: &PlatformApp,
    account: AccountId,
    user_id: UserId,
    role: Option<&str>,
) -> Result<AccountUser> {
    let role = match role {
        None => Role::Agent,
        Some(r) => Role::parse(r)
            .ok_or_else(|| Error::invalid("role", format!("'{r}' is not a valid role")))?,
    };
    let mut tx = ctx.db.begin().await?;
    require_account(&mut tx, app, account).await?;
    let user = users::find(tx.ex(), user_id).await?;
    let now = Timestamp::now();
    let au = match account_users::find(tx.ex(), account, user_id).await? {
        Some(mut au) => {
            au.role = Some(role.value());
            account_users::update(tx.ex(), &au, now).await?
        }
        None => add_member(tx.ex(), account, &user, role, None, now).await?,
    };
    tx.commit().await?;
    Ok(au)
}

pub async fn destroy_account_user(
    ctx: &Ctx,
    app: &PlatformApp,
    account: AccountId,
    user_id: UserId,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    require_account(&mut tx, app, account).await?;
    // Like Chatwoot, removing a membership that does not exist is not an error.
    match account_users::delete(tx.ex(), account, user_id).await {
        Ok(()) | Err(switchboard_store::StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(())
}

pub async fn find_app(ctx: &Ctx, id: PlatformAppId) -> Result<PlatformApp> {
    Ok(platform_apps::find(ctx.db.conn().await?.ex(), id).await?)
}

/// Percent-encodes a query value (emails may hold `+`).
fn encode_query(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The accounts this app created.
pub async fn list_accounts(ctx: &Ctx, app: &PlatformApp) -> Result<Vec<Account>> {
    Ok(accounts::list_permitted(ctx.db.conn().await?.ex(), app.id).await?)
}
