//! `/platform/api/v1`: the Platform API, for platform apps' access tokens.

mod v1;

pub use v1::routes;
