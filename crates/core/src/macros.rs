//! Macros (`/api/v1/accounts/:id/macros`): saved lists of actions that an agent runs on
//! conversations (Chatwoot's Macro, MacroPolicy, MacrosExecutionJob and
//! Macros::ExecutionService). A personal macro is its creator's alone; a global one is
//! the account's, usable by every agent and managed by administrators.
//!
//! `execute` enqueues a `macro_execution` job and answers at once, as Chatwoot does; the
//! job runs the actions as the agent who asked, through the same use cases as the API
//! (so with the agent's access, activity messages in their name, webhooks and live
//! events, and automation rules reacting to the changes).

use serde_json::{Value, json};
use switchboard_domain::{AccountId, Timestamp, UserId};
use switchboard_store::account_users::{self, AccountUser};
use switchboard_store::macros::{self as store, GLOBAL, Macro, PERSONAL};
use switchboard_store::users::{self, User};
use switchboard_store::{Ex, jobs};

use crate::agents::Agent;
use crate::auth::membership;
use crate::automation::{Action, Runner, check_actions, parse_action, perform};
use crate::conversations::{Actor, is_admin};
use crate::jobs::Attempt;
use crate::{Ctx, Error, Result};

pub const JOB: &str = "macro_execution";
const JOB_ATTEMPTS: i32 = 5;
/// Conversations one `execute` may name.
const MAX_CONVERSATIONS: usize = 1000;

/// `Macro::ACTIONS_ATTRS`.
pub const ACTIONS: [&str; 15] = [
    "send_message",
    "add_label",
    "assign_team",
    "assign_agent",
    "mute_conversation",
    "change_status",
    "remove_label",
    "remove_assigned_team",
    "resolve_conversation",
    "snooze_conversation",
    "change_priority",
    "send_email_transcript",
    "send_attachment",
    "add_private_note",
    "send_webhook_event",
];

/// A macro with its author and last editor, when they are still agents of the account.
pub struct MacroDetails {
    pub record: Macro,
    pub created_by: Option<Agent>,
    pub updated_by: Option<Agent>,
}

#[derive(Clone, Debug, Default)]
pub struct MacroInput {
    pub name: Option<String>,
    pub visibility: Option<String>,
    pub actions: Option<Value>,
}

async fn agent(mut ex: Ex<'_>, account: AccountId, id: Option<UserId>) -> Result<Option<Agent>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let Some(account_user) = account_users::find(ex.re(), account, id).await? else {
        return Ok(None);
    };
    let user = users::find(ex.re(), id).await?;
    Ok(Some(Agent { user, account_user }))
}

async fn details(mut ex: Ex<'_>, m: Macro) -> Result<MacroDetails> {
    let created_by = agent(ex.re(), m.account_id, m.created_by_id).await?;
    let updated_by = agent(ex.re(), m.account_id, m.updated_by_id).await?;
    Ok(MacroDetails {
        record: m,
        created_by,
        updated_by,
    })
}

fn author(m: &Macro, caller: &User) -> bool {
    m.created_by_id == Some(caller.id)
}

/// MacroPolicy#show? and #execute?: global macros, and one's own.
fn usable(m: &Macro, caller: &User) -> Result<()> {
    if m.is_global() || author(m, caller) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

pub async fn list(ctx: &Ctx, caller: &User, account: AccountId) -> Result<Vec<MacroDetails>> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    let mut out = Vec::new();
    for m in store::visible_to(conn.ex(), account, caller.id).await? {
        out.push(details(conn.ex(), m).await?);
    }
    Ok(out)
}

pub async fn show(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<MacroDetails> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    let m = store::find(conn.ex(), account, id).await?;
    usable(&m, caller)?;
    details(conn.ex(), m).await
}

fn unknown_actions(names: &[String]) -> String {
    format!("Macro execution actions {} not supported.", names.join(","))
}

