//! `webhooks` (Chatwoot's account webhooks, plus the secret that signs deliveries) and
//! `webhook_deliveries` (what was sent where, and how it went).

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::{Ex, Json, StoreResult, exec, fetch};

#[derive(Clone, Debug, FromRow)]
pub struct Webhook {
    pub id: i64,
    pub account_id: AccountId,
    pub inbox_id: Option<i64>,
    pub url: String,
    pub subscriptions: Json<Vec<String>>,
    pub webhook_type: Option<i32>,
    pub name: Option<String>,
    pub secret: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, account_id, inbox_id, url, subscriptions, webhook_type, name, secret, created_at, updated_at"
    };
}

pub async fn list(mut ex: Ex<'_>, account: AccountId) -> StoreResult<Vec<Webhook>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM webhooks WHERE account_id = $1 ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, account)?)
}

pub async fn find(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<Webhook> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM webhooks WHERE account_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, id)?)
}

/// What an administrator sets on a webhook.
pub struct Fields<'a> {
    pub url: &'a str,
    pub name: Option<&'a str>,
    pub inbox_id: Option<i64>,
    pub subscriptions: &'a [String],
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    f: &Fields<'_>,
    secret: &str,
    now: Timestamp,
) -> StoreResult<Webhook> {
    const SQL: &str = concat!(
        "INSERT INTO webhooks (account_id, inbox_id, url, subscriptions, webhook_type, name, secret, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ",
        columns!()
    );
    // Chatwoot's controller never sets webhook_type, so every webhook made through the
    // API is account_type (0), whatever its inbox.
    let kind = 0;
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        f.inbox_id,
        f.url,
        Json(f.subscriptions),
        kind,
        f.name,
        secret,
        now
    )?)
}

pub async fn update(
    mut ex: Ex<'_>,
    account: AccountId,
    id: i64,
    f: &Fields<'_>,
    now: Timestamp,
) -> StoreResult<Webhook> {
    const SQL: &str = concat!(
        "UPDATE webhooks SET url = $3, name = $4, inbox_id = $5, subscriptions = $6, \
         updated_at = $7 WHERE account_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        id,
        f.url,
        f.name,
        f.inbox_id,
        Json(f.subscriptions),
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<u64> {
    Ok(exec!(
        ex.re(),
        "DELETE FROM webhooks WHERE account_id = $1 AND id = $2",
        account,
        id
    )?)
}

/// Where an event goes: an account webhook (with its subscriptions), an API inbox's
/// `webhook_url` (every conversation and message event of that inbox; `webhook_id` None),
/// or an agent bot's `outgoing_url` (`agent_bot_id`; the bot events of its inbox).
#[derive(Clone, Debug, FromRow)]
pub struct Target {
    pub webhook_id: Option<i64>,
    pub inbox_id: Option<i64>,
    pub url: String,
    pub subscriptions: Option<Json<Vec<String>>>,
    pub agent_bot_id: Option<i64>,
}

impl Target {
    pub fn wants(&self, event: &str) -> bool {
        self.subscriptions
            .as_ref()
            .is_none_or(|s| s.0.iter().any(|e| e == event))
    }
}

/// The account's webhooks, and the API channel's `webhook_url` of `inbox` when given.
pub async fn targets(
    mut ex: Ex<'_>,
    account: AccountId,
    inbox: Option<i64>,
) -> StoreResult<Vec<Target>> {
    const SQL: &str = "SELECT id AS webhook_id, NULL AS inbox_id, url, subscriptions, \
         CAST(NULL AS BIGINT) AS agent_bot_id FROM webhooks \
         WHERE account_id = $1 AND COALESCE(webhook_type, 0) = 0 \
         UNION ALL \
         SELECT NULL, i.id, ca.webhook_url, NULL, NULL FROM inboxes i \
         JOIN channel_api ca ON ca.id = i.channel_id AND i.channel_type = 'Channel::Api' \
         WHERE i.id = $2 AND i.account_id = $1 AND ca.webhook_url IS NOT NULL AND ca.webhook_url <> ''";
    Ok(fetch!(all, ex.re(), SQL, account, inbox)?)
}

/// The agent bots an event of `inbox` goes to (Chatwoot's AgentBotListener): the inbox's
/// active bot and the conversation's bot assignee, once each, when they have a URL.
pub async fn bot_targets(
    mut ex: Ex<'_>,
    inbox: Option<i64>,
    assignee_bot: Option<i64>,
) -> StoreResult<Vec<Target>> {
    const SQL: &str = "SELECT CAST(NULL AS BIGINT) AS webhook_id, CAST($1 AS BIGINT) AS inbox_id, \
         b.outgoing_url AS url, NULL AS subscriptions, b.id AS agent_bot_id FROM agent_bots b \
         WHERE (b.id = $2 OR b.id IN (SELECT agent_bot_id FROM agent_bot_inboxes \
           WHERE inbox_id = CAST($1 AS BIGINT) AND status = 0)) \
         AND b.outgoing_url IS NOT NULL AND b.outgoing_url <> '' ORDER BY b.id";
    Ok(fetch!(all, ex.re(), SQL, inbox, assignee_bot)?)
}

/// Whether an event would go anywhere: the account has a webhook, or `inbox` is an API
/// inbox with a `webhook_url` or has an active agent bot. Asked inside a change's
/// transaction before enqueuing, so an installation without webhooks pays one read per
/// change and no jobs.
pub async fn any_target(
    mut ex: Ex<'_>,
    account: AccountId,
    inbox: Option<i64>,
) -> StoreResult<bool> {
    Ok(crate::scalar!(
        one,
        ex.re(),
        "SELECT EXISTS (SELECT 1 FROM webhooks WHERE account_id = $1) \
         OR EXISTS (SELECT 1 FROM inboxes i JOIN channel_api ca ON ca.id = i.channel_id \
           AND i.channel_type = 'Channel::Api' \
           WHERE i.id = $2 AND ca.webhook_url IS NOT NULL AND ca.webhook_url <> '') \
         OR EXISTS (SELECT 1 FROM agent_bot_inboxes WHERE inbox_id = $2 AND status = 0)",
        account,
        inbox
    )?)
}

#[derive(Clone, Debug, FromRow)]
pub struct Delivery {
    pub id: i64,
    pub account_id: AccountId,
    pub webhook_id: Option<i64>,
    pub inbox_id: Option<i64>,
    pub agent_bot_id: Option<i64>,
    pub uuid: String,
    pub event: String,
    pub url: String,
    pub body: String,
    pub status: i32,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! delivery_columns {
    () => {
        "id, account_id, webhook_id, inbox_id, agent_bot_id, uuid, event, url, body, status, attempts, \
         response_code, last_error, delivered_at, created_at, updated_at"
    };
}

pub const QUEUED: i32 = 0;
pub const DELIVERED: i32 = 1;
pub const RETRYING: i32 = 2;
pub const FAILED: i32 = 3;

pub struct NewDelivery<'a> {
    pub account: AccountId,
    pub target: &'a Target,
    pub uuid: &'a str,
    pub event: &'a str,
    pub body: &'a str,
}

pub async fn insert_delivery(
    mut ex: Ex<'_>,
    d: &NewDelivery<'_>,
    now: Timestamp,
) -> StoreResult<i64> {
    Ok(crate::scalar!(
        one,
        ex.re(),
        "INSERT INTO webhook_deliveries (account_id, webhook_id, inbox_id, uuid, event, url, body, \
         created_at, updated_at, agent_bot_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id",
        d.account,
        d.target.webhook_id,
        d.target.inbox_id,
        d.uuid,
        d.event,
        &d.target.url,
        d.body,
        now,
        d.target.agent_bot_id
    )?)
}

pub async fn delivery(mut ex: Ex<'_>, id: i64) -> StoreResult<Delivery> {
    const SQL: &str = concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM webhook_deliveries WHERE id = $1"
    );
    Ok(fetch!(one, ex.re(), SQL, id)?)
}

/// A webhook's deliveries, newest first.
pub async fn deliveries(
    mut ex: Ex<'_>,
    account: AccountId,
    webhook: i64,
    limit: i64,
) -> StoreResult<Vec<Delivery>> {
    const SQL: &str = concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM webhook_deliveries WHERE account_id = $1 AND webhook_id = $2 ORDER BY id DESC LIMIT $3"
    );
    Ok(fetch!(all, ex.re(), SQL, account, webhook, limit)?)
}

