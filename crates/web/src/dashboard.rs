//! The agent dashboard (`frontend/dashboard`, built into `frontend/dist/dashboard`), served
//! at `/app` and every path under it: the app routes in the browser, so each of them
//! answers with the same `index.html` (a single-page app's fallback).
//!
//! As Chatwoot's `vueapp.html.erb` does, the page carries the installation's configuration
//! (`window.globalConfig`: name, brand, logos; `window.chatwootConfig`: locale, sign-up), so
//! the first paint already shows the operator's brand and no request is needed for it.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use switchboard_core::{Ctx, SignupMode};

use crate::assets;

const INDEX: &str = "dashboard/index.html";
/// Where the build leaves room for the configuration script (see `frontend/dashboard/index.html`).
const CONFIG_SLOT: &str = "<!--switchboard:config-->";
const TITLE_SLOT: &str = "<!--switchboard:title-->";

pub fn routes(ctx: Ctx) -> Router {
    Router::new()
        .route("/app", get(page))
        .route("/app/", get(page))
        .route("/app/{*path}", get(page))
        .with_state(ctx)
}

async fn page(State(ctx): State<Ctx>) -> Response {
    let Some(html) = assets::read(INDEX) else {
        // A build without the dashboard (frontend/dist not built): say so rather than 404.
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "The dashboard is not part of this build (frontend/dist/dashboard is missing).",
        )
            .into_response();
    };
    let html = String::from_utf8_lossy(&html)
        .replace(CONFIG_SLOT, &config_script(&ctx))
        .replace(TITLE_SLOT, &escape_html(&ctx.settings.installation_name));
    let mut res = Html(html).into_response();
    // The page names the current build's hashed chunks: never serve a stale one.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// The `<script>` that hands the app the installation's configuration, with Chatwoot's
/// key names so the same page logic reads both.
fn config_script(ctx: &Ctx) -> String {
    let s = &ctx.settings;
    let b = &s.brand;
    let global = json!({
        "INSTALLATION_NAME": s.installation_name,
        "BRAND_NAME": b.brand_name,
        "BRAND_URL": b.brand_url,
        "WIDGET_BRAND_URL": b.widget_brand_url,
        "LOGO": b.logo,
        "LOGO_DARK": b.logo_dark,
        "LOGO_THUMBNAIL": b.logo_thumbnail,
        "TERMS_URL": b.terms_url,
        "PRIVACY_URL": b.privacy_url,
        "BRAND_PRIMARY_COLOR": b.primary_color,
        "DISPLAY_MANIFEST": false,
        // Our sign-in options (Chatwoot has no generic OpenID Connect): the login page
        // shows the button, hides the password form, or asks the trusted proxy.
        "OIDC_BUTTON_LABEL": s.sign_in.oidc.as_ref().map(|o| o.button_label.as_str()).unwrap_or_default(),
        "PASSWORD_LOGIN_DISABLED": s.sign_in.password_disabled,
        "TRUSTED_PROXY_AUTH": s.sign_in.trusted_proxy.is_some(),
    });
    let signup = match s.signup {
        SignupMode::Enabled => "true",
        SignupMode::Disabled => "false",
        SignupMode::ApiOnly => "api_only",
    };
    let chatwoot = json!({
        "hostURL": s.frontend_url,
        "signupEnabled": signup,
        "selectedLocale": s.default_locale,
    });
    format!(
        "<script>window.globalConfig={};window.chatwootConfig={};</script>",
        script_json(&global),
        script_json(&chatwoot)
    )
}

/// JSON that is safe inside a `<script>` element: an operator's value such as
/// `</script><script>…` must stay a string, so `<`, `>` and `&` become escapes (as Rails'
/// `json_escape` does), and so do the two line separators that old parsers choke on.
fn script_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script() {
        let v = json!({"INSTALLATION_NAME": "</script><script>alert(1)</script>\u{2028}&"});
        let out = script_json(&v);
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(back, v);
    }

    #[test]
    fn title_is_escaped() {
        assert_eq!(
            escape_html("<b>\"A&B'</b>"),
            "&lt;b&gt;&quot;A&amp;B&#39;&lt;/b&gt;"
        );
    }
}
