//! Single sign-on endpoints: `GET /auth/oidc` (to the provider), `GET /auth/oidc/callback`
//! (back from it) and `GET /auth/proxy` (trusted-proxy mode). They are browser
//! navigations, so they answer with redirects: to `/app` with the session, or to the
//! login page with `?error=<code>`, as devise's `GET /auth/sign_in` does.
//!
//! The session is handed to the dashboard the way Chatwoot's dashboard keeps it: the
//! devise_token_auth headers as JSON in the `cw_d_session_info` cookie, which the
//! dashboard reads once at start and then sends as headers (so the API stays
//! cookie-free and not open to cross-site request forgery).

use axum::extract::State;
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_core::auth::SessionTokens;
use switchboard_core::sso::{self, Callback, Refusal};

use crate::extract::{ClientIp, Params};
use crate::{ApiError, AppState};

/// Binds an authorization request to the browser that started it.
const STATE_COOKIE: &str = "sb_oidc_state";
/// Chatwoot's dashboard session cookie.
pub const SESSION_COOKIE: &str = "cw_d_session_info";

/// `GET /auth/oidc`: sends the browser to the provider.
pub async fn start(State(state): State<AppState>) -> Response {
    let ctx = &state.ctx;
    match sso::begin(ctx).await {
        Ok(started) => {
            let cookie = cookie(ctx, STATE_COOKIE, &started.state, "/auth/oidc", 600, true);
            redirect(&started.authorize_url, &[cookie])
        }
        Err(Refusal::NotConfigured) => ApiError::Rails(StatusCode::NOT_FOUND).into_response(),
        Err(refusal) => refused(ctx, &refusal, "OpenID Connect sign-in could not start"),
    }
}

#[derive(Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/oidc/callback`: the provider's answer.
pub async fn callback(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Params(p): Params<CallbackParams>,
    parts: Parts,
) -> Response {
    let ctx = &state.ctx;
    let browser_state = read_cookie(&parts.headers, STATE_COOKIE);
    let result = sso::finish(
        ctx,
        Callback {
            code: p.code.as_deref(),
            state: p.state.as_deref(),
            browser_state: browser_state.as_deref(),
            error: p.error.as_deref(),
        },
        ip.as_deref(),
    )
    .await;
    // The state is spent either way.
    let clear_state = cookie(ctx, STATE_COOKIE, "", "/auth/oidc", 0, true);
    match result {
        Ok((_, tokens)) => signed_in(ctx, &tokens, Some(clear_state)),
        Err(refusal) => {
            let mut res = refused(ctx, &refusal, "OpenID Connect sign-in refused");
            append(&mut res, clear_state);
            res
        }
    }
}

/// `GET /auth/proxy`: trusted-proxy mode. The proxy's header counts only on a
/// connection from one of `TRUSTED_PROXY_IPS`.
pub async fn proxy(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    parts: Parts,
) -> Response {
    let ctx = &state.ctx;
    let Some(proxy) = ctx.settings.sign_in.trusted_proxy.as_ref() else {
        return ApiError::Rails(StatusCode::NOT_FOUND).into_response();
    };
    let peer = ip.as_deref().and_then(|i| i.parse().ok());
    let email = parts
        .headers
        .get(proxy.header.as_str())
        .and_then(|v| v.to_str().ok());
    match sso::sign_in_from_proxy(ctx, peer, email).await {
        Ok((_, tokens)) => signed_in(ctx, &tokens, None),
        Err(refusal) => refused(ctx, &refusal, "trusted-proxy sign-in refused"),
    }
}

fn signed_in(
    ctx: &switchboard_core::Ctx,
    tokens: &SessionTokens,
    extra: Option<String>,
) -> Response {
    let info = serde_json::json!({
        "access-token": tokens.access_token,
        "token-type": "Bearer",
        "client": tokens.client,
        "expiry": tokens.expiry.unix_seconds().to_string(),
        "uid": tokens.uid,
    });
    let value: String = url::form_urlencoded::byte_serialize(info.to_string().as_bytes()).collect();
    // Readable by the dashboard's script (it moves it to its own storage and deletes
    // it), and short-lived: it only carries the session across this redirect.
    let session = cookie(ctx, SESSION_COOKIE, &value, "/", 300, false);
    let mut cookies = vec![session];
    cookies.extend(extra);
    redirect(&app_url(ctx, "/app"), &cookies)
}

fn refused(ctx: &switchboard_core::Ctx, refusal: &Refusal, what: &str) -> Response {
    match refusal {
        Refusal::Internal(e) => tracing::error!(error = %e, "{what}"),
        other => tracing::warn!(reason = %other, "{what}"),
    }
    redirect(
        &app_url(ctx, &format!("/app/login?error={}", refusal.code())),
        &[],
    )
}

fn app_url(ctx: &switchboard_core::Ctx, path: &str) -> String {
    format!("{}{path}", ctx.settings.frontend_url.trim_end_matches('/'))
}

fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut res = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(LOCATION, v);
    }
    for c in cookies {
        append(&mut res, c.clone());
    }
    res
}

fn append(res: &mut Response, cookie: String) {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(SET_COOKIE, v);
    }
}

/// A cookie for this site; `Secure` when the site is served over HTTPS.
fn cookie(
    ctx: &switchboard_core::Ctx,
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
    http_only: bool,
) -> String {
    let mut c = format!("{name}={value}; Path={path}; Max-Age={max_age}; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if ctx.settings.frontend_url.starts_with("https://") {
        c.push_str("; Secure");
    }
    c
}

fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}
