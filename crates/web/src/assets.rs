//! The committed frontend build (`frontend/dist`), embedded in release binaries (debug
//! builds read the folder from disk, so a rebuilt app shows without recompiling).
//!
//! Files under an `assets/` folder carry a content hash in their name (Vite's output), so
//! they are cached for a year; everything else is revalidated with its ETag, so a new
//! release reaches browsers at once.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;
use tower_http::compression::CompressionLayer;

#[derive(Embed)]
#[folder = "../../frontend/dist"]
#[exclude = "README.md"]
pub(crate) struct Dist;

/// `/packs/…` (Chatwoot's path for `sdk.js`, kept so existing snippets load) and
/// `/assets/…` (Vite's hashed chunks), gzipped for browsers that take it: the size
/// budgets of the widget and the dashboard are gzipped sizes.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/packs/{*path}",
            get(|Path(p): Path<String>, h: HeaderMap| async move {
                file(&format!("packs/{p}"), &h)
            }),
        )
        .route(
            "/assets/{*path}",
            get(|Path(p): Path<String>, h: HeaderMap| async move {
                file(&format!("assets/{p}"), &h)
            }),
        )
        .layer(CompressionLayer::new())
}

/// Whether the build holds `path` (relative to `frontend/dist`).
pub fn exists(path: &str) -> bool {
    Dist::get(path).is_some()
}

/// The bytes of a file of the build, for pages that fill it in before serving it.
pub fn read(path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
    Dist::get(path).map(|f| f.data)
}

/// A file of the build as a response, or a 404 when there is no such file.
pub fn file(path: &str, request: &HeaderMap) -> Response {
    let Some(f) = Dist::get(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&f.metadata.sha256_hash()[..16]));
    let immutable = path.split('/').any(|part| part == "assets");
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    if let Ok(v) = HeaderValue::from_str(f.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    (headers, f.data.into_owned()).into_response()
}
