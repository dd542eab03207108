//! Account webhooks: administrators manage them (Chatwoot's WebhooksController and
//! Webhook model), and changes reach them through jobs.
//!
//! A change enqueues one `webhook_event` job in its own transaction when the account has
//! somewhere to send it (an account webhook, or an API inbox's `webhook_url`). The job
//! renders Chatwoot's payload from the records as they are then (as Chatwoot's
//! EventDispatcherJob reloads them) and records one delivery per target, each with its
//! own `webhook_delivery` job, so one slow or failing receiver never holds up another.
//! Unlike Chatwoot, deliveries are signed and retried (docs/webhooks.md).

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use switchboard_domain::{
    AccountId, ConversationStatus, MessageStatus, MessageType, Timestamp, UserId,
};
use switchboard_store::contacts::Contact;
use switchboard_store::conversations::Conversation;
use switchboard_store::messages::Message;
use switchboard_store::users::User;
use switchboard_store::webhooks::{self as store, Delivery, Fields, Webhook};
use switchboard_store::{
    Ex, Json, StoreError, accounts, agent_bots, contacts, conversations, inboxes, jobs, messages,
    users,
};

use crate::auth::administrator;
use crate::conversations::Sender;
use crate::jobs::Attempt;
use crate::views::webhook as payload;
use crate::{Ctx, Error, Result};

/// Chatwoot's `Webhook::ALLOWED_WEBHOOK_EVENTS`.
pub const EVENTS: [&str; 12] = [
    "conversation_status_changed",
    "conversation_updated",
    "conversation_created",
    "contact_created",
    "contact_updated",
    "message_created",
    "message_updated",
    "webwidget_triggered",
    "inbox_created",
    "inbox_updated",
    "conversation_typing_on",
    "conversation_typing_off",
];

/// The events Chatwoot's AgentBotListener posts to a bot (`webwidget_triggered` is not
/// sent by anything here yet).
pub const BOT_EVENTS: [&str; 5] = [
    "conversation_opened",
    "conversation_resolved",
    "message_created",
    "message_updated",
    "webwidget_triggered",
];

/// Chatwoot sends an API inbox's `webhook_url` what WebhookListener handles.
fn inbox_wants(event: &str) -> bool {
    EVENTS.contains(&event)
}

/// Whether `t` takes `event`: an account webhook its subscriptions, an API inbox the
/// webhook events, a bot the bot events.
fn wants(t: &store::Target, event: &str) -> bool {
    if t.agent_bot_id.is_some() {
        BOT_EVENTS.contains(&event)
    } else if t.webhook_id.is_none() {
        inbox_wants(event)
    } else {
        t.wants(event)
    }
}

pub const EVENT_JOB: &str = "webhook_event";
pub const DELIVERY_JOB: &str = "webhook_delivery";
const EVENT_ATTEMPTS: i32 = 10;
/// With the default backoff (15 s doubling, capped at an hour) 32 attempts span a day.
pub const DELIVERY_ATTEMPTS: i32 = 32;
/// Chatwoot's `WEBHOOK_TIMEOUT` default.
const TIMEOUT: Duration = Duration::from_secs(5);
const LOG_LIMIT: i64 = 100;

/// A webhook with the name of its inbox, for the view.
pub struct WebhookDetails {
    pub webhook: Webhook,
    pub inbox_name: Option<String>,
}

#[derive(Default)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub name: Option<String>,
    pub inbox_id: Option<i64>,
    pub subscriptions: Option<Vec<String>>,
}

async fn with_inbox(mut ex: Ex<'_>, w: Webhook) -> Result<WebhookDetails> {
    let inbox_name = match w.inbox_id {
        Some(id) => inboxes::find(ex.re(), w.account_id, id)
            .await
            .ok()
            .map(|i| i.name),
        None => None,
    };
    Ok(WebhookDetails {
        webhook: w,
        inbox_name,
    })
}

pub async fn list(ctx: &Ctx, caller: &User, account: AccountId) -> Result<Vec<WebhookDetails>> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let mut out = Vec::new();
    for w in store::list(tx.ex(), account).await? {
        out.push(with_inbox(tx.ex(), w).await?);
    }
    tx.commit().await?;
    Ok(out)
}

