//! The Switchboard server as a library: `main` parses the command line and calls into
//! here, and tests start real servers the same way, in-process, on port 0.

pub mod cli;
pub mod config;
mod redis_probe;
pub mod telemetry;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use switchboard_api::{AppState, Probe};
use switchboard_core::events::Bus;
use switchboard_core::files::Files;
use switchboard_core::jobs::WorkerOptions;
use switchboard_core::{Ctx, Settings};
use switchboard_realtime::Realtime;
use switchboard_store::{Db, DbOptions};
use tokio::net::TcpListener;

pub use config::{Config, Database};

/// Which parts of the server a process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// HTTP and the worker in one process: the only mode on SQLite.
    All,
    Web,
    Worker,
}

/// Opens the database named by the configuration and brings its schema up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let db = match &config.database {
        Database::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            Db::open_sqlite(path)
                .await
                .with_context(|| format!("cannot open the SQLite database {}", path.display()))?
        }
        Database::Postgres(url) => {
            let opts = DbOptions {
                max_connections: config.database_pool_size,
                statement_timeout: config.statement_timeout,
            };
            Db::connect_postgres(&url.0, &opts).await.with_context(|| {
                format!(
                    "cannot connect to PostgreSQL at {}",
                    config::redact_url(&url.0)
                )
            })?
        }
    };
    db.migrate().await.context("database migration failed")?;
    Ok(db)
}

/// The use-case context for a database and configuration, with events dropped (CLI
/// tasks); servers use `context_with` and their realtime bus.
pub fn context(config: &Config, db: Db) -> anyhow::Result<Ctx> {
    context_with(config, db, Arc::new(switchboard_core::events::Silent))
}

/// The use-case context, publishing live events to `events`.
pub fn context_with(config: &Config, db: Db, events: Bus) -> anyhow::Result<Ctx> {
    let secret = secret_key_base(config)?;
    let max_upload = config.max_upload_mb * 1024 * 1024;
    let files = match &config.storage {
        config::Storage::Local => {
            Files::local(&config.data_dir.join("storage"), &secret, max_upload)?
        }
        config::Storage::S3(s3) => Files::s3(Arc::new(s3_store(s3)?), &secret, max_upload),
    };
    let mailer = mailer(config).map_err(|e| anyhow::anyhow!("mail: {e}"))?;
    Ok(Ctx {
        db,
        files,
        events,
        mailer,
        presence: Arc::new(switchboard_core::presence::Nobody),
        metrics: switchboard_core::metrics::Metrics::new(),
        settings: Arc::new(Settings {
            installation_name: config.installation_name.clone(),
            brand: config.brand.clone(),
            frontend_url: config.frontend_url.clone(),
            default_locale: config.default_locale.clone(),
            signup: config.signup,
            mailer_sender_email: config.mailer_sender_email.clone(),
            message_per_minute_limit: config.message_per_minute_limit,
            secret_key_base: switchboard_core::SecretKey(secret.clone()),
            outbound: switchboard_core::outbound::Policy::new(
                config.allowed_private_addresses.clone(),
            ),
            sign_in: config.sign_in.clone(),
        }),
    })
}

/// SMTP when `SMTP_ADDRESS` is set, else `DATA_DIR/mail`. The sender is
/// `MAILER_SENDER_EMAIL`, else `accounts@` the host of `FRONTEND_URL`.
fn mailer(config: &Config) -> Result<switchboard_core::mail::Mailer, String> {
    use switchboard_core::mail::Mailer;
    let sender = config.mailer_sender_email.clone().unwrap_or_else(|| {
        let host = url::Url::parse(&config.frontend_url)
            .ok()
            .and_then(|u| u.domain().map(str::to_owned))
            .unwrap_or_else(|| "localhost".into());
        format!("accounts@{host}")
    });
    let brand = &config.installation_name;
    match &config.smtp {
        Some(smtp) => Mailer::smtp(&sender, brand, smtp),
        None => Mailer::folder(&sender, brand, config.data_dir.join("mail")),
    }
}

fn s3_store(s3: &config::S3) -> anyhow::Result<object_store::aws::AmazonS3> {
    let mut b = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&s3.bucket)
        .with_region(&s3.region)
        .with_virtual_hosted_style_request(!s3.force_path_style && s3.endpoint.is_none());
    if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
        b = b.with_access_key_id(id).with_secret_access_key(secret);
    }
    if let Some(endpoint) = &s3.endpoint {
        b = b
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    b.build()
        .context("cannot set up the S3 bucket (ACTIVE_STORAGE_SERVICE)")
}

