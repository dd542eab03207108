//! `…/conversations/:id/participants`: agents who follow a conversation. Only agents
//! who could be assigned to it (the inbox's members and the administrators) may join.

use switchboard_domain::{AccountId, Error, Result, Timestamp, UserId};
use switchboard_store::users::User;
use switchboard_store::{account_users, inboxes, participants};

use crate::Ctx;
use crate::agents::{self, Agent};
use crate::conversations::{accessible, is_admin};

/// How a request changes the participants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Add,
    /// Exactly these users afterwards.
    Replace,
    Remove,
}

pub async fn list(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
) -> Result<Vec<Agent>> {
    let ids = {
        let mut tx = ctx.db.begin().await?;
        let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
        let ids = participants::user_ids(tx.ex(), c.id).await?;
        tx.commit().await?;
        ids
    };
    agents_among(ctx, caller, account, &ids).await
}

pub async fn change(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    user_ids: &[i64],
    how: Change,
) -> Result<Vec<Agent>> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let wanted: Vec<UserId> = user_ids.iter().map(|id| UserId(*id)).collect();
    if how != Change::Remove {
        let mut allowed = inboxes::member_ids(tx.ex(), c.inbox_id).await?;
        allowed.extend(
            account_users::list_for_account(tx.ex(), account)
                .await?
                .into_iter()
                .filter(is_admin)
                .map(|au| au.user_id),
        );
        if let Some(bad) = wanted.iter().find(|u| !allowed.contains(u)) {
            return Err(Error::invalid(
                "user",
                format!("User {} must have inbox access", bad.0),
            ));
        }
    }
    let current = participants::user_ids(tx.ex(), c.id).await?;
    let now = Timestamp::now();
    if how != Change::Remove {
        for u in wanted.iter().filter(|u| !current.contains(u)) {
            participants::add(tx.ex(), account, c.id, *u, now).await?;
        }
    }
    let leaving: Vec<UserId> = match how {
        Change::Add => Vec::new(),
        Change::Replace => current
            .into_iter()
            .filter(|u| !wanted.contains(u))
            .collect(),
        Change::Remove => wanted.clone(),
    };
    for u in leaving {
        participants::remove(tx.ex(), c.id, u).await?;
    }
    let ids = participants::user_ids(tx.ex(), c.id).await?;
    tx.commit().await?;
    agents_among(ctx, caller, account, &ids).await
}

async fn agents_among(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    ids: &[UserId],
) -> Result<Vec<Agent>> {
    let all = agents::list(ctx, caller, account).await?;
    Ok(ids
        .iter()
        .filter_map(|id| all.iter().find(|a| a.user.id == *id).cloned())
        .collect())
}
