use crate::conversations::{ConversationDetails, MessageDetails, Sender};
use crate::messages::FileDetails;
use serde::Serialize;
use serde_json::{Map, Value, json};
use switchboard_domain::{
    ContentType, ConversationStatus, FileType, MessageStatus, Priority, attributes,
};
use switchboard_store::Json;

use super::agent::AgentView;
use super::contact::ContactView;
use super::team::TeamView;
use super::user::{availability_status, available_name};

fn object(v: &Option<Json<Value>>) -> Value {
    attributes::object(v.as_ref().map(|j| &j.0))
}

/// The sender as push data: contact, user or agent bot (Chatwoot's `push_event_data`).
pub fn sender(s: &Sender) -> Value {
    match s {
        Sender::Contact(c) => json!({
            "additional_attributes": object(&c.additional_attributes), "custom_attributes": object(&c.custom_attributes),
            "email": c.email, "id": c.id, "identifier": c.identifier, "name": c.name.clone().unwrap_or_default(),
            "phone_number": c.phone_number, "thumbnail": "", "blocked": c.blocked, "type": "contact",
        }),
        Sender::User(u) => json!({
            "id": u.id, "name": u.name, "available_name": available_name(u), "avatar_url": "",
            "type": "user", "availability_status": "offline", "thumbnail": "",
        }),
        // Bots have no stored avatar yet; Chatwoot falls back to the inbox's, also empty here.
        Sender::AgentBot(b) => json!({
            "id": b.id, "name": b.name.clone().unwrap_or_default(), "avatar_url": "", "type": "agent_bot",
        }),
    }
}

fn content_type(v: i32) -> &'static str {
    ContentType::from_value(v)
        .unwrap_or(ContentType::Text)
        .as_str()
}

fn status(v: Option<i32>) -> &'static str {
    MessageStatus::from_value(v.unwrap_or(0))
        .unwrap_or(MessageStatus::Sent)
        .as_str()
}

/// A message as the API renders it (`_message`): integer `message_type`, unix seconds.
pub fn message(d: &MessageDetails, echo_id: Option<&str>) -> Value {
    let m = &d.message;
    let mut v = Map::new();
    v.insert("id".into(), json!(m.id));
    v.insert("content".into(), json!(m.content));
    v.insert("inbox_id".into(), json!(m.inbox_id));
    if let Some(e) = echo_id {
        v.insert("echo_id".into(), json!(e));
    }
    v.insert("conversation_id".into(), json!(d.display_id));
    v.insert("message_type".into(), json!(m.message_type));
    v.insert("content_type".into(), json!(content_type(m.content_type)));
    v.insert("status".into(), json!(status(m.status)));
    v.insert("content_attributes".into(), object(&m.content_attributes));
    v.insert("created_at".into(), json!(m.created_at.unix_seconds()));
    v.insert("private".into(), json!(m.private));
    v.insert("source_id".into(), json!(m.source_id));
    if let Some(s) = &d.sender {
        v.insert("sender".into(), sender(s));
    }
    if !d.attachments.is_empty() {
        v.insert("attachments".into(), attachments(d));
    }
    Value::Object(v)
}

fn attachments(d: &MessageDetails) -> Value {
    Value::Array(d.attachments.iter().map(attachment).collect())
}

/// An attachment's push data: what it carries depends on its kind, as in Chatwoot.
pub fn attachment(f: &FileDetails) -> Value {
    let a = &f.attachment;
    let kind = FileType::from_value(a.file_type.unwrap_or(0)).unwrap_or(FileType::File);
    let mut v = json!({
        "id": a.id, "message_id": a.message_id, "file_type": kind.as_str(), "account_id": a.account_id,
    });
    let extra = match kind {
        FileType::Location => json!({
            "coordinates_lat": a.coordinates_lat, "coordinates_long": a.coordinates_long,
            "fallback_title": a.fallback_title, "data_url": a.external_url,
        }),
        FileType::Fallback => {
            json!({ "fallback_title": a.fallback_title, "data_url": a.external_url })
        }
        FileType::Embed => json!({ "data_url": a.external_url }),
        FileType::Contact => json!({ "fallback_title": a.fallback_title, "meta": object(&a.meta) }),
        _ => {
            let mut file = json!({
                "extension": a.extension, "data_url": f.data_url,
                // No resized variants yet: the thumbnail is the image itself.
                "thumb_url": if kind == FileType::Image { f.data_url.as_str() } else { "" },
                "file_size": a.byte_size, "width": null, "height": null,
            });
            if kind == FileType::Audio {
                file["transcribed_text"] = a
                    .meta
                    .as_ref()
                    .and_then(|m| m.0.get("transcribed_text").cloned())
                    .unwrap_or_else(|| json!(""));
            }
            file
        }
    };
    if let (Value::Object(base), Value::Object(more)) = (&mut v, extra) {
        base.extend(more);
    }
    v
}

