//! A real OpenID provider on loopback: the certified `oidc-provider` npm package, run by
//! `crates/testkit/oidc/provider.mjs` with one client and the accounts a test names.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

pub const CLIENT_ID: &str = "switchboard-tests";
pub const CLIENT_SECRET: &str = "a-client-secret-for-the-loopback-provider";

/// A running provider; killed when dropped.
pub struct Provider {
    pub issuer: String,
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

/// `npm ci` once per test process when the provider's packages are not installed yet.
fn install() {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if *done || dir().join("node_modules/oidc-provider").is_dir() {
        *done = true;
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir())
        .status()
        .expect("npm (node is needed for the OpenID provider)");
    assert!(status.success(), "npm ci in {} failed", dir().display());
    *done = true;
}

/// A port nobody listens on now, for the provider (the app's issuer URL names it before
/// the provider starts, since the provider needs the app's callback address).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Provider {
    /// Starts the provider on `port` for a client whose callback is `redirect_uri`.
    /// `accounts` maps login names to their claims (`email`, `email_verified`, `name`, `groups`).
    pub async fn start(port: u16, redirect_uri: &str, accounts: Value) -> Provider {
        install();
        let config = json!({
            "port": port,
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "redirectUri": redirect_uri,
            "accounts": accounts,
        });
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(dir())
            .env("OIDC_TEST_CONFIG", config.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node");
        let stdout = child.stdout.take().expect("stdout");
        let ready = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            line
        });
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), ready)
            .await
            .expect("the OpenID provider did not start within 30 s")
            .expect("join");
        let issuer = format!("http://127.0.0.1:{port}");
        assert_eq!(line.trim(), format!("ready {issuer}"), "provider start");
        Provider { issuer, child }
    }
}

/// A browser on its way through the provider: the app's state cookie and where the
/// provider sent it back to.
pub struct Flow {
    pub state_cookie: String,
    pub callback: String,
}

/// Starts a sign-in at `app_base` (`http://127.0.0.1:port`) and lets the provider sign
/// in `login`, following its redirects as a browser would (with its cookies), up to the
/// redirect to the app's callback, which is returned unvisited.
pub async fn authorize(client: &reqwest::Client, app_base: &str, login: &str) -> Flow {
    let r = client
        .get(format!("{app_base}/auth/oidc"))
        .send()
        .await
        .expect("GET /auth/oidc");
    assert_eq!(r.status(), 302, "GET /auth/oidc");
    let state_cookie = set_cookies(&r)
        .remove("sb_oidc_state")
        .expect("the state cookie");
    let location = header(&r, LOCATION.as_str()).expect("redirect to the provider");
    let mut url = format!("{location}&login_hint={login}");
    let mut jar: HashMap<String, String> = HashMap::new();
    for _ in 0..10 {
        let cookies = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = client.get(&url);
        if !cookies.is_empty() {
            req = req.header(COOKIE, cookies);
        }
        let r = req.send().await.expect("provider request");
        jar.extend(set_cookies(&r));
        let Some(next) = header(&r, LOCATION.as_str()) else {
            let status = r.status();
            panic!(
                "the provider stopped at {url}: {status} {}",
                r.text().await.unwrap_or_default()
            );
        };
        let next = reqwest::Url::parse(&url)
            .and_then(|base| base.join(&next))
            .expect("a redirect URL")
            .to_string();
        if next.starts_with(&format!("{app_base}/auth/oidc/callback")) {
            return Flow {
                state_cookie,
                callback: next,
            };
        }
        url = next;
    }
    panic!("the provider never redirected back to the app");
}

pub fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The cookies a response sets, by name (attributes dropped).
pub fn set_cookies(r: &reqwest::Response) -> HashMap<String, String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .collect()
}
