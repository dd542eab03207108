//! Operating an installation: Prometheus metrics at `/metrics` and the SQLite backup
//! command (`switchboard admin backup`).

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use serde_json::json;
use switchboard_domain::Timestamp;
use switchboard_store::jobs;
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Storage, TestApp, binary};

/// One sample of Prometheus' text format: its name, labels and value.
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Reads the exposition text as Prometheus would (the subset we emit: no escaped quotes
/// or commas inside label values).
fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a value");
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => {
                    let inner = rest.strip_suffix('}').expect("closing brace");
                    let labels = inner
                        .split("\",")
                        .filter(|p| !p.is_empty())
                        .map(|p| {
                            let (k, v) = p.split_once("=\"").expect("label");
                            (k.to_string(), v.trim_end_matches('"').to_string())
                        })
                        .collect();
                    (name.to_string(), labels)
                }
                None => (series.to_string(), HashMap::new()),
            };
            Sample {
                name,
                labels,
                value: value.parse().expect("a number"),
            }
        })
        .collect()
}

/// The value of the one series of `name` with (at least) these labels.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} matches several series");
    found.first().map(|s| s.value)
}

async fn scrape(app: &TestApp) -> (String, Vec<Sample>) {
    let r = app.request(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = r.text().await.unwrap();
    let samples = parse(&text);
    (text, samples)
}

/// Scrapes until `check` holds (the worker and sockets report a moment later).
async fn scrape_until(app: &TestApp, what: &str, check: impl Fn(&[Sample]) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        let (text, samples) = scrape(app).await;
        if check(&samples) {
            return text;
        }
        last = text;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} never showed in /metrics:\n{last}");
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_status() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        assert_eq!(app.call(Method::GET, "/api", None, None).await.status, 200);
    }
    // An account id in the path must not become a label value.
    let r = app
        .call(
            Method::GET,
            "/api/v1/accounts/987654/conversations",
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 401);
    let r = app.call(Method::GET, "/no/such/987654", None, None).await;
    assert_eq!(r.status, 404);

    let (text, samples) = scrape(&app).await;
    let requests = "switchboard_http_requests_total";
    assert_eq!(
        value(
            &samples,
            requests,
            &[("method", "GET"), ("route", "/api"), ("status", "200")]
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            requests,
            &[
                ("route", "/api/v1/accounts/{account_id}/conversations"),
                ("status", "401")
            ]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", "unmatched"), ("status", "404")]
        ),
        Some(1.0),
        "{text}"
    );
    assert!(!text.contains("987654"), "raw paths leaked into labels");
    assert_eq!(
        value(
            &samples,
            "switchboard_http_request_duration_seconds_count",
            &[("method", "GET"), ("route", "/api")]
        ),
        Some(3.0),
        "{text}"
    );
    // Fixed buckets (a histogram, not a summary), so processes add up.
    assert!(
        value(
            &samples,
            "switchboard_http_request_duration_seconds_bucket",
            &[("route", "/api"), ("le", "+Inf")]
        ) == Some(3.0),
        "{text}"
    );
    assert!(
        text.contains("# HELP switchboard_http_requests_total"),
        "{text}"
    );
    // The database pools report their connections.
    let pool = samples
        .iter()
        .find(|s| s.name == "switchboard_db_pool_max_connections")
        .expect("pool gauge");
    assert!(pool.value >= 1.0);

    // Another server counts its own requests only.
    let other = TestApp::spawn().await;
    let (_, theirs) = scrape(&other).await;
    assert_eq!(
        value(
            &theirs,
            requests,
            &[("method", "GET"), ("route", "/api"), ("status", "200")]
        ),
        None
    );
}