/// The push format (conversation `messages[]`, realtime events): every column, then the
/// conversation summary and the sender.
pub fn push(d: &MessageDetails) -> Value {
    let m = &d.message;
    let mut v = Map::new();
    for (k, val) in [
        ("id", json!(m.id)),
        ("content", json!(m.content)),
        ("account_id", json!(m.account_id)),
        ("inbox_id", json!(m.inbox_id)),
        ("conversation_id", json!(d.display_id)),
        ("message_type", json!(m.message_type)),
        ("created_at", json!(m.created_at.unix_seconds())),
        ("updated_at", json!(m.updated_at.iso8601())),
        ("private", json!(m.private)),
        ("status", json!(status(m.status))),
        ("source_id", json!(m.source_id)),
        ("content_type", json!(content_type(m.content_type))),
        ("content_attributes", object(&m.content_attributes)),
        ("sender_type", json!(m.sender_type)),
        ("sender_id", json!(m.sender_id)),
        ("external_source_ids", object(&m.external_source_ids)),
        ("additional_attributes", object(&m.additional_attributes)),
        (
            "processed_message_content",
            json!(m.processed_message_content),
        ),
        ("sentiment", object(&m.sentiment)),
    ] {
        v.insert(k.into(), val);
    }
    v.insert(
        "conversation".into(),
        json!({
            "assignee_id": d.conversation.assignee_id, "unread_count": d.unread_count,
            "last_activity_at": d.conversation.last_activity_at.unix_seconds(),
            "contact_inbox": { "source_id": d.source_id },
        }),
    );
    if let Some(s) = &d.sender {
        v.insert("sender".into(), sender(s));
    }
    if !d.attachments.is_empty() {
        v.insert("attachments".into(), attachments(d));
    }
    Value::Object(v)
}

/// Chatwoot renders unset times as 0 in the conversation JSON.
fn seconds(t: Option<switchboard_domain::Timestamp>) -> i64 {
    t.map_or(0, |t| t.unix_seconds())
}

#[derive(Serialize)]
pub struct ConversationView {
    pub meta: Value,
    pub id: i64,
    pub messages: Vec<Value>,
    pub account_id: i64,
    pub uuid: String,
    pub additional_attributes: Value,
    pub agent_last_seen_at: i64,
    pub assignee_last_seen_at: i64,
    pub can_reply: bool,
    pub contact_last_seen_at: i64,
    pub custom_attributes: Value,
    pub inbox_id: i64,
    pub labels: Vec<String>,
    pub muted: bool,
    pub snoozed_until: Option<String>,
    pub status: &'static str,
    pub created_at: i64,
    pub updated_at: f64,
    pub timestamp: i64,
    pub first_reply_created_at: i64,
    pub unread_count: i64,
    pub last_non_activity_message: Option<Value>,
    pub last_activity_at: i64,
    pub priority: Option<&'static str>,
    pub waiting_since: i64,
    pub sla_policy_id: Option<i64>,
}

impl ConversationView {
    pub fn new(d: &ConversationDetails) -> Self {
        let c = &d.conversation;
        let mut meta = Map::new();
        meta.insert(
            "sender".into(),
            d.contact
                .as_ref()
                .map_or(Value::Null, |c| json!(ContactView::plain(c))),
        );
        meta.insert(
            "channel".into(),
            json!(d.inbox.as_ref().and_then(|i| i.channel_type.clone())),
        );
        if let Some(a) = &d.assignee {
            let mut agent = json!(AgentView::new(a));
            agent["availability_status"] = json!(availability_status(&a.account_user));
            meta.insert("assignee".into(), agent);
            meta.insert("assignee_type".into(), json!("User"));
        }
        if let Some(t) = &d.team {
            let view = TeamView::new(&crate::teams::TeamView {
                team: t.clone(),
                is_member: false,
            });
            meta.insert("team".into(), json!(view));
        }
        meta.insert(
            "hmac_verified".into(),
            json!(d.contact_inbox.as_ref().and_then(|ci| ci.hmac_verified)),
        );
        Self {
            meta: Value::Object(meta),
            id: c.display_id,
            messages: d.last_message.iter().map(push).collect(),
            account_id: c.account_id.0,
            uuid: c.uuid.to_string(),
            additional_attributes: object(&c.additional_attributes),
            agent_last_seen_at: seconds(c.agent_last_seen_at),
            assignee_last_seen_at: seconds(c.assignee_last_seen_at),
            can_reply: d.can_reply,
            contact_last_seen_at: seconds(c.contact_last_seen_at),
            custom_attributes: object(&c.custom_attributes),
            inbox_id: c.inbox_id,
            labels: d.labels(),
            muted: d.contact.as_ref().is_some_and(|c| c.blocked),
            snoozed_until: c.snoozed_until.map(|t| t.iso8601()),
            status: ConversationStatus::from_value(c.status)
                .unwrap_or(ConversationStatus::Open)
                .as_str(),
            created_at: c.created_at.unix_seconds(),
            updated_at: c.updated_at.millis() as f64 / 1000.0,
            timestamp: c.last_activity_at.unix_seconds(),
            first_reply_created_at: seconds(c.first_reply_created_at),
            unread_count: d.unread_count,
            last_non_activity_message: d.last_non_activity_message.as_ref().map(push),
            last_activity_at: c.last_activity_at.unix_seconds(),
            priority: c
                .priority
                .and_then(Priority::from_value)
                .map(Priority::as_str),
            waiting_since: seconds(c.waiting_since),
            sla_policy_id: c.sla_policy_id,
        }
    }
}
