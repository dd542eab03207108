//! Contacts (`/api/v1/accounts/:id/contacts`): any member reads and edits them, as in
//! Chatwoot; only administrators delete. Every id is resolved inside the account.

use std::collections::HashMap;

use serde_json::{Map, Value};
use switchboard_domain::{AccountId, Error, Result, Timestamp, attributes, validation};
use switchboard_store::contacts::{self, Contact, ContactFields, ContactInbox, ListQuery, Note};
use switchboard_store::conversations::{self, Conversation};
use switchboard_store::inboxes::{self, Inbox};
use switchboard_store::labels::{self, Taggable};
use switchboard_store::users::User;
use switchboard_store::{Ex, StoreError, Tx};

use crate::auth::{administrator, membership};
use crate::{Ctx, secrets};

/// Chatwoot's page size for contact lists.
pub const PER_PAGE: i64 = 15;

/// A contact with its inbox identities (source id and inbox).
#[derive(Clone, Debug)]
pub struct ContactDetails {
    pub contact: Contact,
    pub contact_inboxes: Vec<(ContactInbox, Inbox)>,
    /// Whether the contact has a socket open now (its `availability_status`).
    pub online: bool,
}

/// Marks which of `list` are online, with one presence read for the page.
async fn mark_online(ctx: &Ctx, account: AccountId, list: &mut [ContactDetails]) {
    if list.is_empty() {
        return;
    }
    let online = crate::presence::online_contacts(ctx, account).await;
    for d in list {
        d.online = online.contains(&d.contact.id);
    }
}

/// Attaches contact inboxes to `list` in two queries, whatever its length.
async fn details(
    mut ex: Ex<'_>,
    account: AccountId,
    list: Vec<Contact>,
) -> Result<Vec<ContactDetails>> {
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let all_inboxes: HashMap<i64, Inbox> = inboxes::list(ex.re(), account, None)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut by_contact: HashMap<i64, Vec<(ContactInbox, Inbox)>> = HashMap::new();
    for ci in contacts::contact_inboxes(ex.re(), &ids).await? {
        if let Some(inbox) = all_inboxes.get(&ci.inbox_id) {
            by_contact
                .entry(ci.contact_id)
                .or_default()
                .push((ci, inbox.clone()));
        }
    }
    Ok(list
        .into_iter()
        .map(|contact| {
            let contact_inboxes = by_contact.remove(&contact.id).unwrap_or_default();
            ContactDetails {
                contact,
                contact_inboxes,
                online: false,
            }
        })
        .collect())
}

async fn one(ex: Ex<'_>, contact: Contact) -> Result<ContactDetails> {
    let account = contact.account_id;
    details(ex, account, vec![contact])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

pub async fn list(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    q: ListQuery,
) -> Result<(Vec<ContactDetails>, i64)> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    let (rows, total) = contacts::list(conn.ex(), account, &q).await?;
    let mut list = details(conn.ex(), account, rows).await?;
    drop(conn);
    mark_online(ctx, account, &mut list).await;
    Ok((list, total))
}

/// `GET /contacts/active`: Chatwoot's contacts online now, whether or not they left an
/// email or phone, paged and sorted like the index.
pub async fn active(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    mut q: contacts::ListQuery,
) -> Result<(Vec<ContactDetails>, i64)> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    let online = crate::presence::online_contacts(ctx, account).await;
    if online.is_empty() {
        return Ok((Vec::new(), 0));
    }
    q.only = Some(online.iter().copied().collect());
    let (rows, total) = contacts::list(conn.ex(), account, &q).await?;
    let mut list = details(conn.ex(), account, rows).await?;
    for d in &mut list {
        d.online = online.contains(&d.contact.id);
    }
    Ok((list, total))
}

pub async fn show(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<ContactDetails> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    let c = contacts::find(conn.ex(), account, id).await?;
    let mut d = one(conn.ex(), c).await?;
    drop(conn);
    mark_online(ctx, account, std::slice::from_mut(&mut d)).await;
    Ok(d)
}

/// A create or update request; absent fields stay as they are, `Some(None)` clears.
#[derive(Default)]
pub struct ContactInput {
    pub name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone_number: Option<Option<String>>,
    pub identifier: Option<Option<String>>,
    pub blocked: Option<bool>,
    pub additional_attributes: Option<Map<String, Value>>,
    pub custom_attributes: Option<Map<String, Value>>,
}