#[tokio::test]
async fn queue_depth_age_and_job_failures_are_visible() {
    let app = TestApp::spawn().await;
    let db = app.db().await;
    let now = Timestamp::now();
    let in_an_hour = Timestamp::from_millis(now.millis() + 3_600_000);
    // Two mails due in an hour: queued, and not waiting yet.
    let mut tx = db.begin().await.unwrap();
    for _ in 0..2 {
        jobs::enqueue(tx.ex(), "mail_delivery", &json!({}), 3, in_an_hour)
            .await
            .unwrap();
    }
    // A job no worker knows, with one attempt: it dies at once.
    jobs::enqueue(tx.ex(), "no_such_kind", &json!({}), 1, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let text = scrape_until(&app, "the dead job", |s| {
        value(s, "switchboard_jobs_dead", &[("kind", "no_such_kind")]) == Some(1.0)
    })
    .await;
    let samples = parse(&text);
    assert_eq!(
        value(
            &samples,
            "switchboard_jobs_queued",
            &[("kind", "mail_delivery")]
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            "switchboard_jobs_oldest_due_seconds",
            &[("kind", "mail_delivery")]
        ),
        Some(0.0),
        "not due yet, so not waiting: {text}"
    );
    assert_eq!(
        value(
            &samples,
            "switchboard_jobs_finished_total",
            &[("kind", "no_such_kind"), ("outcome", "dead")]
        ),
        Some(1.0),
        "{text}"
    );
    // Kinds with nothing queued read 0 rather than missing.
    assert_eq!(
        value(
            &samples,
            "switchboard_jobs_queued",
            &[("kind", "webhook_delivery")]
        ),
        Some(0.0),
        "{text}"
    );

    // Two hours on, the mails have waited an hour for a worker.
    let later = Timestamp::from_millis(now.millis() + 2 * 3_600_000);
    let stats = jobs::stats(&db, later).await.unwrap();
    let mails = stats
        .iter()
        .find(|s| s.kind == "mail_delivery" && s.status == jobs::QUEUED)
        .expect("queued mails");
    assert_eq!(mails.count, 2);
    assert_eq!(
        mails.oldest_due.map(|t| later.millis() - t.millis()),
        Some(3_600_000)
    );
    db.close().await;
}

#[tokio::test]
async fn open_sockets_are_counted() {
    let app = TestApp::spawn().await;
    let sockets = |s: &[Sample]| value(s, "switchboard_cable_sockets", &[]);
    let cable = crate::realtime::Cable::open(&app).await;
    let second = crate::realtime::Cable::open(&app).await;
    scrape_until(&app, "two sockets", |s| sockets(s) == Some(2.0)).await;
    drop(cable);
    drop(second);
    scrape_until(&app, "no socket", |s| sockets(s) == Some(0.0)).await;
}

#[tokio::test]
async fn a_metrics_token_guards_the_endpoint() {
    let app = TestApp::spawn_with(&[("METRICS_TOKEN", "scrape-me-0123456789")]).await;
    let plain = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(plain.status, 401);
    assert_eq!(
        plain.body,
        json!({"error": "A valid metrics token is required"})
    );
    let wrong = app
        .request(Method::GET, "/metrics")
        .bearer_auth("scrape-me-wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app
        .request(Method::GET, "/metrics")
        .bearer_auth("scrape-me-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    let text = right.text().await.unwrap();
    // The refused scrapes were counted too.
    let samples = parse(&text);
    assert_eq!(
        value(
            &samples,
            "switchboard_http_requests_total",
            &[("route", "/metrics"), ("status", "401")]
        ),
        Some(2.0),
        "{text}"
    );
}

fn backup_cli(storage: &Storage, path: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(binary())
        .args(["admin", "backup"])
        .arg(path)
        .env_clear()
        .envs(storage.env(&[]))
        .output()
        .expect("run switchboard");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test]
async fn backup_of_a_live_instance_opens_with_its_data() {
    let app = TestApp::spawn().await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Backed Up Ltd").await;
    let contact = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/contacts", tenant.account_id),
            Some(&tenant.admin.token),
            Some(json!({"name": "Kept Contact", "email": "kept@example.com"})),
        )
        .await;
    assert_eq!(contact.status, 200, "{}", contact.body);

    let restored = Storage::new().await.unwrap();
    let target = restored.data_dir().join("switchboard.db");
    let (ok, out, err) = backup_cli(&app.storage, &target);

    if app.storage.backend() == switchboard_store::Backend::Postgres {
        // PostgreSQL has its own tools; the command says which, and writes nothing.
        assert!(!ok, "{out}");
        assert!(err.contains("pg_dump"), "{err}");
        assert!(!target.exists());
        return;
    }
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("backed up to"), "{out}");
    assert!(target.exists());

    // The server kept running and writing meanwhile; a later account is not in the copy.
    let later = app.account_with_admin(&platform, "After The Backup").await;

    // A second backup to the same file is refused rather than overwriting it.
    let (again, _, err) = backup_cli(&app.storage, &target);
    assert!(!again);
    assert!(err.contains("exists already"), "{err}");

    // A server started on the copy has the data: the account, its contact, the
    // administrator's token and the platform app's.
    let copy = TestApp::start_on(restored).await;
    let account = copy
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}", tenant.account_id),
            Some(&tenant.admin.token),
            None,
        )
        .await;
    assert_eq!(account.status, 200, "{}", account.body);
    assert_eq!(account.body["name"], "Backed Up Ltd");
    let contacts = copy
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/contacts", tenant.account_id),
            Some(&tenant.admin.token),
            None,
        )
        .await;
    assert_eq!(contacts.status, 200, "{}", contacts.body);
    assert_eq!(contacts.body["payload"][0]["name"], "Kept Contact");
    let missing = copy
        .call(
            Method::GET,
            &format!("/platform/api/v1/accounts/{}", later.account_id),
            Some(&platform),
            None,
        )
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    // Tenants stay apart in the copy too.
    let other = copy
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/contacts", later.account_id),
            Some(&tenant.admin.token),
            None,
        )
        .await;
    assert!(matches!(other.status.as_u16(), 401 | 404), "{}", other.body);
}

