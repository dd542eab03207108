use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::agents::{self, AgentUpdate, NewAgent};
use switchboard_domain::{AccountId, UserId};

use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::agent::AgentView;

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
) -> ApiResult<Json<Vec<AgentView>>> {
    let list = agents::list(&state.ctx, &user, account).await?;
    Ok(Json(list.iter().map(AgentView::new).collect()))
}

#[derive(Deserialize)]
pub struct AgentParams {
    name: Option<String>,
    email: Option<String>,
    role: Option<String>,
    availability: Option<String>,
    auto_offline: Option<bool>,
}

impl Payload for AgentParams {
    const ROOT: Option<&'static str> = Some("agent");
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<AgentParams>,
) -> ApiResult<Json<AgentView>> {
    let email = p.email.ok_or(ApiError::MissingParam("agent"))?;
    let new = NewAgent {
        name: p.name.unwrap_or_default(),
        email,
        role: p.role,
        availability: p.availability,
        auto_offline: p.auto_offline,
    };
    let agent = agents::create(&state.ctx, &user, account, new).await?;
    Ok(Json(AgentView::new(&agent)))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, UserId)>,
    Body(p): Body<AgentParams>,
) -> ApiResult<Json<AgentView>> {
    let u = AgentUpdate {
        name: p.name,
        role: p.role,
        availability: p.availability,
        auto_offline: p.auto_offline,
    };
    let agent = agents::update(&state.ctx, &user, account, id, u).await?;
    Ok(Json(AgentView::new(&agent)))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, UserId)>,
) -> ApiResult<()> {
    agents::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}