/// E.164: a plus, a non-zero digit, then up to 14 digits.
pub(crate) fn is_e164(p: &str) -> bool {
    let digits = p.strip_prefix('+').unwrap_or_default();
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

pub(crate) fn apply_input(f: &mut ContactFields, input: ContactInput) -> Result<()> {
    if let Some(name) = input.name {
        let name = name.unwrap_or_default();
        if name.chars().count() > 255 {
            return Err(Error::invalid(
                "name",
                "Name is too long (maximum is 255 characters)",
            ));
        }
        f.name = name;
    }
    if let Some(email) = input.email {
        f.email = match email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
        {
            None => None,
            Some(e) => {
                validation::email(&e)
                    .map_err(|_| Error::invalid("email", "Email Invalid email"))?;
                Some(e)
            }
        };
    }
    if let Some(phone) = input.phone_number {
        f.phone_number = match phone.map(|p| p.trim().to_string()) {
            None => None,
            Some(p) if p.is_empty() => Some(p),
            Some(p) if is_e164(&p) => Some(p),
            Some(_) => {
                return Err(Error::invalid(
                    "phone_number",
                    "Phone number should be in e164 format",
                ));
            }
        };
    }
    if let Some(identifier) = input.identifier {
        // An empty identifier means none: two empty ones would clash on the unique index.
        f.identifier = identifier
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty());
        if f.identifier
            .as_deref()
            .is_some_and(|i| i.chars().count() > 255)
        {
            return Err(Error::invalid(
                "identifier",
                "Identifier is too long (maximum is 255 characters)",
            ));
        }
    }
    if let Some(b) = input.blocked {
        f.blocked = b;
    }
    if let Some(extra) = input.additional_attributes {
        attributes::merge(&mut f.additional_attributes, extra);
    }
    if let Some(extra) = input.custom_attributes {
        attributes::merge(&mut f.custom_attributes, extra);
    }
    // As Chatwoot's Contact model does: location and country follow the attributes, and a
    // contact we can reach is a lead.
    let text = |k: &str| {
        f.additional_attributes
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    f.location = text("city");
    f.country_code = text("country");
    if f.contact_type == 0
        && (f.email.is_some() || f.phone_number.as_deref().is_some_and(|p| !p.is_empty()))
    {
        f.contact_type = 1;
    }
    Ok(())
}

/// Reports which unique field clashes with another contact of the account.
pub(crate) async fn check_unique_in(
    tx: &mut Tx,
    account: AccountId,
    f: &ContactFields,
    except: Option<i64>,
) -> Result<()> {
    let checks = [
        ("email", "Email has already been taken", f.email.clone()),
        (
            "phone_number",
            "Phone number has already been taken",
            f.phone_number.clone().filter(|p| !p.is_empty()),
        ),
        (
            "identifier",
            "Identifier has already been taken",
            f.identifier.clone(),
        ),
    ];
    for (column, message, value) in checks {
        if let Some(v) = value
            && let Some(other) = contacts::find_clash(tx.ex(), account, column, &v).await?
            && Some(other) != except
        {
            return Err(Error::invalid(column, message));
        }
    }
    Ok(())
}

pub(crate) fn unique(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(what) if what.contains("identifier") => {
            Error::invalid("identifier", "Identifier has already been taken")
        }
        StoreError::Conflict(_) => Error::invalid("email", "Email has already been taken"),
        other => other.into(),
    }
}

