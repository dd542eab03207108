//! Storage: one `Db` over SQLite or PostgreSQL, with one SQL text per query wherever
//! the dialects agree (ARCHITECTURE.md §5), and the queries grouped per aggregate.

mod db;
mod error;

pub mod access_tokens;
pub mod account_users;
pub mod accounts;
pub mod installation_configs;
pub mod platform_apps;
pub mod sessions;
pub mod users;

pub use db::{Backend, Conn, Db, DbOptions, Ex, Tx};
pub use error::{StoreError, StoreResult};
pub use sqlx::types::Json;
