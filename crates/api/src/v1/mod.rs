//! `/api/v1`: the Application API.

mod accounts;
mod profile;

use axum::Router;
use axum::routing::{get, patch, post};

use crate::AppState;
use accounts::canned_responses as canned;
use accounts::custom_attribute_definitions as definitions;
use accounts::{inbox_members, inboxes, labels, teams};

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
        .route(
            "/accounts/{account_id}/teams",
            get(teams::index).post(teams::create),
        )
        .route(
            "/accounts/{account_id}/teams/{id}",
            get(teams::show)
                .patch(teams::update)
                .put(teams::update)
                .delete(teams::destroy),
        )
        .route(
            "/accounts/{account_id}/teams/{team_id}/team_members",
            get(teams::team_members::index)
                .post(teams::team_members::create)
                .patch(teams::team_members::update)
                .put(teams::team_members::update)
                .delete(teams::team_members::destroy),
        )
        .route(
            "/accounts/{account_id}/labels",
            get(labels::index).post(labels::create),
        )
        .route(
            "/accounts/{account_id}/labels/{id}",
            get(labels::show)
                .patch(labels::update)
                .put(labels::update)
                .delete(labels::destroy),
        )
        .route(
            "/accounts/{account_id}/canned_responses",
            get(canned::index).post(canned::create),
        )
        .route(
            "/accounts/{account_id}/canned_responses/{id}",
            patch(canned::update)
                .put(canned::update)
                .delete(canned::destroy),
        )
        .route(
            "/accounts/{account_id}/custom_attribute_definitions",
            get(definitions::index).post(definitions::create),
        )
        .route(
            "/accounts/{account_id}/custom_attribute_definitions/{id}",
            get(definitions::show)
                .patch(definitions::update)
                .put(definitions::update)
                .delete(definitions::destroy),
        )
        .route(
            "/accounts/{account_id}/inboxes",
            get(inboxes::index).post(inboxes::create),
        )
        .route(
            "/accounts/{account_id}/inboxes/{id}",
            get(inboxes::show)
                .patch(inboxes::update)
                .put(inboxes::update)
                .delete(inboxes::destroy),
        )
        .route(
            "/accounts/{account_id}/inboxes/{id}/assignable_agents",
            get(inboxes::assignable_agents),
        )
        .route(
            "/accounts/{account_id}/assignable_agents",
            get(inboxes::account_assignable_agents),
        )
        .route(
            "/accounts/{account_id}/inbox_members",
            post(inbox_members::create)
                .patch(inbox_members::update)
                .put(inbox_members::update)
                .delete(inbox_members::destroy),
        )
        .route(
            "/accounts/{account_id}/inbox_members/{inbox_id}",
            get(inbox_members::show),
        )
}
