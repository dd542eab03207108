//! An account's agents (`/api/v1/accounts/:id/agents`): users with a membership.

use std::collections::HashMap;

use switchboard_domain::{
    AccountId, Availability, Error, Result, Role, Timestamp, UserId, validation,
};
use switchboard_store::account_users::{self, AccountUser};
use switchboard_store::users::{self, User, UserFields};

use crate::accounts::add_member;
use crate::auth::{membership, require_administrator};
use crate::users::UserInput;
use crate::{Ctx, users as user_cases};

/// An agent as the views need it.
#[derive(Clone, Debug)]
pub struct Agent {
    pub user: User,
    pub account_user: AccountUser,
}

/// Any member may list the account's agents.
pub async fn list(ctx: &Ctx, caller: &User, account: AccountId) -> Result<Vec<Agent>> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    let mut members = account_users::list_for_account(conn.ex(), account).await?;
    crate::presence::mark(ctx, account, &mut members).await;
    let mut by_id: HashMap<UserId, User> = users::list_for_account(conn.ex(), account)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut agents: Vec<Agent> = members
        .into_iter()
        .filter_map(|account_user| {
            by_id
                .remove(&account_user.user_id)
                .map(|user| Agent { user, account_user })
        })
        .collect();
    // Chatwoot orders agents by name (case-insensitively, as users see them).
    agents.sort_by_key(|a| a.user.name.to_lowercase());
    Ok(agents)
}

pub struct NewAgent {
    pub name: String,
    pub email: String,
    pub role: Option<String>,
    pub availability: Option<String>,
    pub auto_offline: Option<bool>,
}

fn parse_role(role: Option<&str>) -> Result<Option<Role>> {
    role.map(|r| {
        Role::parse(r).ok_or_else(|| Error::invalid("role", format!("'{r}' is not a valid role")))
    })
    .transpose()
}

fn parse_availability(a: Option<&str>) -> Result<Option<Availability>> {
    a.map(|v| {
        Availability::parse(v).ok_or_else(|| {
            Error::invalid("availability", format!("'{v}' is not a valid availability"))
        })
    })
    .transpose()
}

/// Administrators add agents. An existing user (by email) joins the account; a new one
/// is created unconfirmed until the invitation mail lets them set a password.
pub async fn create(ctx: &Ctx, caller: &User, account: AccountId, new: NewAgent) -> Result<Agent> {
    let role = parse_role(new.role.as_deref())?.unwrap_or(Role::Agent);
    let availability = parse_availability(new.availability.as_deref())?;
    let email = validation::email(&new.email)?;
    let mut tx = ctx.db.begin().await?;
    let member = membership(tx.ex(), caller, account).await?;
    require_administrator(&member)?;
    check_agent_limit(&mut tx, account).await?;
    let now = Timestamp::now();
    let user = match users::find_by_email(tx.ex(), &email).await? {
        Some(u) => u,
        None => {
            let input = UserInput {
                name: &new.name,
                email: &email,
                password: None,
                display_name: None,
                custom_attributes: None,
                confirmed: false,
                super_admin: false,
            };
            let user = user_cases::create(tx.ex(), input, now).await?;
            crate::passwords::invite(tx.ex(), ctx, &user, caller, account).await?;
            user
        }
    };
    let mut account_user = add_member(tx.ex(), account, &user, role, Some(caller), now).await?;
    if availability.is_some() || new.auto_offline.is_some() {
        account_user.availability =
            availability.map_or(account_user.availability, Availability::value);
        account_user.auto_offline = new.auto_offline.unwrap_or(account_user.auto_offline);
        account_user = account_users::update(tx.ex(), &account_user, now).await?;
    }
    tx.commit().await?;
    crate::presence::mark(ctx, account, std::slice::from_mut(&mut account_user)).await;
    Ok(Agent { user, account_user })
}

#[derive(Default)]
pub struct AgentUpdate {
    pub name: Option<String>,
    pub role: Option<String>,
    pub availability: Option<String>,
    pub auto_offline: Option<bool>,
}

/// Administrators change an agent's role, availability and name.
pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    agent: UserId,
    u: AgentUpdate,
) -> Result<Agent> {
    let role = parse_role(u.role.as_deref())?;
    let availability = parse_availability(u.availability.as_deref())?;
    let mut tx = ctx.db.begin().await?;
    let member = membership(tx.ex(), caller, account).await?;
    require_administrator(&member)?;
    let mut account_user = account_users::find(tx.ex(), account, agent)
        .await?
        .ok_or(Error::NotFound)?;
    let now = Timestamp::now();
    if let Some(role) = role {
        if role == Role::Agent && is_last_administrator(&mut tx, &account_user).await? {
            return Err(last_administrator());
        }
        account_user.role = Some(role.value());
    }
    if let Some(a) = availability {
        account_user.availability = a.value();
    }
    if let Some(o) = u.auto_offline {
        account_user.auto_offline = o;
    }
    let mut account_user = account_users::update(tx.ex(), &account_user, now).await?;
    let mut user = users::find(tx.ex(), agent).await?;
    if let Some(name) = u.name {
        let mut fields = UserFields::from(&user);
        fields.name = validation::name("name", &name, 255)?;
        user = users::update(tx.ex(), agent, &fields, now).await?;
    }
    tx.commit().await?;
    crate::presence::mark(ctx, account, std::slice::from_mut(&mut account_user)).await;
    Ok(Agent { user, account_user })
}

/// Administrators remove an agent from the account; the user itself remains.
pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, agent: UserId) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let member = membership(tx.ex(), caller, account).await?;
    require_administrator(&member)?;
    let account_user = account_users::find(tx.ex(), account, agent)
        .await?
        .ok_or(Error::NotFound)?;
    if is_last_administrator(&mut tx, &account_user).await? {
        return Err(last_administrator());
    }
    account_users::delete(tx.ex(), account, agent).await?;
    tx.commit().await?;
    Ok(())
}

/// `limits.agents` (set through the Platform API) caps the account's agents, as in
/// Chatwoot, so a reseller can sell seats.
async fn check_agent_limit(tx: &mut switchboard_store::Tx, account: AccountId) -> Result<()> {
    let a = switchboard_store::accounts::find(tx.ex(), account).await?;
    let limit = a
        .limits
        .as_ref()
        .and_then(|l| l.0.get("agents"))
        .and_then(serde_json::Value::as_i64);
    if let Some(limit) = limit
        && account_users::list_for_account(tx.ex(), account)
            .await?
            .len() as i64
            >= limit
    {
        return Err(Error::LimitExceeded(
            "Account limit exceeded. Please purchase more licenses".into(),
        ));
    }
    Ok(())
}

async fn is_last_administrator(tx: &mut switchboard_store::Tx, au: &AccountUser) -> Result<bool> {
    Ok(au.role == Some(Role::Administrator.value())
        && account_users::count_administrators(tx.ex(), au.account_id).await? <= 1)
}

/// Switchboard's guard: an account must keep one administrator, or nobody could manage it.
fn last_administrator() -> Error {
    Error::Unprocessable("An account needs at least one administrator".into())
}
