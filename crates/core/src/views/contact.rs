use crate::contacts::ContactDetails;
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_domain::attributes;
use switchboard_store::contacts::{Contact, ContactInbox, Note};
use switchboard_store::inboxes::Inbox;

use super::agent::AgentView;

/// `_inbox_slim`: the inbox as a contact's identity shows it.
#[derive(Serialize)]
pub struct InboxSlim {
    pub id: i64,
    pub avatar_url: String,
    pub channel_id: i64,
    pub name: String,
    pub channel_type: Option<String>,
    pub provider: Option<String>,
}

impl InboxSlim {
    pub fn new(i: &Inbox) -> Self {
        Self {
            id: i.id,
            avatar_url: String::new(),
            channel_id: i.channel_id,
            name: i.name.clone(),
            channel_type: i.channel_type.clone(),
            provider: None,
        }
    }
}

#[derive(Serialize)]
pub struct ContactInboxView {
    pub source_id: String,
    pub inbox: InboxSlim,
}

impl ContactInboxView {
    pub fn new(ci: &ContactInbox, inbox: &Inbox) -> Self {
        Self {
            source_id: ci.source_id.clone(),
            inbox: InboxSlim::new(inbox),
        }
    }
}

#[derive(Serialize)]
pub struct ContactView {
    pub additional_attributes: Map<String, Value>,
    pub availability_status: &'static str,
    pub email: Option<String>,
    pub id: i64,
    pub name: String,
    pub phone_number: Option<String>,
    pub blocked: bool,
    pub identifier: Option<String>,
    pub thumbnail: String,
    pub custom_attributes: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity_at: Option<i64>,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_inboxes: Option<Vec<ContactInboxView>>,
}

fn object(v: &Option<switchboard_store::Json<Value>>) -> Map<String, Value> {
    match attributes::object(v.as_ref().map(|j| &j.0)) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl ContactView {
    /// A contact without presence at hand shows offline; `new` uses the marked one.
    pub fn plain(c: &Contact) -> Self {
        Self {
            additional_attributes: object(&c.additional_attributes),
            availability_status: "offline",
            email: c.email.clone(),
            id: c.id,
            name: c.name.clone().unwrap_or_default(),
            phone_number: c.phone_number.clone(),
            blocked: c.blocked,
            identifier: c.identifier.clone(),
            thumbnail: String::new(),
            custom_attributes: object(&c.custom_attributes),
            last_activity_at: c.last_activity_at.map(|t| t.unix_seconds()),
            created_at: c.created_at.unix_seconds(),
            contact_inboxes: None,
        }
    }

    pub fn new(d: &ContactDetails, with_inboxes: bool) -> Self {
        let mut v = Self::plain(&d.contact);
        if d.online {
            v.availability_status = "online";
        }
        if with_inboxes {
            v.contact_inboxes = Some(
                d.contact_inboxes
                    .iter()
                    .map(|(ci, i)| ContactInboxView::new(ci, i))
                    .collect(),
            );
        }
        v
    }
}

/// A note, with Chatwoot's quirk of null `account_id`/`contact_id` kept out: we send the
/// real ids, which clients that read them expect.
#[derive(Serialize)]
pub struct NoteView {
    pub id: i64,
    pub content: String,
    pub account_id: i64,
    pub contact_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<AgentView>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl NoteView {
    pub fn new(n: &Note, author: Option<AgentView>) -> Self {
        Self {
            id: n.id,
            content: n.content.clone(),
            account_id: n.account_id.0,
            contact_id: n.contact_id,
            user: author,
            created_at: n.created_at.unix_seconds(),
            updated_at: n.updated_at.unix_seconds(),
        }
    }
}
