use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::canned_responses::{self, CannedInput};
use switchboard_domain::AccountId;

use crate::extract::{Body, CurrentUser, Id, Params, Payload};
use crate::{ApiResult, AppState};
use switchboard_core::views::canned_response::CannedResponseView;

#[derive(Deserialize)]
pub struct IndexParams {
    search: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(q): Params<IndexParams>,
) -> ApiResult<Json<Vec<CannedResponseView>>> {
    let list = canned_responses::list(&state.ctx, &user, account, q.search.as_deref()).await?;
    Ok(Json(list.iter().map(CannedResponseView::new).collect()))
}

#[derive(Deserialize)]
pub struct CannedParams {
    short_code: Option<String>,
    content: Option<String>,
}

impl Payload for CannedParams {
    const ROOT: Option<&'static str> = Some("canned_response");
}

impl From<CannedParams> for CannedInput {
    fn from(p: CannedParams) -> Self {
        CannedInput {
            short_code: p.short_code,
            content: p.content,
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<CannedParams>,
) -> ApiResult<Json<CannedResponseView>> {
    Ok(Json(CannedResponseView::new(
        &canned_responses::create(&state.ctx, &user, account, p.into()).await?,
    )))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<CannedParams>,
) -> ApiResult<Json<CannedResponseView>> {
    Ok(Json(CannedResponseView::new(
        &canned_responses::update(&state.ctx, &user, account, id, p.into()).await?,
    )))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    canned_responses::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}
