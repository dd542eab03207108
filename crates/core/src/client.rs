//! The Client API (`/public/api/v1/inboxes/:identifier/…`): a contact (or the site or
//! bot speaking for one) identified by an API inbox's `identifier` and its own
//! `source_id`, with no other credential. HMAC identity, when the inbox asks for it,
//! proves the contact's `identifier`.

use std::collections::HashMap;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use switchboard_domain::{
    ContentType, ConversationStatus, Error, MessageType, Result, Timestamp, UserId, attributes,
    validation,
};
use switchboard_store::contacts::{self, Contact, ContactFields, ContactInbox};
use switchboard_store::conversations::{self, Conversation};
use switchboard_store::inboxes::{self, ApiChannel, Inbox, WorkingHour};
use switchboard_store::messages::{self, Message};
use switchboard_store::users::{self, User};
use switchboard_store::{Ex, Json, Tx};

use crate::conversations::{
    MessageInput, Sender, Start, activity, post, show_live, start_conversation,
};
use crate::{Ctx, secrets};

/// An API inbox, found by its public identifier.
pub struct ClientInbox {
    pub inbox: Inbox,
    pub channel: ApiChannel,
    pub working_hours: Vec<WorkingHour>,
}

async fn find_inbox(tx: &mut Tx, identifier: &str) -> Result<ClientInbox> {
    let channel = inboxes::find_api_channel_by_identifier(tx.ex(), identifier)
        .await?
        .ok_or(Error::NotFound)?;
    let inbox = inboxes::list(tx.ex(), channel.account_id, None)
        .await?
        .into_iter()
        .find(|i| i.channel_type.as_deref() == Some(inboxes::API) && i.channel_id == channel.id)
        .ok_or(Error::NotFound)?;
    let working_hours = inboxes::working_hours(tx.ex(), channel.account_id)
        .await?
        .into_iter()
        .filter(|h| h.inbox_id == Some(inbox.id))
        .collect();
    Ok(ClientInbox {
        inbox,
        channel,
        working_hours,
    })
}

pub async fn inbox(ctx: &Ctx, identifier: &str) -> Result<ClientInbox> {
    let mut tx = ctx.db.begin().await?;
    let i = find_inbox(&mut tx, identifier).await?;
    tx.commit().await?;
    Ok(i)
}

/// `identifier_hash` must be the hex HMAC-SHA256 of `identifier` under the channel's
/// HMAC token whenever it is given or the inbox makes it mandatory. Chatwoot answers a
/// failure here with a 500; we give the widget's 401.
fn check_hmac(channel: &ApiChannel, identifier: Option<&str>, hash: Option<&str>) -> Result<bool> {
    verify_identity(
        channel.hmac_token.as_deref(),
        channel.hmac_mandatory == Some(true),
        identifier,
        hash,
    )
}

/// Chatwoot's identity validation: `identifier_hash` is the hex HMAC-SHA256 of the
/// identifier under the channel's `hmac_token`. Checked when a hash is given or the
/// channel demands one; `Ok(true)` when it was checked and holds.
pub(crate) fn verify_identity(
    key: Option<&str>,
    mandatory: bool,
    identifier: Option<&str>,
    hash: Option<&str>,
) -> Result<bool> {
    let hash = hash.filter(|h| !h.is_empty());
    if hash.is_none() && !mandatory {
        return Ok(false);
    }
    let failed = || Error::Unauthorized("HMAC failed: Invalid Identifier Hash Provided".into());
    let (Some(identifier), Some(hash)) = (identifier, hash) else {
        return Err(failed());
    };
    let key = key.unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(|_| failed())?;
    mac.update(identifier.as_bytes());
    let expected = hex::decode(hash).map_err(|_| failed())?;
    mac.verify_slice(&expected).map_err(|_| failed())?;
    Ok(true)
}

#[derive(Default)]
pub struct ContactIdentity {
    pub source_id: Option<String>,
    pub identifier: Option<String>,
    pub identifier_hash: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone_number: Option<String>,
    pub custom_attributes: Option<Map<String, Value>>,
}

/// A contact and its identity in this inbox.
pub struct ClientContact {
    pub contact: Contact,
    pub contact_inbox: ContactInbox,
}

