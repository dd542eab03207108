use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_core::platform;
use switchboard_domain::{AccountId, UserId};

use crate::extract::{Body, CurrentPlatformApp, Id, Params, Payload};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::agent::AccountUserView;

pub async fn index(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(account): Id<AccountId>,
) -> ApiResult<Json<Vec<AccountUserView>>> {
    let list = platform::list_account_users(&state.ctx, &app, account)
        .await
        .map_err(ApiError::rails_not_found)?;
    Ok(Json(list.iter().map(AccountUserView::new).collect()))
}

#[derive(Deserialize)]
pub struct AccountUserParams {
    user_id: Option<UserId>,
    role: Option<String>,
}

impl Payload for AccountUserParams {}

pub async fn create(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(account): Id<AccountId>,
    Body(p): Body<AccountUserParams>,
) -> ApiResult<Json<AccountUserView>> {
    let user_id = p
        .user_id
        .ok_or_else(|| switchboard_domain::Error::invalid("user", "User must exist"))?;
    let au = platform::create_account_user(&state.ctx, &app, account, user_id, p.role.as_deref())
        .await
        .map_err(|e| match e {
            // An unknown user is a validation failure in Chatwoot, not a 404.
            switchboard_domain::Error::NotFound => ApiError::Domain(
                switchboard_domain::Error::invalid("user", "User must exist"),
            ),
            other => ApiError::Domain(other),
        })?;
    Ok(Json(AccountUserView::new(&au)))
}

/// `user_id` comes in the body or, since DELETE bodies are unusual, the query string.
#[derive(Deserialize)]
pub struct DestroyQuery {
    user_id: Option<String>,
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(account): Id<AccountId>,
    Params(q): Params<DestroyQuery>,
    Body(p): Body<AccountUserParams>,
) -> ApiResult<()> {
    let from_query = q.user_id.and_then(|s| s.parse().ok()).map(UserId);
    let user_id = p
        .user_id
        .or(from_query)
        .ok_or(ApiError::MissingParam("user_id"))?;
    platform::destroy_account_user(&state.ctx, &app, account, user_id)
        .await
        .map_err(ApiError::rails_not_found)
}
