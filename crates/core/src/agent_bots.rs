//! Agent bots (Chatwoot's AgentBot): webhook bots that answer an inbox's contacts before
//! a human does. Administrators manage them in the account, platform apps through the
//! Platform API; a bot acts with its own `api_access_token` on the few endpoints Chatwoot
//! opens to bots, and hands a conversation to the humans by opening it.
//!
//! What a bot is sent goes through the webhook outbox (`core::webhooks`): the inbox's
//! active bot is one more delivery target, with the same durable retries and log.

use serde_json::{Map, Value, json};
use switchboard_domain::{AccountId, AccountStatus, ConversationStatus, Error, Result, Timestamp};
use switchboard_store::access_tokens::{self, Owner};
use switchboard_store::agent_bots::{self as store, AgentBot, Fields};
use switchboard_store::conversations::{self, Conversation};
use switchboard_store::platform_apps::{self, Permissible, PlatformApp};
use switchboard_store::users::User;
use switchboard_store::{Ex, Tx, accounts, inboxes};

use crate::auth::{administrator, membership};
use crate::conversations::{MessageDetails, MessageInput, activity, show_live};
use crate::files::Upload;
use crate::messages::{Attachable, check_count, single, store_uploads};
use crate::{Ctx, secrets};

/// Chatwoot's `Limits::URL_LENGTH_LIMIT`.
const URL_LENGTH_LIMIT: usize = 2048;

/// A bot as its views show it: with its token when the viewer may see it.
#[derive(Clone, Debug)]
pub struct BotDetails {
    pub bot: AgentBot,
    pub access_token: Option<String>,
}

/// What a create or update sets; `None` leaves a field as it is.
#[derive(Default)]
pub struct BotInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub outgoing_url: Option<String>,
    pub bot_type: Option<String>,
    pub bot_config: Option<Map<String, Value>>,
    /// Platform API only: the account the bot belongs to (none: a system bot).
    pub account_id: Option<i64>,
}

/// The checks Chatwoot's model makes (the URL's length), plus ours: a URL, when given, is
/// http(s), since it is where the bot's events are posted.
fn validate(f: &Fields<'_>) -> Result<()> {
    if let Some(url) = f.outgoing_url.filter(|u| !u.is_empty()) {
        if url.len() > URL_LENGTH_LIMIT {
            return Err(Error::invalid(
                "outgoing_url",
                format!("Outgoing url is too long (maximum is {URL_LENGTH_LIMIT} characters)"),
            ));
        }
        let ok = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if ok.is_none() {
            return Err(Error::invalid("outgoing_url", "Outgoing url is invalid"));
        }
    }
    Ok(())
}

fn bot_type(raw: Option<&str>, current: i32) -> Result<i32> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(current),
        Some("webhook" | "0") => Ok(0),
        Some(other) => Err(Error::invalid(
            "bot_type",
            format!("'{other}' is not a valid bot_type"),
        )),
    }
}

async fn save(
    ex: &mut Tx,
    existing: Option<&AgentBot>,
    input: BotInput,
    account: Option<AccountId>,
) -> Result<AgentBot> {
    let name = input.name.or_else(|| existing.and_then(|b| b.name.clone()));
    let description = input
        .description
        .or_else(|| existing.and_then(|b| b.description.clone()));
    let outgoing_url = input
        .outgoing_url
        .or_else(|| existing.and_then(|b| b.outgoing_url.clone()));
    let config = match input.bot_config {
        Some(m) => Value::Object(m),
        None => existing
            .and_then(|b| b.bot_config.as_ref().map(|j| j.0.clone()))
            .unwrap_or_else(|| json!({})),
    };
    let kind = bot_type(
        input.bot_type.as_deref(),
        existing.and_then(|b| b.bot_type).unwrap_or(0),
    )?;
    let fields = Fields {
        name: name.as_deref(),
        description: description.as_deref(),
        outgoing_url: outgoing_url.as_deref(),
        account_id: account,
        bot_type: kind,
        bot_config: &config,
    };
    validate(&fields)?;
    let now = Timestamp::now();
    Ok(match existing {
        Some(b) => store::update(ex.ex(), b.id, &fields, now).await?,
        None => {
            let b = store::insert(ex.ex(), &fields, now).await?;
            // Chatwoot's AccessTokenable: every bot gets a token when it is made.
            access_tokens::insert(
                ex.ex(),
                Owner::AgentBot(b.id),
                &secrets::secure_token(),
                now,
            )
            .await?;
            b
        }
    })
}

