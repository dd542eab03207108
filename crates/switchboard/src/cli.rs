//! The command line: `serve`, `web`, `worker`, `migrate` and the operator's `admin` tasks.

use clap::{Parser, Subcommand};
use switchboard_core::installation;

use crate::{Config, context, open_database};

#[derive(Parser, Debug)]
#[command(
    name = "switchboard",
    version,
    about = "A Chatwoot-compatible customer engagement platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Web and worker in one process (the default; the only mode on SQLite).
    Serve,
    /// HTTP and /cable only (PostgreSQL).
    Web,
    /// Background jobs and schedules only (PostgreSQL).
    Worker,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Operator tasks.
    #[command(subcommand)]
    Admin(Admin),
    /// Exit 0 when this host's server answers GET /health on PORT (for container
    /// health checks in images that have no curl).
    Healthcheck,
}

#[derive(Subcommand, Debug)]
pub enum Admin {
    /// Create a super admin (or make an existing user one, with this password).
    CreateSuperAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Create a platform app; its access token is the last line printed.
    CreatePlatformApp {
        #[arg(long)]
        name: String,
    },
    /// Create an account (tenant); prints its id.
    CreateAccount {
        #[arg(long)]
        name: String,
    },
    /// Set a user's password (a generated one unless --password is given) and print it.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Copy the embedded SQLite database to PATH while the server runs (PostgreSQL is
    /// backed up with pg_dump or CloudNativePG: see docs/operations.md).
    Backup {
        /// Where to write the copy; must not exist yet.
        path: std::path::PathBuf,
    },
}

/// Runs an admin task and returns what it prints, one line per element.
pub async fn admin(config: &Config, task: Admin) -> anyhow::Result<Vec<String>> {
    let db = open_database(config).await?;
    let ctx = context(config, db.clone())?;
    let out = run_admin(&ctx, config, task).await;
    db.close().await;
    out
}

async fn run_admin(
    ctx: &switchboard_core::Ctx,
    config: &Config,
    task: Admin,
) -> anyhow::Result<Vec<String>> {
    Ok(match task {
        Admin::CreateSuperAdmin {
            email,
            password,
            name,
        } => {
            let user = installation::create_super_admin(ctx, &email, &password, name.as_deref())
                .await
                .map_err(user_error)?;
            vec![format!(
                "Super admin {} (id {}) is ready; sign in at {}",
                user.uid, user.id, ctx.settings.frontend_url
            )]
        }
        Admin::CreatePlatformApp { name } => {
            let (app, token) = installation::create_platform_app(ctx, &name)
                .await
                .map_err(user_error)?;
            vec![
                format!(
                    "Platform app '{}' (id {}) created. Its api_access_token:",
                    app.name, app.id
                ),
                token,
            ]
        }
        Admin::CreateAccount { name } => {
            let account = installation::create_account(ctx, &name)
                .await
                .map_err(user_error)?;
            vec![
                format!("Account '{}' created with id:", account.name),
                account.id.to_string(),
            ]
        }
        Admin::Backup { path } => backup(&ctx.db, config, &path).await?,
        Admin::ResetPassword { email, password } => {
            let password = installation::reset_password(ctx, &email, password.as_deref())
                .await
                .map_err(user_error)?;
            vec![
                format!(
                    "Password of {} reset; all their sessions were signed out. New password:",
                    email.trim()
                ),
                password,
            ]
        }
    })
}

/// Domain errors read as one plain sentence on the terminal.
fn user_error(e: switchboard_domain::Error) -> anyhow::Error {
    match e {
        switchboard_domain::Error::Internal(cause) => cause,
        other => anyhow::anyhow!("{other}"),
    }
}

/// `admin backup PATH`: an online copy of the SQLite database.
async fn backup(
    db: &switchboard_store::Db,
    config: &Config,
    path: &std::path::Path,
) -> anyhow::Result<Vec<String>> {
    use anyhow::Context;
    if matches!(config.database, crate::Database::Postgres(_)) {
        anyhow::bail!(
            "this installation runs on PostgreSQL: back it up with pg_dump or CloudNativePG's backups (see docs/operations.md)"
        );
    }
    if path.exists() {
        anyhow::bail!("{} exists already; choose a new file name", path.display());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        anyhow::bail!("the folder {} does not exist", dir.display());
    }
    db.backup_to(path)
        .await
        .with_context(|| format!("cannot back up to {}", path.display()))?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(vec![
        format!("Database backed up to {} ({size} bytes).", path.display()),
        format!(
            "Uploaded files are not in it: copy {} too, and keep SECRET_KEY_BASE (or {}).",
            config.data_dir.join("storage").display(),
            config.data_dir.join("secret_key_base").display()
        ),
    ])
}

/// `healthcheck`: one plain HTTP/1.1 request to `127.0.0.1:PORT/health`.
pub async fn healthcheck(config: &Config) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], config.port));
    let check = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await?;
        Ok::<_, std::io::Error>(head)
    };
    let head = tokio::time::timeout(std::time::Duration::from_secs(5), check)
        .await
        .map_err(|_| anyhow::anyhow!("{addr} did not answer within 5s"))?
        .map_err(|e| anyhow::anyhow!("{addr}: {e}"))?;
    if head.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        anyhow::bail!(
            "{addr}/health answered {}",
            String::from_utf8_lossy(&head).trim()
        )
    }
}
