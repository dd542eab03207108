//! Forgotten passwords, invitations and confirmations (Chatwoot's Devise overrides:
//! `POST/PUT /auth/password`, `POST /auth/confirmation`).
//!
//! Tokens are random, mailed once, and stored only as digests, like sessions: a copy of
//! the database does not let anyone reset a password.

use switchboard_domain::{AccountId, Error, Result, Timestamp, validation};
use switchboard_store::users::{self, User};
use switchboard_store::{Ex, accounts, sessions};

use crate::account_mail::{self, Language};
use crate::auth::{SessionTokens, start_session};
use crate::{Ctx, mail, secrets};

/// Devise's `reset_password_within` in Chatwoot.
const RESET_WITHIN_SECONDS: i64 = 6 * 3600;
/// Invitations set a password through the same token, but people open them days later;
/// Chatwoot's six hours is a known annoyance, so an unconfirmed user's link lasts a week.
const INVITATION_WITHIN_SECONDS: i64 = 7 * 24 * 3600;

/// `POST /auth/password`: mails a reset link. `false` when no user has that email
/// (Chatwoot answers 404 then).
pub async fn request_reset(ctx: &Ctx, email: &str) -> Result<bool> {
    let mut tx = ctx.db.begin().await?;
    let Some(user) = users::find_by_email(tx.ex(), email.trim()).await? else {
        return Ok(false);
    };
    let token = secrets::url_safe_token(20);
    users::set_reset_token(tx.ex(), user.id, &secrets::digest(&token), Timestamp::now()).await?;
    let lang = account_mail::language(tx.ex(), ctx, &user).await?;
    let m = account_mail::reset_password(ctx, lang, &user, &token)?;
    mail::enqueue(tx.ex(), &m).await?;
    tx.commit().await?;
    Ok(true)
}

/// `PUT /auth/password`: a new password for the holder of a reset (or invitation) token.
/// Every other session of the user ends, and a new one starts, as devise_token_auth does.
pub async fn reset(
    ctx: &Ctx,
    token: &str,
    password: &str,
    confirmation: Option<&str>,
) -> Result<(User, SessionTokens)> {
    let invalid = || Error::Unprocessable("Invalid token".into());
    if token.is_empty() {
        return Err(invalid());
    }
    let mut tx = ctx.db.begin().await?;
    let (user, sent) = users::find_by_reset_token(tx.ex(), &secrets::digest(token))
        .await?
        .ok_or_else(invalid)?;
    let within = if user.confirmed_at.is_none() {
        INVITATION_WITHIN_SECONDS
    } else {
        RESET_WITHIN_SECONDS
    };
    let now = Timestamp::now();
    if sent.is_none_or(|s| s.plus_seconds(within) < now) {
        return Err(invalid());
    }
    if confirmation.is_some_and(|c| c != password) {
        return Err(Error::invalid(
            "password_confirmation",
            "Password confirmation doesn't match Password",
        ));
    }
    validation::password(password)?;
    let hash = secrets::hash_password(password).await?;
    users::complete_reset(tx.ex(), user.id, &hash, now).await?;
    sessions::delete_for_user(tx.ex(), user.id).await?;
    let tokens = start_session(tx.ex(), &user, now).await?;
    tx.commit().await?;
    let user = users::find(ctx.db.conn().await?.ex(), user.id).await?;
    Ok((user, tokens))
}

/// `POST /auth/confirmation`: confirms the holder of a confirmation token and signs them in.
pub async fn confirm(ctx: &Ctx, token: &str) -> Result<(User, SessionTokens)> {
    let mut tx = ctx.db.begin().await?;
    let user = match token {
        "" => None,
        t => users::find_by_confirmation_token(tx.ex(), &secrets::digest(t)).await?,
    }
    .ok_or_else(|| Error::Unprocessable("Invalid token".into()))?;
    if user.confirmed_at.is_some() {
        return Err(Error::Unprocessable("Already confirmed".into()));
    }
    let now = Timestamp::now();
    users::confirm(tx.ex(), user.id, now).await?;
    let tokens = start_session(tx.ex(), &user, now).await?;
    tx.commit().await?;
    let user = users::find(ctx.db.conn().await?.ex(), user.id).await?;
    Ok((user, tokens))
}

/// Queues the invitation of a newly created agent, inside the transaction that creates
/// them: its link sets their password (and so confirms them).
pub(crate) async fn invite(
    mut ex: Ex<'_>,
    ctx: &Ctx,
    user: &User,
    inviter: &User,
    account: AccountId,
) -> Result<()> {
    let token = secrets::url_safe_token(20);
    users::set_reset_token(ex.re(), user.id, &secrets::digest(&token), Timestamp::now()).await?;
    let account = accounts::find(ex.re(), account).await?;
    let lang = account_mail::language(ex.re(), ctx, user).await?;
    let m = account_mail::invitation(ctx, lang, user, &inviter.name, &account.name, &token)?;
    mail::enqueue(ex, &m).await
}

/// Queues a confirmation mail (a user who signed up, or asked again from their profile).
pub async fn send_confirmation(mut ex: Ex<'_>, ctx: &Ctx, user: &User) -> Result<()> {
    let token = secrets::url_safe_token(20);
    users::set_confirmation_token(ex.re(), user.id, &secrets::digest(&token), Timestamp::now())
        .await?;
    let lang: Language = account_mail::language(ex.re(), ctx, user).await?;
    let m = account_mail::confirmation(ctx, lang, user, &token)?;
    mail::enqueue(ex, &m).await
}
