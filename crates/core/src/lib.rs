//! Use cases and permission policies. Every function takes the `Ctx`, opens its own
//! transaction when it writes, and knows nothing of HTTP.

pub mod account_mail;
pub mod accounts;
pub mod agent_bots;
pub mod agents;
pub mod assignment;
pub mod auth;
pub mod automation;
pub mod cable;
pub mod canned_responses;
pub mod client;
pub mod contact_exports;
pub mod contacts;
pub mod conversations;
pub mod custom_attributes;
pub mod data_imports;
pub mod drafts;
pub mod events;
pub mod files;
pub mod filters;
pub mod inboxes;
pub mod installation;
pub mod jobs;
pub mod labels;
pub mod live;
pub mod macros;
pub mod mail;
pub mod members;
pub mod messages;
pub mod metrics;
pub mod outbound;
pub mod participants;
pub mod passwords;
pub mod platform;
pub mod presence;
pub mod profile;
pub mod reporting;
pub mod reports;
pub mod schedules;
pub mod secrets;
pub mod sso;
pub mod teams;
pub mod transcripts;
pub mod users;
pub mod views;
pub mod webhooks;
pub mod widget;

mod ctx;

pub use ctx::{Brand, Ctx, SecretKey, Settings, SignupMode};
pub use switchboard_domain::{Error, Result};
