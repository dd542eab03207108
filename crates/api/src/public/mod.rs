//! `/public/api/v1`: the Client API. No credentials beyond the API inbox's identifier and
//! the contact's source id; any site may call it (CORS open), as in Chatwoot.

mod inboxes;

use axum::Router;
use axum::routing::{get, patch, post};
use tower_http::cors::CorsLayer;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    let base = "/inboxes/{inbox_identifier}";
    Router::new()
        .route(base, get(inboxes::show))
        .route(&format!("{base}/contacts"), post(inboxes::contacts::create))
        .route(
            &format!("{base}/contacts/{{contact_identifier}}"),
            get(inboxes::contacts::show)
                .patch(inboxes::contacts::update)
                .put(inboxes::contacts::update),
        )
        .route(
            &format!("{base}/contacts/{{contact_identifier}}/conversations"),
            get(inboxes::conversations::index).post(inboxes::conversations::create),
        )
        .route(
            &format!("{base}/contacts/{{contact_identifier}}/conversations/{{id}}"),
            get(inboxes::conversations::show),
        )
        .route(
            &format!("{base}/contacts/{{contact_identifier}}/conversations/{{id}}/toggle_status"),
            post(inboxes::conversations::toggle_status),
        )
        .route(
            &format!("{base}/contacts/{{contact_identifier}}/conversations/{{id}}/toggle_typing"),
            post(inboxes::conversations::toggle_typing),
        )
        .route(
            &format!(
                "{base}/contacts/{{contact_identifier}}/conversations/{{id}}/update_last_seen"
            ),
            post(inboxes::conversations::update_last_seen),
        )
        .route(
            &format!("{base}/contacts/{{contact_identifier}}/conversations/{{id}}/messages"),
            get(inboxes::messages::index).post(inboxes::messages::create),
        )
        .route(
            &format!(
                "{base}/contacts/{{contact_identifier}}/conversations/{{id}}/messages/{{message_id}}"
            ),
            patch(inboxes::messages::update).put(inboxes::messages::update),
        )
        .layer(CorsLayer::permissive())
}
