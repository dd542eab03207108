//! Stored files behind Active Storage's URLs: public to whoever holds the signed id, as
//! in Chatwoot, so a link in a mail or a transcript opens without a session.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use switchboard_core::files::{self, Delivery};

use crate::{ApiResult, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/rails/active_storage/blobs/redirect/{signed_id}/{*filename}",
            get(show),
        )
        .route(
            "/rails/active_storage/blobs/{signed_id}/{*filename}",
            get(show),
        )
        .route(
            "/rails/active_storage/representations/redirect/{signed_id}/{variation}/{*filename}",
            get(representation),
        )
}

async fn show(
    State(state): State<AppState>,
    Path((signed_id, _filename)): Path<(String, String)>,
) -> ApiResult<Response> {
    deliver(&state, &signed_id).await
}

/// Resized variants are not made yet: a representation is the original file.
async fn representation(
    State(state): State<AppState>,
    Path((signed_id, _variation, _filename)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    deliver(&state, &signed_id).await
}

async fn deliver(state: &AppState, signed_id: &str) -> ApiResult<Response> {
    Ok(match files::open(&state.ctx, signed_id).await? {
        Delivery::Redirect(url) => Redirect::temporary(&url).into_response(),
        Delivery::Bytes {
            bytes,
            content_type,
            disposition,
        } => {
            let mut r = (StatusCode::OK, bytes).into_response();
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static(disposition),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            // Whatever a file holds, it may not run scripts on our origin.
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=31536000, immutable"),
            );
            r
        }
    })
}