/// Creates (or finds) the contact: an existing `source_id` in the inbox is returned as
/// it is; otherwise an account contact with the same identifier, email or phone is
/// reused, or a new one made.
pub async fn create_contact(
    ctx: &Ctx,
    identifier: &str,
    c: ContactIdentity,
) -> Result<ClientContact> {
    let mut tx = ctx.db.begin().await?;
    let ci = find_inbox(&mut tx, identifier).await?;
    let verified = check_hmac(
        &ci.channel,
        c.identifier.as_deref(),
        c.identifier_hash.as_deref(),
    )?;
    let account = ci.inbox.account_id;
    let now = Timestamp::now();
    if let Some(source) = c.source_id.as_deref().filter(|s| !s.is_empty())
        && let Some(existing) = contacts::find_contact_inbox(tx.ex(), ci.inbox.id, source).await?
    {
        let contact = contacts::find(tx.ex(), account, existing.contact_id).await?;
        tx.commit().await?;
        return Ok(ClientContact {
            contact,
            contact_inbox: existing,
        });
    }
    let email = match c.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => {
            Some(validation::email(e).map_err(|_| Error::invalid("email", "Email Invalid email"))?)
        }
        None => None,
    };
    let mut found = None;
    for (column, value) in [
        ("identifier", c.identifier.clone()),
        ("email", email.clone()),
        ("phone_number", c.phone_number.clone()),
    ] {
        if found.is_none()
            && let Some(v) = value.filter(|v| !v.is_empty())
        {
            found = contacts::find_clash(tx.ex(), account, column, &v).await?;
        }
    }
    let contact = match found {
        Some(id) => contacts::find(tx.ex(), account, id).await?,
        None => {
            let input = crate::contacts::ContactInput {
                name: Some(Some(
                    c.name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(visitor_name),
                )),
                email: Some(email),
                phone_number: c.phone_number.clone().map(Some),
                identifier: c.identifier.clone().map(Some),
                blocked: None,
                additional_attributes: None,
                custom_attributes: c.custom_attributes.clone(),
            };
            let mut f = blank();
            crate::contacts::apply_input(&mut f, input)?;
            let made = contacts::insert(tx.ex(), account, &f, now).await?;
            crate::webhooks::contact_event(tx.ex(), "contact_created", account, made.id, None)
                .await?;
            made
        }
    };
    let source = c
        .source_id
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let contact_inbox = contacts::insert_contact_inbox(
        tx.ex(),
        contact.id,
        ci.inbox.id,
        &source,
        verified,
        &secrets::secure_token(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ClientContact {
        contact,
        contact_inbox,
    })
}

