use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use switchboard_core::custom_attributes::{self, DefinitionInput};
use switchboard_domain::AccountId;

use crate::extract::{Body, CurrentUser, Id, Params, Payload};
use crate::{ApiResult, AppState};
use switchboard_core::views::custom_attribute::DefinitionView;

#[derive(Deserialize)]
pub struct IndexParams {
    attribute_model: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(q): Params<IndexParams>,
) -> ApiResult<Json<Vec<DefinitionView>>> {
    let list =
        custom_attributes::list(&state.ctx, &user, account, q.attribute_model.as_deref()).await?;
    Ok(Json(list.iter().map(DefinitionView::new).collect()))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<DefinitionView>> {
    Ok(Json(DefinitionView::new(
        &custom_attributes::show(&state.ctx, &user, account, id).await?,
    )))
}

/// Rails enums arrive as names or numbers; both are read as text.
#[derive(Deserialize)]
pub struct DefinitionParams {
    attribute_display_name: Option<String>,
    attribute_description: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::string_or_number")]
    attribute_display_type: Option<String>,
    attribute_key: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::string_or_number")]
    attribute_model: Option<String>,
    regex_pattern: Option<String>,
    regex_cue: Option<String>,
    attribute_values: Option<Vec<String>>,
}

impl Payload for DefinitionParams {
    const ROOT: Option<&'static str> = Some("custom_attribute_definition");
}

impl From<DefinitionParams> for DefinitionInput {
    fn from(p: DefinitionParams) -> Self {
        DefinitionInput {
            attribute_display_name: p.attribute_display_name,
            attribute_description: p.attribute_description,
            attribute_display_type: p.attribute_display_type,
            attribute_key: p.attribute_key,
            attribute_model: p.attribute_model,
            regex_pattern: p.regex_pattern,
            regex_cue: p.regex_cue,
            attribute_values: p.attribute_values,
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<DefinitionParams>,
) -> ApiResult<Json<DefinitionView>> {
    Ok(Json(DefinitionView::new(
        &custom_attributes::create(&state.ctx, &user, account, p.into()).await?,
    )))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<DefinitionParams>,
) -> ApiResult<Json<DefinitionView>> {
    Ok(Json(DefinitionView::new(
        &custom_attributes::update(&state.ctx, &user, account, id, p.into()).await?,
    )))
}

/// The one 204 of these routes, as in Chatwoot.
pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<StatusCode> {
    custom_attributes::destroy(&state.ctx, &user, account, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
