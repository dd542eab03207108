use axum::Json;
use axum::extract::State;
use axum::http::request::Parts;
use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard_core::profile::{self, ProfileUpdate};

use crate::extract::{Body, CurrentUser, Payload, devise_credentials};
use crate::{ApiResult, AppState};
use switchboard_core::views::user::UserView;

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<UserView>> {
    let p = profile::show(&state.ctx, &user).await?;
    Ok(Json(UserView::new(&p)))
}

#[derive(Deserialize)]
pub struct ProfileParams {
    name: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    message_signature: Option<String>,
    ui_settings: Option<Map<String, Value>>,
    phone_number: Option<String>,
    password: Option<String>,
    password_confirmation: Option<String>,
    current_password: Option<String>,
}

impl Payload for ProfileParams {
    const ROOT: Option<&'static str> = Some("profile");
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    parts: Parts,
    Body(p): Body<ProfileParams>,
) -> ApiResult<Json<UserView>> {
    let keep = devise_credentials(&parts).map(|c| c.client);
    // Chatwoot keeps the phone number in the user's custom attributes.
    let custom_attributes = p
        .phone_number
        .map(|n| Map::from_iter([("phone_number".to_string(), Value::String(n))]));
    let u = ProfileUpdate {
        name: p.name,
        display_name: p.display_name,
        email: p.email,
        message_signature: p.message_signature,
        ui_settings: p.ui_settings,
        custom_attributes,
        password: p.password,
        password_confirmation: p.password_confirmation,
        current_password: p.current_password,
    };
    let p = profile::update(&state.ctx, &user, keep.as_deref(), u).await?;
    Ok(Json(UserView::new(&p)))
}

pub async fn reset_access_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<UserView>> {
    let p = profile::reset_access_token(&state.ctx, &user).await?;
    Ok(Json(UserView::new(&p)))
}
