use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard_core::client::{self, ClientConversation};
use switchboard_domain::ConversationStatus;

use super::contacts::raw;
use super::messages::public_message;
use crate::extract::{Body, Id, Payload};
use crate::{ApiError, ApiResult, AppState};

pub fn public_conversation(c: &ClientConversation) -> Value {
    let conv = &c.conversation;
    let seconds = |t: Option<switchboard_domain::Timestamp>| t.map_or(0, |t| t.unix_seconds());
    json!({
        "id": conv.display_id,
        "uuid": conv.uuid.to_string(),
        "inbox_id": conv.inbox_id,
        "contact_last_seen_at": seconds(conv.contact_last_seen_at),
        "status": ConversationStatus::from_value(conv.status).unwrap_or(ConversationStatus::Open).as_str(),
        "agent_last_seen_at": seconds(conv.agent_last_seen_at),
        "messages": c.messages.iter().map(|m| public_message(m, conv, None)).collect::<Vec<_>>(),
        "contact": raw(&c.contact, Vec::new()),
    })
}

pub async fn index(
    State(state): State<AppState>,
    Id((identifier, source_id)): Id<(String, String)>,
) -> ApiResult<Json<Vec<Value>>> {
    let list = client::conversations(&state.ctx, &identifier, &source_id)
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(list.iter().map(public_conversation).collect()))
}

#[derive(Deserialize)]
pub struct CreateParams {
    custom_attributes: Option<Map<String, Value>>,
}

impl Payload for CreateParams {}

pub async fn create(
    State(state): State<AppState>,
    Id((identifier, source_id)): Id<(String, String)>,
    Body(p): Body<CreateParams>,
) -> ApiResult<Json<Value>> {
    let c = client::create_conversation(&state.ctx, &identifier, &source_id, p.custom_attributes)
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(public_conversation(&c)))
}

pub async fn show(
    State(state): State<AppState>,
    Id((identifier, source_id, id)): Id<(String, String, i64)>,
) -> ApiResult<Json<Value>> {
    let c = client::conversation(&state.ctx, &identifier, &source_id, id)
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(public_conversation(&c)))
}

pub async fn toggle_status(
    State(state): State<AppState>,
    Id((identifier, source_id, id)): Id<(String, String, i64)>,
) -> ApiResult<Json<Value>> {
    let c = client::resolve(&state.ctx, &identifier, &source_id, id)
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(public_conversation(&c)))
}

#[derive(serde::Deserialize)]
pub struct TypingParams {
    typing_status: Option<String>,
}

impl crate::extract::Payload for TypingParams {}

pub async fn toggle_typing(
    State(state): State<AppState>,
    Id((identifier, source_id, id)): Id<(String, String, i64)>,
    crate::extract::Body(p): crate::extract::Body<TypingParams>,
) -> ApiResult<()> {
    client::toggle_typing(
        &state.ctx,
        &identifier,
        &source_id,
        id,
        p.typing_status.as_deref(),
    )
    .await
    .map_err(ApiError::rails_not_found)
}

pub async fn update_last_seen(
    State(state): State<AppState>,
    Id((identifier, source_id, id)): Id<(String, String, i64)>,
) -> ApiResult<()> {
    client::update_last_seen(&state.ctx, &identifier, &source_id, id)
        .await
        .map_err(ApiError::rails_not_found)
}
