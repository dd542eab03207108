//! Webhooks: the API view of an account webhook, and the payloads Chatwoot posts for
//! each event (WebhookListener with each model's `webhook_data`).

use serde::Serialize;
use serde_json::{Map, Value, json};
use switchboard_domain::{ContentType, MessageType};
use switchboard_store::accounts::Account;
use switchboard_store::contacts::Contact;
use switchboard_store::webhooks::{self as store, Delivery, Webhook};

use crate::conversations::{ConversationDetails, MessageDetails, Sender};

use super::conversation::{ConversationView, attachment};
use super::object;

#[derive(Serialize)]
pub struct InboxRef {
    pub id: i64,
    pub name: String,
}

/// `_webhook.json.jbuilder`, plus our `secret` (the key that signs deliveries; the
/// endpoint is for administrators only).
#[derive(Serialize)]
pub struct WebhookView {
    pub id: i64,
    pub name: Option<String>,
    pub url: String,
    pub account_id: i64,
    pub subscriptions: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbox: Option<InboxRef>,
    pub secret: String,
}

impl WebhookView {
    pub fn new(w: &Webhook, inbox_name: Option<String>) -> Self {
        Self {
            id: w.id,
            name: w.name.clone(),
            url: w.url.clone(),
            account_id: w.account_id.0,
            subscriptions: store::subscriptions(w),
            inbox: w
                .inbox_id
                .zip(inbox_name)
                .map(|(id, name)| InboxRef { id, name }),
            secret: w.secret.clone(),
        }
    }
}

/// One entry of a webhook's delivery log (ours; Chatwoot keeps none).
#[derive(Serialize)]
pub struct DeliveryView {
    pub id: i64,
    pub uuid: String,
    pub event: String,
    pub status: &'static str,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl DeliveryView {
    pub fn new(d: &Delivery) -> Self {
        Self {
            id: d.id,
            uuid: d.uuid.clone(),
            event: d.event.clone(),
            status: match d.status {
                store::DELIVERED => "delivered",
                store::RETRYING => "retrying",
                store::FAILED => "failed",
                _ => "queued",
            },
            attempts: d.attempts,
            response_code: d.response_code,
            last_error: d.last_error.clone(),
            delivered_at: d.delivered_at.map(|t| t.unix_seconds()),
            created_at: d.created_at.unix_seconds(),
            updated_at: d.updated_at.unix_seconds(),
        }
    }
}

fn account(a: &Account) -> Value {
    json!({ "id": a.id.0, "name": a.name })
}

/// `Contact#webhook_data`.
pub fn contact(c: &Contact, a: &Account) -> Value {
    json!({
        "account": account(a),
        "additional_attributes": object(&c.additional_attributes),
        "avatar": "",
        "custom_attributes": object(&c.custom_attributes),
        "email": c.email,
        "id": c.id,
        "identifier": c.identifier,
        "name": c.name,
        "phone_number": c.phone_number,
        "thumbnail": "",
        "blocked": c.blocked,
    })
}

fn sender(s: &Sender, a: &Account) -> Value {
    match s {
        Sender::Contact(c) => contact(c, a),
        Sender::User(u) => json!({ "id": u.id, "name": u.name, "email": u.email, "type": "user" }),
        Sender::AgentBot(b) => json!({ "id": b.id, "name": b.name, "type": "agent_bot" }),
    }
}

/// The typing events: `{user, conversation, is_private}` (`event` is added by the caller).
pub fn typing(d: &ConversationDetails, typer: &Sender, a: &Account, is_private: bool) -> Value {
    json!({ "user": sender(typer, a), "conversation": conversation(d), "is_private": is_private })
}

/// `Conversations::EventDataPresenter#push_data`: the conversation as webhooks carry it.
pub fn conversation(d: &ConversationDetails) -> Value {
    let view = ConversationView::new(d);
    let c = &d.conversation;
    let mut meta = match view.meta {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    meta.remove("channel");
    for k in ["assignee", "assignee_type", "team"] {
        meta.entry(k).or_insert(Value::Null);
    }
    let contact_inbox = d.contact_inbox.as_ref().map(|ci| {
        json!({
            "id": ci.id, "contact_id": ci.contact_id, "inbox_id": ci.inbox_id, "source_id": ci.source_id,
            "created_at": ci.created_at.iso8601(), "updated_at": ci.updated_at.iso8601(),
            "hmac_verified": ci.hmac_verified, "pubsub_token": ci.pubsub_token,
        })
    });
    json!({
        "additional_attributes": view.additional_attributes,
        "can_reply": view.can_reply,
        "channel": d.inbox.as_ref().and_then(|i| i.channel_type.clone()),
        "contact_inbox": contact_inbox,
        "id": view.id,
        "inbox_id": view.inbox_id,
        "messages": view.messages,
        "labels": view.labels,
        "meta": meta,
        "status": view.status,
        "custom_attributes": view.custom_attributes,
        "snoozed_until": view.snoozed_until,
        "unread_count": view.unread_count,
        "first_reply_created_at": c.first_reply_created_at.map(|t| t.iso8601()),
        "priority": view.priority,
        "waiting_since": view.waiting_since,
        "agent_last_seen_at": view.agent_last_seen_at,
        "contact_last_seen_at": view.contact_last_seen_at,
        "last_activity_at": view.last_activity_at,
        "timestamp": view.timestamp,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
    })
}

/// `Message#webhook_data`: `message_type` as a string and `created_at` in ISO 8601,
/// unlike the API and `/cable` renderings.
pub fn message(m: &MessageDetails, c: &ConversationDetails, a: &Account) -> Value {
    let msg = &m.message;
    let mut v = Map::new();
    v.insert("account".into(), account(a));
    v.insert(
        "additional_attributes".into(),
        Value::Object(object(&msg.additional_attributes)),
    );
    v.insert(
        "content_attributes".into(),
        Value::Object(object(&msg.content_attributes)),
    );
    v.insert(
        "content_type".into(),
        json!(
            ContentType::from_value(msg.content_type)
                .unwrap_or(ContentType::Text)
                .as_str()
        ),
    );
    v.insert("content".into(), json!(msg.content));
    v.insert("conversation".into(), conversation(c));
    v.insert("created_at".into(), json!(msg.created_at.iso8601()));
    v.insert("id".into(), json!(msg.id));
    v.insert(
        "inbox".into(),
        json!({ "id": msg.inbox_id, "name": c.inbox.as_ref().map(|i| i.name.clone()) }),
    );
    v.insert(
        "message_type".into(),
        json!(MessageType::from_value(msg.message_type).map(MessageType::as_str)),
    );
    v.insert("private".into(), json!(msg.private));
    v.insert(
        "sender".into(),
        m.sender.as_ref().map_or(Value::Null, |s| sender(s, a)),
    );
    v.insert("source_id".into(), json!(msg.source_id));
    if !m.attachments.is_empty() {
        v.insert(
            "attachments".into(),
            Value::Array(m.attachments.iter().map(attachment).collect()),
        );
    }
    Value::Object(v)
}
