//! `/api/v1/widget/*`: what the website widget calls, always with `?website_token=` and
//! the visitor's JWT in `X-Auth-Token`. Open to every origin, as the widget runs inside
//! other people's sites.

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, patch, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard_core::client::PublicMessage;
use switchboard_core::widget::{self, Action, Identity, NewMessage, Visitor};
use switchboard_domain::ConversationStatus;
use switchboard_store::conversations::Conversation;
use tower_http::cors::CorsLayer;

use crate::extract::{Body, Params, Payload, WithFiles, deserialize};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::conversation::{attachment, sender};
use switchboard_core::views::user::{availability_status, available_name};

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/config", post(config))
        .route(
            "/contact",
            get(contact).patch(update_contact).put(update_contact),
        )
        .route("/contact/set_user", patch(set_user))
        .route(
            "/contact/destroy_custom_attributes",
            post(remove_contact_attributes),
        )
        .route(
            "/conversations",
            get(conversation).post(create_conversation),
        )
        .route("/conversations/update_last_seen", post(update_last_seen))
        .route("/conversations/toggle_typing", post(toggle_typing))
        .route("/conversations/toggle_status", get(toggle_status))
        .route("/conversations/transcript", post(transcript))
        .route("/conversations/set_custom_attributes", post(set_attributes))
        .route(
            "/conversations/destroy_custom_attributes",
            post(remove_attribute),
        )
        .route(
            "/messages",
            get(messages)
                .post(create_message)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/messages/{id}", patch(update_message).put(update_message))
        .route("/inbox_members", get(members))
        .route("/campaigns", get(campaigns))
        .route("/events", post(events))
        .route("/labels", post(add_label))
        .route("/labels/{label}", axum::routing::delete(remove_label))
        .layer(CorsLayer::permissive())
}

/// The widget's credentials: `website_token` (query) and `X-Auth-Token` (header).
pub struct Caller {
    website_token: String,
    token: Option<String>,
}

impl Caller {
    fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let website_token =
            url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
                .find(|(k, _)| k == "website_token")
                .map(|(_, v)| v.into_owned())
                .filter(|v| !v.is_empty())
                .ok_or(ApiError::Domain(switchboard_domain::Error::NotFound))?;
        let token = parts
            .headers
            .get("x-auth-token")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        Ok(Caller {
            website_token,
            token,
        })
    }
}

async fn config(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let c = widget::config(&state.ctx, &caller.website_token, caller.token()).await?;
    Ok(Json(switchboard_core::views::widget::config(
        &state.ctx, &c,
    )))
}

fn contact_summary(c: &switchboard_store::contacts::Contact) -> Map<String, Value> {
    let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id));
    m.insert("has_email".into(), json!(present(&c.email)));
    m.insert("has_name".into(), json!(present(&c.name)));
    m.insert("has_phone_number".into(), json!(present(&c.phone_number)));
    m
}

async fn contact(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let v = widget::visitor(&state.ctx, &caller.website_token, caller.token()).await?;
    let mut m = contact_summary(&v.contact);
    m.insert("identifier".into(), json!(v.contact.identifier));
    Ok(Json(Value::Object(m)))
}

#[derive(Deserialize, Default)]
pub struct IdentityParams {
    identifier: Option<String>,
    identifier_hash: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    custom_attributes: Option<Map<String, Value>>,
    additional_attributes: Option<Map<String, Value>>,
}

impl Payload for IdentityParams {}

impl From<IdentityParams> for Identity {
    fn from(p: IdentityParams) -> Self {
        Identity {
            identifier: p.identifier,
            identifier_hash: p.identifier_hash,
            name: p.name,
            email: p.email,
            phone_number: p.phone_number,
            custom_attributes: p.custom_attributes,
            additional_attributes: p.additional_attributes,
        }
    }
}

async fn update_contact(
    State(state): State<AppState>,
    caller: Caller,
    Body(p): Body<IdentityParams>,
) -> ApiResult<Json<Value>> {
    let c =
        widget::update_contact(&state.ctx, &caller.website_token, caller.token(), p.into()).await?;
    Ok(Json(Value::Object(contact_summary(&c))))
}

async fn set_user(
    State(state): State<AppState>,
    caller: Caller,
    Body(p): Body<IdentityParams>,
) -> ApiResult<Json<Value>> {
    let (c, token) =
        widget::set_user(&state.ctx, &caller.website_token, caller.token(), p.into()).await?;
    let mut m = contact_summary(&c);
    if let Some(t) = token {
        m.insert("widget_auth_token".into(), json!(t));
    }
    Ok(Json(Value::Object(m)))
}

