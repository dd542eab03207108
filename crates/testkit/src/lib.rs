//! Test support: real Switchboard servers started in-process on port 0, on SQLite by
//! default or on PostgreSQL and Redis when `TEST_DATABASE_URL` and `TEST_REDIS_URL` are
//! set (`.ci/run` runs the suite both ways), plus the factories the tests share.

// Test support: a failed fixture should stop the test loudly, so expect() is the point.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use switchboard::{Config, Role};
use switchboard_store::{Backend, Db};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod oidc;

pub use reqwest;
pub use serde_json;

/// One test's storage: a temporary `DATA_DIR` and, on PostgreSQL, a fresh database.
#[derive(Clone)]
pub struct Storage {
    dir: Arc<TempDir>,
    database_url: Option<String>,
    redis_url: Option<String>,
    /// Our Redis keys and channel for this storage only, so tests sharing one Redis
    /// (and servers sharing this storage) see their own events alone.
    redis_prefix: String,
}

impl Storage {
    pub async fn new() -> anyhow::Result<Storage> {
        let dir = Arc::new(
            tempfile::Builder::new()
                .prefix("switchboard-test-")
                .tempdir()?,
        );
        let database_url = match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(admin_url) => Some(fresh_postgres_database(&admin_url).await?),
            None => None,
        };
        let redis_url = std::env::var("TEST_REDIS_URL")
            .ok()
            .filter(|v| !v.is_empty());
        Ok(Storage {
            dir,
            database_url,
            redis_url,
            redis_prefix: format!("sbtest:{}", uuid::Uuid::new_v4().simple()),
        })
    }

    pub fn redis_url(&self) -> Option<&str> {
        self.redis_url.as_deref()
    }

    /// `REDIS_KEY_PREFIX` of servers on this storage.
    pub fn redis_prefix(&self) -> &str {
        &self.redis_prefix
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn backend(&self) -> Backend {
        if self.database_url.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The environment a server on this storage runs with, plus `extra`.
    pub fn env(&self, extra: &[(&str, &str)]) -> HashMap<String, String> {
        let mut vars = HashMap::from([
            (
                "DATA_DIR".to_string(),
                self.dir.path().display().to_string(),
            ),
            ("LOG_LEVEL".to_string(), "warn".to_string()),
        ]);
        if let Some(url) = &self.database_url {
            vars.insert("DATABASE_URL".into(), url.clone());
        }
        if let Some(url) = &self.redis_url {
            vars.insert("REDIS_URL".into(), url.clone());
            vars.insert("REDIS_KEY_PREFIX".into(), self.redis_prefix.clone());
        }
        for (k, v) in extra {
            vars.insert((*k).to_string(), (*v).to_string());
        }
        vars
    }

    pub fn config(&self, extra: &[(&str, &str)]) -> anyhow::Result<Config> {
        let vars = self.env(extra);
        Ok(Config::from_vars(|k| vars.get(k).cloned())?)
    }

    /// A direct connection, for assertions on rows and for fixtures the API cannot make.
    pub async fn db(&self) -> anyhow::Result<Db> {
        switchboard::open_database(&self.config(&[])?).await
    }
}

/// Creates `sb_test_<uuid>` on the server of `admin_url`.
async fn fresh_postgres_database(admin_url: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let name = format!("sb_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .context("TEST_DATABASE_URL")?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(&name);
    Ok(url.to_string())
}

/// Hex HMAC-SHA256 computed by Python's standard library, as an outside client would,
/// so a mistake in the server's HMAC code cannot hide behind the same code in a test.
pub fn hmac_sha256_hex(key: &str, message: &str) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import hmac,hashlib,sys;print(hmac.new(sys.argv[1].encode(),sys.argv[2].encode(),hashlib.sha256).hexdigest())",
            key,
            message,
        ])
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// An HTTP client that does not follow redirects (so tests see them).
pub fn client() -> reqwest::Client {
    switchboard::install_crypto();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A running server.
pub struct TestApp {
    pub addr: SocketAddr,
    pub storage: Storage,
    pub client: reqwest::Client,
    extra: Vec<(String, String)>,
    /// The running server's use-case context (its live-event bus, for `/cable` tests).
    ctx: Arc<Mutex<Option<switchboard_core::Ctx>>>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// A server on fresh storage with extra environment variables.
    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        let storage = Storage::new().await.expect("test storage");
        Self::start(
            storage,
            extra
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        )
        .await
    }

    /// A server on existing storage (after CLI tasks ran against it, say).
    pub async fn start_on(storage: Storage) -> TestApp {
        Self::start(storage, Vec::new()).await
    }

    async fn start(storage: Storage, extra: Vec<(String, String)>) -> TestApp {
        let pairs: Vec<(&str, &str)> = extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let port = addr.port().to_string();
        let frontend = format!("http://127.0.0.1:{port}");
        let mut vars = vec![("PORT", port.as_str()), ("FRONTEND_URL", frontend.as_str())];
        vars.extend(pairs);
        let config = storage.config(&vars).expect("config");
        let (tx, rx) = oneshot::channel::<()>();
        let ctx = Arc::new(Mutex::new(None));
        let seen = ctx.clone();
        let handle = tokio::spawn(switchboard::run_observed(
            config,
            Role::All,
            listener,
            async {
                let _ = rx.await;
            },
            move |c| *seen.lock().unwrap() = Some(c.clone()),
        ));
        let app = TestApp {
            addr,
            storage,
            client: client(),
            extra,
            ctx,
            shutdown: Some(tx),
            handle: Some(handle),
        };
        app.wait_ready().await;
        app
    }

    async fn wait_ready(&self) {
        for _ in 0..200 {
            if let Ok(r) = self.client.get(self.url("/health")).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            if self.handle.as_ref().is_some_and(JoinHandle::is_finished) {
                panic!("the server stopped while starting");
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the server did not become ready");
    }

    /// Stops the server gracefully and returns its storage.
    pub async fn stop(mut self) -> Storage {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("join").expect("server result");
        }
        self.storage.clone()
    }

    /// Stops and starts again on the same storage and settings.
    pub async fn restart(self) -> TestApp {
        let extra = self.extra.clone();
        let storage = self.stop().await;
        Self::start(storage, extra).await
    }

    /// Publishes a live event through the running server's bus, as a use case does.
    pub fn publish(&self, event: switchboard_core::events::Broadcast) {
        let ctx = self.ctx.lock().unwrap().clone().expect("server started");
        ctx.events.publish(event);
    }

    /// The running server's use-case context (to drive schedules with a test's clock).
    pub fn ctx(&self) -> switchboard_core::Ctx {
        self.ctx.lock().unwrap().clone().expect("server started")
    }

    /// `ws://…/cable` of this server.
    pub fn cable_url(&self) -> String {
        format!("ws://{}/cable", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// A JSON request as a Chatwoot client sends it, with an optional `api_access_token`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.request(method, path);
        if let Some(t) = token {
            req = req.header("api_access_token", t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Reply::from(req.send().await.expect("request")).await
    }

    pub async fn db(&self) -> Db {
        self.storage.db().await.expect("db")
    }

    pub async fn admin(&self, task: switchboard::cli::Admin) -> Vec<String> {
        let config = self.storage.config(&[]).expect("config");
        switchboard::cli::admin(&config, task)
            .await
            .expect("admin task")
    }

    /// A new platform app's token, made with the CLI task.
    pub async fn platform_token(&self) -> String {
        let lines = self
            .admin(switchboard::cli::Admin::CreatePlatformApp {
                name: "tests".into(),
            })
            .await;
        lines.last().cloned().expect("token line")
    }

    /// An account with an administrator, built through the Platform API as an operator
    /// would; returns the account id and the administrator's credentials.
    pub async fn account_with_admin(&self, platform: &str, name: &str) -> Tenant {
        let account = self
            .call(
                Method::POST,
                "/platform/api/v1/accounts",
                Some(platform),
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(account.status, 200, "{}", account.body);
        let account_id = account.body["id"].as_i64().expect("account id");
        let admin = self.user_in(platform, account_id, "administrator").await;
        Tenant { account_id, admin }
    }

    /// A confirmed user with a password, added to `account` with `role`.
    pub async fn user_in(&self, platform: &str, account_id: i64, role: &str) -> Person {
        let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        let password = "Passw0rd!x";
        let user = self
            .call(
                Method::POST,
                "/platform/api/v1/users",
                Some(platform),
                Some(json!({"name": format!("User {role}"), "email": email, "password": password})),
            )
            .await;
        assert_eq!(user.status, 200, "{}", user.body);
        let id = user.body["id"].as_i64().expect("user id");
        let token = user.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string();
        let path = format!("/platform/api/v1/accounts/{account_id}/account_users");
        let r = self
            .call(
                Method::POST,
                &path,
                Some(platform),
                Some(json!({"user_id": id, "role": role})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        Person {
            id,
            email,
            password: password.to_string(),
            token,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// An account and its first administrator.
pub struct Tenant {
    pub account_id: i64,
    pub admin: Person,
}

#[derive(Clone, Debug)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub password: String,
    /// The user's `api_access_token`.
    pub token: String,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
}

impl Reply {
    pub async fn from(r: reqwest::Response) -> Reply {
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The `switchboard` binary, built once per test process so process-level tests run the
/// real executable (`cargo test` does not build another package's binaries).
pub fn binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "switchboard",
                "--bin",
                "switchboard",
                "--manifest-path",
            ])
            .arg(&manifest)
            .status()
            .expect("cargo build");
        assert!(status.success(), "building the switchboard binary failed");
        let exe = std::env::current_exe().expect("current exe");
        // target/<profile>/deps/it-<hash> → target/<profile>/switchboard
        exe.parent()
            .and_then(Path::parent)
            .expect("target dir")
            .join("switchboard")
    })
    .clone()
}

/// The real binary running `serve` (or another role) on a test's storage, for tests that
/// must kill it the hard way. Dropping it kills it too.
pub struct Process {
    pub port: u16,
    child: std::process::Child,
}

impl Process {
    /// Starts `switchboard <role>` on `storage` with `extra` variables and waits until
    /// `/health` answers.
    pub async fn start(storage: &Storage, role: &str, extra: &[(&str, &str)]) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let port_s = port.to_string();
        let frontend = format!("http://127.0.0.1:{port}");
        let mut vars = vec![
            ("PORT", port_s.as_str()),
            ("FRONTEND_URL", frontend.as_str()),
        ];
        vars.extend_from_slice(extra);
        let child = std::process::Command::new(binary())
            .arg(role)
            .env_clear()
            .envs(storage.env(&vars))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn switchboard");
        let process = Process { port, child };
        let client = client();
        for _ in 0..400 {
            if let Ok(r) = client.get(process.url("/health")).send().await
                && r.status() == StatusCode::OK
            {
                return process;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("switchboard {role} did not become ready");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL: no shutdown hook runs, running jobs keep their leases.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
