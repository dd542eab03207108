//! Webhook delivery throughput and the cost of enqueueing, against a running `switchboard
//! web` whose worker is not started yet:
//!
//!   deliveries --url http://127.0.0.1:3000 --platform-token T --worker target/release/switchboard
//!
//! 1. Makes an account, an API inbox and a conversation through the Platform and
//!    Application APIs, and starts a local receiver that answers 200 to every post.
//! 2. Posts `--messages` replies with no webhook, then `--webhooks` webhooks on the
//!    receiver, then the same number of replies again: the two latency columns show what
//!    enqueueing the outbox job adds to the request (nothing is delivered yet: no worker).
//! 3. Starts `<worker> worker` (with this process's environment) and times how long it
//!    takes to fan out and deliver all `messages × webhooks` deliveries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use reqwest::Client;
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Parser, Debug)]
#[command(about = "Webhook delivery throughput with one worker")]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    #[arg(long, env = "PLATFORM_TOKEN")]
    platform_token: String,
    /// The switchboard binary to start as the worker.
    #[arg(long)]
    worker: String,
    #[arg(long, default_value_t = 50)]
    webhooks: usize,
    #[arg(long, default_value_t = 200)]
    messages: usize,
    /// Concurrent clients posting messages.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
}

/// The receiver's tally: posts seen, and when the first and the last arrived.
#[derive(Default)]
struct Tally {
    hits: AtomicU64,
    first: Mutex<Option<Instant>>,
    last: Mutex<Option<Instant>>,
}

async fn receive(axum::extract::State(t): axum::extract::State<Arc<Tally>>) -> &'static str {
    let now = Instant::now();
    t.first.lock().await.get_or_insert(now);
    *t.last.lock().await = Some(now);
    t.hits.fetch_add(1, Ordering::SeqCst);
    "ok"
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // reqwest is built without a bundled TLS provider (no C crypto): install ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = Client::new();
    let tally = Arc::new(Tally::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook_url = format!("http://{}/hook", listener.local_addr()?);
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(tally.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let api = Api {
        client: client.clone(),
        base: args.url.clone(),
    };
    let account = api
        .post(
            "/platform/api/v1/accounts",
            &args.platform_token,
            json!({"name": "Deliveries"}),
        )
        .await?["id"]
        .as_i64()
        .context("account id")?;
    let user = api
        .post(
            "/platform/api/v1/users",
            &args.platform_token,
            json!({"name": "Bench", "email": format!("bench-{account}@example.com"), "password": "Passw0rd!x"}),
        )
        .await?;
    api.post(
        &format!("/platform/api/v1/accounts/{account}/account_users"),
        &args.platform_token,
        json!({"user_id": user["id"], "role": "administrator"}),
    )
    .await?;
    let token = user["access_token"]
        .as_str()
        .context("access_token")?
        .to_string();
    let base = format!("/api/v1/accounts/{account}");
    let inbox = api
        .post(
            &format!("{base}/inboxes"),
            &token,
            json!({"name": "Api", "channel": {"type": "api"}}),
        )
        .await?["id"]
        .clone();
    let contact = api
        .post(
            &format!("{base}/contacts"),
            &token,
            json!({"name": "Jo", "inbox_id": inbox}),
        )
        .await?["payload"]["contact"]["id"]
        .clone();
    let conversation = api
        .post(
            &format!("{base}/conversations"),
            &token,
            json!({"contact_id": contact, "inbox_id": inbox}),
        )
        .await?["id"]
        .clone();
    let messages_path = format!("{base}/conversations/{conversation}/messages");

    // Unmeasured: warms the connection pools and the caches.
    post_messages(&api, &messages_path, &token, &args).await?;
    let without = post_messages(&api, &messages_path, &token, &args).await?;
    for n in 0..args.webhooks {
        api.post(
            &format!("{base}/webhooks"),
            &token,
            json!({"webhook": {"url": format!("{hook_url}?n={n}"), "name": format!("hook {n}"), "subscriptions": ["message_created"]}}),
        )
        .await?;
    }
    let with = post_messages(&api, &messages_path, &token, &args).await?;
    println!(
        "| message create ({} clients) | p50 | p99 |",
        args.concurrency
    );
    println!("|---|---|---|");
    for (name, h) in [
        ("no webhook", &without),
        (&format!("{} webhooks", args.webhooks) as &str, &with),
    ] {
        println!(
            "| {name} | {:.2} ms | {:.2} ms |",
            h.value_at_quantile(0.5) as f64 / 1000.0,
            h.value_at_quantile(0.99) as f64 / 1000.0
        );
    }

    let expected = (args.messages * args.webhooks) as u64;
    let started = Instant::now();
    let mut worker = tokio::process::Command::new(&args.worker)
        .arg("worker")
        // Its health and metrics listener must not take the web process's port.
        .env("PORT", "0")
        .kill_on_drop(true)
        .spawn()
        .context("start the worker")?;
    let deadline = started + Duration::from_secs(600);
    while tally.hits.load(Ordering::SeqCst) < expected {
        if Instant::now() > deadline {
            bail!(
                "only {} of {expected} deliveries arrived in 10 minutes",
                tally.hits.load(Ordering::SeqCst)
            );
        }
        if let Some(status) = worker.try_wait()? {
            bail!("the worker exited: {status}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let total = started.elapsed();
    let first = tally.first.lock().await.context("no first")?;
    let last = tally.last.lock().await.context("no last")?;
    let span = last.duration_since(first).as_secs_f64();
    worker.kill().await.ok();
    println!();
    println!(
        "{expected} deliveries ({} messages × {} webhooks): {:.1} s from worker start, {:.1} s first to last: {:.0} deliveries/s",
        args.messages,
        args.webhooks,
        total.as_secs_f64(),
        span,
        expected as f64 / span.max(0.001)
    );
    Ok(())
}

struct Api {
    client: Client,
    base: String,
}

impl Api {
    async fn post(&self, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("api_access_token", token)
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("POST {path}: {status} {body}");
        }
        Ok(body)
    }
}

/// Posts `args.messages` replies from `args.concurrency` clients; returns the latencies in µs.
async fn post_messages(
    api: &Api,
    path: &str,
    token: &str,
    args: &Args,
) -> anyhow::Result<Histogram<u64>> {
    let left = Arc::new(AtomicU64::new(args.messages as u64));
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (left, client, url, token) = (
            left.clone(),
            api.client.clone(),
            format!("{}{path}", api.base),
            token.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3)?;
            while left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("api_access_token", &token)
                    .json(&json!({"content": "How can I help?"}))
                    .send()
                    .await?;
                if !r.status().is_success() {
                    bail!("message create: {}", r.status());
                }
                h.record(t.elapsed().as_micros() as u64)?;
            }
            anyhow::Ok(h)
        }));
    }
    let mut all = Histogram::<u64>::new(3)?;
    for t in tasks {
        all.add(t.await??)?;
    }
    Ok(all)
}
