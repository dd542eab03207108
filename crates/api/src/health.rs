//! `GET /api` (Chatwoot's status document), `GET /health` (liveness) and
//! `GET /health/ready` (database and Redis reachable).

use std::future::Future;
use std::pin::Pin;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use switchboard_domain::{CHATWOOT_COMPATIBLE_VERSION, Timestamp};

use crate::AppState;

/// A dependency that can be pinged (Redis).
pub trait Probe: Send + Sync {
    fn ping(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>>;
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api", get(index))
        .route("/health", get(live))
        .route("/health/ready", get(ready))
}

fn status(ok: bool) -> &'static str {
    if ok { "ok" } else { "failing" }
}

/// Chatwoot's `ApiController#index`: always 200; `queue_services` reports Redis (ok when
/// there is none to fail, on the embedded default), `data_services` the database.
async fn index(State(state): State<AppState>) -> Json<Value> {
    let (db, queue) = checks(&state).await;
    let d = Timestamp::now().datetime();
    let timestamp = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    );
    Json(json!({
        "version": CHATWOOT_COMPATIBLE_VERSION,
        "timestamp": timestamp,
        "queue_services": status(queue),
        "data_services": status(db),
        "switchboard_version": env!("CARGO_PKG_VERSION"),
    }))
}

async fn checks(state: &AppState) -> (bool, bool) {
    let db = async { state.ctx.db.ping().await.is_ok() };
    let queue = async {
        match &state.queue {
            Some(q) => q.ping().await.is_ok(),
            None => true,
        }
    };
    tokio::join!(db, queue)
}

async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (db, queue) = checks(&state).await;
    let code = if db && queue {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = json!({ "status": status(db && queue), "database": status(db) });
    if state.queue.is_some() {
        body["redis"] = json!(status(queue));
    }
    (code, Json(body))
}
