use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::labels::{self, LabelInput};
use switchboard_domain::AccountId;

use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiResult, AppState};
use switchboard_core::views::label::LabelView;

/// `{"payload": [label…]}`, by title.
pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
) -> ApiResult<Json<Value>> {
    let list: Vec<LabelView> = labels::list(&state.ctx, &user, account)
        .await?
        .iter()
        .map(LabelView::new)
        .collect();
    Ok(Json(json!({ "payload": list })))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<LabelView>> {
    Ok(Json(LabelView::new(
        &labels::show(&state.ctx, &user, account, id).await?,
    )))
}

#[derive(Deserialize)]
pub struct LabelParams {
    title: Option<String>,
    description: Option<String>,
    color: Option<String>,
    show_on_sidebar: Option<bool>,
}

impl Payload for LabelParams {
    const ROOT: Option<&'static str> = Some("label");
}

impl From<LabelParams> for LabelInput {
    fn from(p: LabelParams) -> Self {
        LabelInput {
            title: p.title,
            description: p.description,
            color: p.color,
            show_on_sidebar: p.show_on_sidebar,
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<LabelParams>,
) -> ApiResult<Json<LabelView>> {
    Ok(Json(LabelView::new(
        &labels::create(&state.ctx, &user, account, p.into()).await?,
    )))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<LabelParams>,
) -> ApiResult<Json<LabelView>> {
    Ok(Json(LabelView::new(
        &labels::update(&state.ctx, &user, account, id, p.into()).await?,
    )))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    labels::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}
