pub mod team_members;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::teams::{self, TeamInput};
use switchboard_domain::AccountId;

use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiResult, AppState};
use switchboard_core::views::team::TeamView;

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
) -> ApiResult<Json<Vec<TeamView>>> {
    let list = teams::list(&state.ctx, &user, account).await?;
    Ok(Json(list.iter().map(TeamView::new).collect()))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<TeamView>> {
    Ok(Json(TeamView::new(
        &teams::show(&state.ctx, &user, account, id).await?,
    )))
}

#[derive(Deserialize)]
pub struct TeamParams {
    name: Option<String>,
    description: Option<String>,
    allow_auto_assign: Option<bool>,
}

impl Payload for TeamParams {
    const ROOT: Option<&'static str> = Some("team");
}

impl From<TeamParams> for TeamInput {
    fn from(p: TeamParams) -> Self {
        TeamInput {
            name: p.name,
            description: p.description,
            allow_auto_assign: p.allow_auto_assign,
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<TeamParams>,
) -> ApiResult<Json<TeamView>> {
    Ok(Json(TeamView::new(
        &teams::create(&state.ctx, &user, account, p.into()).await?,
    )))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<TeamParams>,
) -> ApiResult<Json<TeamView>> {
    Ok(Json(TeamView::new(
        &teams::update(&state.ctx, &user, account, id, p.into()).await?,
    )))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    teams::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}
