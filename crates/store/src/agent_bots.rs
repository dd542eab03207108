//! `agent_bots` and `agent_bot_inboxes` (Chatwoot's tables): webhook bots, owned by an
//! account or (with no account) system-wide, and the one bot an inbox may have.

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::query::{self, Arg, Query};
use crate::{Ex, Json, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct AgentBot {
    pub id: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    pub outgoing_url: Option<String>,
    pub account_id: Option<AccountId>,
    pub bot_type: Option<i32>,
    pub bot_config: Option<Json<Value>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl AgentBot {
    /// Chatwoot's `system_bot?`: a bot that belongs to no account.
    pub fn system_bot(&self) -> bool {
        self.account_id.is_none()
    }
}

macro_rules! columns {
    () => {
        "id, name, description, outgoing_url, account_id, bot_type, bot_config, created_at, updated_at"
    };
}

/// What an administrator or a platform app sets on a bot.
pub struct Fields<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub outgoing_url: Option<&'a str>,
    pub account_id: Option<AccountId>,
    pub bot_type: i32,
    pub bot_config: &'a Value,
}

pub async fn find(mut ex: Ex<'_>, id: i64) -> StoreResult<AgentBot> {
    const SQL: &str = concat!("SELECT ", columns!(), " FROM agent_bots WHERE id = $1");
    Ok(fetch!(one, ex.re(), SQL, id)?)
}

/// Chatwoot's `AgentBot.accessible_to(account)`: the account's bots and the system bots.
pub async fn accessible_to(mut ex: Ex<'_>, account: AccountId) -> StoreResult<Vec<AgentBot>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM agent_bots WHERE account_id = $1 OR account_id IS NULL ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, account)?)
}

pub async fn by_ids(ex: Ex<'_>, ids: &[i64]) -> StoreResult<Vec<AgentBot>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM agent_bots WHERE id IN "
    ));
    q.bind_list(ids.iter().map(|i| Arg::Int(*i)));
    query::fetch_all(ex, &q).await
}

pub async fn insert(mut ex: Ex<'_>, f: &Fields<'_>, now: Timestamp) -> StoreResult<AgentBot> {
    const SQL: &str = concat!(
        "INSERT INTO agent_bots (name, description, outgoing_url, account_id, bot_type, bot_config, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        f.name,
        f.description,
        f.outgoing_url,
        f.account_id,
        f.bot_type,
        Json(f.bot_config),
        now
    )?)
}

pub async fn update(
    mut ex: Ex<'_>,
    id: i64,
    f: &Fields<'_>,
    now: Timestamp,
) -> StoreResult<AgentBot> {
    const SQL: &str = concat!(
        "UPDATE agent_bots SET name = $2, description = $3, outgoing_url = $4, account_id = $5, \
         bot_type = $6, bot_config = $7, updated_at = $8 WHERE id = $1 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        id,
        f.name,
        f.description,
        f.outgoing_url,
        f.account_id,
        f.bot_type,
        Json(f.bot_config),
        now
    )?)
}

/// Deletes a bot; its inbox links and deliveries go with it (foreign keys). As Chatwoot's
/// `dependent: :nullify`, its messages lose their sender and its conversations their
/// bot assignee.
pub async fn delete(mut ex: Ex<'_>, id: i64) -> StoreResult<u64> {
    exec!(
        ex.re(),
        "UPDATE messages SET sender_type = NULL, sender_id = NULL \
         WHERE sender_type = 'AgentBot' AND sender_id = $1",
        id
    )?;
    exec!(
        ex.re(),
        "UPDATE conversations SET assignee_agent_bot_id = NULL WHERE assignee_agent_bot_id = $1",
        id
    )?;
    Ok(exec!(ex.re(), "DELETE FROM agent_bots WHERE id = $1", id)?)
}

/// The bot connected to `inbox` (active or not).
pub async fn for_inbox(mut ex: Ex<'_>, inbox: i64) -> StoreResult<Option<AgentBot>> {
    const SQL: &str = "SELECT b.id, b.name, b.description, b.outgoing_url, b.account_id, b.bot_type, \
         b.bot_config, b.created_at, b.updated_at FROM agent_bots b \
         JOIN agent_bot_inboxes abi ON abi.agent_bot_id = b.id WHERE abi.inbox_id = $1";
    Ok(fetch!(optional, ex.re(), SQL, inbox)?)
}

/// Chatwoot's `inbox.active_bot?` (without Dialogflow, which does not exist here).
pub async fn inbox_has_active_bot(mut ex: Ex<'_>, inbox: i64) -> StoreResult<bool> {
    Ok(scalar!(
        one,
        ex.re(),
        "SELECT EXISTS (SELECT 1 FROM agent_bot_inboxes WHERE inbox_id = $1 AND status = 0)",
        inbox
    )?)
}

/// Connects `bot` to `inbox` (replacing its bot), active.
pub async fn connect(
    mut ex: Ex<'_>,
    account: AccountId,
    inbox: i64,
    bot: i64,
    now: Timestamp,
) -> StoreResult<()> {
    exec!(
        ex.re(),
        "INSERT INTO agent_bot_inboxes (inbox_id, agent_bot_id, status, account_id, created_at, updated_at) \
         VALUES ($1, $2, 0, $3, $4, $4) \
         ON CONFLICT (inbox_id) DO UPDATE SET agent_bot_id = excluded.agent_bot_id, updated_at = excluded.updated_at",
        inbox,
        bot,
        account,
        now
    )?;
    Ok(())
}

pub async fn disconnect(mut ex: Ex<'_>, inbox: i64) -> StoreResult<()> {
    exec!(
        ex.re(),
        "DELETE FROM agent_bot_inboxes WHERE inbox_id = $1",
        inbox
    )?;
    Ok(())
}

/// Whether `bot` may act in `account`: it belongs to it, or is connected to one of its
/// inboxes (Chatwoot's `account_accessible_for_bot?`).
pub async fn serves_account(
    mut ex: Ex<'_>,
    bot: &AgentBot,
    account: AccountId,
) -> StoreResult<bool> {
    if bot.account_id == Some(account) {
        return Ok(true);
    }
    Ok(scalar!(
        one,
        ex.re(),
        "SELECT EXISTS (SELECT 1 FROM agent_bot_inboxes WHERE agent_bot_id = $1 AND account_id = $2)",
        bot.id,
        account
    )?)
}
