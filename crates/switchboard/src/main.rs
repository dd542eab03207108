use std::process::ExitCode;

use clap::Parser;
use switchboard::cli::{Cli, Command};
use switchboard::{Config, Database, Role, telemetry};
use tokio::net::TcpListener;

fn main() -> ExitCode {
    // A .env file fills in what the environment leaves unset, as Chatwoot's dotenv does.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("switchboard: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("switchboard: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command, config: Config) -> anyhow::Result<()> {
    let role = match command {
        Command::Serve => Role::All,
        Command::Web => Role::Web,
        Command::Worker => Role::Worker,
        Command::Migrate => {
            switchboard::open_database(&config).await?.close().await;
            println!("The database schema is up to date.");
            return Ok(());
        }
        Command::Healthcheck => return switchboard::cli::healthcheck(&config).await,
        Command::Admin(task) => {
            for line in switchboard::cli::admin(&config, task).await? {
                println!("{line}");
            }
            return Ok(());
        }
    };
    let addr = std::net::SocketAddr::new(config.bind, config.port);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    if role != Role::Worker {
        announce(&config);
    }
    switchboard::run(config, role, listener, shutdown_signal()).await
}

fn announce(config: &Config) {
    let storage = match &config.database {
        Database::Sqlite(p) => format!("SQLite at {}", p.display()),
        Database::Postgres(_) => "PostgreSQL".into(),
    };
    println!(
        "Switchboard is listening on {} ({storage}).",
        config.frontend_url
    );
    println!("First time? Create the first administrator with:");
    println!(
        "  switchboard admin create-super-admin --email you@example.com --password 'Choose-a-Passw0rd!'"
    );
    println!(
        "then sign in with POST {}/auth/sign_in.",
        config.frontend_url
    );
}

/// Ctrl-C or SIGTERM (what containers send) starts a graceful shutdown.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