pub(crate) fn blank_fields() -> ContactFields {
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

pub fn fields_of(c: &Contact) -> ContactFields {
    ContactFields {
        name: c.name.clone().unwrap_or_default(),
        email: c.email.clone(),
        phone_number: c.phone_number.clone(),
        identifier: c.identifier.clone(),
        additional_attributes: attributes::object(c.additional_attributes.as_ref().map(|j| &j.0)),
        custom_attributes: attributes::object(c.custom_attributes.as_ref().map(|j| &j.0)),
        blocked: c.blocked,
        contact_type: c.contact_type.unwrap_or(0),
        location: String::new(),
        country_code: String::new(),
    }
}

/// A new contact, and its identity in `inbox` when one is given (`source_id` defaults to
/// a fresh UUID, as for Chatwoot's API and website inboxes).
pub struct Created {
    pub contact: ContactDetails,
    pub contact_inbox: Option<(ContactInbox, Inbox)>,
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    input: ContactInput,
    inbox: Option<(i64, Option<String>)>,
) -> Result<Created> {
    let mut f = blank_fields();
    apply_input(&mut f, input)?;
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    check_unique_in(&mut tx, account, &f, None).await?;
    let now = Timestamp::now();
    let contact = contacts::insert(tx.ex(), account, &f, now)
        .await
        .map_err(unique)?;
    let contact_inbox = match inbox {
        None => None,
        Some((inbox_id, source_id)) => {
            let inbox = inboxes::find(tx.ex(), account, inbox_id).await?;
            let ci = attach_inbox(&mut tx, &contact, &inbox, source_id, false, now).await?;
            Some((ci, inbox))
        }
    };
    crate::webhooks::contact_event(tx.ex(), "contact_created", account, contact.id, None).await?;
    let details = one(tx.ex(), contact).await?;
    tx.commit().await?;
    crate::live::contact(ctx, "contact.created", &details.contact);
    Ok(Created {
        contact: details,
        contact_inbox,
    })
}

/// A contact's identity in an inbox; an existing (inbox, source id) of the same contact
/// is returned as it is.
pub(crate) async fn attach_inbox(
    tx: &mut Tx,
    contact: &Contact,
    inbox: &Inbox,
    source_id: Option<String>,
    hmac_verified: bool,
    now: Timestamp,
) -> Result<ContactInbox> {
    let source_id = source_id
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(uuid_v4);
    if source_id.chars().count() > 255 {
        return Err(Error::invalid(
            "source_id",
            "Source is too long (maximum is 255 characters)",
        ));
    }
    if let Some(existing) = contacts::find_contact_inbox(tx.ex(), inbox.id, &source_id).await? {
        return if existing.contact_id == contact.id {
            Ok(existing)
        } else {
            Err(Error::invalid("source_id", "Source has already been taken"))
        };
    }
    Ok(contacts::insert_contact_inbox(
        tx.ex(),
        contact.id,
        inbox.id,
        &source_id,
        hmac_verified,
        &secrets::secure_token(),
        now,
    )
    .await?)
}

fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub async fn add_contact_inbox(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    contact: i64,
    inbox: i64,
    source_id: Option<String>,
    hmac_verified: bool,
) -> Result<(ContactInbox, Inbox)> {
    let mut tx = ctx.db.begin().await?;
    let member = membership(tx.ex(), caller, account).await?;
    let c = contacts::find(tx.ex(), account, contact).await?;
    let inbox = inboxes::find(tx.ex(), account, inbox).await?;
    if member.role != Some(switchboard_domain::Role::Administrator.value())
        && !inboxes::is_member(tx.ex(), inbox.id, caller.id).await?
    {
        return Err(Error::forbidden());
    }
    let ci = attach_inbox(
        &mut tx,
        &c,
        &inbox,
        source_id,
        hmac_verified,
        Timestamp::now(),
    )
    .await?;
    tx.commit().await?;
    Ok((ci, inbox))
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    input: ContactInput,
) -> Result<ContactDetails> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let before = contacts::find(tx.ex(), account, id).await?;
    let mut f = fields_of(&before);
    apply_input(&mut f, input)?;
    check_unique_in(&mut tx, account, &f, Some(id)).await?;
    let c = contacts::update(tx.ex(), account, id, &f, Timestamp::now())
        .await
        .map_err(unique)?;
    crate::webhooks::contact_updated(tx.ex(), &before, &c).await?;
    let d = one(tx.ex(), c).await?;
    tx.commit().await?;
    crate::live::contact(ctx, "contact.updated", &d.contact);
    Ok(d)
}

/// Administrators only, and, as in Chatwoot, not while the contact is online (422
/// `{"message": "<Name> is Online, please try again later"}`).
pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let c = contacts::find(tx.ex(), account, id).await?;
    if crate::presence::online_contacts(ctx, account)
        .await
        .contains(&c.id)
    {
        return Err(Error::Invalid {
            message: format!(
                "{} is Online, please try again later",
                capitalize(c.name.as_deref().unwrap_or_default())
            ),
            attributes: Vec::new(),
        });
    }
    contacts::delete(tx.ex(), account, id).await?;
    tx.commit().await?;
    crate::live::contact(ctx, "contact.deleted", &c);
    Ok(())
}

/// Ruby's `String#capitalize`: the first letter upper-cased, the rest lower-cased.
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect()
    })
}

pub async fn destroy_custom_attributes(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    keys: &[String],
) -> Result<ContactDetails> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let c = contacts::find(tx.ex(), account, id).await?;
    let mut f = fields_of(&c);
    if let Value::Object(m) = &mut f.custom_attributes {
        for k in keys {
            m.remove(k);
        }
    }
    let text = |k: &str| {
        f.additional_attributes
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (f.location, f.country_code) = (text("city"), text("country"));
    let c = contacts::update(tx.ex(), account, id, &f, Timestamp::now()).await?;
    let d = one(tx.ex(), c).await?;
    tx.commit().await?;
    Ok(d)
}