/// The token shows to the account that owns the bot (Chatwoot's AgentBotPresenter), and
/// always to the platform app that made it (`viewer` None).
async fn details(mut ex: Ex<'_>, bot: AgentBot, viewer: Option<AccountId>) -> Result<BotDetails> {
    let visible = match (viewer, bot.account_id) {
        (None, _) => true,
        (Some(v), owner) => owner == Some(v),
    };
    let access_token = if visible {
        access_tokens::token_of(ex.re(), Owner::AgentBot(bot.id)).await?
    } else {
        None
    };
    Ok(BotDetails { bot, access_token })
}

/// The account's own bot, or 404.
async fn owned(tx: &mut Tx, account: AccountId, id: i64) -> Result<AgentBot> {
    let bot = store::find(tx.ex(), id).await?;
    if bot.account_id == Some(account) {
        Ok(bot)
    } else {
        Err(Error::NotFound)
    }
}

// ---- The account's bots (`/api/v1/accounts/:id/agent_bots`) -----------------------------

pub async fn list(ctx: &Ctx, caller: &User, account: AccountId) -> Result<Vec<BotDetails>> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let mut out = Vec::new();
    for b in store::accessible_to(tx.ex(), account).await? {
        out.push(details(tx.ex(), b, Some(account)).await?);
    }
    tx.commit().await?;
    Ok(out)
}

pub async fn show(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<BotDetails> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let bot = store::find(tx.ex(), id).await?;
    if bot.account_id.is_some_and(|a| a != account) {
        return Err(Error::NotFound);
    }
    let d = details(tx.ex(), bot, Some(account)).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    input: BotInput,
) -> Result<BotDetails> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let bot = save(&mut tx, None, input, Some(account)).await?;
    let d = details(tx.ex(), bot, Some(account)).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    input: BotInput,
) -> Result<BotDetails> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let bot = owned(&mut tx, account, id).await?;
    let bot = save(&mut tx, Some(&bot), input, Some(account)).await?;
    let d = details(tx.ex(), bot, Some(account)).await?;
    tx.commit().await?;
    Ok(d)
}

async fn remove(tx: &mut Tx, bot: &AgentBot) -> Result<()> {
    access_tokens::delete_for(tx.ex(), Owner::AgentBot(bot.id)).await?;
    platform_apps::forget(tx.ex(), Permissible::AgentBot(bot.id)).await?;
    store::delete(tx.ex(), bot.id).await?;
    Ok(())
}

pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let bot = owned(&mut tx, account, id).await?;
    remove(&mut tx, &bot).await?;
    tx.commit().await?;
    Ok(())
}

/// `DELETE …/agent_bots/:id/avatar`: bots have no stored avatar yet, so there is nothing
/// to purge; the bot is shown as it is.
pub async fn delete_avatar(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
) -> Result<BotDetails> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let bot = owned(&mut tx, account, id).await?;
    let d = details(tx.ex(), bot, Some(account)).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn reset_access_token(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
) -> Result<BotDetails> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let bot = owned(&mut tx, account, id).await?;
    access_tokens::replace(
        tx.ex(),
        Owner::AgentBot(bot.id),
        &secrets::secure_token(),
        Timestamp::now(),
    )
    .await?;
    let d = details(tx.ex(), bot, Some(account)).await?;
    tx.commit().await?;
    Ok(d)
}

// ---- An inbox's bot ------------------------------------------------------------------

/// `GET …/inboxes/:id/agent_bot`: the bot connected to the inbox, if any.
pub async fn for_inbox(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    inbox: i64,
) -> Result<Option<BotDetails>> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    inboxes::find(tx.ex(), account, inbox).await?;
    let d = match store::for_inbox(tx.ex(), inbox).await? {
        Some(b) => Some(details(tx.ex(), b, Some(account)).await?),
        None => None,
    };
    tx.commit().await?;
    Ok(d)
}

