mod account_users;
mod accounts;
mod users;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(accounts::index).post(accounts::create))
        .route(
            "/accounts/{id}",
            get(accounts::show)
                .patch(accounts::update)
                .put(accounts::update)
                .delete(accounts::destroy),
        )
        .route(
            "/accounts/{account_id}/account_users",
            get(account_users::index)
                .post(account_users::create)
                .delete(account_users::destroy),
        )
        .route("/users", post(users::create))
        .route(
            "/users/{id}",
            get(users::show)
                .patch(users::update)
                .put(users::update)
                .delete(users::destroy),
        )
        .route("/users/{id}/login", get(users::login))
        .route("/users/{id}/token", post(users::token))
}
