use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use switchboard_core::{auth, profile};

use crate::AppState;
use crate::extract::devise_credentials;
use switchboard_core::views::user::UserView;

/// `GET /auth/validate_token`: `{"payload":{"success":true,"data":user}}`.
pub async fn validate_token(State(state): State<AppState>, parts: Parts) -> Response {
    let invalid = || {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "success": false, "errors": ["Invalid login credentials"] })),
        )
            .into_response()
    };
    let Some(creds) = devise_credentials(&parts) else {
        return invalid();
    };
    let Ok(user) =
        auth::authenticate_session(&state.ctx, &creds.uid, &creds.client, &creds.access_token)
            .await
    else {
        return invalid();
    };
    match profile::show(&state.ctx, &user).await {
        Ok(p) => {
            let data = UserView::new(&p).with_created_at(&p.user);
            Json(json!({ "payload": { "success": true, "data": data } })).into_response()
        }
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}
