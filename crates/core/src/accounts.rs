//! Accounts (tenants): creation with Chatwoot's defaults, sign-up, show and update.

use serde_json::{Map, Value};
use switchboard_domain::{
    AccountId, AccountStatus, Error, Locale, Result, Role, Timestamp, attributes, features,
    validation,
};
use switchboard_store::Ex;
use switchboard_store::account_users::{self, NewAccountUser};
use switchboard_store::accounts::{self, Account, AccountFields};
use switchboard_store::users::User;

use crate::auth::{self, SessionTokens};
use crate::users::{self, UserInput};
use crate::{Ctx, SignupMode};

/// The fields of a new account; absent ones take Chatwoot's defaults.
#[derive(Default)]
pub struct AccountInput {
    pub name: Option<String>,
    pub locale: Option<String>,
    pub domain: Option<String>,
    pub support_email: Option<String>,
    pub status: Option<String>,
    pub limits: Option<Value>,
    pub custom_attributes: Option<Map<String, Value>>,
    pub features: Option<Map<String, Value>>,
    pub settings: Option<Map<String, Value>>,
    pub auto_resolve_duration: Option<Option<i32>>,
    /// Keys merged into `custom_attributes` (the dashboard's industry, company size, timezone).
    pub merge_custom_attributes: Option<Map<String, Value>>,
}

/// Applies `input` onto `fields`, validating each given value.
fn apply(fields: &mut AccountFields, input: AccountInput) -> Result<()> {
    if let Some(name) = input.name {
        fields.name = validation::name("name", &name, 255)?;
    }
    if let Some(locale) = input.locale {
        fields.locale = Locale::parse(&locale)
            .ok_or_else(|| {
                Error::invalid("locale", format!("Locale '{locale}' is not a valid locale"))
            })?
            .value();
    }
    if let Some(domain) = input.domain {
        fields.domain = Some(domain).filter(|d| !d.trim().is_empty());
    }
    if let Some(email) = input.support_email {
        fields.support_email = if email.trim().is_empty() {
            None
        } else {
            Some(
                validation::email(&email)
                    .map_err(|_| Error::invalid("support_email", "Support email is invalid"))?,
            )
        };
    }
    if let Some(status) = input.status {
        fields.status = AccountStatus::parse(&status)
            .ok_or_else(|| Error::invalid("status", format!("'{status}' is not a valid status")))?
            .value();
    }
    if let Some(limits) = input.limits {
        check_limits(&limits)?;
        fields.limits = limits;
    }
    if let Some(custom) = input.custom_attributes {
        fields.custom_attributes = Value::Object(custom);
    }
    if let Some(extra) = input.merge_custom_attributes {
        attributes::merge(&mut fields.custom_attributes, extra);
    }
    if let Some(f) = input.features {
        fields.feature_flags = features::apply(fields.feature_flags, &f);
    }
    if let Some(settings) = input.settings {
        check_settings(&settings)?;
        // Settings merge key by key, as Chatwoot's account settings store does.
        attributes::merge(&mut fields.settings, settings);
    }
    if let Some(duration) = input.auto_resolve_duration {
        if duration.is_some_and(|d| !(1..=999).contains(&d)) {
            return Err(Error::invalid(
                "auto_resolve_duration",
                "Auto resolve duration must be between 1 and 999",
            ));
        }
        fields.auto_resolve_duration = duration;
    }
    Ok(())
}

/// Chatwoot accepts only these numeric limits on an account.
fn check_limits(limits: &Value) -> Result<()> {
    const KEYS: [&str; 4] = [
        "inboxes",
        "agents",
        "captain_responses",
        "captain_documents",
    ];
    let ok = match limits {
        Value::Object(m) => m
            .iter()
            .all(|(k, v)| KEYS.contains(&k.as_str()) && (v.is_number() || v.is_null())),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("limits", "Limits : Invalid data"))
    }
}

/// The bounds Chatwoot's settings schema puts on auto-resolve (minutes).
fn check_settings(settings: &Map<String, Value>) -> Result<()> {
    match settings.get("auto_resolve_after") {
        None | Some(Value::Null) => Ok(()),
        Some(v) => match v.as_i64() {
            Some(n) if n < 10 => Err(Error::invalid(
                "auto_resolve_after",
                "auto_resolve_after must be greater than or equal to 10",
            )),
            Some(n) if n > 1_439_856 => Err(Error::invalid(
                "auto_resolve_after",
                "auto_resolve_after must be less than or equal to 1439856",
            )),
            Some(_) => Ok(()),
            None => Err(Error::invalid(
                "auto_resolve_after",
                "auto_resolve_after must be an integer",
            )),
        },
    }
}

fn blank(default_locale: &str) -> AccountFields {
    AccountFields {
        name: String::new(),
        locale: Locale::parse(default_locale).unwrap_or(Locale::EN).value(),
        domain: None,
        support_email: None,
        feature_flags: features::default_flags(),
        auto_resolve_duration: None,
        limits: Value::Object(Map::new()),
        custom_attributes: Value::Object(Map::new()),
        status: AccountStatus::Active.value(),
        settings: Value::Object(Map::new()),
    }
}

