//! HTTP: Chatwoot's routes, extractors, views and the one error type.

mod error;
mod extract;
mod files;
mod health;
mod metrics;

mod auth;
mod platform;
mod public;
mod v1;
mod v2;
mod widget;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::IntoResponse;
use switchboard_core::Ctx;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ApiResult};
pub use health::Probe;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Ctx,
    /// The queue/pub-sub service (Redis) when configured, for `GET /api` and readiness.
    pub queue: Option<Arc<dyn Probe>>,
    /// `METRICS_TOKEN`: when set, `/metrics` asks for it as a bearer token.
    pub metrics_token: Option<Arc<str>>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP application; `pages` are routes served beside the API (the web crate's).
pub fn router(state: AppState, pages: Router) -> Router {
    // One file at the largest size allowed, plus the message's other fields.
    let upload_limit = state.ctx.files.max_upload_bytes + extract::MAX_BODY_BYTES;
    let measured = state.ctx.metrics.clone();
    let routes = Router::new()
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(auth::routes())
        .nest("/api/v1/widget", widget::routes(upload_limit))
        .nest("/api/v1", v1::routes(upload_limit))
        .nest("/api/v2", v2::routes())
        .merge(files::routes())
        .nest("/platform/api/v1", platform::routes())
        .nest("/public/api/v1", public::routes())
        .with_state(state)
        .merge(pages)
        .fallback(not_found);

    let sensitive = [
        HeaderName::from_static("api_access_token"),
        HeaderName::from_static("api-access-token"),
        HeaderName::from_static("access-token"),
        axum::http::header::AUTHORIZATION,
        axum::http::header::COOKIE,
    ];
    routes
        .layer(axum::middleware::from_fn(count_queries))
        .layer(axum::middleware::from_fn_with_state(measured, metrics::measure))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Status(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error".into()).into_response()
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    // The path only: query strings can carry credentials (devise allows them).
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO))
                .on_request(())
                .on_failure(()),
        )
        .layer(SetSensitiveRequestHeadersLayer::new(sensitive))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
}

/// What a worker process serves: liveness, readiness and metrics, for the orchestrator
/// and Prometheus.
pub fn ops_router(state: AppState) -> Router {
    let measured = state.ctx.metrics.clone();
    Router::new()
        .merge(health::routes())
        .merge(metrics::routes())
        .with_state(state)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            measured,
            metrics::measure,
        ))
}

/// Reports how many database statements a request sent, in the `x-db-queries` header
/// and the request log, so an N+1 shows up in tests and in production alike.
async fn count_queries(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (mut res, n) = switchboard_store::query_count::counted(next.run(req)).await;
    tracing::debug!(db_queries = n, "statements sent");
    if let Ok(v) = axum::http::HeaderValue::from_str(&n.to_string()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-db-queries"), v);
    }
    res
}

/// Rails' fallback for unknown routes, in its JSON form.
async fn not_found() -> ApiError {
    ApiError::Rails(StatusCode::NOT_FOUND)
}
