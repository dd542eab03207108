//! Storage: one `Db` over SQLite or PostgreSQL, with one SQL text per query wherever
//! the dialects agree (ARCHITECTURE.md §5), and the queries grouped per aggregate.

mod db;
mod error;

pub mod access_tokens;
pub mod account_users;
pub mod accounts;
pub mod agent_bots;
pub mod assignment;
pub mod attachments;
pub mod automation_rules;
pub mod cable;
pub mod canned_responses;
pub mod contacts;
pub mod conversations;
pub mod custom_attribute_definitions;
pub mod data_imports;
pub mod drafts;
pub mod filter;
pub mod inboxes;
pub mod installation_configs;
pub mod jobs;
pub mod labels;
pub mod macros;
pub mod messages;
pub mod participants;
pub mod platform_apps;
pub mod query;
pub mod query_count;
pub mod reporting;
pub mod schedules;
pub mod sessions;
pub mod teams;
pub mod users;
pub mod webhooks;

pub use db::{Backend, Conn, Db, DbOptions, Ex, PoolStat, Tx};
pub use error::{StoreError, StoreResult};
pub use sqlx::types::Json;

/// A `LIKE` pattern that finds `needle` anywhere, lower-cased, with `%`, `_` and backslash
/// escaped (the query says `ESCAPE`), so user input is only ever matched literally.
pub fn like_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}
