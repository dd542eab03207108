//! The website widget's API (`/api/v1/widget/*`). The widget is named by its
//! `website_token`, the visitor by a JWT (`X-Auth-Token`) carrying its contact inbox's
//! `source_id`, signed with `SECRET_KEY_BASE` exactly as Chatwoot signs it, so visitors
//! keep their conversations when an installation moves here.

use serde_json::{Map, Value, json};
use switchboard_domain::{
    AccountStatus, ContentType, ConversationStatus, Error, MessageType, Result, Timestamp,
    validation,
};
use switchboard_store::account_users::{self, AccountUser};
use switchboard_store::contacts::{self, Contact, ContactInbox};
use switchboard_store::conversations::{self, Conversation};
use switchboard_store::inboxes::{self, Inbox, WebWidget, WorkingHour};
use switchboard_store::labels::{self as label_store, Taggable};
use switchboard_store::messages::{self, Message};
use switchboard_store::users::{self, User};
use switchboard_store::{Json, Tx, accounts};

use crate::client::{PublicMessage, blank, public_messages, verify_identity, visitor_name};
use crate::conversations::{MessageInput, Start, show_live, start_conversation};
use crate::{Ctx, secrets, webhooks};

/// Chatwoot's `WIDGET_TOKEN_EXPIRY` default, in days.
const TOKEN_DAYS: i64 = 180;

/// A website inbox, as the widget sees it.
#[derive(Clone, Debug)]
pub struct Site {
    pub widget: WebWidget,
    pub inbox: Inbox,
}

/// The visitor behind a widget token.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub site: Site,
    pub contact: Contact,
    pub contact_inbox: ContactInbox,
}

mod jwt {
    //! HS256 JSON Web Tokens, the only kind the widget uses. Verification accepts
    //! nothing but HS256 with a valid signature and an unexpired `exp`.
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use hmac::{Hmac, KeyInit, Mac};
    use serde_json::{Value, json};
    use sha2::Sha256;

    fn mac(secret: &str) -> Option<Hmac<Sha256>> {
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()
    }

    pub fn encode(secret: &str, claims: &Value) -> String {
        let head = B64.encode(json!({"alg": "HS256", "typ": "JWT"}).to_string());
        let body = B64.encode(claims.to_string());
        let signing = format!("{head}.{body}");
        let sig = mac(secret)
            .map(|mut m| {
                m.update(signing.as_bytes());
                B64.encode(m.finalize().into_bytes())
            })
            .unwrap_or_default();
        format!("{signing}.{sig}")
    }

    pub fn decode(secret: &str, token: &str, now: i64) -> Option<Value> {
        let mut parts = token.trim().split('.');
        let (head, body, sig) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value = serde_json::from_slice(&B64.decode(head).ok()?).ok()?;
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return None;
        }
        let mut m = mac(secret)?;
        m.update(format!("{head}.{body}").as_bytes());
        m.verify_slice(&B64.decode(sig).ok()?).ok()?;
        let claims: Value = serde_json::from_slice(&B64.decode(body).ok()?).ok()?;
        match claims.get("exp").and_then(Value::as_i64) {
            Some(exp) if exp <= now => None,
            _ => Some(claims),
        }
    }
}

/// A visitor token for a contact inbox, as Chatwoot's `Widget::TokenService` makes it.
pub fn token(ctx: &Ctx, ci: &ContactInbox) -> String {
    let now = Timestamp::now().unix_seconds();
    jwt::encode(
        &ctx.settings.secret_key_base.0,
        &serde_json::json!({
            "source_id": ci.source_id, "inbox_id": ci.inbox_id,
            "iat": now, "exp": now + TOKEN_DAYS * 24 * 3600,
        }),
    )
}

