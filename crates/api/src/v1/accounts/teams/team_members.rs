use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::teams::{self, MembersChange};
use switchboard_domain::{AccountId, UserId};

use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::agent::AgentView;

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, team)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Vec<AgentView>>> {
    let members = teams::members(&state.ctx, &user, account, team).await?;
    Ok(Json(members.iter().map(AgentView::new).collect()))
}

#[derive(Deserialize)]
pub struct MembersParams {
    user_ids: Option<Vec<UserId>>,
}

impl Payload for MembersParams {}

async fn change(
    state: &AppState,
    user: &switchboard_store::users::User,
    (account, team): (AccountId, i64),
    p: MembersParams,
    how: MembersChange,
) -> ApiResult<Vec<AgentView>> {
    let ids = p.user_ids.ok_or(ApiError::MissingParam("user_ids"))?;
    let agents = teams::change_members(&state.ctx, user, account, team, &ids, how).await?;
    Ok(agents.iter().map(AgentView::new).collect())
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(ids): Id<(AccountId, i64)>,
    Body(p): Body<MembersParams>,
) -> ApiResult<Json<Vec<AgentView>>> {
    Ok(Json(
        change(&state, &user, ids, p, MembersChange::Add).await?,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(ids): Id<(AccountId, i64)>,
    Body(p): Body<MembersParams>,
) -> ApiResult<Json<Vec<AgentView>>> {
    Ok(Json(
        change(&state, &user, ids, p, MembersChange::Replace).await?,
    ))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(ids): Id<(AccountId, i64)>,
    Body(p): Body<MembersParams>,
) -> ApiResult<()> {
    change(&state, &user, ids, p, MembersChange::Remove).await?;
    Ok(())
}
