//! `POST /auth/password` (mail a reset link), `PUT|PATCH /auth/password` (set a new
//! password with the link's token) and `POST /auth/confirmation`, with the bodies of
//! Chatwoot's Devise overrides.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use switchboard_core::auth::SessionTokens;
use switchboard_core::{passwords, profile};
use switchboard_domain::Error;
use switchboard_store::users::User;

use super::session_headers;
use crate::extract::{Body, Payload};
use crate::{ApiResult, AppState};
use switchboard_core::views::user::{DataView, UserView};

#[derive(Deserialize)]
pub struct ResetRequest {
    email: Option<String>,
}

impl Payload for ResetRequest {}

pub async fn create(
    State(state): State<AppState>,
    Body(p): Body<ResetRequest>,
) -> ApiResult<Response> {
    let email = p.email.unwrap_or_default();
    Ok(if passwords::request_reset(&state.ctx, &email).await? {
        let message = "Request for password reset is successful. Check your mail for instructions.";
        (StatusCode::OK, Json(json!({ "message": message }))).into_response()
    } else {
        let message = "We could not find any user with the specified email.";
        (StatusCode::NOT_FOUND, Json(json!({ "message": message }))).into_response()
    })
}

#[derive(Deserialize)]
pub struct NewPassword {
    reset_password_token: Option<String>,
    password: Option<String>,
    password_confirmation: Option<String>,
}

impl Payload for NewPassword {}

pub async fn update(
    State(state): State<AppState>,
    Body(p): Body<NewPassword>,
) -> ApiResult<Response> {
    let done = passwords::reset(
        &state.ctx,
        p.reset_password_token.as_deref().unwrap_or_default(),
        p.password.as_deref().unwrap_or_default(),
        p.password_confirmation.as_deref(),
    )
    .await;
    signed_in(&state, done).await
}

#[derive(Deserialize)]
pub struct Confirmation {
    confirmation_token: Option<String>,
}

impl Payload for Confirmation {}

pub async fn confirm(
    State(state): State<AppState>,
    Body(p): Body<Confirmation>,
) -> ApiResult<Response> {
    let token = p.confirmation_token.unwrap_or_default();
    signed_in(&state, passwords::confirm(&state.ctx, &token).await).await
}

/// The user signed in (devise_token_auth's headers and `{"data": user}`), or Chatwoot's
/// `{"message", "redirect_url"}` for a token it does not accept.
async fn signed_in(
    state: &AppState,
    done: Result<(User, SessionTokens), Error>,
) -> ApiResult<Response> {
    let (user, tokens) = match done {
        Ok(done) => done,
        Err(Error::Unprocessable(message)) => {
            let body = json!({ "message": message, "redirect_url": "/" });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let profile = profile::show(&state.ctx, &user).await?;
    Ok((
        session_headers(&tokens, true),
        Json(DataView {
            data: UserView::new(&profile),
        }),
    )
        .into_response())
}