/// `Macro#set_visibility`: what was asked, but always personal for agents.
fn visibility(member: &AccountUser, asked: Option<&str>, current: Option<i32>) -> Result<i32> {
    let wanted = match asked.filter(|v| !v.is_empty()) {
        None => current.unwrap_or(PERSONAL),
        Some("personal") => PERSONAL,
        Some("global") => GLOBAL,
        Some(other) => {
            return Err(Error::invalid(
                "visibility",
                format!("'{other}' is not a valid visibility"),
            ));
        }
    };
    Ok(if is_admin(member) { wanted } else { PERSONAL })
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "Name can't be blank"));
    }
    if name.chars().count() > 255 {
        return Err(Error::invalid(
            "name",
            "Name is too long (maximum is 255 characters)",
        ));
    }
    Ok(())
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    input: MacroInput,
) -> Result<MacroDetails> {
    let name = input.name.unwrap_or_default();
    check_name(&name)?;
    let actions = check_actions(input.actions.as_ref(), &ACTIONS, unknown_actions)?;
    let mut tx = ctx.db.begin().await?;
    let member = membership(tx.ex(), caller, account).await?;
    let visibility = visibility(&member, input.visibility.as_deref(), None)?;
    let m = store::insert(
        tx.ex(),
        account,
        name.trim(),
        visibility,
        &actions,
        caller.id,
        Timestamp::now(),
    )
    .await?;
    let d = details(tx.ex(), m).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    input: MacroInput,
) -> Result<MacroDetails> {
    let mut tx = ctx.db.begin().await?;
    let member = membership(tx.ex(), caller, account).await?;
    let mut m = store::find(tx.ex(), account, id).await?;
    // MacroPolicy#update?: the author, or an administrator for a global macro.
    if !(author(&m, caller) || (is_admin(&member) && m.is_global())) {
        return Err(Error::forbidden());
    }
    if let Some(name) = input.name {
        check_name(&name)?;
        m.name = name.trim().to_string();
    }
    if input.actions.is_some() {
        m.actions.0 = check_actions(input.actions.as_ref(), &ACTIONS, unknown_actions)?;
    }
    m.visibility = Some(visibility(
        &member,
        input.visibility.as_deref(),
        m.visibility,
    )?);
    m.updated_by_id = Some(caller.id);
    let m = store::update(tx.ex(), &m, Timestamp::now()).await?;
    let d = details(tx.ex(), m).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let member = membership(tx.ex(), caller, account).await?;
    let m = store::find(tx.ex(), account, id).await?;
    // MacroPolicy#destroy?: the author, or an administrator for a global macro whose
    // author is gone.
    let orphan = m.created_by_id.is_none() && m.is_global() && is_admin(&member);
    if !(author(&m, caller) || orphan) {
        return Err(Error::forbidden());
    }
    store::delete(tx.ex(), account, id).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST …/macros/:id/execute {conversation_ids}` (display ids): queued, as in Chatwoot.
pub async fn execute(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    conversation_ids: &[i64],
) -> Result<()> {
    if conversation_ids.len() > MAX_CONVERSATIONS {
        return Err(Error::invalid(
            "conversation_ids",
            format!("At most {MAX_CONVERSATIONS} conversations at once"),
        ));
    }
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let m = store::find(tx.ex(), account, id).await?;
    usable(&m, caller)?;
    if !conversation_ids.is_empty() {
        let payload = json!({
            "account_id": account.0,
            "macro_id": m.id,
            "user_id": caller.id.0,
            "conversation_ids": conversation_ids,
        });
        jobs::enqueue(tx.ex(), JOB, &payload, JOB_ATTEMPTS, Timestamp::now()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Runs a macro on each named conversation. A failing action is logged, not retried.
pub(crate) async fn run(ctx: &Ctx, attempt: &Attempt<'_>) -> std::result::Result<(), String> {
    match execute_now(ctx, attempt.payload).await {
        // The macro or its user is gone: nothing to do.
        Ok(()) | Err(Error::NotFound) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

async fn execute_now(ctx: &Ctx, p: &Value) -> Result<()> {
    let missing = |k: &str| Error::Unprocessable(format!("macro job lacks {k}"));
    let account = AccountId(
        p["account_id"]
            .as_i64()
            .ok_or_else(|| missing("account_id"))?,
    );
    let id = p["macro_id"].as_i64().ok_or_else(|| missing("macro_id"))?;
    let user = UserId(p["user_id"].as_i64().ok_or_else(|| missing("user_id"))?);
    let (m, user) = {
        let mut conn = ctx.db.conn().await?;
        (
            store::find(conn.ex(), account, id).await?,
            users::find(conn.ex(), user).await?,
        )
    };
    let actions: Vec<Action> = m
        .actions
        .0
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| match parse_action(a, &ACTIONS, |n| n.to_string()) {
            Ok(a) => Some(a),
            Err(e) => {
                tracing::warn!(r#macro = m.id, error = %e, "macro: action skipped");
                None
            }
        })
        .collect();
    let runner = Runner {
        by: Actor::User(&user),
        rule_id: None,
        webhook_event: "macro.executed".into(),
    };
    for display_id in p["conversation_ids"].as_array().into_iter().flatten() {
        if let Some(display_id) = display_id.as_i64() {
            perform(ctx, &runner, account, display_id, &actions).await;
        }
    }
    Ok(())
}