/// Chatwoot names anonymous contacts with a random "adjective-noun-number".
pub(crate) fn visitor_name() -> String {
    const ADJECTIVES: [&str; 8] = [
        "ancient", "autumn", "bold", "calm", "damp", "frosty", "quiet", "wispy",
    ];
    const NOUNS: [&str; 8] = [
        "frost", "river", "meadow", "sun", "leaf", "sky", "wave", "stone",
    ];
    let n: u16 = rand::random();
    let pick = |list: &[&'static str], x: u16| list[usize::from(x) % list.len()];
    format!(
        "{}-{}-{}",
        pick(&ADJECTIVES, n),
        pick(&NOUNS, n / 8),
        n % 1000
    )
}

pub(crate) fn blank() -> ContactFields {
    ContactFields {
        name: String::new(),
        email: None,
        phone_number: None,
        identifier: None,
        additional_attributes: Value::Object(Map::new()),
        custom_attributes: Value::Object(Map::new()),
        blocked: false,
        contact_type: 0,
        location: String::new(),
        country_code: String::new(),
    }
}

async fn find_contact(tx: &mut Tx, ci: &ClientInbox, source_id: &str) -> Result<ClientContact> {
    let contact_inbox = contacts::find_contact_inbox(tx.ex(), ci.inbox.id, source_id)
        .await?
        .ok_or(Error::NotFound)?;
    let contact = contacts::find(tx.ex(), ci.inbox.account_id, contact_inbox.contact_id).await?;
    Ok(ClientContact {
        contact,
        contact_inbox,
    })
}

/// The contact behind a `source_id`; a correct HMAC marks its identity verified.
pub async fn contact(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    hmac: (Option<&str>, Option<&str>),
) -> Result<ClientContact> {
    let mut tx = ctx.db.begin().await?;
    let ci = find_inbox(&mut tx, identifier).await?;
    let mut found = find_contact(&mut tx, &ci, source_id).await?;
    if check_hmac(&ci.channel, hmac.0, hmac.1)? && found.contact_inbox.hmac_verified != Some(true) {
        contacts::set_hmac_verified(tx.ex(), found.contact_inbox.id).await?;
        found.contact_inbox.hmac_verified = Some(true);
    }
    tx.commit().await?;
    Ok(found)
}

/// Updates name, email, phone and (deep-merged) custom attributes; blank values are ignored.
pub async fn update_contact(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    c: ContactIdentity,
) -> Result<Contact> {
    let mut tx = ctx.db.begin().await?;
    let ci = find_inbox(&mut tx, identifier).await?;
    let found = find_contact(&mut tx, &ci, source_id).await?;
    if check_hmac(
        &ci.channel,
        c.identifier.as_deref(),
        c.identifier_hash.as_deref(),
    )? {
        contacts::set_hmac_verified(tx.ex(), found.contact_inbox.id).await?;
    }
    let keep = |v: Option<String>| v.filter(|s| !s.trim().is_empty()).map(Some);
    let input = crate::contacts::ContactInput {
        name: keep(c.name),
        email: keep(c.email),
        phone_number: keep(c.phone_number),
        identifier: None,
        blocked: None,
        additional_attributes: None,
        custom_attributes: c.custom_attributes,
    };
    let account = ci.inbox.account_id;
    let mut f = crate::contacts::fields_of(&found.contact);
    crate::contacts::apply_input(&mut f, input)?;
    crate::contacts::check_unique_in(&mut tx, account, &f, Some(found.contact.id)).await?;
    let contact =
        contacts::update(tx.ex(), account, found.contact.id, &f, Timestamp::now()).await?;
    crate::webhooks::contact_updated(tx.ex(), &found.contact, &contact).await?;
    tx.commit().await?;
    Ok(contact)
}

/// A conversation as the Client API shows it, with its public messages.
pub struct ClientConversation {
    pub conversation: Conversation,
    pub contact: Contact,
    pub messages: Vec<Message>,
}

async fn public_view(
    tx: &mut Tx,
    contact: &Contact,
    c: Conversation,
) -> Result<ClientConversation> {
    let messages = messages::page(tx.ex(), c.id, None, None, 1000)
        .await?
        .into_iter()
        .filter(|m| {
            !m.private && m.message_type != switchboard_domain::MessageType::Activity.value()
        })
        .collect();
    Ok(ClientConversation {
        conversation: c,
        contact: contact.clone(),
        messages,
    })
}

/// The conversations this identity may see: its own, or (when HMAC-verified) all of the
/// contact's in the account.
async fn visible(tx: &mut Tx, found: &ClientContact) -> Result<Vec<Conversation>> {
    let mut list =
        conversations::for_contact(tx.ex(), found.contact.account_id, found.contact.id).await?;
    if found.contact_inbox.hmac_verified != Some(true) {
        list.retain(|c| c.contact_inbox_id == Some(found.contact_inbox.id));
    }
    Ok(list)
}

pub async fn conversations(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
) -> Result<Vec<ClientConversation>> {
    let mut tx = ctx.db.begin().await?;
    let ci = find_inbox(&mut tx, identifier).await?;
    let found = find_contact(&mut tx, &ci, source_id).await?;
    let mut out = Vec::new();
    for c in visible(&mut tx, &found).await? {
        out.push(public_view(&mut tx, &found.contact, c).await?);
    }
    tx.commit().await?;
    Ok(out)
}

pub async fn create_conversation(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    custom_attributes: Option<Map<String, Value>>,
) -> Result<ClientConversation> {
    let mut tx = ctx.db.begin().await?;
    let ci = find_inbox(&mut tx, identifier).await?;
    let found = find_contact(&mut tx, &ci, source_id).await?;
    let start = Start {
        status: ConversationStatus::Open,
        assignee: None,
        team_id: None,
        snoozed_until: None,
        additional_attributes: Map::new(),
        custom_attributes: custom_attributes.unwrap_or_default(),
    };
    let (c, _) = start_conversation(
        ctx,
        &mut tx,
        &ci.inbox,
        &found.contact,
        &found.contact_inbox,
        start,
        Timestamp::now(),
    )
    .await?;
    let display_id = c.display_id;
    crate::webhooks::conversation_event(tx.ex(), "conversation_created", &c, None).await?;
    let view = public_view(&mut tx, &found.contact, c).await?;
    tx.commit().await?;
    show_live(
        ctx,
        &["conversation.created"],
        ci.inbox.account_id,
        display_id,
        Vec::new(),
    )
    .await;
    Ok(view)
}

async fn one(
    tx: &mut Tx,
    identifier: &str,
    source_id: &str,
    display_id: i64,
) -> Result<(ClientInbox, ClientContact, Conversation)> {
    let ci = find_inbox(tx, identifier).await?;
    let found = find_contact(tx, &ci, source_id).await?;
    let c = visible(tx, &found)
        .await?
        .into_iter()
        .find(|c| c.display_id == display_id)
        .ok_or(Error::NotFound)?;
    Ok((ci, found, c))
}

pub async fn conversation(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    display_id: i64,
) -> Result<ClientConversation> {
    let mut tx = ctx.db.begin().await?;
    let (_, found, c) = one(&mut tx, identifier, source_id, display_id).await?;
    let view = public_view(&mut tx, &found.contact, c).await?;
    tx.commit().await?;
    Ok(view)
}

/// The contact resolves its conversation (a no-op when it already is).
pub async fn resolve(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    display_id: i64,
) -> Result<ClientConversation> {
    let mut tx = ctx.db.begin().await?;
    let (_, found, mut c) = one(&mut tx, identifier, source_id, display_id).await?;
    let mut said = Vec::new();
    if c.status != ConversationStatus::Resolved.value() {
        let now = Timestamp::now();
        let previous = ConversationStatus::from_value(c.status).map(ConversationStatus::as_str);
        c.status = ConversationStatus::Resolved.value();
        c.snoozed_until = None;
        c = conversations::save(tx.ex(), &c, now).await?;
        crate::reporting::status_changed(&mut tx, &c, false).await?;
        let diff = crate::webhooks::changed(
            "status",
            serde_json::json!(previous),
            serde_json::json!("resolved"),
        );
        crate::webhooks::conversation_event(
            tx.ex(),
            "conversation_status_changed",
            &c,
            Some(diff.clone()),
        )
        .await?;
        crate::webhooks::conversation_event(tx.ex(), "conversation_updated", &c, Some(diff))
            .await?;
        let name = found.contact.name.clone().unwrap_or_default();
        said.push(
            activity(
                &mut tx,
                &c,
                format!("Conversation was resolved by {}", capitalize(&name)),
                now,
            )
            .await?,
        );
    }
    let account = c.account_id;
    let view = public_view(&mut tx, &found.contact, c).await?;
    tx.commit().await?;
    let events: &[&str] = if said.is_empty() {
        &[]
    } else {
        &["conversation.status_changed"]
    };
    show_live(ctx, events, account, display_id, said).await;
    Ok(view)
}

/// Ruby's `capitalize`: the first letter up, the rest down.
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect()
    })
}

