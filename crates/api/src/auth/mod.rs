//! devise_token_auth's routes as Chatwoot overrides them: `/auth/sign_in`,
//! `/auth/validate_token`, `/auth/sign_out`, `/auth/password`, `/auth/confirmation`.

mod passwords;
mod sessions;
mod sso;
mod token_validations;

use axum::Router;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::routing::{delete, get, post};
use base64::Engine;
use switchboard_core::auth::SessionTokens;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/sign_in", get(sessions::new).post(sessions::create))
        .route("/auth/sign_out", delete(sessions::destroy))
        .route("/auth/oidc", get(sso::start))
        .route("/auth/oidc/callback", get(sso::callback))
        .route("/auth/proxy", get(sso::proxy))
        .route(
            "/auth/password",
            post(passwords::create)
                .put(passwords::update)
                .patch(passwords::update),
        )
        .route("/auth/confirmation", post(passwords::confirm))
        .route(
            "/auth/validate_token",
            get(token_validations::validate_token),
        )
}

/// devise_token_auth's response headers. `bearer` adds the `authorization` header it
/// sends on sign-in (Chatwoot omits it on sign-up).
pub fn session_headers(t: &SessionTokens, bearer: bool) -> HeaderMap {
    let expiry = t.expiry.unix_seconds().to_string();
    let mut pairs: Vec<(&'static str, String)> = vec![
        ("access-token", t.access_token.clone()),
        ("token-type", "Bearer".into()),
        ("client", t.client.clone()),
        ("expiry", expiry.clone()),
        ("uid", t.uid.clone()),
    ];
    if bearer {
        let json = serde_json::json!({
            "access-token": t.access_token, "token-type": "Bearer", "client": t.client, "expiry": expiry, "uid": t.uid,
        });
        let encoded = base64::engine::general_purpose::STANDARD.encode(json.to_string());
        pairs.push(("authorization", format!("Bearer {encoded}")));
    }
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    headers
}