/// The Webhook model's validations: an http(s) URL, unique in the account, and a
/// non-empty list of known events.
fn validate(url: &str, subscriptions: &[String]) -> Result<()> {
    let ok = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if ok.is_none() {
        return Err(Error::invalid("url", "Url is invalid"));
    }
    if subscriptions.is_empty() || subscriptions.iter().any(|s| !EVENTS.contains(&s.as_str())) {
        return Err(Error::invalid(
            "subscriptions",
            "Subscriptions Invalid events",
        ));
    }
    Ok(())
}

fn taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(_) => Error::invalid("url", "Url has already been taken"),
        other => other.into(),
    }
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    input: WebhookInput,
) -> Result<WebhookDetails> {
    let url = input.url.unwrap_or_default();
    let subscriptions = input.subscriptions.unwrap_or_default();
    validate(&url, &subscriptions)?;
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    if let Some(inbox) = input.inbox_id {
        inboxes::find(tx.ex(), account, inbox).await?;
    }
    let fields = Fields {
        url: &url,
        name: input.name.as_deref(),
        inbox_id: input.inbox_id,
        subscriptions: &subscriptions,
    };
    let secret = crate::secrets::hex_token(32);
    let w = store::insert(tx.ex(), account, &fields, &secret, Timestamp::now())
        .await
        .map_err(taken)?;
    let d = with_inbox(tx.ex(), w).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    input: WebhookInput,
) -> Result<WebhookDetails> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let w = store::find(tx.ex(), account, id).await?;
    let url = input.url.unwrap_or(w.url);
    let subscriptions = input.subscriptions.unwrap_or(w.subscriptions.0);
    validate(&url, &subscriptions)?;
    let inbox_id = input.inbox_id.or(w.inbox_id);
    if let Some(inbox) = input.inbox_id {
        inboxes::find(tx.ex(), account, inbox).await?;
    }
    let name = input.name.or(w.name);
    let fields = Fields {
        url: &url,
        name: name.as_deref(),
        inbox_id,
        subscriptions: &subscriptions,
    };
    let w = store::update(tx.ex(), account, id, &fields, Timestamp::now())
        .await
        .map_err(taken)?;
    let d = with_inbox(tx.ex(), w).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    if store::delete(tx.ex(), account, id).await? == 0 {
        return Err(Error::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// A webhook's latest deliveries, newest first.
pub async fn deliveries(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
) -> Result<Vec<Delivery>> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    store::find(tx.ex(), account, id).await?;
    let list = store::deliveries(tx.ex(), account, id, LOG_LIMIT).await?;
    tx.commit().await?;
    Ok(list)
}

// ---- Enqueuing, inside the transaction of the change -------------------------------

async fn enqueue(
    ex: Ex<'_>,
    account: AccountId,
    inbox: Option<i64>,
    event: &str,
    subject: Value,
) -> Result<()> {
    enqueue_for(ex, account, inbox, false, event, subject).await
}

/// `bot_assigned`: the conversation has a bot assignee, which takes its events whatever
/// the inbox has.
async fn enqueue_for(
    mut ex: Ex<'_>,
    account: AccountId,
    inbox: Option<i64>,
    bot_assigned: bool,
    event: &str,
    mut subject: Value,
) -> Result<()> {
    if !bot_assigned && !store::any_target(ex.re(), account, inbox).await? {
        return Ok(());
    }
    subject["event"] = json!(event);
    subject["account_id"] = json!(account.0);
    subject["inbox_id"] = json!(inbox);
    jobs::enqueue(
        ex.re(),
        EVENT_JOB,
        &subject,
        EVENT_ATTEMPTS,
        Timestamp::now(),
    )
    .await?;
    Ok(())
}

/// `message_created` / `message_updated`, for incoming, outgoing and template messages
/// (Chatwoot's `webhook_sendable?`).
pub(crate) async fn message_event(
    mut ex: Ex<'_>,
    event: &str,
    c: &Conversation,
    m: &Message,
) -> Result<()> {
    // Automation rides on the same outbox: one place sees every change.
    if event == "message_created" {
        crate::automation::message_created(ex.re(), c, m).await?;
    }
    let sendable = [
        MessageType::Incoming,
        MessageType::Outgoing,
        MessageType::Template,
    ]
    .iter()
    .any(|t| t.value() == m.message_type);
    if !sendable {
        return Ok(());
    }
    let subject = json!({ "display_id": c.display_id, "message_id": m.id });
    let bot = c.assignee_agent_bot_id.is_some();
    enqueue_for(ex, c.account_id, Some(c.inbox_id), bot, event, subject).await
}

/// `conversation_created`, `conversation_status_changed`, `conversation_updated`, with
/// the `changed_attributes` the change reports (`[{"status": {"previous_value", "current_value"}}]`).
pub(crate) async fn conversation_event(
    mut ex: Ex<'_>,
    event: &str,
    c: &Conversation,
    changed: Option<Value>,
) -> Result<()> {
    crate::automation::conversation_event(ex.re(), event, c, changed.as_ref()).await?;
    // A status change to open or resolved is also `conversation_opened` /
    // `conversation_resolved`, which only bots are sent (Chatwoot's notify_status_change).
    let bot_event = match ConversationStatus::from_value(c.status) {
        Some(ConversationStatus::Open) => Some("conversation_opened"),
        Some(ConversationStatus::Resolved) => Some("conversation_resolved"),
        _ => None,
    }
    .filter(|_| event == "conversation_status_changed");
    if let Some(bot_event) = bot_event
        && (c.assignee_agent_bot_id.is_some()
            || agent_bots::inbox_has_active_bot(ex.re(), c.inbox_id).await?)
    {
        let subject = json!({ "display_id": c.display_id });
        enqueue_for(
            ex.re(),
            c.account_id,
            Some(c.inbox_id),
            true,
            bot_event,
            subject,
        )
        .await?;
    }
    let subject = json!({ "display_id": c.display_id, "changed_attributes": changed });
    let bot = c.assignee_agent_bot_id.is_some();
    enqueue_for(ex, c.account_id, Some(c.inbox_id), bot, event, subject).await
}

/// `contact_created`, `contact_updated` (account webhooks only, as in Chatwoot).
pub(crate) async fn contact_event(
    ex: Ex<'_>,
    event: &str,
    account: AccountId,
    contact: i64,
    changed: Option<Value>,
) -> Result<()> {
    let subject = json!({ "contact_id": contact, "changed_attributes": changed });
    enqueue(ex, account, None, event, subject).await
}

/// `conversation_typing_on` / `conversation_typing_off`: `{user, conversation, is_private}`,
/// where `user` is whoever types (an agent, or the contact).
pub(crate) async fn typing_event(
    ex: Ex<'_>,
    on: bool,
    c: &Conversation,
    typer: &Sender,
    is_private: bool,
) -> Result<()> {
    let event = if on {
        "conversation_typing_on"
    } else {
        "conversation_typing_off"
    };
    let who = match typer {
        Sender::User(u) => json!({ "user_id": u.id }),
        Sender::Contact(k) => json!({ "contact_id": k.id }),
        // Bots are not allowed to send typing events; nothing to announce.
        Sender::AgentBot(_) => return Ok(()),
    };
    let subject = json!({ "display_id": c.display_id, "typer": who, "is_private": is_private });
    enqueue(ex, c.account_id, Some(c.inbox_id), event, subject).await
}

/// `webwidget_triggered`: a visitor opened the widget (the widget's `events` call with
/// `webwidget.triggered`), with what the widget and the browser told about it.
pub(crate) async fn webwidget_triggered(
    ex: Ex<'_>,
    account: AccountId,
    inbox: i64,
    contact_inbox: i64,
    event_info: Value,
) -> Result<()> {
    let subject = json!({ "contact_inbox_id": contact_inbox, "event_info": event_info });
    enqueue(ex, account, Some(inbox), "webwidget_triggered", subject).await
}

/// `contact_updated` with what changed; an update that changed nothing is not sent
/// (WebhookListener skips blank `changed_attributes`).
pub(crate) async fn contact_updated(ex: Ex<'_>, before: &Contact, after: &Contact) -> Result<()> {
    let pairs = [
        ("name", json!(before.name), json!(after.name)),
        ("email", json!(before.email), json!(after.email)),
        (
            "phone_number",
            json!(before.phone_number),
            json!(after.phone_number),
        ),
        (
            "identifier",
            json!(before.identifier),
            json!(after.identifier),
        ),
        ("blocked", json!(before.blocked), json!(after.blocked)),
        (
            "additional_attributes",
            json!(before.additional_attributes.as_ref().map(|j| &j.0)),
            json!(after.additional_attributes.as_ref().map(|j| &j.0)),
        ),
        (
            "custom_attributes",
            json!(before.custom_attributes.as_ref().map(|j| &j.0)),
            json!(after.custom_attributes.as_ref().map(|j| &j.0)),
        ),
    ];
    let diff: Vec<Value> = pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(k, b, a)| json!({ k: { "previous_value": b, "current_value": a } }))
        .collect();
    if diff.is_empty() {
        return Ok(());
    }
    contact_event(
        ex,
        "contact_updated",
        after.account_id,
        after.id,
        Some(Value::Array(diff)),
    )
    .await
}