/// A bot's latest deliveries, newest first.
pub async fn bot_deliveries(mut ex: Ex<'_>, bot: i64, limit: i64) -> StoreResult<Vec<Delivery>> {
    const SQL: &str = concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM webhook_deliveries WHERE agent_bot_id = $1 ORDER BY id DESC LIMIT $2"
    );
    Ok(fetch!(all, ex.re(), SQL, bot, limit)?)
}

/// The secret that signs a delivery: the webhook's, an agent bot's access token (which
/// the bot already holds), or the API channel's `hmac_token`.
pub async fn secret_for(mut ex: Ex<'_>, d: &Delivery) -> StoreResult<Option<String>> {
    if let Some(bot) = d.agent_bot_id {
        return crate::access_tokens::token_of(ex, crate::access_tokens::Owner::AgentBot(bot))
            .await;
    }
    if let Some(w) = d.webhook_id {
        return Ok(crate::scalar!(
            optional,
            ex.re(),
            "SELECT secret FROM webhooks WHERE id = $1",
            w
        )?);
    }
    Ok(crate::scalar!(
        optional,
        ex.re(),
        "SELECT ca.hmac_token FROM inboxes i JOIN channel_api ca ON ca.id = i.channel_id \
         WHERE i.id = $1 AND i.channel_type = 'Channel::Api'",
        d.inbox_id
    )?
    .flatten())
}

pub struct Outcome<'a> {
    pub status: i32,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub last_error: Option<&'a str>,
}

pub async fn record(mut ex: Ex<'_>, id: i64, o: &Outcome<'_>, now: Timestamp) -> StoreResult<()> {
    let delivered = (o.status == DELIVERED).then_some(now);
    exec!(
        ex.re(),
        "UPDATE webhook_deliveries SET status = $2, attempts = $3, response_code = $4, \
         last_error = $5, delivered_at = COALESCE($6, delivered_at), updated_at = $7 WHERE id = $1",
        id,
        o.status,
        o.attempts,
        o.response_code,
        o.last_error,
        delivered,
        now
    )?;
    Ok(())
}

/// A JSON value of the stored subscriptions, for views.
pub fn subscriptions(w: &Webhook) -> Value {
    Value::from(w.subscriptions.0.clone())
}