/// `POST …/inboxes/:id/set_agent_bot {agent_bot: id|null}`. Only the account's own bots
/// and system bots can be connected (Chatwoot takes any bot id).
pub async fn set_for_inbox(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    inbox: i64,
    bot: Option<i64>,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    inboxes::find(tx.ex(), account, inbox).await?;
    match bot {
        Some(id) => {
            let b = store::find(tx.ex(), id).await?;
            if b.account_id.is_some_and(|a| a != account) {
                return Err(Error::NotFound);
            }
            store::connect(tx.ex(), account, inbox, b.id, Timestamp::now()).await?;
        }
        None => store::disconnect(tx.ex(), inbox).await?,
    }
    tx.commit().await?;
    Ok(())
}

// ---- The Platform API (`/platform/api/v1/agent_bots`) ----------------------------------

async fn permitted(tx: &mut Tx, app: &PlatformApp, id: i64) -> Result<AgentBot> {
    let bot = store::find(tx.ex(), id).await?;
    if !platform_apps::is_permitted(tx.ex(), app.id, Permissible::AgentBot(id)).await? {
        return Err(Error::Unauthorized("Non permissible resource".into()));
    }
    Ok(bot)
}

/// The account a platform app names must exist and be one of the app's.
async fn platform_account(
    tx: &mut Tx,
    app: &PlatformApp,
    account: Option<i64>,
) -> Result<Option<AccountId>> {
    let Some(id) = account else { return Ok(None) };
    let id = AccountId(id);
    accounts::find(tx.ex(), id)
        .await
        .map_err(|_| Error::invalid("account_id", "Account must exist"))?;
    if !platform_apps::is_permitted(tx.ex(), app.id, Permissible::Account(id.0)).await? {
        return Err(Error::Unauthorized("Non permissible resource".into()));
    }
    Ok(Some(id))
}

pub async fn platform_list(ctx: &Ctx, app: &PlatformApp) -> Result<Vec<BotDetails>> {
    let mut conn = ctx.db.conn().await?;
    let mut out = Vec::new();
    for id in platform_apps::permitted_ids(conn.ex(), app.id, "AgentBot").await? {
        if let Ok(b) = store::find(conn.ex(), id).await {
            out.push(details(conn.ex(), b, None).await?);
        }
    }
    Ok(out)
}