/// Inserts an account inside the caller's transaction.
pub async fn create(
    ex: Ex<'_>,
    settings: &crate::Settings,
    input: AccountInput,
) -> Result<Account> {
    let mut fields = blank(&settings.default_locale);
    if input.name.is_none() {
        return Err(Error::invalid("name", "Name can't be blank"));
    }
    apply(&mut fields, input)?;
    Ok(accounts::insert(ex, &fields, Timestamp::now()).await?)
}

pub struct Signup<'a> {
    pub account_name: &'a str,
    pub user_full_name: &'a str,
    pub email: &'a str,
    pub password: Option<&'a str>,
    pub locale: Option<&'a str>,
}

/// `POST /api/v1/accounts`: a new account with its first administrator, signed in.
pub async fn sign_up(ctx: &Ctx, s: Signup<'_>) -> Result<(Account, User, SessionTokens)> {
    if ctx.settings.signup == SignupMode::Disabled {
        return Err(Error::NotFound);
    }
    if s.account_name.trim().is_empty() && s.user_full_name.trim().is_empty() {
        return Err(Error::Refused(
            "Invalid, please check the signup paramters and try again".into(),
        ));
    }
    let email = validation::email(s.email)
        .map_err(|_| Error::Refused("You have entered an invalid email".into()))?;
    let password = s.password.unwrap_or_default();
    let mut tx = ctx.db.begin().await?;
    if switchboard_store::users::find_by_email(tx.ex(), &email)
        .await?
        .is_some()
    {
        return Err(Error::Refused(format!(
            "You have already signed up for an account with {email}"
        )));
    }
    let account_name = validation::name("name", s.account_name, 255)?;
    // An unknown locale falls back to the default, as Rails' request locale does.
    let locale = s
        .locale
        .filter(|l| Locale::parse(l).is_some())
        .map(str::to_owned);
    let account = create(
        tx.ex(),
        &ctx.settings,
        AccountInput {
            name: Some(account_name),
            locale,
            ..Default::default()
        },
    )
    .await?;
    let now = Timestamp::now();
    let user = users::create(
        tx.ex(),
        UserInput {
            name: s.user_full_name,
            email: &email,
            password: Some(password),
            display_name: None,
            custom_attributes: None,
            // Confirmation mails come with the email issue; until then a new user can sign in.
            confirmed: true,
            super_admin: false,
        },
        now,
    )
    .await?;
    add_member(tx.ex(), account.id, &user, Role::Administrator, None, now).await?;
    let tokens = auth::start_session(tx.ex(), &user, now).await?;
    tx.commit().await?;
    Ok((account, user, tokens))
}

pub async fn add_member(
    ex: Ex<'_>,
    account: AccountId,
    user: &User,
    role: Role,
    inviter: Option<&User>,
    now: Timestamp,
) -> Result<account_users::AccountUser> {
    let n = NewAccountUser {
        account_id: account,
        user_id: user.id,
        role: role.value(),
        inviter_id: inviter.map(|u| u.id),
        availability: 0,
        auto_offline: true,
    };
    account_users::insert(ex, &n, now)
        .await
        .map_err(|e| match e {
            switchboard_store::StoreError::Conflict(_) => {
                Error::invalid("user_id", "User has already been taken")
            }
            other => other.into(),
        })
}

/// `GET /api/v1/accounts/:id`: any member. Chatwoot looks the account up among the
/// user's own, so a non-member sees a 404 here, and a suspended account still shows.
pub async fn show(ctx: &Ctx, user: &User, id: AccountId) -> Result<Account> {
    let mut conn = ctx.db.conn().await?;
    account_users::find(conn.ex(), id, user.id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(accounts::find(conn.ex(), id).await?)
}

/// `PATCH /api/v1/accounts/:id`: administrators; name, locale, domain, support email,
/// auto-resolve and settings. Status and features stay with the Platform API.
pub async fn update(
    ctx: &Ctx,
    user: &User,
    id: AccountId,
    mut input: AccountInput,
) -> Result<Account> {
    input.status = None;
    input.features = None;
    input.limits = None;
    let mut tx = ctx.db.begin().await?;
    let member = auth::membership(tx.ex(), user, id).await?;
    auth::require_administrator(&member)?;
    let account = update_fields(tx.ex(), id, input).await?;
    tx.commit().await?;
    Ok(account)
}

/// Applies `input` to an account inside the caller's transaction.
pub async fn update_fields(mut ex: Ex<'_>, id: AccountId, input: AccountInput) -> Result<Account> {
    let current = accounts::find(ex.re(), id).await?;
    let mut fields = AccountFields::from(&current);
    apply(&mut fields, input)?;
    Ok(accounts::update(ex, id, &fields, Timestamp::now()).await?)
}
