//! Logging: `LOG_LEVEL` (a level or a full filter), text or JSON (`LOG_FORMAT=json`).
//! Request spans carry the request id; secrets are never formatted into events.

use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    // sqlx logs every statement at info; keep that for debug sessions.
    let filter = filter.add_directive("sqlx=warn".parse().unwrap_or_default());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