pub async fn platform_create(ctx: &Ctx, app: &PlatformApp, input: BotInput) -> Result<BotDetails> {
    let mut tx = ctx.db.begin().await?;
    let account = platform_account(&mut tx, app, input.account_id).await?;
    let bot = save(&mut tx, None, input, account).await?;
    platform_apps::permit(
        tx.ex(),
        app.id,
        Permissible::AgentBot(bot.id),
        Timestamp::now(),
    )
    .await?;
    let d = details(tx.ex(), bot, None).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn platform_show(ctx: &Ctx, app: &PlatformApp, id: i64) -> Result<BotDetails> {
    let mut tx = ctx.db.begin().await?;
    let bot = permitted(&mut tx, app, id).await?;
    let d = details(tx.ex(), bot, None).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn platform_update(
    ctx: &Ctx,
    app: &PlatformApp,
    id: i64,
    input: BotInput,
) -> Result<BotDetails> {
    let mut tx = ctx.db.begin().await?;
    let bot = permitted(&mut tx, app, id).await?;
    let account = match input.account_id {
        Some(_) => platform_account(&mut tx, app, input.account_id).await?,
        None => bot.account_id,
    };
    let bot = save(&mut tx, Some(&bot), input, account).await?;
    let d = details(tx.ex(), bot, None).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn platform_destroy(ctx: &Ctx, app: &PlatformApp, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let bot = permitted(&mut tx, app, id).await?;
    remove(&mut tx, &bot).await?;
    tx.commit().await?;
    Ok(())
}

// ---- A bot acting with its token -------------------------------------------------------

/// The bot behind a token, if it may act in `account`: the account must be active and
/// the bot its own or connected to one of its inboxes (Chatwoot's
/// `account_accessible_for_bot?`). Like Chatwoot's ConversationPolicy, such a bot may
/// then act on any conversation of the account.
async fn acting(tx: &mut Tx, bot: i64, account: AccountId) -> Result<AgentBot> {
    let a = accounts::find(tx.ex(), account).await?;
    if a.status == Some(AccountStatus::Suspended.value()) {
        return Err(Error::Unauthorized("Account is suspended".into()));
    }
    let bot = store::find(tx.ex(), bot)
        .await
        .map_err(|_| Error::Unauthorized("Invalid Access Token".into()))?;
    if !store::serves_account(tx.ex(), &bot, account).await? {
        return Err(Error::Unauthorized(
            "Bot is not authorized to access this account".into(),
        ));
    }
    Ok(bot)
}

/// The bot's name as activity messages show it.
fn name(bot: &AgentBot) -> String {
    bot.name.clone().unwrap_or_default()
}

/// `POST …/conversations/:id/messages` with a bot's token: an outgoing message (or any
/// of the interactive content types) whose sender is the bot.
pub async fn create_message(
    ctx: &Ctx,
    bot: i64,
    account: AccountId,
    display_id: i64,
    mut m: MessageInput,
    uploads: Vec<Upload>,
) -> Result<MessageDetails> {
    check_count(m.attachments.len() + uploads.len())?;
    let stored = store_uploads(ctx, &uploads).await?;
    let keys: Vec<String> = stored.iter().map(|b| b.key.clone()).collect();
    m.attachments
        .extend(stored.into_iter().map(Attachable::Stored));
    let with_files = !m.attachments.is_empty();
    let created = async {
        let mut tx = ctx.db.begin().await?;
        let bot = acting(&mut tx, bot, account).await?;
        let c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
        let inbox = inboxes::find(tx.ex(), account, c.inbox_id).await?;
        let author = crate::conversations::Author::Bot(&bot);
        let (msg, c) = crate::conversations::post_by(
            ctx,
            &mut tx,
            Some(author),
            &inbox,
            c,
            m,
            Timestamp::now(),
        )
        .await?;
        crate::webhooks::message_event(tx.ex(), "message_created", &c, &msg).await?;
        let details = single(ctx, tx.ex(), c, msg, None, with_files).await?;
        tx.commit().await?;
        Ok::<_, Error>(details)
    }
    .await;
    match created {
        Ok(d) => {
            crate::live::new_message(ctx, &d, false).await;
            Ok(d)
        }
        Err(e) => {
            ctx.files.forget(&keys).await;
            Err(e)
        }
    }
}

/// `toggle_status` with a bot's token. A bot that opens a pending conversation hands it
/// over to the humans (Chatwoot's `bot_handoff!`); any other change is an ordinary status
/// change in the bot's name. Bots never self-assign.
pub async fn toggle_status(
    ctx: &Ctx,
    bot: i64,
    account: AccountId,
    display_id: i64,
    status: Option<&str>,
    snoozed_until: Option<i64>,
) -> Result<crate::conversations::Toggled> {
    let mut tx = ctx.db.begin().await?;
    let bot = acting(&mut tx, bot, account).await?;
    let c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    let current = ConversationStatus::from_value(c.status).unwrap_or(ConversationStatus::Open);
    let next = match status.filter(|s| !s.is_empty()) {
        Some(s) => ConversationStatus::parse(s)
            .ok_or_else(|| Error::invalid("status", format!("'{s}' is not a valid status")))?,
        None if current == ConversationStatus::Open => ConversationStatus::Resolved,
        None => ConversationStatus::Open,
    };
    let handoff = current == ConversationStatus::Pending && next == ConversationStatus::Open;
    let until = (next == ConversationStatus::Snoozed)
        .then(|| snoozed_until.map(Timestamp::from_unix_seconds))
        .flatten();
    let (c, said, assigned) =
        change_status(ctx, &mut tx, c, next, until, Some(&name(&bot))).await?;
    tx.commit().await?;
    after_status_change(ctx, &c, current != next, handoff, said, assigned).await;
    Ok(crate::conversations::Toggled {
        display_id: c.display_id,
        status: next,
        snoozed_until: c.snoozed_until,
    })
}

/// Saves a status change with what it causes inside the transaction: the webhook and bot
/// events and the activity message (`by` names who did it; none is the system's text).
/// A hand-off (to open) is auto-assignment's turn, as any reopening is; the third value
/// says whether it assigned someone.
async fn change_status(
    ctx: &Ctx,
    tx: &mut Tx,
    mut c: Conversation,
    next: ConversationStatus,
    until: Option<Timestamp>,
    by: Option<&str>,
) -> Result<(
    Conversation,
    Vec<switchboard_store::messages::Message>,
    bool,
)> {
    let current = ConversationStatus::from_value(c.status).unwrap_or(ConversationStatus::Open);
    let now = Timestamp::now();
    c.status = next.value();
    c.snoozed_until = until;
    let mut c = conversations::save(tx.ex(), &c, now).await?;
    if current != next {
        // A bot opening a pending conversation hands it to the humans.
        let handoff = current == ConversationStatus::Pending && next == ConversationStatus::Open;
        crate::reporting::status_changed(tx, &c, handoff).await?;
    }
    let mut said = Vec::new();
    let auto = if current != next && next == ConversationStatus::Open {
        crate::assignment::on_open(ctx, tx, &c, by, now).await?
    } else {
        None
    };
    if let Some(a) = &auto {
        c = a.conversation.clone();
    }
    if current != next {
        let mut diff =
            crate::webhooks::changed("status", json!(current.as_str()), json!(next.as_str()));
        if let (Some(a), serde_json::Value::Array(list)) = (&auto, &mut diff) {
            list.push(a.diff());
        }
        crate::webhooks::conversation_event(
            tx.ex(),
            "conversation_status_changed",
            &c,
            Some(diff.clone()),
        )
        .await?;
        crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, Some(diff))
            .await?;
        let text = match (by, next) {
            (Some(who), ConversationStatus::Open) => format!("Conversation was reopened by {who}"),
            (Some(who), ConversationStatus::Resolved) => {
                format!("Conversation was marked resolved by {who}")
            }
            (Some(who), ConversationStatus::Pending) => {
                format!("Conversation was marked as pending by {who}")
            }
            (Some(who), ConversationStatus::Snoozed) => {
                format!("Conversation was snoozed by {who}")
            }
            (None, _) => {
                "Conversation was marked open by system due to an error with the agent bot.".into()
            }
        };
        said.push(activity(tx, &c, text, now).await?);
    }
    let assigned = auto.is_some();
    if let Some(m) = auto.and_then(|a| a.said) {
        said.push(m);
    }
    Ok((c, said, assigned))
}

/// After commit: the live events of a status change, and of a hand-off the
/// `conversation.bot_handoff` event to the inbox's agents (Chatwoot tells them through
/// its notifications, which do not exist here yet).
async fn after_status_change(
    ctx: &Ctx,
    c: &Conversation,
    changed: bool,
    handoff: bool,
    said: Vec<switchboard_store::messages::Message>,
    assigned: bool,
) {
    let mut events = Vec::new();
    if changed {
        events.push("conversation.status_changed");
    }
    if assigned {
        events.push("assignee.changed");
    }
    if handoff {
        events.push("conversation.bot_handoff");
    }
    show_live(ctx, &events, c.account_id, c.display_id, said).await;
}

/// A bot's endpoint kept failing on a message of conversation `display_id`: if the
/// conversation still waits for the bot (pending), it goes to the humans, with
/// Chatwoot's activity message (Webhooks::Trigger's agent bot error handling).
pub(crate) async fn hand_off_after_failure(
    ctx: &Ctx,
    account: AccountId,
    display_id: i64,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    if c.status != ConversationStatus::Pending.value() {
        return Ok(());
    }
    let (c, said, assigned) =
        change_status(ctx, &mut tx, c, ConversationStatus::Open, None, None).await?;
    tx.commit().await?;
    after_status_change(ctx, &c, true, true, said, assigned).await;
    Ok(())
}

/// `toggle_priority` with a bot's token, with the activity message in the bot's name.
pub async fn toggle_priority(
    ctx: &Ctx,
    bot: i64,
    account: AccountId,
    display_id: i64,
    priority: Option<&str>,
) -> Result<()> {
    use switchboard_domain::Priority;
    let next =
        match priority.filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => Some(Priority::parse(p).ok_or_else(|| {
                Error::invalid("priority", format!("'{p}' is not a valid priority"))
            })?),
        };
    let mut tx = ctx.db.begin().await?;
    let bot = acting(&mut tx, bot, account).await?;
    let mut c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    let before = c.priority.and_then(Priority::from_value);
    if before == next {
        tx.commit().await?;
        return Ok(());
    }
    let now = Timestamp::now();
    c.priority = next.map(Priority::value);
    let c = conversations::save(tx.ex(), &c, now).await?;
    let who = name(&bot);
    let text = match (before, next) {
        (None, Some(p)) => format!("{who} set the priority to {p}"),
        (Some(b), Some(p)) => format!("{who} changed the priority from {b} to {p}"),
        (Some(_), None) | (None, None) => format!("{who} removed the priority"),
    };
    let said = vec![activity(&mut tx, &c, text, now).await?];
    let diff = crate::webhooks::changed(
        "priority",
        json!(before.map(Priority::as_str)),
        json!(next.map(Priority::as_str)),
    );
    crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, Some(diff)).await?;
    tx.commit().await?;
    show_live(ctx, &["conversation.updated"], account, display_id, said).await;
    Ok(())
}