/// The inboxes `contact` can be reached through, with the source id a new conversation
/// would use, as Chatwoot's ContactableInboxesService works it out; limited to the
/// inboxes the caller may see (an agent's inbox memberships), in inbox order.
pub async fn contactable_inboxes(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
) -> Result<Vec<(String, Inbox)>> {
    let mut conn = ctx.db.conn().await?;
    let member = membership(conn.ex(), caller, account).await?;
    let contact = contacts::find(conn.ex(), account, id).await?;
    let admin = member.role == Some(switchboard_domain::Role::Administrator.value());
    let visible = inboxes::list(conn.ex(), account, (!admin).then_some(caller.id)).await?;
    let identities = contacts::contact_inboxes(conn.ex(), &[contact.id]).await?;
    let ids: Vec<i64> = identities.iter().map(|ci| ci.id).collect();
    let in_use = contacts::contact_inboxes_in_use(conn.ex(), &ids).await?;
    let email = contact.email.clone().filter(|e| !e.is_empty());
    let phone = contact.phone_number.clone().filter(|p| !p.is_empty());
    let mut out = Vec::new();
    for inbox in visible {
        let latest = identities.iter().rfind(|ci| ci.inbox_id == inbox.id);
        let source_id = match inbox.channel_type.as_deref().unwrap_or_default() {
            // The identity it has, or a fresh one (not saved) for a first conversation.
            inboxes::API => Some(latest.map_or_else(uuid_v4, |ci| ci.source_id.clone())),
            // Only a visitor who has never started a conversation there.
            inboxes::WEB_WIDGET => latest
                .filter(|ci| !in_use.contains(&ci.id))
                .map(|ci| ci.source_id.clone()),
            "Channel::Email" => email.clone(),
            "Channel::Sms" | "Channel::Voice" => phone.clone(),
            "Channel::Whatsapp" => phone.as_ref().map(|p| p.replace('+', "")),
            _ => None,
        };
        if let Some(source_id) = source_id {
            out.push((source_id, inbox));
        }
    }
    Ok(out)
}

/// `DELETE /contacts/:id/avatar`. Contacts have no stored avatars yet (the thumbnail is
/// always empty until blob storage arrives), so there is nothing to remove.
pub async fn destroy_avatar(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
) -> Result<Contact> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    Ok(contacts::find(conn.ex(), account, id).await?)
}

/// Chatwoot's label list cleaning: trimmed, blanks dropped, duplicates (ignoring case)
/// removed keeping the first.
pub fn clean_labels(raw: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in raw.iter().map(|l| l.trim()).filter(|l| !l.is_empty()) {
        if !out
            .iter()
            .any(|o| o.eq_ignore_ascii_case(l) || o.to_lowercase() == l.to_lowercase())
        {
            out.push(l.to_string());
        }
    }
    out
}

pub async fn labels(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<Vec<String>> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    contacts::find(conn.ex(), account, id).await?;
    Ok(labels::on(conn.ex(), Taggable::Contact(id)).await?)
}

pub async fn set_labels(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    titles: &[String],
) -> Result<Vec<String>> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    contacts::find(tx.ex(), account, id).await?;
    let list = labels::replace(
        tx.ex(),
        Taggable::Contact(id),
        &clean_labels(titles),
        Timestamp::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(list)
}

/// Merges `mergee` into `base`: identities and notes move, the base's values win, and
/// the mergee is deleted.
pub async fn merge(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    base: i64,
    mergee: i64,
) -> Result<Contact> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let b = contacts::find(tx.ex(), account, base).await?;
    let m = contacts::find(tx.ex(), account, mergee).await?;
    if base == mergee {
        tx.commit().await?;
        return Ok(b);
    }
    let mut f = fields_of(&b);
    let theirs = fields_of(&m);
    let pick =
        |mine: Option<String>, other: Option<String>| mine.filter(|s| !s.is_empty()).or(other);
    f.name = pick(Some(f.name.clone()), Some(theirs.name.clone())).unwrap_or_default();
    f.identifier = pick(f.identifier.clone(), theirs.identifier.clone());
    f.email = pick(f.email.clone(), theirs.email.clone());
    f.phone_number = pick(f.phone_number.clone(), theirs.phone_number.clone());
    for (mine, other) in [
        (&mut f.additional_attributes, &theirs.additional_attributes),
        (&mut f.custom_attributes, &theirs.custom_attributes),
    ] {
        let mut merged = other.as_object().cloned().unwrap_or_default();
        merged.extend(mine.as_object().cloned().unwrap_or_default());
        *mine = Value::Object(merged);
    }
    let moved = conversations::for_contact(tx.ex(), account, mergee).await?;
    contacts::reassign(tx.ex(), mergee, base).await?;
    contacts::delete(tx.ex(), account, mergee).await?;
    let merged = contacts::update(tx.ex(), account, base, &f, Timestamp::now())
        .await
        .map_err(unique)?;
    tx.commit().await?;
    crate::live::contact(ctx, "contact.merged", &merged);
    contact_changed(ctx, account, moved).await;
    Ok(merged)
}

