use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard_core::client;
use switchboard_core::conversations::Sender;
use switchboard_domain::ContentType;
use switchboard_store::conversations::Conversation;
use switchboard_store::messages::Message;

use crate::extract::{Body, Id, Params, Payload};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::conversation::sender;

/// The Client API's message: no status, privacy or echo id.
pub fn public_message(m: &Message, c: &Conversation, by: Option<&Sender>) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), json!(m.id));
    v.insert("content".into(), json!(m.content));
    v.insert("message_type".into(), json!(m.message_type));
    v.insert(
        "content_type".into(),
        json!(
            ContentType::from_value(m.content_type)
                .unwrap_or(ContentType::Text)
                .as_str()
        ),
    );
    v.insert(
        "content_attributes".into(),
        m.content_attributes
            .as_ref()
            .map_or(json!({}), |j| j.0.clone()),
    );
    v.insert("created_at".into(), json!(m.created_at.unix_seconds()));
    v.insert("conversation_id".into(), json!(c.display_id));
    if let Some(s) = by {
        v.insert("sender".into(), sender(s));
    }
    Value::Object(v)
}

#[derive(Deserialize)]
pub struct WindowParams {
    before: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    Id((identifier, source_id, id)): Id<(String, String, i64)>,
    Params(q): Params<WindowParams>,
) -> ApiResult<Json<Vec<Value>>> {
    let before = q.before.as_deref().and_then(|b| b.parse().ok());
    let (c, list) = client::messages(&state.ctx, &identifier, &source_id, id, before)
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(
        list.iter()
            .map(|m| with_files(public_message(&m.message, &c, m.sender.as_ref()), m))
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct MessageParams {
    content: Option<String>,
}

impl Payload for MessageParams {}

pub async fn create(
    State(state): State<AppState>,
    Id((identifier, source_id, id)): Id<(String, String, i64)>,
    Body(p): Body<MessageParams>,
) -> ApiResult<Json<Value>> {
    let (contact, c, m) =
        client::create_message(&state.ctx, &identifier, &source_id, id, p.content)
            .await
            .map_err(ApiError::rails_not_found)?;
    Ok(Json(public_message(
        &m,
        &c,
        Some(&Sender::Contact(contact)),
    )))
}

#[derive(Deserialize)]
pub struct UpdateParams {
    submitted_values: Option<Value>,
}

impl Payload for UpdateParams {
    const ROOT: Option<&'static str> = Some("message");
}

/// `PATCH …/messages/:id {submitted_values}`: the contact's answer to an interactive
/// message.
pub async fn update(
    State(state): State<AppState>,
    Id((identifier, source_id, id, message_id)): Id<(String, String, i64, i64)>,
    Body(p): Body<UpdateParams>,
) -> ApiResult<Json<Value>> {
    let (c, m) = client::update_message(
        &state.ctx,
        &identifier,
        &source_id,
        id,
        message_id,
        p.submitted_values,
    )
    .await
    .map_err(ApiError::rails_not_found)?;
    Ok(Json(with_files(
        public_message(&m.message, &c, m.sender.as_ref()),
        &m,
    )))
}

fn with_files(mut v: Value, m: &client::PublicMessage) -> Value {
    if !m.attachments.is_empty() {
        v["attachments"] = Value::Array(
            m.attachments
                .iter()
                .map(switchboard_core::views::conversation::attachment)
                .collect(),
        );
    }
    v
}
