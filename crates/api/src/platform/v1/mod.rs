mod account_users;
mod accounts;
mod agent_bots;
mod users;

use axum::Router;
use axum::routing::{delete, get, post};

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
        .route(
            "/agent_bots",
            get(agent_bots::index).post(agent_bots::create),
        )
        .route(
            "/agent_bots/{id}",
            get(agent_bots::show)
                .patch(agent_bots::update)
                .put(agent_bots::update)
                .delete(agent_bots::destroy),
        )
        .route("/agent_bots/{id}/avatar", delete(agent_bots::avatar))
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
