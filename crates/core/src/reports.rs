//! Reports (API v2).
