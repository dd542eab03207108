//! Teams and their members (`/api/v1/accounts/:id/teams`). Any member reads; only
//! administrators change (Chatwoot's TeamPolicy).

use switchboard_domain::{AccountId, Error, Result, Timestamp, UserId};
use switchboard_store::teams::{self, Team};
use switchboard_store::users::User;
use switchboard_store::{StoreError, Tx};

use crate::Ctx;
use crate::agents::{self, Agent};
use crate::auth::{administrator, membership};
pub use crate::members::MembersChange;
use crate::members::plan;

/// A team with whether the caller belongs to it (`is_member`).
pub struct TeamView {
    pub team: Team,
    pub is_member: bool,
}

async fn with_membership(tx: &mut Tx, caller: &User, team: Team) -> Result<TeamView> {
    let members = teams::member_ids(tx.ex(), team.id).await?;
    Ok(TeamView {
        is_member: members.contains(&caller.id),
        team,
    })
}

pub async fn list(ctx: &Ctx, caller: &User, account: AccountId) -> Result<Vec<TeamView>> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    let mine = teams::ids_of_member(conn.ex(), account, caller.id).await?;
    Ok(teams::list(conn.ex(), account)
        .await?
        .into_iter()
        .map(|team| TeamView {
            is_member: mine.contains(&team.id),
            team,
        })
        .collect())
}

pub async fn show(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<TeamView> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let team = teams::find(tx.ex(), account, id).await?;
    let view = with_membership(&mut tx, caller, team).await?;
    tx.commit().await?;
    Ok(view)
}

#[derive(Default)]
pub struct TeamInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub allow_auto_assign: Option<bool>,
}

/// Chatwoot downcases team names and keeps them unique per account.
fn team_name(raw: &str) -> Result<String> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() {
        return Err(Error::invalid("name", "Name must not be blank"));
    }
    if name.chars().count() > 255 {
        return Err(Error::invalid(
            "name",
            "Name is too long (maximum is 255 characters)",
        ));
    }
    Ok(name)
}

fn taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => Error::invalid("name", "Name has already been taken"),
        other => other.into(),
    }
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    input: TeamInput,
) -> Result<TeamView> {
    let name = team_name(input.name.as_deref().unwrap_or_default())?;
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let team = teams::insert(
        tx.ex(),
        account,
        &name,
        input.description.as_deref(),
        input.allow_auto_assign.unwrap_or(true),
        Timestamp::now(),
    )
    .await
    .map_err(taken)?;
    tx.commit().await?;
    Ok(TeamView {
        team,
        is_member: false,
    })
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    input: TeamInput,
) -> Result<TeamView> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let mut team = teams::find(tx.ex(), account, id).await?;
    if let Some(name) = &input.name {
        team.name = team_name(name)?;
    }
    if let Some(d) = input.description {
        team.description = Some(d);
    }
    if let Some(a) = input.allow_auto_assign {
        team.allow_auto_assign = Some(a);
    }
    let team = teams::update(tx.ex(), &team, Timestamp::now())
        .await
        .map_err(taken)?;
    let view = with_membership(&mut tx, caller, team).await?;
    tx.commit().await?;
    Ok(view)
}

/// Conversations of a deleted team keep existing without a team (the foreign key is
/// cleared when conversations arrive).
pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    teams::delete(tx.ex(), account, id).await?;
    tx.commit().await?;
    Ok(())
}

/// The team's members as agents, in the order they joined.
pub async fn members(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    team: i64,
) -> Result<Vec<Agent>> {
    let all = agents::list(ctx, caller, account).await?;
    let mut conn = ctx.db.conn().await?;
    teams::find(conn.ex(), account, team).await?;
    let ids = teams::member_ids(conn.ex(), team).await?;
    Ok(ids
        .iter()
        .filter_map(|id| all.iter().find(|a| a.user.id == *id).cloned())
        .collect())
}

/// Adds, replaces or removes members; every id must be a user of the account, or
/// nothing changes (Chatwoot's "Invalid User IDs"). Returns the agents Chatwoot shows:
/// the newly added ones for `Add`, everyone for `Replace`, nobody for `Remove`.
pub async fn change_members(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    team: i64,
    user_ids: &[UserId],
    change: MembersChange,
) -> Result<Vec<Agent>> {
    let all = agents::list(ctx, caller, account).await?;
    if user_ids
        .iter()
        .any(|id| !all.iter().any(|a| a.user.id == *id))
    {
        return Err(Error::Unauthorized("Invalid User IDs".into()));
    }
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    teams::find(tx.ex(), account, team).await?;
    let before = teams::member_ids(tx.ex(), team).await?;
    let now = Timestamp::now();
    let (add, remove) = plan(&before, user_ids, change);
    for id in add {
        teams::add_member(tx.ex(), team, id, now).await?;
    }
    for id in remove {
        teams::remove_member(tx.ex(), team, id).await?;
    }
    let after = teams::member_ids(tx.ex(), team).await?;
    tx.commit().await?;
    let shown: Vec<UserId> = match change {
        MembersChange::Add => after
            .into_iter()
            .filter(|id| !before.contains(id))
            .collect(),
        MembersChange::Replace => after,
        MembersChange::Remove => Vec::new(),
    };
    Ok(shown
        .iter()
        .filter_map(|id| all.iter().find(|a| a.user.id == *id).cloned())
        .collect())
}