pub async fn update_last_seen(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    display_id: i64,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let (_, _, mut c) = one(&mut tx, identifier, source_id, display_id).await?;
    c.contact_last_seen_at = Some(Timestamp::now());
    let updated = c.updated_at;
    conversations::save(tx.ex(), &c, updated).await?;
    tx.commit().await?;
    show_live(
        ctx,
        &["conversation.read"],
        c.account_id,
        display_id,
        Vec::new(),
    )
    .await;
    Ok(())
}

/// The contact types (`typing_status` on or off): shown live to the agents.
pub async fn toggle_typing(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    display_id: i64,
    typing_status: Option<&str>,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let (_, found, c) = one(&mut tx, identifier, source_id, display_id).await?;
    let d = crate::conversations::one(ctx, tx.ex(), c).await?;
    let on = match typing_status {
        Some("on") => true,
        Some("off") => false,
        _ => return Ok(()),
    };
    let typer = Sender::Contact(found.contact);
    crate::webhooks::typing_event(tx.ex(), on, &d.conversation, &typer, false).await?;
    tx.commit().await?;
    crate::live::typing(ctx, on, &d, &typer, false).await;
    Ok(())
}

/// A message as the contact sees it, with who wrote it and its files.
pub struct PublicMessage {
    pub message: Message,
    pub sender: Option<Sender>,
    pub attachments: Vec<crate::messages::FileDetails>,
}

/// Senders and files for messages a contact sees, in two queries.
pub(crate) async fn public_messages(
    ctx: &Ctx,
    mut ex: Ex<'_>,
    contact: &Contact,
    account: switchboard_domain::AccountId,
    list: Vec<Message>,
) -> Result<Vec<PublicMessage>> {
    let people: HashMap<UserId, User> = users::list_for_account(ex.re(), account)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let ids: Vec<i64> = list.iter().map(|m| m.id).collect();
    let mut files = crate::messages::files_of(
        ctx,
        switchboard_store::attachments::for_messages(ex.re(), &ids).await?,
    );
    Ok(list
        .into_iter()
        .map(|m| PublicMessage {
            sender: sender_of(&m, contact, &people),
            attachments: files.remove(&m.id).unwrap_or_default(),
            message: m,
        })
        .collect())
}

