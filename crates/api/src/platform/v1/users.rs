use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard_core::platform::{self, PlatformUserInput};
use switchboard_core::profile;
use switchboard_domain::UserId;

use crate::extract::{Body, CurrentPlatformApp, Id, Payload};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::user::PlatformUserView;

#[derive(Deserialize)]
pub struct UserParams {
    name: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    custom_attributes: Option<Map<String, Value>>,
}

impl Payload for UserParams {}

impl From<UserParams> for PlatformUserInput {
    fn from(p: UserParams) -> Self {
        PlatformUserInput {
            name: p.name,
            display_name: p.display_name,
            email: p.email,
            password: p.password,
            custom_attributes: p.custom_attributes,
        }
    }
}

async fn render(state: &AppState, id: UserId) -> ApiResult<Json<PlatformUserView>> {
    let mut conn = state.ctx.db.conn().await?;
    let p = profile::load(conn.ex(), id).await?;
    Ok(Json(PlatformUserView::new(&p)))
}

pub async fn create(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Body(p): Body<UserParams>,
) -> ApiResult<Json<PlatformUserView>> {
    let user = platform::create_user(&state.ctx, &app, p.into()).await?;
    render(&state, user.id).await
}

pub async fn show(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<UserId>,
) -> ApiResult<Json<PlatformUserView>> {
    platform::show_user(&state.ctx, &app, id)
        .await
        .map_err(ApiError::rails_not_found)?;
    render(&state, id).await
}

pub async fn update(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<UserId>,
    Body(p): Body<UserParams>,
) -> ApiResult<Json<PlatformUserView>> {
    platform::update_user(&state.ctx, &app, id, p.into())
        .await
        .map_err(ApiError::rails_not_found)?;
    render(&state, id).await
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<UserId>,
) -> ApiResult<()> {
    platform::destroy_user(&state.ctx, &app, id)
        .await
        .map_err(ApiError::rails_not_found)
}

/// `{"url": "<FRONTEND_URL>/app/login?email=…&sso_auth_token=…"}`.
pub async fn login(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<UserId>,
) -> ApiResult<Json<Value>> {
    let url = platform::login_url(&state.ctx, &app, id)
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(json!({ "url": url })))
}

pub async fn token(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<UserId>,
) -> ApiResult<Json<Value>> {
    let token = platform::user_token(&state.ctx, &app, id)
        .await
        .map_err(ApiError::rails_not_found)?;
    let (user, _) = platform::show_user(&state.ctx, &app, id)
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(json!({
        "access_token": token,
        "expiry": null,
        "user": {
            "id": user.id, "name": user.name, "display_name": user.display_name,
            "email": user.email, "pubsub_token": user.pubsub_token,
        },
    })))
}
