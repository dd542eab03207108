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
}

/// Runs an admin task and returns what it prints, one line per element.
pub async fn admin(config: &Config, task: Admin) -> anyhow::Result<Vec<String>> {
    let db = open_database(config).await?;
    let ctx = context(config, db.clone())?;
    let out = run_admin(&ctx, task).await;
    db.close().await;
    out
}

async fn run_admin(ctx: &switchboard_core::Ctx, task: Admin) -> anyhow::Result<Vec<String>> {
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