/// Public messages, oldest first: the latest 20, or the 20 before `before`.
pub async fn messages(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    display_id: i64,
    before: Option<i64>,
) -> Result<(Conversation, Vec<PublicMessage>)> {
    let mut tx = ctx.db.begin().await?;
    let (_, found, c) = one(&mut tx, identifier, source_id, display_id).await?;
    let list = messages::page_public(tx.ex(), c.id, before, 20).await?;
    let list = public_messages(ctx, tx.ex(), &found.contact, c.account_id, list).await?;
    tx.commit().await?;
    Ok((c, list))
}

fn sender_of(m: &Message, contact: &Contact, people: &HashMap<UserId, User>) -> Option<Sender> {
    match (m.sender_type.as_deref(), m.sender_id) {
        (Some("Contact"), Some(id)) if id == contact.id => Some(Sender::Contact(contact.clone())),
        (Some("User"), Some(id)) => people.get(&UserId(id)).cloned().map(Sender::User),
        _ => None,
    }
}

/// `PATCH …/messages/:id {submitted_values}`: the contact answers an interactive message
/// (an input_select, a form, a CSAT survey), kept in `content_attributes.submitted_values`.
pub async fn update_message(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    display_id: i64,
    message_id: i64,
    submitted_values: Option<Value>,
) -> Result<(Conversation, PublicMessage)> {
    let mut tx = ctx.db.begin().await?;
    let (_, found, c) = one(&mut tx, identifier, source_id, display_id).await?;
    let mut m = messages::find(tx.ex(), c.id, message_id).await?;
    if m.private || m.message_type == MessageType::Activity.value() {
        return Err(Error::NotFound);
    }
    let now = Timestamp::now();
    // Chatwoot locks a CSAT answer two weeks after the survey was sent.
    if m.content_type == ContentType::InputCsat.value()
        && now.unix_seconds() - m.created_at.unix_seconds() > 14 * 24 * 3600
    {
        return Err(Error::Unprocessable(
            "You cannot update the CSAT survey after 14 days".into(),
        ));
    }
    if let Some(values) = submitted_values {
        let mut attrs = match m.content_attributes.take() {
            Some(Json(Value::Object(map))) => map,
            _ => Map::new(),
        };
        attrs.insert("submitted_values".into(), values);
        m.content_attributes = Some(Json(Value::Object(attrs)));
        m = messages::save(tx.ex(), &m, now).await?;
        crate::webhooks::message_event(tx.ex(), "message_updated", &c, &m).await?;
    }
    let shown = public_messages(ctx, tx.ex(), &found.contact, c.account_id, vec![m.clone()])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    crate::messages::show_updated(ctx, c.clone(), m).await;
    Ok((c, shown))
}

/// An incoming message from the contact.
pub async fn create_message(
    ctx: &Ctx,
    identifier: &str,
    source_id: &str,
    display_id: i64,
    content: Option<String>,
) -> Result<(Contact, Conversation, Message)> {
    if content
        .as_deref()
        .is_some_and(|s| s.chars().count() > 150_000)
    {
        return Err(Error::invalid(
            "content",
            "Content is too long (maximum is 150000 characters)",
        ));
    }
    let mut tx = ctx.db.begin().await?;
    let (ci, found, c) = one(&mut tx, identifier, source_id, display_id).await?;
    let input = MessageInput {
        content,
        message_type: Some("incoming".into()),
        ..Default::default()
    };
    let (m, c) = post(ctx, &mut tx, None, &ci.inbox, c, input, Timestamp::now()).await?;
    crate::webhooks::message_event(tx.ex(), "message_created", &c, &m).await?;
    tx.commit().await?;
    crate::messages::show_new(ctx, c.clone(), m.clone()).await;
    Ok((found.contact, c, m))
}

/// The contact's custom attributes as an object.
pub fn custom_attributes(c: &Contact) -> Value {
    attributes::object(c.custom_attributes.as_ref().map(|j| &j.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruby_capitalize() {
        assert_eq!(capitalize("jOHN doe"), "John doe");
        assert_eq!(capitalize(""), "");
    }

    #[test]
    fn visitor_names_look_like_chatwoots() {
        let n = visitor_name();
        assert_eq!(n.split('-').count(), 3, "{n}");
    }
}
