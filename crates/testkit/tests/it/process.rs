//! The real binary: first start on an empty DATA_DIR, restarts, and the CLI.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Storage, TestApp, binary};

fn cli(storage: &Storage, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(binary())
        .args(args)
        .env_clear()
        .envs(storage.env(&[]))
        .current_dir(storage.data_dir())
        .output()
        .expect("run switchboard");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn first_start_on_an_empty_data_dir_then_restart() {
    let storage = Storage::new().await.unwrap();
    let data = storage.data_dir().join("fresh");
    let port = free_port();
    let mut env = storage.env(&[("PORT", &port.to_string())]);
    env.insert("DATA_DIR".into(), data.display().to_string());
    let start = || {
        Command::new(binary())
            .arg("serve")
            .env_clear()
            .envs(&env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve")
    };
    let client = switchboard_testkit::client();
    let url = format!("http://127.0.0.1:{port}/api");
    let wait = || async {
        for _ in 0..200 {
            if let Ok(r) = client.get(&url).send().await {
                return r.json::<serde_json::Value>().await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("serve did not answer /api");
    };

    let mut child = start();
    let api = wait().await;
    assert_eq!(api["data_services"], "ok");
    if storage.backend() == switchboard_store::Backend::Sqlite {
        assert!(data.join("switchboard.db").exists());
    }
    let secret = std::fs::read_to_string(data.join("secret_key_base")).unwrap();
    assert_eq!(secret.len(), 128);
    assert!(data.join("storage").is_dir());

    // An admin made while it runs survives a restart, and so does the secret.
    let mut admin_env = env.clone();
    admin_env.insert("PORT".into(), "0".into());
    let out = Command::new(binary())
        .args([
            "admin",
            "create-super-admin",
            "--email",
            "root@example.com",
            "--password",
            "Passw0rd!",
            "--name",
            "Root",
        ])
        .env_clear()
        .envs(&admin_env)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let mut child = start();
    wait().await;
    let r = client
        .post(format!("http://127.0.0.1:{port}/auth/sign_in"))
        .json(&json!({"email": "root@example.com", "password": "Passw0rd!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["data"]["type"], "SuperAdmin");
    assert_eq!(
        std::fs::read_to_string(data.join("secret_key_base")).unwrap(),
        secret
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn admin_commands() {
    let storage = Storage::new().await.unwrap();
    let (ok, out, err) = cli(&storage, &["migrate"]);
    assert!(ok, "{err}");
    assert!(out.contains("up to date"));

    let (ok, out, err) = cli(
        &storage,
        &["admin", "create-platform-app", "--name", "Provisioner"],
    );
    assert!(ok, "{err}");
    let token = out.lines().last().unwrap().trim().to_string();
    assert_eq!(token.len(), 24, "{out}");

    let (ok, out, _) = cli(&storage, &["admin", "create-account", "--name", "Acme"]);
    assert!(ok);
    let account_id: i64 = out.lines().last().unwrap().trim().parse().unwrap();

    let (ok, _, _) = cli(
        &storage,
        &[
            "admin",
            "create-super-admin",
            "--email",
            "boss@example.com",
            "--password",
            "Passw0rd!",
        ],
    );
    assert!(ok);
    let (ok, _, err) = cli(
        &storage,
        &[
            "admin",
            "create-super-admin",
            "--email",
            "weak@example.com",
            "--password",
            "weak",
        ],
    );
    assert!(!ok);
    assert!(err.contains("Password must contain"), "{err}");

    let (ok, out, _) = cli(
        &storage,
        &["admin", "reset-password", "--email", "boss@example.com"],
    );
    assert!(ok);
    let generated = out.lines().last().unwrap().trim().to_string();
    let (ok, _, err) = cli(
        &storage,
        &["admin", "reset-password", "--email", "ghost@example.com"],
    );
    assert!(!ok);
    assert!(err.contains("ghost@example.com"), "{err}");

    // What the CLI made is what the server serves.
    let app = TestApp::start_on(storage).await;
    let r = app
        .call(
            Method::GET,
            &format!("/platform/api/v1/accounts/{account_id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        r.status, 401,
        "the app did not create that account: {}",
        r.text
    );
    let r = app
        .call(Method::GET, "/platform/api/v1/accounts", Some(&token), None)
        .await;
    assert_eq!(r.status, 200);
    let old = json!({"email": "boss@example.com", "password": "Passw0rd!"});
    assert_eq!(
        app.call(Method::POST, "/auth/sign_in", None, Some(old))
            .await
            .status,
        401
    );
    let new = json!({"email": "boss@example.com", "password": generated});
    assert_eq!(
        app.call(Method::POST, "/auth/sign_in", None, Some(new))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn bad_configuration_stops_start_up_with_one_line() {
    let storage = Storage::new().await.unwrap();
    let out = Command::new(binary())
        .arg("serve")
        .env_clear()
        .envs(storage.env(&[("PORT", "not-a-port")]))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("PORT"), "{err}");
}

#[tokio::test]
async fn web_and_worker_refuse_sqlite() {
    let storage = Storage::new().await.unwrap();
    let mut env = storage.env(&[("PORT", "0")]);
    env.remove("DATABASE_URL");
    for role in ["web", "worker"] {
        let out = Command::new(binary())
            .arg(role)
            .env_clear()
            .envs(&env)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{role} started on SQLite");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("PostgreSQL"),
            "{role}"
        );
    }
}

#[tokio::test]
async fn restart_keeps_everything() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let app = app.restart().await;
    let r = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}", t.account_id),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], "Acme");
    let s = app
        .call(
            Method::POST,
            "/auth/sign_in",
            None,
            Some(json!({"email": t.admin.email, "password": t.admin.password})),
        )
        .await;
    assert_eq!(s.status, 200);
}

#[tokio::test]
async fn an_unreachable_redis_stops_start_up() {
    let storage = Storage::new().await.unwrap();
    let out = Command::new(binary())
        .arg("serve")
        .env_clear()
        .envs(storage.env(&[("PORT", "0"), ("REDIS_URL", "redis://:hunter2@127.0.0.1:1")]))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot reach Redis"), "{err}");
    assert!(!err.contains("hunter2"), "the password leaked: {err}");
}

#[tokio::test]
async fn a_dotenv_file_is_read() {
    let storage = Storage::new().await.unwrap();
    std::fs::write(
        storage.data_dir().join(".env"),
        "ENABLE_ACCOUNT_SIGNUP=sometimes\n",
    )
    .unwrap();
    let (ok, _, err) = cli(&storage, &["migrate"]);
    assert!(!ok, "the .env value was not read");
    assert!(err.contains("ENABLE_ACCOUNT_SIGNUP"), "{err}");
}

#[tokio::test]
async fn json_logs_carry_request_ids_and_no_secrets() {
    let storage = Storage::new().await.unwrap();
    let port = free_port();
    let mut child = Command::new(binary())
        .arg("serve")
        .env_clear()
        .envs(storage.env(&[
            ("PORT", &port.to_string()),
            ("LOG_FORMAT", "json"),
            ("LOG_LEVEL", "debug"),
        ]))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = switchboard_testkit::client();
    for _ in 0..200 {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let secret = "Sup3r-secret-passw0rd!";
    let r = client
        .post(format!("{base}/auth/sign_in"))
        .json(&json!({"email": "x@example.com", "password": secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let r = client
        .get(format!(
            "{base}/api/v1/profile?access-token=querysecret&uid=a@b.co"
        ))
        .header("api_access_token", "headersecret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    assert!(!lines.is_empty());
    assert!(logs.contains(&id), "the request id is logged: {logs}");
    for s in [secret, "querysecret", "headersecret"] {
        assert!(!logs.contains(s), "{s} leaked into the logs: {logs}");
    }
}

#[tokio::test]
async fn concurrent_starts_migrate_once() {
    let storage = Storage::new().await.unwrap();
    if storage.backend() != switchboard_store::Backend::Postgres {
        eprintln!("skipped: concurrent migration matters with PostgreSQL (TEST_DATABASE_URL)");
        return;
    }
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(binary())
                .arg("migrate")
                .env_clear()
                .envs(storage.env(&[]))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