#[tokio::test]
async fn a_request_id_from_the_client_is_echoed_back() {
    let app = TestApp::spawn().await;
    let r = app
        .request(Method::GET, "/api")
        .header("x-request-id", "trace-from-the-proxy-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-from-the-proxy-42");
    // Without one, each request gets its own.
    let a = app.call(Method::GET, "/api", None, None).await;
    let b = app.call(Method::GET, "/api", None, None).await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
}

#[tokio::test]
async fn a_worker_process_answers_health_checks_and_metrics_only() {
    let storage = Storage::new().await.unwrap();
    if storage.backend() != switchboard_store::Backend::Postgres {
        // `switchboard worker` needs PostgreSQL; on SQLite `serve` does both.
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = storage.config(&[]).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(switchboard::run(
        config,
        switchboard::Role::Worker,
        listener,
        async {
            let _ = rx.await;
        },
    ));
    let client = switchboard_testkit::client();
    let url = |p: &str| format!("http://{addr}{p}");
    let mut live = None;
    for _ in 0..200 {
        if let Ok(r) = client.get(url("/health")).send().await {
            live = Some(r.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(live.map(|s| s.as_u16()), Some(200));
    let ready = client.get(url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = client.get(url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains("switchboard_jobs_queued{kind=\"webhook_delivery\"}"),
        "{text}"
    );
    // The API is the web processes' business.
    let api = client
        .get(url("/api/v1/accounts/1/conversations"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    let _ = tx.send(());
    worker.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_healthcheck_command_asks_the_local_server() {
    let app = TestApp::spawn().await;
    // Off the test's (single-threaded) runtime, which must keep serving meanwhile.
    let check = |port: u16| {
        let env = app.storage.env(&[("PORT", &port.to_string())]);
        tokio::task::spawn_blocking(move || {
            Command::new(binary())
                .arg("healthcheck")
                .env_clear()
                .envs(env)
                .output()
                .expect("run switchboard")
        })
    };
    let up = check(app.addr.port()).await.unwrap();
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    // Nothing listens on a port just freed.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = check(free).await.unwrap();
    assert!(!down.status.success());
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("127.0.0.1"),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
}