fn status(c: &Conversation) -> &'static str {
    ConversationStatus::from_value(c.status)
        .unwrap_or(ConversationStatus::Open)
        .as_str()
}

fn seconds(t: Option<switchboard_domain::Timestamp>) -> i64 {
    t.map_or(0, |t| t.unix_seconds())
}

async fn conversation(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let c = widget::conversation(&state.ctx, &caller.website_token, caller.token()).await?;
    Ok(Json(match c {
        Some(c) => json!({
            "id": c.display_id, "inbox_id": c.inbox_id,
            "contact_last_seen_at": seconds(c.contact_last_seen_at), "status": status(&c),
        }),
        None => json!({}),
    }))
}

/// The widget's message: the Client API's, with attachments.
fn widget_message(m: &PublicMessage, c: &Conversation) -> Value {
    let msg = &m.message;
    let mut v = json!({
        "id": msg.id, "content": msg.content, "message_type": msg.message_type,
        "content_type": switchboard_domain::ContentType::from_value(msg.content_type)
            .unwrap_or(switchboard_domain::ContentType::Text).as_str(),
        "content_attributes": msg.content_attributes.as_ref().map_or(json!({}), |j| j.0.clone()),
        "created_at": msg.created_at.unix_seconds(), "conversation_id": c.display_id,
    });
    if !m.attachments.is_empty() {
        v["attachments"] = Value::Array(m.attachments.iter().map(attachment).collect());
    }
    if let Some(s) = &m.sender {
        v["sender"] = sender(s);
    }
    v
}

#[derive(Deserialize, Default)]
pub struct MessageFields {
    content: Option<String>,
    echo_id: Option<String>,
    reply_to: Option<Value>,
    referer_url: Option<String>,
    timestamp: Option<Value>,
}

impl MessageFields {
    fn into_new(self, browser_language: Option<String>) -> NewMessage {
        NewMessage {
            content: self.content,
            echo_id: self.echo_id,
            reply_to: self.reply_to,
            referer_url: self.referer_url,
            timestamp: self.timestamp.map(|t| match t {
                Value::String(s) => s,
                other => other.to_string(),
            }),
            browser_language,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ContactFields {
    name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
}

#[derive(Deserialize)]
pub struct NewConversationParams {
    #[serde(default)]
    contact: ContactFields,
    #[serde(default)]
    message: MessageFields,
    custom_attributes: Option<Map<String, Value>>,
}

impl Payload for NewConversationParams {}

/// The browser's first language, as Chatwoot records it on new conversations.
pub struct BrowserLanguage(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for BrowserLanguage {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(BrowserLanguage(
            parts
                .headers
                .get("accept-language")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split([',', ';']).next())
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty() && l.len() < 36),
        ))
    }
}

async fn create_conversation(
    State(state): State<AppState>,
    caller: Caller,
    BrowserLanguage(lang): BrowserLanguage,
    Body(p): Body<NewConversationParams>,
) -> ApiResult<Json<Value>> {
    let identity = Identity {
        name: p.contact.name,
        email: p.contact.email,
        phone_number: p.contact.phone_number,
        ..Default::default()
    };
    let (v, c, list) = widget::create_conversation(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        identity,
        p.message.into_new(lang),
        p.custom_attributes.unwrap_or_default(),
    )
    .await?;
    Ok(Json(json!({
        "id": c.display_id, "inbox_id": c.inbox_id,
        "contact_last_seen_at": seconds(c.contact_last_seen_at), "status": status(&c),
        "messages": list.iter().map(|m| widget_message(m, &c)).collect::<Vec<_>>(),
        "custom_attributes": c.custom_attributes.as_ref().map_or(json!({}), |j| j.0.clone()),
        "contact": visitor_contact(&v),
    })))
}

fn visitor_contact(v: &Visitor) -> Value {
    let c = &v.contact;
    json!({
        "id": c.id, "name": c.name, "email": c.email, "phone_number": c.phone_number,
        "identifier": c.identifier, "custom_attributes": c.custom_attributes.as_ref().map_or(json!({}), |j| j.0.clone()),
        "additional_attributes": c.additional_attributes.as_ref().map_or(json!({}), |j| j.0.clone()),
    })
}

async fn update_last_seen(State(state): State<AppState>, caller: Caller) -> ApiResult<()> {
    widget::act(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        Action::Seen,
    )
    .await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct TypingParams {
    typing_status: Option<String>,
}

impl Payload for TypingParams {}

async fn toggle_typing(
    State(state): State<AppState>,
    caller: Caller,
    Body(p): Body<TypingParams>,
) -> ApiResult<()> {
    let on = match p.typing_status.as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => return Ok(()),
    };
    widget::act(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        Action::Typing(on),
    )
    .await?;
    Ok(())
}

/// Chatwoot answers the visitor's "end conversation" with a bare 403 when the widget
/// does not offer it.
/// `POST conversations/transcript`: 200 whether or not there was anything to send, as
/// Chatwoot answers.
async fn transcript(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    widget::act(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        Action::Transcript,
    )
    .await?;
    Ok(StatusCode::OK)
}

async fn toggle_status(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    widget::act(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        Action::Resolve,
    )
    .await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize)]
