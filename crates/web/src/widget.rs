//! `GET /widget?website_token=…&cw_conversation=…`: the page the SDK loads in its iframe,
//! as Chatwoot's WidgetsController serves it. It names (or makes) the visitor, hands the
//! widget app its bootstrap in the page (so the app starts without a round trip), and
//! limits which sites may frame it to the inbox's `allowed_domains`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::Ctx;
use switchboard_core::widget;
use switchboard_domain::Error;

/// The widget app's HTML entry in `frontend/dist` (built by `frontend/widget`).
const ENTRY: &str = "widget/index.html";

#[derive(Deserialize, Default)]
pub struct Params {
    website_token: Option<String>,
    cw_conversation: Option<String>,
}

pub async fn show(State(ctx): State<Ctx>, Query(p): Query<Params>) -> Response {
    let website_token = p.website_token.unwrap_or_default();
    let c = match widget::config(&ctx, &website_token, p.cw_conversation.as_deref()).await {
        Ok(c) => c,
        // Chatwoot's bodies: the widget shows nothing, the host page's console says why.
        Err(Error::NotFound) => {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({"error": "web widget does not exist"})),
            )
                .into_response();
        }
        Err(Error::Unauthorized(m)) => {
            return (StatusCode::UNAUTHORIZED, Json(json!({ "error": m }))).into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "widget page");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Some(entry) = crate::assets::Dist::get(ENTRY) else {
        tracing::error!("frontend/dist/{ENTRY} is missing: build frontend/widget");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let mut boot = switchboard_core::views::widget::config(&ctx, &c);
    if let Value::Object(m) = &mut boot {
        // The /cable subscription names the account, as Chatwoot's widget does.
        m.insert("account_id".into(), json!(c.visitor.site.inbox.account_id));
    }
    let html = String::from_utf8_lossy(&entry.data).replacen(
        "</head>",
        &format!(
            "<script type=\"application/json\" id=\"cw-boot\">{}</script></head>",
            script_safe(&boot)
        ),
        1,
    );
    let mut res = Html(html).into_response();
    let csp = policy(c.visitor.site.widget.allowed_domains.as_deref());
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// JSON that cannot end the `<script>` element it sits in, nor open a comment: `<`, `>`
/// and `&` only occur inside JSON strings, where their `\u` escapes mean the same.
fn script_safe(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The page's Content-Security-Policy. Scripts only from this server (a message that
/// slipped through as HTML still could not run), and `frame-ancestors` from the inbox's
/// `allowed_domains` (comma separated, as Chatwoot splits them) when set; entries that
/// could break out of the directive are dropped.
fn policy(allowed_domains: Option<&str>) -> String {
    let base = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                img-src * data: blob:; media-src 'self' blob: data:; connect-src 'self' ws: wss:; \
                object-src 'none'; base-uri 'none'";
    let domains: Vec<&str> = allowed_domains
        .unwrap_or_default()
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|d| {
            !d.is_empty()
                && d.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*' | ':' | '/' | '_')
                })
        })
        .collect();
    if domains.is_empty() {
        base.to_owned()
    } else {
        format!("{base}; frame-ancestors {}", domains.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ancestors_follow_allowed_domains() {
        assert!(!policy(None).contains("frame-ancestors"));
        assert!(!policy(Some(" , ")).contains("frame-ancestors"));
        assert!(
            policy(Some("https://a.example, *.b.example"))
                .ends_with("; frame-ancestors https://a.example *.b.example")
        );
        // A value trying to add its own directive is dropped, not passed on.
        assert!(
            policy(Some("a.example;script-src:*,c.example"))
                .ends_with("; frame-ancestors c.example")
        );
    }

    #[test]
    fn bootstrap_cannot_close_its_script() {
        let s = script_safe(&json!({"n": "</script><script>alert(1)</script>&"}));
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        let back: Value = serde_json::from_str(&s).unwrap_or_default();
        assert_eq!(back["n"], "</script><script>alert(1)</script>&");
    }
}
