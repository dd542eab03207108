//! `GET /metrics` (Prometheus' text format) and the middleware that counts and times
//! every request by its route template.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use switchboard_core::metrics::Metrics;

use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(show))
}

/// With `METRICS_TOKEN` set, a scraper must send `Authorization: Bearer <token>`; the
/// numbers are installation-wide (queue depth, traffic), not for the public.
async fn show(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Digests, so the comparison's time says nothing about the token.
        let digest = switchboard_core::secrets::digest;
        if given.is_empty() || digest(given) != digest(token) {
            return ApiError::Status(
                StatusCode::UNAUTHORIZED,
                "A valid metrics token is required".into(),
            )
            .into_response();
        }
    }
    let body = switchboard_core::metrics::render(&state.ctx).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Counts the request under its route template (`/api/v1/accounts/{account_id}/…`), or
/// `unmatched` for paths no route knows, so ids and probes cannot multiply the series.
pub async fn measure(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let method = req.method().clone();
    let res = next.run(req).await;
    metrics.http_request(
        method.as_str(),
        route.as_deref().unwrap_or("unmatched"),
        res.status().as_u16(),
        started.elapsed(),
    );
    res
}