/// `POST …/conversations/:id/custom_attributes` with a bot's token (replaces them all,
/// as for agents).
pub async fn set_custom_attributes(
    ctx: &Ctx,
    bot: i64,
    account: AccountId,
    display_id: i64,
    attrs: Map<String, Value>,
) -> Result<Value> {
    crate::conversations::check_attributes("custom_attributes", &attrs)?;
    let mut tx = ctx.db.begin().await?;
    acting(&mut tx, bot, account).await?;
    let mut c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    c.custom_attributes = Some(switchboard_store::Json(Value::Object(attrs)));
    let c = conversations::save(tx.ex(), &c, Timestamp::now()).await?;
    crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, None).await?;
    tx.commit().await?;
    show_live(
        ctx,
        &["conversation.updated"],
        account,
        display_id,
        Vec::new(),
    )
    .await;
    Ok(switchboard_domain::attributes::object(
        c.custom_attributes.as_ref().map(|j| &j.0),
    ))
}

/// `POST …/conversations` with a bot's token: a conversation in any inbox of an account
/// the bot serves, its first message (if any) sent by the bot.
pub async fn create_conversation(
    ctx: &Ctx,
    bot: i64,
    account: AccountId,
    n: crate::conversations::NewConversation,
) -> Result<crate::conversations::ConversationDetails> {
    let bot = checked(ctx, bot, account).await?;
    crate::conversations::create_by(ctx, crate::conversations::Actor::Bot(&bot), account, n).await
}