/// `changed_attributes` for one attribute, as Chatwoot writes it.
pub fn changed(attr: &str, previous: Value, current: Value) -> Value {
    json!([{ attr: { "previous_value": previous, "current_value": current } }])
}

// ---- The jobs ---------------------------------------------------------------------------

fn field(p: &Value, key: &str) -> std::result::Result<i64, String> {
    p[key]
        .as_i64()
        .ok_or_else(|| format!("job payload lacks {key}"))
}

/// Renders an event's payload and records a delivery (and its job) per target.
pub(crate) async fn fan_out(ctx: &Ctx, attempt: &Attempt<'_>) -> std::result::Result<(), String> {
    match render_and_record(ctx, attempt.payload).await {
        // The record is gone (a conversation or contact deleted meanwhile): nothing to say.
        Ok(()) | Err(Error::NotFound) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

async fn render_and_record(ctx: &Ctx, p: &Value) -> Result<()> {
    let event = p["event"].as_str().unwrap_or_default().to_owned();
    let account = AccountId(field(p, "account_id").map_err(Error::Unprocessable)?);
    let inbox = p["inbox_id"].as_i64();
    let mut conn = ctx.db.conn().await?;
    let acc = accounts::find(conn.ex(), account).await?;
    // The conversation's bot assignee, which gets its bot events too.
    let mut assignee_bot = None;
    let rendered = match event.as_str() {
        "message_created" | "message_updated" => {
            let c = conversations::find_by_display_id(
                conn.ex(),
                account,
                field(p, "display_id").map_err(Error::Unprocessable)?,
            )
            .await?;
            let m = messages::find(
                conn.ex(),
                c.id,
                field(p, "message_id").map_err(Error::Unprocessable)?,
            )
            .await?;
            assignee_bot = c.assignee_agent_bot_id;
            let d = crate::conversations::one(ctx, conn.ex(), c.clone()).await?;
            let md = crate::messages::single(ctx, conn.ex(), c, m, None, true).await?;
            payload::message(&md, &d, &acc)
        }
        "conversation_typing_on" | "conversation_typing_off" => {
            let c = conversations::find_by_display_id(
                conn.ex(),
                account,
                field(p, "display_id").map_err(Error::Unprocessable)?,
            )
            .await?;
            let d = crate::conversations::one(ctx, conn.ex(), c).await?;
            let typer = &p["typer"];
            let who = if let Some(id) = typer["user_id"].as_i64() {
                Sender::User(users::find(conn.ex(), UserId(id)).await?)
            } else {
                let id = field(typer, "contact_id").map_err(Error::Unprocessable)?;
                Sender::Contact(contacts::find(conn.ex(), account, id).await?)
            };
            payload::typing(&d, &who, &acc, p["is_private"].as_bool().unwrap_or(false))
        }
        "contact_created" | "contact_updated" => {
            let c = contacts::find(
                conn.ex(),
                account,
                field(p, "contact_id").map_err(Error::Unprocessable)?,
            )
            .await?;
            payload::contact(&c, &acc)
        }
        "webwidget_triggered" => {
            // ContactInbox#webhook_data: the visitor, its inbox, and its latest conversation.
            let id = field(p, "contact_inbox_id").map_err(Error::Unprocessable)?;
            let ci = contacts::contact_inboxes_by_ids(conn.ex(), &[id])
                .await?
                .into_iter()
                .next()
                .ok_or(Error::NotFound)?;
            let contact = contacts::find(conn.ex(), account, ci.contact_id).await?;
            let inbox = inboxes::find(conn.ex(), account, ci.inbox_id).await?;
            let current = match conversations::latest_for_contact_inbox(conn.ex(), ci.id).await? {
                Some(c) => Some(payload::conversation(
                    &crate::conversations::one(ctx, conn.ex(), c).await?,
                )),
                None => None,
            };
            json!({
                "id": ci.id,
                "contact": payload::contact(&contact, &acc),
                "inbox": { "id": inbox.id, "name": inbox.name },
                "account": { "id": acc.id, "name": acc.name },
                "current_conversation": current,
                "source_id": ci.source_id,
                "event_info": p["event_info"],
            })
        }
        _ => {
            let c = conversations::find_by_display_id(
                conn.ex(),
                account,
                field(p, "display_id").map_err(Error::Unprocessable)?,
            )
            .await?;
            assignee_bot = c.assignee_agent_bot_id;
            let d = crate::conversations::one(ctx, conn.ex(), c).await?;
            payload::conversation(&d)
        }
    };
    let mut body = rendered;
    body["event"] = json!(event);
    if let Some(ch) = p.get("changed_attributes").filter(|v| !v.is_null()) {
        body["changed_attributes"] = ch.clone();
    }
    let body = body.to_string();
    let mut targets = store::targets(conn.ex(), account, inbox).await?;
    if BOT_EVENTS.contains(&event.as_str()) {
        targets.extend(store::bot_targets(conn.ex(), inbox, assignee_bot).await?);
    }
    let targets: Vec<_> = targets.into_iter().filter(|t| wants(t, &event)).collect();
    drop(conn);
    if targets.is_empty() {
        return Ok(());
    }
    let mut tx = ctx.db.begin().await?;
    let now = Timestamp::now();
    for t in &targets {
        let uuid = uuid::Uuid::new_v4().to_string();
        let id = store::insert_delivery(
            tx.ex(),
            &store::NewDelivery {
                account,
                target: t,
                uuid: &uuid,
                event: &event,
                body: &body,
            },
            now,
        )
        .await?;
        jobs::enqueue(
            tx.ex(),
            DELIVERY_JOB,
            &json!({ "delivery_id": id }),
            DELIVERY_ATTEMPTS,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>` with the webhook's secret.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts one delivery and records how it went.
pub(crate) async fn deliver(ctx: &Ctx, attempt: &Attempt<'_>) -> std::result::Result<(), String> {
    let id = field(attempt.payload, "delivery_id")?;
    let loaded = async {
        let mut conn = ctx.db.conn().await?;
        let d = store::delivery(conn.ex(), id).await?;
        let secret = store::secret_for(conn.ex(), &d).await?;
        Ok::<_, StoreError>((d, secret))
    }
    .await;
    let (d, secret) = match loaded {
        Ok(found) => found,
        // The webhook (and with it the delivery) was deleted meanwhile: nothing to do.
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    let result = post(ctx, &d, secret.as_deref().unwrap_or_default()).await;
    let (status, code, error) = match &result {
        Ok(code) => (store::DELIVERED, Some(*code), None),
        Err((code, e)) if attempt.last => (store::FAILED, *code, Some(e.as_str())),
        Err((code, e)) => (store::RETRYING, *code, Some(e.as_str())),
    };
    ctx.metrics.webhook_delivery(match status {
        store::DELIVERED => "delivered",
        store::FAILED => "failed",
        _ => "retrying",
    });
    let outcome = store::Outcome {
        status,
        attempts: attempt.number,
        response_code: code.map(i32::from),
        last_error: error,
    };
    let recorded = async {
        let mut tx = ctx.db.begin().await?;
        store::record(tx.ex(), d.id, &outcome, Timestamp::now()).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = recorded {
        tracing::warn!(delivery = d.id, error = %e, "cannot record a webhook delivery");
    }
    let failure = result.as_ref().err().map(|(_, e)| e.as_str());
    if let Err(e) = after_message_delivery(ctx, &d, attempt, failure).await {
        tracing::warn!(delivery = d.id, error = %e, "cannot apply a delivery's outcome to its message");
    }
    result.map(|_| ()).map_err(|(_, e)| e)
}

/// A bot whose endpoint failed this many times on a message lets the humans take over.
const BOT_HANDOFF_AFTER_ATTEMPTS: i32 = 3;

/// What a message delivery's outcome changes (Chatwoot's Webhooks::Trigger error
/// handling, adapted to retries):
/// - an API inbox's `webhook_url` failing marks the message `failed` with
///   `external_error` at once (Chatwoot's single attempt does), and a later retry that
///   gets through puts it back to `sent`;
/// - a bot's `outgoing_url` failing `BOT_HANDOFF_AFTER_ATTEMPTS` times (or for the last
///   time) opens the conversation if it still waits for the bot, with an activity message.
async fn after_message_delivery(
    ctx: &Ctx,
    d: &Delivery,
    attempt: &Attempt<'_>,
    failure: Option<&str>,
) -> Result<()> {
    if !matches!(d.event.as_str(), "message_created" | "message_updated") {
        return Ok(());
    }
    let body: Value = serde_json::from_str(&d.body).unwrap_or(Value::Null);
    let (Some(display_id), Some(message_id)) =
        (body["conversation"]["id"].as_i64(), body["id"].as_i64())
    else {
        return Ok(());
    };
    if d.agent_bot_id.is_some() {
        if failure.is_some() && (attempt.number >= BOT_HANDOFF_AFTER_ATTEMPTS || attempt.last) {
            return crate::agent_bots::hand_off_after_failure(ctx, d.account_id, display_id).await;
        }
        return Ok(());
    }
    if d.webhook_id.is_some() || (failure.is_none() && attempt.number <= 1) {
        return Ok(());
    }
    let mut tx = ctx.db.begin().await?;
    let c = conversations::find_by_display_id(tx.ex(), d.account_id, display_id).await?;
    let m = messages::find(tx.ex(), c.id, message_id).await?;
    let mut attrs = match &m.content_attributes {
        Some(Json(Value::Object(map))) => map.clone(),
        _ => serde_json::Map::new(),
    };
    let failed = m.status == Some(MessageStatus::Failed.value());
    let status = match failure {
        Some(e) => {
            if failed && attrs.get("external_error").and_then(Value::as_str) == Some(e) {
                return Ok(());
            }
            attrs.insert("external_error".into(), json!(e));
            MessageStatus::Failed
        }
        None if failed => {
            attrs.remove("external_error");
            MessageStatus::Sent
        }
        None => return Ok(()),
    };
    let m = messages::set_status(
        tx.ex(),
        m.id,
        status.value(),
        &Some(Json(Value::Object(attrs))),
        Timestamp::now(),
    )
    .await?;
    message_event(tx.ex(), "message_updated", &c, &m).await?;
    tx.commit().await?;
    crate::messages::show_updated(ctx, c, m).await;
    Ok(())
}

async fn post(
    ctx: &Ctx,
    d: &Delivery,
    secret: &str,
) -> std::result::Result<u16, (Option<u16>, String)> {
    let url = url::Url::parse(&d.url).map_err(|e| (None, format!("bad URL: {e}")))?;
    let request = ctx
        .settings
        .outbound
        .request(reqwest::Method::POST, url, TIMEOUT)
        .await
        .map_err(|e| (None, e))?;
    let timestamp = Timestamp::now().unix_seconds();
    let response = request
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header("X-Switchboard-Event", &d.event)
        .header("X-Switchboard-Delivery", &d.uuid)
        .header("X-Switchboard-Timestamp", timestamp.to_string())
        .header(
            "X-Switchboard-Signature",
            signature(secret, timestamp, &d.body),
        )
        .body(d.body.clone())
        .send()
        .await
        .map_err(|e| (None, format!("request failed: {e}")))?;
    let code = response.status().as_u16();
    if response.status().is_success() {
        Ok(code)
    } else {
        Err((Some(code), format!("the receiver answered {code}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_over_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac k
        assert_eq!(
            signature("k", 1_700_000_000, r#"{"a":1}"#),
            "sha256=1b6ad1bc9bf48c52ce01939866d5877c6cc4e87ddad27e16673cb8c4964394a3"
        );
    }

    #[test]
    fn validation_follows_the_webhook_model() {
        let subs = vec!["message_created".to_string()];
        assert!(validate("https://example.com/hook", &subs).is_ok());
        assert!(validate("ftp://example.com", &subs).is_err());
        assert!(validate("not a url", &subs).is_err());
        assert!(validate("https://example.com", &[]).is_err());
        assert!(validate("https://example.com", &["nope".to_string()]).is_err());
    }
}
