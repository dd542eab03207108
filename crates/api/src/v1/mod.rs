//! `/api/v1`: the Application API.

mod accounts;
mod profile;

use axum::Router;
use axum::routing::{get, patch, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/profile",
            get(profile::show)
                .patch(profile::update)
                .put(profile::update),
        )
        .route(
            "/profile/reset_access_token",
            post(profile::reset_access_token),
        )
        .route("/accounts", post(accounts::create))
        .route(
            "/accounts/{account_id}",
            get(accounts::show)
                .patch(accounts::update)
                .put(accounts::update),
        )
        .route(
            "/accounts/{account_id}/agents",
            get(accounts::agents::index).post(accounts::agents::create),
        )
        .route(
            "/accounts/{account_id}/agents/{id}",
            patch(accounts::agents::update)
                .put(accounts::agents::update)
                .delete(accounts::agents::destroy),
        )
}
