use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp, UserId};

use crate::{Ex, StoreError, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub allow_auto_assign: Option<bool>,
    pub account_id: AccountId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, name, description, allow_auto_assign, account_id, created_at, updated_at"
    };
}

pub async fn list(mut ex: Ex<'_>, account: AccountId) -> StoreResult<Vec<Team>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM teams WHERE account_id = $1 ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, account)?)
}

/// A team of `account`: another account's id reads as not found.
pub async fn find(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<Team> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM teams WHERE account_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, id)?)
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    name: &str,
    description: Option<&str>,
    allow_auto_assign: bool,
    now: Timestamp,
) -> StoreResult<Team> {
    const SQL: &str = concat!(
        "INSERT INTO teams (name, description, allow_auto_assign, account_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        name,
        description,
        allow_auto_assign,
        account,
        now
    )?)
}

pub async fn update(mut ex: Ex<'_>, t: &Team, now: Timestamp) -> StoreResult<Team> {
    const SQL: &str = concat!(
        "UPDATE teams SET name = $3, description = $4, allow_auto_assign = $5, updated_at = $6 \
         WHERE account_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        t.account_id,
        t.id,
        &t.name,
        &t.description,
        t.allow_auto_assign,
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM teams WHERE account_id = $1 AND id = $2";
    if exec!(ex.re(), SQL, account, id)? == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub async fn member_ids(mut ex: Ex<'_>, team: i64) -> StoreResult<Vec<UserId>> {
    const SQL: &str = "SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY id";
    Ok(scalar!(all, ex.re(), SQL, team)?)
}

/// The teams of `account` that `user` belongs to.
pub async fn ids_of_member(
    mut ex: Ex<'_>,
    account: AccountId,
    user: UserId,
) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT tm.team_id FROM team_members tm JOIN teams t ON t.id = tm.team_id \
         WHERE t.account_id = $1 AND tm.user_id = $2";
    Ok(scalar!(all, ex.re(), SQL, account, user)?)
}

pub async fn add_member(
    mut ex: Ex<'_>,
    team: i64,
    user: UserId,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO team_members (team_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (team_id, user_id) DO NOTHING";
    exec!(ex.re(), SQL, team, user, now)?;
    Ok(())
}

pub async fn remove_member(mut ex: Ex<'_>, team: i64, user: UserId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2";
    exec!(ex.re(), SQL, team, user)?;
    Ok(())
}
