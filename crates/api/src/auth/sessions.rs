use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use switchboard_core::auth::{self, Proof};
use switchboard_core::profile;
use switchboard_domain::Error;

use super::session_headers;
use crate::extract::{Body, ClientIp, Payload, devise_credentials};
use crate::{ApiResult, AppState};
use switchboard_core::views::user::{DataView, UserView};

#[derive(Deserialize)]
pub struct SignIn {
    email: Option<String>,
    password: Option<String>,
    sso_auth_token: Option<String>,
}

impl Payload for SignIn {}

/// `GET /auth/sign_in`: devise redirects browsers to the dashboard's login page.
pub async fn new(State(state): State<AppState>) -> Redirect {
    let base = state
        .ctx
        .settings
        .frontend_url
        .trim_end_matches('/')
        .to_owned();
    Redirect::to(&format!("{base}/app/login?error=access-denied"))
}

/// `POST /auth/sign_in`: email and password (or a Platform API SSO token).
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(p): Body<SignIn>,
) -> ApiResult<Response> {
    let email = p.email.unwrap_or_default();
    let proof = match (&p.sso_auth_token, &p.password) {
        (Some(t), _) if !t.is_empty() => Proof::SsoToken(t),
        (_, password) => Proof::Password(password.as_deref().unwrap_or_default()),
    };
    if matches!(proof, Proof::Password(_)) && state.ctx.settings.sign_in.password_disabled {
        // DISABLE_PASSWORD_LOGIN: nobody's password is even checked, so a guessed or
        // leaked one is worth nothing; Platform API login links still work.
        return Ok((
            StatusCode::FORBIDDEN,
            Json(json!({
                "success": false,
                "errors": ["Password sign-in is disabled here: use single sign-on."],
            })),
        )
            .into_response());
    }
    let (user, tokens) = match auth::sign_in(&state.ctx, &email, proof, ip.as_deref()).await {
        Ok(done) => done,
        // devise_token_auth's shape for the "not confirmed yet" refusal too.
        Err(Error::Unauthorized(m)) => {
            return Ok((
                StatusCode::UNAUTHORIZED,
                Json(json!({ "success": false, "errors": [m] })),
            )
                .into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let profile = profile::show(&state.ctx, &user).await?;
    let headers = session_headers(&tokens, true);
    Ok((
        headers,
        Json(DataView {
            data: UserView::new(&profile),
        }),
    )
        .into_response())
}

/// `DELETE /auth/sign_out`: ends the session named by the request's credentials.
pub async fn destroy(State(state): State<AppState>, parts: Parts) -> Response {
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            Json(
                json!({ "success": false, "errors": ["User was not found or was not logged in."] }),
            ),
        )
            .into_response()
    };
    let Some(creds) = devise_credentials(&parts) else {
        return not_found();
    };
    if auth::authenticate_session(&state.ctx, &creds.uid, &creds.client, &creds.access_token)
        .await
        .is_err()
    {
        return not_found();
    }
    match auth::sign_out(&state.ctx, &creds.client).await {
        Ok(()) => Json(json!({ "success": true })).into_response(),
        Err(e) => crate::ApiError::from(e).into_response(),
    }
}