pub struct AttributesParams {
    custom_attributes: Option<Map<String, Value>>,
    custom_attribute: Option<Value>,
}

impl Payload for AttributesParams {}

async fn set_attributes(
    State(state): State<AppState>,
    caller: Caller,
    Body(p): Body<AttributesParams>,
) -> ApiResult<()> {
    widget::act(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        Action::SetAttributes(p.custom_attributes.unwrap_or_default()),
    )
    .await?;
    Ok(())
}

async fn remove_attribute(
    State(state): State<AppState>,
    caller: Caller,
    Body(p): Body<AttributesParams>,
) -> ApiResult<()> {
    let key = match p.custom_attribute {
        Some(Value::String(s)) => s,
        Some(Value::Array(a)) => a
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    widget::act(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        Action::RemoveAttribute(key),
    )
    .await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct WindowParams {
    before: Option<String>,
}

async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    Params(q): Params<WindowParams>,
) -> ApiResult<Json<Value>> {
    let before = q.before.as_deref().and_then(|b| b.parse().ok());
    let (_, c, list) =
        widget::messages(&state.ctx, &caller.website_token, caller.token(), before).await?;
    let payload: Vec<Value> = match &c {
        Some(c) => list.iter().map(|m| widget_message(m, c)).collect(),
        None => Vec::new(),
    };
    let mut meta = Map::new();
    if let Some(c) = &c {
        meta.insert(
            "contact_last_seen_at".into(),
            json!(seconds(c.contact_last_seen_at)),
        );
    }
    Ok(Json(json!({ "payload": payload, "meta": meta })))
}

#[derive(Deserialize, Default)]
pub struct NewMessageParams {
    #[serde(default)]
    message: Value,
}

impl Payload for NewMessageParams {}

async fn create_message(
    State(state): State<AppState>,
    caller: Caller,
    BrowserLanguage(lang): BrowserLanguage,
    WithFiles(p, files): WithFiles<NewMessageParams>,
) -> ApiResult<Json<Value>> {
    // `message[content]` and friends; `message[attachments][]` files come as parts.
    let fields: MessageFields = match p.message {
        Value::Null => MessageFields::default(),
        Value::Object(mut m) => {
            m.remove("attachments");
            deserialize(Value::Object(m))?
        }
        other => deserialize(other)?,
    };
    let echo = fields.echo_id.clone();
    let uploads = files.into_iter().map(|(_, u)| u).collect();
    let (c, m) = widget::create_message(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        fields.into_new(lang),
        uploads,
    )
    .await?;
    let mut v = widget_message(&m, &c);
    v["inbox_id"] = json!(m.message.inbox_id);
    v["private"] = json!(m.message.private);
    v["source_id"] = json!(m.message.source_id);
    if let Some(e) = echo {
        v["echo_id"] = json!(e);
    }
    Ok(Json(v))
}

#[derive(Deserialize, Default)]
pub struct UpdateMessageParams {
    #[serde(default)]
    contact: ContactFields,
    message: Option<UpdateMessageFields>,
}

#[derive(Deserialize, Default)]
pub struct UpdateMessageFields {
    submitted_values: Option<Value>,
}

impl Payload for UpdateMessageParams {}

async fn update_message(
    State(state): State<AppState>,
    caller: Caller,
    crate::extract::Id(id): crate::extract::Id<i64>,
    Body(p): Body<UpdateMessageParams>,
) -> ApiResult<Json<Value>> {
    let (contact, _, _) = widget::update_message(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        id,
        p.contact.email,
        p.message.and_then(|m| m.submitted_values),
    )
    .await?;
    Ok(Json(json!({ "contact": {
        "id": contact.id, "name": contact.name, "email": contact.email,
        "phone_number": contact.phone_number, "identifier": contact.identifier,
    }})))
}

async fn members(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let list = widget::members(&state.ctx, &caller.website_token).await?;
    let payload: Vec<Value> = list
        .iter()
        .map(|(u, au)| {
            json!({
                "id": u.id, "name": available_name(u), "avatar_url": "",
                "availability_status": availability_status(au),
            })
        })
        .collect();
    Ok(Json(json!({ "payload": payload })))
}

/// Campaigns arrive with their own issue: none yet.
async fn campaigns(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    widget::visitor(&state.ctx, &caller.website_token, caller.token()).await?;
    Ok(Json(json!([])))
}

#[derive(Deserialize, Default)]
pub struct EventParams {
    name: Option<String>,
    event_info: Option<Map<String, Value>>,
}

impl Payload for EventParams {}

/// Widget events (`webwidget.triggered` when the bubble opens), with what the request
/// tells about the browser added to `event_info`, as Chatwoot's EventsController adds it.
async fn events(
    State(state): State<AppState>,
    caller: Caller,
    BrowserLanguage(lang): BrowserLanguage,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    Body(p): Body<EventParams>,
) -> ApiResult<StatusCode> {
    let mut info = p.event_info.unwrap_or_default();
    let locale = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "locale")
        .map(|(_, v)| v.into_owned());
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    info.insert("widget_language".into(), json!(locale));
    info.insert("browser_language".into(), json!(lang));
    info.insert("browser".into(), browser(agent));
    widget::event(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        p.name.as_deref().unwrap_or_default(),
        Value::Object(info),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Chatwoot's `browser_params`, read from the User-Agent: the common browsers and
/// platforms by their usual tokens; anything else is "Unknown".
fn browser(agent: &str) -> Value {
    let version = |token: &str| {
        agent
            .split(token)
            .nth(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect::<String>()
            })
            .unwrap_or_default()
    };
    let (name, v) = if agent.contains("Edg/") {
        ("Microsoft Edge", version("Edg/"))
    } else if agent.contains("Firefox/") {
        ("Firefox", version("Firefox/"))
    } else if agent.contains("Chrome/") {
        ("Chrome", version("Chrome/"))
    } else if agent.contains("Safari/") {
        ("Safari", version("Version/"))
    } else {
        ("Unknown Browser", String::new())
    };
    let platform = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(token, _)| agent.contains(token))
    .map_or("Unknown", |(_, p)| *p);
    let device = if agent.contains("Mobile") || agent.contains("iPhone") {
        "Mobile"
    } else {
        "Unknown"
    };
    json!({
        "browser_name": name, "browser_version": v, "device_name": device,
        "platform_name": platform, "platform_version": "",
    })
}

