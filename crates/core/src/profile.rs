//! The signed-in user's own profile (`/api/v1/profile`).

use serde_json::{Map, Value};
use switchboard_domain::{Error, Result, Timestamp, attributes, validation};
use switchboard_store::access_tokens::{self, Owner};
use switchboard_store::account_users::{self, Membership};
use switchboard_store::users::{self, User, UserFields};
use switchboard_store::{Ex, sessions};

use crate::Ctx;
use crate::secrets::{self, Verified};
use crate::users::unique_email;

/// A user with what the profile view shows besides the row.
pub struct Profile {
    pub user: User,
    pub access_token: String,
    pub memberships: Vec<Membership>,
}

pub async fn show(ctx: &Ctx, user: &User) -> Result<Profile> {
    let mut conn = ctx.db.conn().await?;
    let mut p = load(conn.ex(), user.id).await?;
    drop(conn);
    mark_online(ctx, &mut p).await;
    Ok(p)
}

/// Marks the user's presence in each of its accounts (one read per account).
pub(crate) async fn mark_online(ctx: &Ctx, p: &mut Profile) {
    for m in &mut p.memberships {
        let account = m.account_user.account_id;
        crate::presence::mark(ctx, account, std::slice::from_mut(&mut m.account_user)).await;
    }
}

/// The user, its access token (empty if an imported user has none) and its accounts.
pub async fn load(mut ex: Ex<'_>, id: switchboard_domain::UserId) -> Result<Profile> {
    let user = users::find(ex.re(), id).await?;
    let access_token = access_tokens::token_of(ex.re(), Owner::User(id.0))
        .await?
        .unwrap_or_default();
    let memberships = account_users::list_for_user(ex.re(), id).await?;
    Ok(Profile {
        user,
        access_token,
        memberships,
    })
}

#[derive(Default)]
pub struct ProfileUpdate {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub message_signature: Option<String>,
    pub ui_settings: Option<Map<String, Value>>,
    pub custom_attributes: Option<Map<String, Value>>,
    pub password: Option<String>,
    pub password_confirmation: Option<String>,
    pub current_password: Option<String>,
}

/// `PATCH /api/v1/profile`. A password change needs the current password, and signs
/// out every other device, as devise_token_auth does on a password change.
/// `keep_client` is the caller's own session, which survives a password change.
pub async fn update(
    ctx: &Ctx,
    user: &User,
    keep_client: Option<&str>,
    u: ProfileUpdate,
) -> Result<Profile> {
    let mut fields = UserFields::from(user);
    if let Some(name) = &u.name {
        fields.name = validation::name("name", name, 255)?;
    }
    if let Some(d) = u.display_name {
        fields.display_name = Some(d);
    }
    if let Some(email) = &u.email {
        fields.email = validation::email(email)?;
    }
    if let Some(sig) = u.message_signature {
        fields.message_signature = Some(sig);
    }
    if let Some(ui) = u.ui_settings {
        fields.ui_settings = Value::Object(ui);
    }
    if let Some(custom) = u.custom_attributes {
        attributes::merge(&mut fields.custom_attributes, custom);
    }
    let new_hash = match u.password.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(password) => {
            let current = u.current_password.as_deref().unwrap_or_default();
            if secrets::verify_password(current, &user.encrypted_password).await == Verified::No {
                return Err(Error::Unprocessable("Invalid current password".into()));
            }
            if u.password_confirmation
                .as_deref()
                .is_some_and(|c| c != password)
            {
                return Err(Error::invalid(
                    "password_confirmation",
                    "Password confirmation doesn't match Password",
                ));
            }
            validation::password(password)?;
            Some(secrets::hash_password(password).await?)
        }
    };

    let mut tx = ctx.db.begin().await?;
    let now = Timestamp::now();
    if fields.email != user.email.clone().unwrap_or_default()
        && users::find_by_email(tx.ex(), &fields.email)
            .await?
            .is_some()
    {
        return Err(crate::users::email_taken());
    }
    users::update(tx.ex(), user.id, &fields, now)
        .await
        .map_err(unique_email)?;
    if let Some(hash) = new_hash {
        users::set_password(tx.ex(), user.id, &hash, now).await?;
        // As in Chatwoot, a new password rotates the realtime token and ends other sessions.
        users::set_pubsub_token(tx.ex(), user.id, &secrets::secure_token()).await?;
        sessions::delete_others(tx.ex(), user.id, keep_client).await?;
    }
    let mut profile = load(tx.ex(), user.id).await?;
    tx.commit().await?;
    mark_online(ctx, &mut profile).await;
    Ok(profile)
}

/// `POST /api/v1/profile/reset_access_token`.
pub async fn reset_access_token(ctx: &Ctx, user: &User) -> Result<Profile> {
    let mut tx = ctx.db.begin().await?;
    access_tokens::replace(
        tx.ex(),
        Owner::User(user.id.0),
        &secrets::secure_token(),
        Timestamp::now(),
    )
    .await?;
    let mut profile = load(tx.ex(), user.id).await?;
    tx.commit().await?;
    mark_online(ctx, &mut profile).await;
    Ok(profile)
}

/// Sets a new password and signs the user out everywhere (CLI reset, password reset).
pub async fn set_password(mut ex: Ex<'_>, user: &User, password: &str) -> Result<()> {
    validation::password(password)?;
    let hash = secrets::hash_password(password).await?;
    users::set_password(ex.re(), user.id, &hash, Timestamp::now()).await?;
    sessions::delete_for_user(ex.re(), user.id).await?;
    Ok(())
}