/// Outbound TLS (S3, and later webhooks and OpenID) uses rustls with ring, installed once
/// for the process so that no C crypto library is built.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The secret that signs widget tokens and cookies: `SECRET_KEY_BASE`, or one generated
/// once and kept in `DATA_DIR` so restarts keep sessions valid.
pub fn secret_key_base(config: &Config) -> anyhow::Result<String> {
    if let Some(s) = &config.secret_key_base {
        return Ok(s.0.clone());
    }
    let path = config.data_dir.join("secret_key_base");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        return Ok(existing.trim().to_string());
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let secret = switchboard_core::secrets::hex_token(64);
    write_private(&path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(secret)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

/// Runs the server on `listener` until `shutdown` completes.
pub async fn run(
    config: Config,
    role: Role,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_observed(config, role, listener, shutdown, |_| {}).await
}

/// `run`, handing the use-case context to `observe` once it is built (tests publish
/// live events through its bus).
pub async fn run_observed(
    config: Config,
    role: Role,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    observe: impl FnOnce(&Ctx),
) -> anyhow::Result<()> {
    if role != Role::All && matches!(config.database, Database::Sqlite(_)) {
        anyhow::bail!(
            "`switchboard {}` needs PostgreSQL: set DATABASE_URL (or POSTGRES_HOST…); on SQLite use `switchboard serve`",
            if role == Role::Web { "web" } else { "worker" }
        );
    }
    install_crypto();
    let db = open_database(&config).await?;
    let (realtime, queue): (Realtime, Option<Arc<dyn Probe>>) = match &config.redis_url {
        Some(url) => {
            let probe = redis_probe::RedisProbe::connect(&url.0).await?;
            let realtime = Realtime::redis(&url.0, &config.redis_key_prefix)
                .await
                .with_context(|| format!("cannot reach Redis at {}", config::redact_url(&url.0)))?;
            let probe = redis_probe::WithCable {
                probe,
                realtime: realtime.clone(),
            };
            (realtime, Some(Arc::new(probe)))
        }
        None => (Realtime::in_process(), None),
    };
    let mut ctx = context_with(&config, db.clone(), realtime.bus())?;
    ctx.presence = realtime.presence();
    observe(&ctx);
    // Sockets outlive the HTTP server's graceful shutdown (they are upgraded
    // connections), so they are told to go when the shutdown starts.
    let stopping = realtime.clone();
    let shutdown = async move {
        shutdown.await;
        stopping.shutdown();
    };

    let worker_options = WorkerOptions {
        poll_interval: config.job_poll_interval,
        retry_base: config.job_retry_base,
        lease: config.job_lease,
        ..WorkerOptions::default()
    };
    // One shutdown signal for the web server and the worker.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let signal = tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let worker = (role != Role::Web).then(|| {
        tokio::spawn(switchboard_core::jobs::run(
            ctx.clone(),
            worker_options,
            stopped(),
        ))
    });

    // Histogram samples go into their buckets every few seconds, scraped or not.
    let upkeep = {
        let metrics = ctx.metrics.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                metrics.upkeep();
            }
        })
    };
    let state = AppState {
        ctx: ctx.clone(),
        queue,
        metrics_token: config
            .metrics_token
            .as_ref()
            .map(|t| Arc::from(t.0.as_str())),
    };
    let served = if role == Role::Worker {
        // A worker answers only health checks and metrics, for the orchestrator and
        // Prometheus.
        axum::serve(listener, switchboard_api::ops_router(state))
            .with_graceful_shutdown(stopped())
            .await
            .context("HTTP server failed")
    } else {
        let pages = switchboard_web::routes(ctx.clone()).merge(realtime.routes(ctx.clone()));
        let app = switchboard_api::router(state, pages);
        // Chatwoot (Rails) routes `/path/` like `/path`; clients rely on it.
        let app = tower::Layer::layer(
            &tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash(),
            app,
        );
        let service =
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                std::net::SocketAddr,
            >(app);
        axum::serve(listener, service)
            .with_graceful_shutdown(stopped())
            .await
            .context("HTTP server failed")
    };
    realtime.shutdown();
    // The worker finishes or hands back its running jobs before the pool closes.
    if let Some(w) = worker {
        let _ = w.await;
    }
    signal.abort();
    upkeep.abort();
    db.close().await;
    served
}