/// `conversation.contact_changed` to the agents, for each conversation a merge moved to
/// another contact, so open screens show the contact it belongs to now.
async fn contact_changed(ctx: &Ctx, account: AccountId, moved: Vec<Conversation>) {
    if moved.is_empty() {
        return;
    }
    let ids: Vec<i64> = moved.iter().map(|c| c.id).collect();
    let details = async {
        let mut conn = ctx.db.conn().await?;
        let now = conversations::by_ids(conn.ex(), account, &ids).await?;
        crate::conversations::details(ctx, conn.ex(), account, now).await
    };
    match details.await {
        Ok(list) => {
            for d in &list {
                crate::live::conversation(ctx, "conversation.contact_changed", d).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "conversation.contact_changed dropped"),
    }
}

pub async fn notes(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    contact: i64,
) -> Result<Vec<Note>> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    contacts::find(conn.ex(), account, contact).await?;
    Ok(contacts::notes(conn.ex(), account, contact).await?)
}

pub async fn note(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    contact: i64,
    id: i64,
) -> Result<Note> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    Ok(contacts::find_note(conn.ex(), account, contact, id).await?)
}

fn note_content(raw: Option<&str>) -> Result<String> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => Err(Error::invalid("content", "Content can't be blank")),
        Some(c) if c.chars().count() > 20_000 => Err(Error::invalid(
            "content",
            "Content is too long (maximum is 20000 characters)",
        )),
        Some(c) => Ok(c.to_string()),
    }
}

pub async fn create_note(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    contact: i64,
    content: Option<&str>,
) -> Result<Note> {
    let content = note_content(content)?;
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    contacts::find(tx.ex(), account, contact).await?;
    let n = contacts::insert_note(
        tx.ex(),
        account,
        contact,
        caller.id,
        &content,
        Timestamp::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

pub async fn update_note(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    contact: i64,
    id: i64,
    content: Option<&str>,
) -> Result<Note> {
    let content = note_content(content)?;
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let n = contacts::find_note(tx.ex(), account, contact, id).await?;
    let n = contacts::update_note(tx.ex(), &n, &content, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(n)
}

pub async fn destroy_note(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    contact: i64,
    id: i64,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    membership(tx.ex(), caller, account).await?;
    let n = contacts::find_note(tx.ex(), account, contact, id).await?;
    contacts::delete_note(tx.ex(), &n).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /contacts/filter`.
pub async fn filter(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    raw: &[crate::filters::RawCondition],
    page: i64,
) -> Result<(Vec<ContactDetails>, i64)> {
    let mut conn = ctx.db.conn().await?;
    membership(conn.ex(), caller, account).await?;
    let conditions =
        crate::filters::conditions(conn.ex(), account, crate::filters::Model::Contact, raw).await?;
    let (rows, total) = contacts::filter(conn.ex(), account, &conditions, page, PER_PAGE).await?;
    let mut list = details(conn.ex(), account, rows).await?;
    drop(conn);
    mark_online(ctx, account, &mut list).await;
    Ok((list, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_phone_numbers() {
        assert!(is_e164("+14155550100"));
        assert!(!is_e164("14155550100"));
        assert!(!is_e164("+04155550100"));
        assert!(!is_e164("+1415555010012345"));
        assert!(!is_e164("abc+14155550100"));
    }

    #[test]
    fn labels_are_cleaned_like_chatwoot() {
        let raw = ["VIP", " vip ", "", "billing", "Billing"].map(String::from);
        assert_eq!(
            clean_labels(&raw),
            vec!["VIP".to_string(), "billing".to_string()]
        );
    }

    #[test]
    fn uuids_are_version_4() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