/// The source id a valid token names for `inbox`; a forged, expired or foreign token
/// names nobody (the visitor is then treated as new, never as someone else).
fn source_of(ctx: &Ctx, token: Option<&str>, inbox: i64) -> Option<String> {
    let claims = jwt::decode(
        &ctx.settings.secret_key_base.0,
        token?,
        Timestamp::now().unix_seconds(),
    )?;
    if claims.get("inbox_id").and_then(Value::as_i64) != Some(inbox) {
        return None;
    }
    claims
        .get("source_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The widget of a `website_token`: unknown → 404, suspended account → 401.
async fn site(tx: &mut Tx, website_token: &str) -> Result<Site> {
    let widget = inboxes::find_widget_by_token(tx.ex(), website_token)
        .await?
        .ok_or(Error::NotFound)?;
    let inbox = inboxes::find_by_channel(tx.ex(), inboxes::WEB_WIDGET, widget.id)
        .await?
        .ok_or(Error::NotFound)?;
    let account = accounts::find(tx.ex(), inbox.account_id).await?;
    if account.status == Some(AccountStatus::Suspended.value()) {
        return Err(Error::Unauthorized("Account is suspended".into()));
    }
    Ok(Site { widget, inbox })
}

async fn find_visitor(
    ctx: &Ctx,
    tx: &mut Tx,
    site: Site,
    token: Option<&str>,
) -> Result<Option<Visitor>> {
    let Some(source) = source_of(ctx, token, site.inbox.id) else {
        return Ok(None);
    };
    let Some(ci) = contacts::find_contact_inbox(tx.ex(), site.inbox.id, &source).await? else {
        return Ok(None);
    };
    let contact = contacts::find(tx.ex(), site.inbox.account_id, ci.contact_id).await?;
    Ok(Some(Visitor {
        site,
        contact,
        contact_inbox: ci,
    }))
}

/// A new anonymous visitor: a contact with a generated name and its contact inbox.
async fn new_visitor(tx: &mut Tx, site: Site, name: Option<String>) -> Result<Visitor> {
    let now = Timestamp::now();
    let mut f = blank();
    f.name = name.unwrap_or_else(visitor_name);
    let contact = contacts::insert(tx.ex(), site.inbox.account_id, &f, now).await?;
    let ci = contacts::insert_contact_inbox(
        tx.ex(),
        contact.id,
        site.inbox.id,
        &uuid::Uuid::new_v4().to_string(),
        false,
        &secrets::secure_token(),
        now,
    )
    .await?;
    webhooks::contact_event(
        tx.ex(),
        "contact_created",
        contact.account_id,
        contact.id,
        None,
    )
    .await?;
    Ok(Visitor {
        site,
        contact,
        contact_inbox: ci,
    })
}

/// A transaction on the visitor a request names; none (or a bad token) → 404, as
/// Chatwoot answers.
async fn known(ctx: &Ctx, website_token: &str, token: Option<&str>) -> Result<(Tx, Visitor)> {
    let mut tx = ctx.db.begin().await?;
    let site = site(&mut tx, website_token).await?;
    let v = find_visitor(ctx, &mut tx, site, token)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((tx, v))
}

/// The visitor a request names; none (or a bad token) → 404, as Chatwoot answers.
pub async fn visitor(ctx: &Ctx, website_token: &str, token: Option<&str>) -> Result<Visitor> {
    let (tx, v) = known(ctx, website_token, token).await?;
    tx.commit().await?;
    Ok(v)
}

/// `POST /events`: Chatwoot dispatches the event by name; only `webwidget.triggered` (the
/// visitor opened the widget) has a listener, which sends the `webwidget_triggered`
/// webhook. Other names are accepted and dropped, as there.
pub async fn event(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
    name: &str,
    event_info: Value,
) -> Result<()> {
    let (mut tx, v) = known(ctx, website_token, token).await?;
    if name == "webwidget.triggered" {
        webhooks::webwidget_triggered(
            tx.ex(),
            v.site.inbox.account_id,
            v.site.inbox.id,
            v.contact_inbox.id,
            event_info,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What `POST /config` answers with.
pub struct Config {
    pub visitor: Visitor,
    pub token: String,
    pub working_hours: Vec<WorkingHour>,
    /// The account's locale code (`en`, `pt_BR`…).
    pub locale: &'static str,
}

/// `POST /config`: the widget's settings and the visitor (made when the token names
/// nobody), with a fresh token.
pub async fn config(ctx: &Ctx, website_token: &str, token: Option<&str>) -> Result<Config> {
    let mut tx = ctx.db.begin().await?;
    let site = site(&mut tx, website_token).await?;
    let account = accounts::find(tx.ex(), site.inbox.account_id).await?;
    let working_hours = inboxes::working_hours(tx.ex(), site.inbox.account_id)
        .await?
        .into_iter()
        .filter(|h| h.inbox_id == Some(site.inbox.id))
        .collect();
    let v = match find_visitor(ctx, &mut tx, site.clone(), token).await? {
        Some(v) => v,
        None => new_visitor(&mut tx, site, None).await?,
    };
    tx.commit().await?;
    Ok(Config {
        token: self::token(ctx, &v.contact_inbox),
        visitor: v,
        working_hours,
        locale: switchboard_domain::Locale::from_value(account.locale.unwrap_or(0)).code(),
    })
}

/// `GET /inbox_members`: the agents a visitor may see (the inbox's members).
pub async fn members(ctx: &Ctx, website_token: &str) -> Result<Vec<(User, AccountUser)>> {
    let mut tx = ctx.db.begin().await?;
    let site = site(&mut tx, website_token).await?;
    let ids = inboxes::member_ids(tx.ex(), site.inbox.id).await?;
    let people = users::list_for_account(tx.ex(), site.inbox.account_id).await?;
    let mut roles = account_users::list_for_account(tx.ex(), site.inbox.account_id).await?;
    tx.commit().await?;
    crate::presence::mark(ctx, site.inbox.account_id, &mut roles).await;
    Ok(ids
        .iter()
        .filter_map(|id| {
            let u = people.iter().find(|u| u.id == *id)?.clone();
            let au = roles.iter().find(|au| au.user_id == *id)?.clone();
            Some((u, au))
        })
        .collect())
}

/// What a visitor may tell about itself (`setUser`, the pre-chat form).
#[derive(Clone, Debug, Default)]
pub struct Identity {
    pub identifier: Option<String>,
    pub identifier_hash: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub custom_attributes: Option<Map<String, Value>>,
    pub additional_attributes: Option<Map<String, Value>>,
}

/// Applies an identity to a contact. As Chatwoot's widget does, invalid values (a bad
/// email or phone) and values another contact of the account already holds are left
/// out rather than refused.
async fn identify(tx: &mut Tx, contact: &Contact, id: &Identity) -> Result<Contact> {
    let account = contact.account_id;
    let mut f = crate::contacts::fields_of(contact);
    if let Some(name) = id.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        f.name = name.chars().take(255).collect();
    }
    if let Some(email) = id
        .email
        .as_deref()
        .and_then(|e| validation::email(e.trim()).ok())
        && contacts::find_clash(tx.ex(), account, "email", &email)
            .await?
            .is_none_or(|other| other == contact.id)
    {
        f.email = Some(email);
    }
    if let Some(phone) = id
        .phone_number
        .as_deref()
        .map(str::trim)
        .filter(|p| crate::contacts::is_e164(p))
        && contacts::find_clash(tx.ex(), account, "phone_number", phone)
            .await?
            .is_none_or(|other| other == contact.id)
    {
        f.phone_number = Some(phone.to_owned());
    }
    if let Some(identifier) = id.identifier.as_deref().filter(|i| !i.is_empty())
        && contacts::find_clash(tx.ex(), account, "identifier", identifier)
            .await?
            .is_none_or(|other| other == contact.id)
    {
        f.identifier = Some(identifier.to_owned());
    }
    for (mine, given) in [
        (&mut f.custom_attributes, &id.custom_attributes),
        (&mut f.additional_attributes, &id.additional_attributes),
    ] {
        if let Some(given) = given {
            let mut merged = mine.as_object().cloned().unwrap_or_default();
            merged.extend(given.clone());
            *mine = Value::Object(merged);
        }
    }
    let updated = contacts::update(tx.ex(), account, contact.id, &f, Timestamp::now()).await?;
    webhooks::contact_updated(tx.ex(), contact, &updated).await?;
    Ok(updated)
}

/// `PATCH /contact`: the visitor tells who it is (without identity validation).
pub async fn update_contact(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
    id: Identity,
) -> Result<Contact> {
    let (mut tx, v) = known(ctx, website_token, token).await?;
    let contact = identify(&mut tx, &v.contact, &id).await?;
    tx.commit().await?;
    crate::live::contact(ctx, "contact.updated", &contact);
    Ok(contact)
}

/// `POST /contact/destroy_custom_attributes {custom_attributes: [keys]}`.
pub async fn remove_contact_attributes(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
    keys: &[String],
) -> Result<Contact> {
    let (mut tx, v) = known(ctx, website_token, token).await?;
    let mut f = crate::contacts::fields_of(&v.contact);
    if let Value::Object(attrs) = &mut f.custom_attributes {
        attrs.retain(|k, _| !keys.contains(k));
    }
    let contact = contacts::update(
        tx.ex(),
        v.contact.account_id,
        v.contact.id,
        &f,
        Timestamp::now(),
    )
    .await?;
    webhooks::contact_updated(tx.ex(), &v.contact, &contact).await?;
    tx.commit().await?;
    crate::live::contact(ctx, "contact.updated", &contact);
    Ok(contact)
}

/// `PATCH /contact/set_user`: `window.$chatwoot.setUser`. With a hash (or when the
/// widget demands one) the identifier must carry a valid HMAC (401 otherwise). A visitor
/// already known under another identifier becomes a new contact with a new token.
pub async fn set_user(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
    id: Identity,
) -> Result<(Contact, Option<String>)> {
    let mut tx = ctx.db.begin().await?;
    let site = site(&mut tx, website_token).await?;
    let v = find_visitor(ctx, &mut tx, site.clone(), token)
        .await?
        .ok_or(Error::NotFound)?;
    // Chatwoot skips the check for attribute-only calls that name no identifier.
    let custom_only = id.custom_attributes.is_some() && id.identifier.is_none();
    let verified = !custom_only
        && verify_identity(
            site.widget.hmac_token.as_deref(),
            site.widget.hmac_mandatory == Some(true),
            id.identifier.as_deref(),
            id.identifier_hash.as_deref(),
        )?;
    let different = v
        .contact
        .identifier
        .as_deref()
        .is_some_and(|known| !known.is_empty() && Some(known) != id.identifier.as_deref());
    let (mut v, new_token) = if different {
        let fresh = new_visitor(&mut tx, site, None).await?;
        let t = self::token(ctx, &fresh.contact_inbox);
        (fresh, Some(t))
    } else {
        (v, None)
    };
    // An identifier that already belongs to a contact of the account: the visitor is
    // that contact from now on (Chatwoot merges the anonymous contact into it).
    if let Some(identifier) = id.identifier.as_deref().filter(|i| !i.is_empty())
        && let Some(owner) =
            contacts::find_clash(tx.ex(), v.contact.account_id, "identifier", identifier).await?
        && owner != v.contact.id
    {
        contacts::reassign(tx.ex(), v.contact.id, owner).await?;
        contacts::delete(tx.ex(), v.contact.account_id, v.contact.id).await?;
        v.contact = contacts::find(tx.ex(), v.site.inbox.account_id, owner).await?;
        v.contact_inbox =
            contacts::find_contact_inbox(tx.ex(), v.site.inbox.id, &v.contact_inbox.source_id)
                .await?
                .ok_or(Error::NotFound)?;
    }
    if verified {
        contacts::set_hmac_verified(tx.ex(), v.contact_inbox.id).await?;
    }
    let contact = identify(&mut tx, &v.contact, &id).await?;
    tx.commit().await?;
    crate::live::contact(ctx, "contact.updated", &contact);
    Ok((contact, new_token))
}

/// The visitor's conversations in this inbox: those of its contact inbox, or, for an
/// HMAC-verified visitor, those of all its verified identities here.
async fn conversations_of(tx: &mut Tx, v: &Visitor) -> Result<Vec<Conversation>> {
    let all = conversations::for_contact(tx.ex(), v.site.inbox.account_id, v.contact.id).await?;
    let verified = v.contact_inbox.hmac_verified == Some(true);
    let mut ids = vec![v.contact_inbox.id];
    if verified {
        ids = contacts::contact_inboxes(tx.ex(), &[v.contact.id])
            .await?
            .into_iter()
            .filter(|ci| ci.inbox_id == v.site.inbox.id && ci.hmac_verified == Some(true))
            .map(|ci| ci.id)
            .collect();
    }
    Ok(all
        .into_iter()
        .filter(|c| c.inbox_id == v.site.inbox.id)
        .filter(|c| c.contact_inbox_id.is_some_and(|ci| ids.contains(&ci)))
        .collect())
}

/// The conversation the widget shows: the visitor's latest.
async fn current(tx: &mut Tx, v: &Visitor) -> Result<Option<Conversation>> {
    Ok(conversations_of(tx, v)
        .await?
        .into_iter()
        .max_by_key(|c| c.id))
}

/// `GET /conversations`: the current conversation, if any.
pub async fn conversation(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
) -> Result<Option<Conversation>> {
    let (mut tx, v) = known(ctx, website_token, token).await?;
    let c = current(&mut tx, &v).await?;
    tx.commit().await?;
    Ok(c)
}

/// What the widget sends with a message.
#[derive(Clone, Debug, Default)]
pub struct NewMessage {
    pub content: Option<String>,
    pub echo_id: Option<String>,
    pub reply_to: Option<Value>,
    pub referer_url: Option<String>,
    pub timestamp: Option<String>,
    pub browser_language: Option<String>,
}

async fn open_conversation(
    ctx: &Ctx,
    tx: &mut Tx,
    v: &Visitor,
    m: &NewMessage,
    custom_attributes: Map<String, Value>,
) -> Result<Conversation> {
    let mut extra = Map::new();
    if let Some(lang) = &m.browser_language {
        extra.insert("browser_language".into(), Value::String(lang.clone()));
    }
    extra.insert(
        "initiated_at".into(),
        serde_json::json!({ "timestamp": m.timestamp }),
    );
    if let Some(url) = &m.referer_url {
        // Chatwoot's key, typo included.
        extra.insert("referer".into(), Value::String(url.clone()));
    }
    let start = Start {
        status: ConversationStatus::Open,
        assignee: None,
        team_id: None,
        snoozed_until: None,
        additional_attributes: extra,
        custom_attributes,
    };
    let (c, _) = start_conversation(
        ctx,
        tx,
        &v.site.inbox,
        &v.contact,
        &v.contact_inbox,
        start,
        Timestamp::now(),
    )
    .await?;
    webhooks::conversation_event(tx.ex(), "conversation_created", &c, None).await?;
    Ok(c)
}

fn incoming(m: &NewMessage, attachments: Vec<crate::messages::Attachable>) -> MessageInput {
    let mut attrs = Map::new();
    if let Some(r) = &m.reply_to {
        attrs.insert("in_reply_to".into(), r.clone());
    }
    MessageInput {
        attachments,
        content: m.content.clone(),
        message_type: Some("incoming".into()),
        content_attributes: Some(attrs),
        ..Default::default()
    }
}

/// `POST /messages`: the visitor writes (opening a conversation when it has none).
pub async fn create_message(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
    m: NewMessage,
    uploads: Vec<crate::files::Upload>,
) -> Result<(Conversation, PublicMessage)> {
    crate::messages::check_count(uploads.len())?;
    let stored = crate::messages::store_uploads(ctx, &uploads).await?;
    let keys: Vec<String> = stored.iter().map(|b| b.key.clone()).collect();
    let files = stored
        .into_iter()
        .map(crate::messages::Attachable::Stored)
        .collect();
    let created = async {
        let (mut tx, v) = known(ctx, website_token, token).await?;
        let (c, opened) = match current(&mut tx, &v).await? {
            Some(c) => (c, false),
            None => (
                open_conversation(ctx, &mut tx, &v, &m, Map::new()).await?,
                true,
            ),
        };
        let (msg, c) = crate::conversations::post(
            ctx,
            &mut tx,
            None,
            &v.site.inbox,
            c,
            incoming(&m, files),
            Timestamp::now(),
        )
        .await?;
        webhooks::message_event(tx.ex(), "message_created", &c, &msg).await?;
        tx.commit().await?;
        Ok::<_, Error>((v, c, msg, opened))
    }
    .await;
    let (v, c, msg, opened) = match created {
        Ok(done) => done,
        Err(e) => {
            ctx.files.forget(&keys).await;
            return Err(e);
        }
    };
    if opened {
        show_live(
            ctx,
            &["conversation.created"],
            c.account_id,
            c.display_id,
            Vec::new(),
        )
        .await;
    }
    crate::messages::show_new(ctx, c.clone(), msg.clone()).await;
    let shown = {
        let mut conn = ctx.db.conn().await?;
        let shown = public_messages(ctx, conn.ex(), &v.contact, c.account_id, vec![msg]).await?;
        shown.into_iter().next().ok_or(Error::NotFound)?
    };
    Ok((c, shown))
}

/// `POST /conversations`: the pre-chat form opens a conversation with a first message.
pub async fn create_conversation(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
    contact: Identity,
    m: NewMessage,
    custom_attributes: Map<String, Value>,
) -> Result<(Visitor, Conversation, Vec<PublicMessage>)> {
    let (mut tx, mut v) = known(ctx, website_token, token).await?;
    // Chatwoot keeps a name the visitor already has.
    let mut id = contact;
    if !v.contact.name.as_deref().unwrap_or_default().is_empty()
        && (v.contact.email.is_some()
            || v.contact.phone_number.is_some()
            || v.contact.identifier.is_some())
    {
        id.name = None;
    }
    v.contact = identify(&mut tx, &v.contact, &id).await?;
    let c = open_conversation(ctx, &mut tx, &v, &m, custom_attributes).await?;
    let (msg, c) = crate::conversations::post(
        ctx,
        &mut tx,
        None,
        &v.site.inbox,
        c,
        incoming(&m, Vec::new()),
        Timestamp::now(),
    )
    .await?;
    webhooks::message_event(tx.ex(), "message_created", &c, &msg).await?;
    let list = messages::page_public(tx.ex(), c.id, None, 100).await?;
    let list = public_messages(ctx, tx.ex(), &v.contact, c.account_id, list).await?;
    tx.commit().await?;
    show_live(
        ctx,
        &["conversation.created"],
        c.account_id,
        c.display_id,
        Vec::new(),
    )
    .await;
    crate::messages::show_new(ctx, c.clone(), msg).await;
    Ok((v, c, list))
}

/// `GET /messages`: the current conversation's public messages (`before`/`after`).
pub async fn messages(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
    before: Option<i64>,
) -> Result<(Visitor, Option<Conversation>, Vec<PublicMessage>)> {
    let (mut tx, v) = known(ctx, website_token, token).await?;
    let c = current(&mut tx, &v).await?;
    let list = match &c {
        Some(c) => messages::page_public(tx.ex(), c.id, before, 20).await?,
        None => Vec::new(),
    };
    let list = public_messages(ctx, tx.ex(), &v.contact, v.site.inbox.account_id, list).await?;
    tx.commit().await?;
    Ok((v, c, list))
}

/// `PATCH /messages/:id`: the visitor answers an interactive message: an email for
/// `input_email` (which also becomes the contact's email when it has none and it is
/// free), or `submitted_values`.
pub async fn update_message(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
    message_id: i64,
    submitted_email: Option<String>,
    submitted_values: Option<Value>,
) -> Result<(Contact, Conversation, Message)> {
    let (mut tx, mut v) = known(ctx, website_token, token).await?;
    let mine = conversations_of(&mut tx, &v).await?;
    let (c, mut m) = {
        let mut found = None;
        for c in mine {
            if let Ok(m) = messages::find(tx.ex(), c.id, message_id).await {
                found = Some((c, m));
                break;
            }
        }
        found.ok_or(Error::NotFound)?
    };
    if m.private || m.message_type == MessageType::Activity.value() {
        return Err(Error::NotFound);
    }
    let mut attrs = match m.content_attributes.take() {
        Some(Json(Value::Object(map))) => map,
        _ => Map::new(),
    };
    if m.content_type == ContentType::InputEmail.value() {
        let email = submitted_email.unwrap_or_default();
        attrs.insert("submitted_email".into(), Value::String(email.clone()));
        if v.contact.email.is_none() {
            v.contact = identify(
                &mut tx,
                &v.contact,
                &Identity {
                    email: Some(email),
                    ..Default::default()
                },
            )
            .await?;
        }
    } else if let Some(values) = submitted_values {
        attrs.insert("submitted_values".into(), values);
    }
    m.content_attributes = Some(Json(Value::Object(attrs)));
    let m = messages::save(tx.ex(), &m, Timestamp::now()).await?;
    webhooks::message_event(tx.ex(), "message_updated", &c, &m).await?;
    tx.commit().await?;
    crate::messages::show_updated(ctx, c.clone(), m.clone()).await;
    Ok((v.contact, c, m))
}

/// The visitor's other conversation actions.
pub enum Action {
    /// `update_last_seen`.
    Seen,
    /// `toggle_typing` on or off.
    Typing(bool),
    /// `toggle_status`: the visitor ends the chat (only with the end-conversation feature).
    Resolve,
    /// `set_custom_attributes`.
    SetAttributes(Map<String, Value>),
    /// `destroy_custom_attributes`.
    RemoveAttribute(String),
    /// `POST labels`: a label the account defines goes on the conversation.
    AddLabel(String),
    /// `DELETE labels/:label`.
    RemoveLabel(String),
    /// `POST conversations/transcript`: the conversation mailed to the visitor's own
    /// address, when they gave one (never to an address the request names).
    Transcript,
}

/// Adds (only a label the account defines) or removes a label on the conversation;
/// whether anything changed.
async fn relabel(
    tx: &mut Tx,
    c: &mut Conversation,
    title: String,
    adding: bool,
    now: Timestamp,
) -> Result<bool> {
    let mut titles = label_store::on(tx.ex(), Taggable::Conversation(c.id)).await?;
    let before = titles.clone();
    if adding {
        let defined = label_store::find_by_title(tx.ex(), c.account_id, &title)
            .await?
            .is_some();
        if defined && !titles.contains(&title) {
            titles.push(title);
        }
    } else {
        titles.retain(|t| *t != title);
    }
    if titles == before {
        return Ok(false);
    }
    let list = label_store::replace(tx.ex(), Taggable::Conversation(c.id), &titles, now).await?;
    c.cached_label_list = Some(list.join(", "));
    conversations::save(tx.ex(), c, now).await?;
    Ok(true)
}

/// Chatwoot's end-conversation feature bit.
const END_CONVERSATION: i32 = 4;

/// Runs `action` on the current conversation; none → 404 (no-op for `Seen`).
pub async fn act(
    ctx: &Ctx,
    website_token: &str,
    token: Option<&str>,
    action: Action,
) -> Result<()> {
    let (mut tx, v) = known(ctx, website_token, token).await?;
    let Some(mut c) = current(&mut tx, &v).await? else {
        return match action {
            Action::Seen | Action::AddLabel(_) | Action::RemoveLabel(_) | Action::Transcript => {
                Ok(())
            }
            _ => Err(Error::NotFound),
        };
    };
    let now = Timestamp::now();
    let (account, display_id) = (c.account_id, c.display_id);
    let mut events: Vec<&str> = Vec::new();
    let mut said = Vec::new();
    match action {
        Action::Transcript => {
            if let Some(email) = v.contact.email.clone().filter(|e| !e.is_empty()) {
                crate::transcripts::queue(ctx, &mut tx, account, c, &[email]).await?;
            }
            tx.commit().await?;
            return Ok(());
        }
        Action::Seen => {
            c.contact_last_seen_at = Some(now);
            let updated = c.updated_at;
            conversations::save(tx.ex(), &c, updated).await?;
            events.push("conversation.read");
        }
        Action::Typing(on) => {
            let typer = crate::conversations::Sender::Contact(v.contact.clone());
            webhooks::typing_event(tx.ex(), on, &c, &typer, false).await?;
            tx.commit().await?;
            let d = {
                let mut conn = ctx.db.conn().await?;
                crate::conversations::one(ctx, conn.ex(), c).await?
            };
            crate::live::typing(
                ctx,
                on,
                &d,
                &crate::conversations::Sender::Contact(v.contact),
                false,
            )
            .await;
            return Ok(());
        }
        Action::Resolve => {
            if v.site.widget.feature_flags & END_CONVERSATION == 0 {
                return Err(Error::Forbidden(
                    "Ending the conversation is not enabled for this widget".into(),
                ));
            }
            if c.status != ConversationStatus::Resolved.value() {
                let previous =
                    ConversationStatus::from_value(c.status).map(ConversationStatus::as_str);
                c.status = ConversationStatus::Resolved.value();
                c.snoozed_until = None;
                let c = conversations::save(tx.ex(), &c, now).await?;
                crate::reporting::status_changed(&mut tx, &c, false).await?;
                let diff = webhooks::changed("status", json!(previous), json!("resolved"));
                webhooks::conversation_event(
                    tx.ex(),
                    "conversation_status_changed",
                    &c,
                    Some(diff.clone()),
                )
                .await?;
                webhooks::conversation_event(tx.ex(), "conversation_updated", &c, Some(diff))
                    .await?;
                let name = v.contact.name.clone().unwrap_or_default();
                said.push(
                    crate::conversations::activity(
                        &mut tx,
                        &c,
                        format!("Conversation was resolved by {name}"),
                        now,
                    )
                    .await?,
                );
                events.push("conversation.status_changed");
            }
        }
        Action::SetAttributes(attrs) => {
            c.custom_attributes = Some(Json(Value::Object(attrs)));
            conversations::save(tx.ex(), &c, now).await?;
            events.push("conversation.updated");
        }
        Action::AddLabel(title) => {
            if relabel(&mut tx, &mut c, title, true, now).await? {
                events.push("conversation.updated");
            }
        }
        Action::RemoveLabel(title) => {
            if relabel(&mut tx, &mut c, title, false, now).await? {
                events.push("conversation.updated");
            }
        }
        Action::RemoveAttribute(key) => {
            let mut attrs = match c.custom_attributes.take() {
                Some(Json(Value::Object(m))) => m,
                _ => Map::new(),
            };
            attrs.remove(&key);
            c.custom_attributes = Some(Json(Value::Object(attrs)));
            conversations::save(tx.ex(), &c, now).await?;
            events.push("conversation.updated");
        }
    }
    if events.contains(&"conversation.updated") {
        webhooks::conversation_event(tx.ex(), "conversation_updated", &c, None).await?;
    }
    tx.commit().await?;
    show_live(ctx, &events, account, display_id, said).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::jwt;
    use serde_json::json;

    #[test]
    fn tokens_verify_only_with_the_key_and_before_expiry() {
        let t = jwt::encode("k", &json!({"source_id": "s", "inbox_id": 1, "exp": 100}));
        assert_eq!(jwt::decode("k", &t, 50).unwrap()["source_id"], "s");
        assert!(jwt::decode("other", &t, 50).is_none());
        assert!(jwt::decode("k", &t, 100).is_none());
        let (head, rest) = t.split_once('.').unwrap();
        let none = format!(
            "{}.{rest}",
            base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                json!({"alg": "none"}).to_string()
            )
        );
        assert!(jwt::decode("k", &none, 50).is_none(), "{head}");
        assert!(jwt::decode("k", "a.b", 50).is_none());
    }
}