/// `PATCH …/conversations/:id` with a bot's token (the priority, as for agents).
pub async fn update_conversation(
    ctx: &Ctx,
    bot: i64,
    account: AccountId,
    display_id: i64,
    priority: Option<&str>,
) -> Result<crate::conversations::ConversationDetails> {
    toggle_priority(ctx, bot, account, display_id, priority).await?;
    crate::conversations::load(ctx, account, display_id).await
}

/// `POST …/conversations/:id/assignments` with a bot's token: an agent or a team, in the
/// bot's name.
pub async fn assign(
    ctx: &Ctx,
    bot: i64,
    account: AccountId,
    display_id: i64,
    assignee_id: Option<Option<i64>>,
    team_id: Option<Option<i64>>,
) -> Result<crate::conversations::Assigned> {
    let bot = checked(ctx, bot, account).await?;
    crate::conversations::assign_by(
        ctx,
        crate::conversations::Actor::Bot(&bot),
        account,
        display_id,
        assignee_id,
        team_id,
    )
    .await
}

/// `acting`, in a transaction of its own, for use cases that open theirs.
async fn checked(ctx: &Ctx, bot: i64, account: AccountId) -> Result<AgentBot> {
    let mut tx = ctx.db.begin().await?;
    let bot = acting(&mut tx, bot, account).await?;
    tx.commit().await?;
    Ok(bot)
}
