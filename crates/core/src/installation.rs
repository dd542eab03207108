//! The installation's own operations: the operator's CLI commands and the first-visit
//! onboarding that creates the first account and its administrator.

use switchboard_domain::{Error, Result, Role, Timestamp, validation};
use switchboard_store::access_tokens::{self, Owner};
use switchboard_store::accounts::Account;
use switchboard_store::platform_apps::{self, PlatformApp};
use switchboard_store::users::{self, User};

use crate::accounts::{AccountInput, add_member};
use crate::users::UserInput;
use crate::{Ctx, profile, secrets};

/// `switchboard admin create-super-admin`. Running it again for the same email makes
/// that user a super admin with the given password, so provisioning scripts can re-run.
pub async fn create_super_admin(
    ctx: &Ctx,
    email: &str,
    password: &str,
    name: Option<&str>,
) -> Result<User> {
    let email = validation::email(email)?;
    let mut tx = ctx.db.begin().await?;
    let now = Timestamp::now();
    let user = match users::find_by_email(tx.ex(), &email).await? {
        Some(user) => {
            profile::set_password(tx.ex(), &user, password).await?;
            users::set_user_type(tx.ex(), user.id, Some("SuperAdmin"), now).await?;
            users::find(tx.ex(), user.id).await?
        }
        None => {
            let default_name = email.split('@').next().unwrap_or("Admin").to_owned();
            let input = UserInput {
                name: name.unwrap_or(&default_name),
                email: &email,
                password: Some(password),
                display_name: None,
                custom_attributes: None,
                confirmed: true,
                super_admin: true,
            };
            crate::users::create(tx.ex(), input, now).await?
        }
    };
    tx.commit().await?;
    Ok(user)
}

/// `switchboard admin create-platform-app`: the app and its access token.
pub async fn create_platform_app(ctx: &Ctx, name: &str) -> Result<(PlatformApp, String)> {
    let name = validation::name("name", name, 255)?;
    let mut tx = ctx.db.begin().await?;
    let now = Timestamp::now();
    let app = platform_apps::insert(tx.ex(), &name, now).await?;
    let token = secrets::secure_token();
    access_tokens::insert(tx.ex(), Owner::PlatformApp(app.id.0), &token, now).await?;
    tx.commit().await?;
    Ok((app, token))
}

/// `switchboard admin create-account`.
pub async fn create_account(ctx: &Ctx, name: &str) -> Result<Account> {
    let mut tx = ctx.db.begin().await?;
    let input = AccountInput {
        name: Some(name.to_owned()),
        ..Default::default()
    };
    let account = crate::accounts::create(tx.ex(), &ctx.settings, input).await?;
    tx.commit().await?;
    Ok(account)
}

/// `switchboard admin reset-password`: sets `password`, or a generated one, which is
/// returned. The user is confirmed too: the operator vouches for them.
pub async fn reset_password(ctx: &Ctx, email: &str, password: Option<&str>) -> Result<String> {
    let password = password.map_or_else(
        || format!("{}aA1!", secrets::url_safe_token(16)),
        str::to_owned,
    );
    let mut tx = ctx.db.begin().await?;
    let user = users::find_by_email(tx.ex(), email.trim())
        .await?
        .ok_or_else(|| Error::Unprocessable(format!("No user with the email {}", email.trim())))?;
    profile::set_password(tx.ex(), &user, &password).await?;
    users::confirm(tx.ex(), user.id, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(password)
}

/// True until the first user exists: the web page then leads to onboarding.
pub async fn needs_onboarding(ctx: &Ctx) -> Result<bool> {
    Ok(users::count(ctx.db.conn().await?.ex()).await? == 0)
}

pub struct Onboarding<'a> {
    pub user_name: &'a str,
    pub company_name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
}

/// Creates the first account and its administrator (a super admin), as Chatwoot's
/// installation onboarding does. Refused once any user exists.
pub async fn onboard(ctx: &Ctx, o: Onboarding<'_>) -> Result<(Account, User)> {
    let mut tx = ctx.db.begin().await?;
    // Checked inside the write transaction, so two racing visitors cannot both onboard.
    if users::count(tx.ex()).await? > 0 {
        return Err(Error::Unprocessable(
            "This installation is already set up".into(),
        ));
    }
    let now = Timestamp::now();
    let account_input = AccountInput {
        name: Some(o.company_name.to_owned()),
        ..Default::default()
    };
    let account = crate::accounts::create(tx.ex(), &ctx.settings, account_input).await?;
    let input = UserInput {
        name: o.user_name,
        email: o.email,
        password: Some(o.password),
        display_name: None,
        custom_attributes: None,
        confirmed: true,
        super_admin: true,
    };
    let user = crate::users::create(tx.ex(), input, now).await?;
    add_member(tx.ex(), account.id, &user, Role::Administrator, None, now).await?;
    tx.commit().await?;
    Ok((account, user))
}
