use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::inboxes::{self, MembersChange};
use switchboard_domain::{AccountId, UserId};

use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::agent::AgentView;

fn payload(agents: &[switchboard_core::agents::Agent]) -> Json<Value> {
    let views: Vec<AgentView> = agents.iter().map(AgentView::new).collect();
    Json(json!({ "payload": views }))
}

/// `GET /inbox_members/:inbox_id`.
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, inbox)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    Ok(payload(
        &inboxes::members(&state.ctx, &user, account, inbox).await?,
    ))
}

#[derive(Deserialize)]
pub struct MembersParams {
    inbox_id: Option<i64>,
    user_ids: Option<Vec<UserId>>,
}

impl Payload for MembersParams {}

async fn change(
    state: &AppState,
    user: &switchboard_store::users::User,
    account: AccountId,
    p: MembersParams,
    how: MembersChange,
) -> ApiResult<Vec<switchboard_core::agents::Agent>> {
    let inbox = p.inbox_id.ok_or(ApiError::MissingParam("inbox_id"))?;
    let ids = p.user_ids.ok_or(ApiError::MissingParam("user_ids"))?;
    Ok(inboxes::change_members(&state.ctx, user, account, inbox, &ids, how).await?)
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<MembersParams>,
) -> ApiResult<Json<Value>> {
    Ok(payload(
        &change(&state, &user, account, p, MembersChange::Add).await?,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<MembersParams>,
) -> ApiResult<Json<Value>> {
    Ok(payload(
        &change(&state, &user, account, p, MembersChange::Replace).await?,
    ))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<MembersParams>,
) -> ApiResult<()> {
    change(&state, &user, account, p, MembersChange::Remove).await?;
    Ok(())
}
