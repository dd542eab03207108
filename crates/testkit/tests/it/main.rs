//! The one integration-test binary (every extra test binary is another link on two
//! cores). One module per area; every test runs on SQLite, and on PostgreSQL and Redis
//! when `TEST_DATABASE_URL` and `TEST_REDIS_URL` are set.

// A test that cannot go on should stop loudly, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod agent_bots;
mod agents;
mod assignment;
mod auth;
mod automation;
mod bad_input;
mod client_api;
mod contacts;
mod conversation_actions;
mod conversations;
mod dashboard;
mod filters;
mod health;
mod inboxes;
mod labels;
mod mail;
mod messages;
mod onboarding;
mod operations;
mod platform;
mod process;
mod profile;
mod realtime;
mod reports;
mod schedules;
mod schema;
mod snapshots;
mod sso;
mod teams;
mod webhooks;
mod widget;
