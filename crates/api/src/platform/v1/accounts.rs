use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard_core::accounts::AccountInput;
use switchboard_core::platform;
use switchboard_domain::AccountId;

use crate::extract::{Body, CurrentPlatformApp, Id, Payload};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::account::PlatformAccountView;

#[derive(Deserialize)]
pub struct AccountParams {
    name: Option<String>,
    locale: Option<String>,
    domain: Option<String>,
    support_email: Option<String>,
    status: Option<String>,
    limits: Option<Value>,
    custom_attributes: Option<Map<String, Value>>,
    features: Option<Map<String, Value>>,
}

impl Payload for AccountParams {}

impl From<AccountParams> for AccountInput {
    fn from(p: AccountParams) -> Self {
        AccountInput {
            name: p.name,
            locale: p.locale,
            domain: p.domain,
            support_email: p.support_email,
            status: p.status,
            limits: p.limits,
            custom_attributes: p.custom_attributes,
            features: p.features,
            ..Default::default()
        }
    }
}

fn view(state: &AppState, a: &switchboard_store::accounts::Account) -> PlatformAccountView {
    PlatformAccountView::new(a, state.ctx.settings.mailer_sender_email.as_deref())
}

pub async fn index(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
) -> ApiResult<Json<Vec<PlatformAccountView>>> {
    let list = platform::list_accounts(&state.ctx, &app).await?;
    Ok(Json(list.iter().map(|a| view(&state, a)).collect()))
}

pub async fn create(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Body(p): Body<AccountParams>,
) -> ApiResult<Json<PlatformAccountView>> {
    let account = platform::create_account(&state.ctx, &app, p.into()).await?;
    Ok(Json(view(&state, &account)))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<AccountId>,
) -> ApiResult<Json<PlatformAccountView>> {
    let account = platform::show_account(&state.ctx, &app, id)
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(view(&state, &account)))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<AccountId>,
    Body(p): Body<AccountParams>,
) -> ApiResult<Json<PlatformAccountView>> {
    let account = platform::update_account(&state.ctx, &app, id, p.into())
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(view(&state, &account)))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<AccountId>,
) -> ApiResult<()> {
    platform::destroy_account(&state.ctx, &app, id)
        .await
        .map_err(ApiError::rails_not_found)
}
