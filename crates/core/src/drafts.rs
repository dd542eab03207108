//! `…/conversations/:id/draft_messages`: one unsent reply per conversation, shared by
//! the agents who can see it, as in Chatwoot.

use switchboard_domain::{AccountId, Result, Timestamp};
use switchboard_store::drafts;
use switchboard_store::users::User;

use crate::Ctx;
use crate::conversations::accessible;

pub async fn show(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
) -> Result<Option<String>> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    let draft = drafts::find(tx.ex(), c.id).await?;
    tx.commit().await?;
    Ok(draft)
}

/// Saves the draft; `None` removes it.
pub async fn save(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    display_id: i64,
    message: Option<&str>,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let (c, _) = accessible(&mut tx, caller, account, display_id).await?;
    match message {
        Some(m) => drafts::save(tx.ex(), c.id, m, Timestamp::now()).await?,
        None => drafts::delete(tx.ex(), c.id).await?,
    }
    tx.commit().await?;
    Ok(())
}
