use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::{agent_bots, messages};
use switchboard_domain::{AccountId, attributes};

use super::MessageParams;
use crate::extract::{Body, Caller, CurrentUser, Id, Params, Payload, WithFiles};
use crate::{ApiResult, AppState};
use switchboard_core::views::conversation::{message, sender};

#[derive(Deserialize)]
pub struct WindowParams {
    before: Option<String>,
    after: Option<String>,
}

/// `{"meta": {...}, "payload": [message…]}`, oldest first.
pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Params(p): Params<WindowParams>,
) -> ApiResult<Json<Value>> {
    let parse = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<i64>().ok());
    let (d, list) = messages::list(
        &state.ctx,
        &user,
        account,
        id,
        parse(&p.before),
        parse(&p.after),
    )
    .await?;
    let c = &d.conversation;
    let mut meta = json!({
        "labels": d.labels(),
        "additional_attributes": attributes::object(c.additional_attributes.as_ref().map(|j| &j.0)),
        "contact": d.contact.as_ref().map(|c| sender(&switchboard_core::conversations::Sender::Contact(c.clone()))),
        "agent_last_seen_at": c.agent_last_seen_at.map(|t| t.iso8601()),
        "assignee_last_seen_at": c.assignee_last_seen_at.map(|t| t.iso8601()),
    });
    if let Some(a) = &d.assignee {
        meta["assignee"] = sender(&switchboard_core::conversations::Sender::User(
            a.user.clone(),
        ));
    }
    let payload: Vec<Value> = list.iter().map(|m| message(m, None)).collect();
    Ok(Json(json!({ "meta": meta, "payload": payload })))
}

/// JSON or multipart (`attachments[]` files, or signed blob ids from `POST /upload`).
/// Every failure here is Chatwoot's `{"error": …}` 422.
/// Agent bots may post here too, with their own token.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Id((account, id)): Id<(AccountId, i64)>,
    WithFiles(p, files): WithFiles<MessageParams>,
) -> ApiResult<Json<Value>> {
    let (input, echo_id) = p.input()?;
    let uploads = files.into_iter().map(|(_, u)| u).collect();
    let m = match caller {
        Caller::User(user) => {
            messages::create(&state.ctx, &user, account, id, input, uploads).await?
        }
        Caller::Bot(bot) => {
            agent_bots::create_message(&state.ctx, bot, account, id, input, uploads).await?
        }
    };
    Ok(Json(message(&m, echo_id.as_deref())))
}

#[derive(Deserialize)]
pub struct StatusParams {
    status: Option<String>,
    external_error: Option<String>,
}

impl Payload for StatusParams {
    const ROOT: Option<&'static str> = Some("message");
}

/// `PATCH …/messages/:id`: delivery status from an API channel.
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id, message_id)): Id<(AccountId, i64, i64)>,
    Body(p): Body<StatusParams>,
) -> ApiResult<Json<Value>> {
    let m = messages::update_status(
        &state.ctx,
        &user,
        account,
        id,
        message_id,
        p.status.as_deref(),
        p.external_error,
    )
    .await?;
    Ok(Json(message(&m, None)))
}

pub async fn retry(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id, message_id)): Id<(AccountId, i64, i64)>,
) -> ApiResult<Json<Value>> {
    let m = messages::retry(&state.ctx, &user, account, id, message_id).await?;
    Ok(Json(message(&m, None)))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id, message_id)): Id<(AccountId, i64, i64)>,
) -> ApiResult<Json<Value>> {
    let m = messages::delete(&state.ctx, &user, account, id, message_id).await?;
    Ok(Json(message(&m, None)))
}