#[derive(Deserialize)]
pub struct LabelParams {
    label: Option<String>,
}

impl Payload for LabelParams {}

/// `setLabel`: only a label the account defines; 204 either way, as Chatwoot.
async fn add_label(
    State(state): State<AppState>,
    caller: Caller,
    Body(p): Body<LabelParams>,
) -> ApiResult<StatusCode> {
    let label = p.label.unwrap_or_default();
    widget::act(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        Action::AddLabel(label),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_label(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(label): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    widget::act(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        Action::RemoveLabel(label),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct RemoveAttributesParams {
    #[serde(default)]
    custom_attributes: Vec<String>,
}

impl Payload for RemoveAttributesParams {}

/// `deleteCustomAttribute`: answers with the contact, as Chatwoot renders it.
async fn remove_contact_attributes(
    State(state): State<AppState>,
    caller: Caller,
    Body(p): Body<RemoveAttributesParams>,
) -> ApiResult<Json<Value>> {
    let c = widget::remove_contact_attributes(
        &state.ctx,
        &caller.website_token,
        caller.token(),
        &p.custom_attributes,
    )
    .await?;
    Ok(Json(json!({
        "id": c.id, "name": c.name, "email": c.email, "phone_number": c.phone_number,
        "identifier": c.identifier, "blocked": c.blocked,
        "custom_attributes": c.custom_attributes.as_ref().map_or(json!({}), |j| j.0.clone()),
        "additional_attributes": c.additional_attributes.as_ref().map_or(json!({}), |j| j.0.clone()),
    })))
}
