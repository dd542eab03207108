//! Drives a running Switchboard with a fixed number of concurrent clients for a fixed
//! time per scenario, and prints latency percentiles and throughput as a Markdown table.
//!
//!   load --url http://127.0.0.1:3000 --token TOKEN --account 1 --concurrency 8 --seconds 20
//!
//! Scenarios (Chatwoot's Application API, as its dashboard calls it):
//!   list      GET  conversations?status=open&assignee_type=all&page=1..pages
//!   filter    POST conversations/filter  status = open AND inbox_id = one of the account's
//!   contacts  GET  contacts/search?q=…
//!   search    GET  conversations/search?q=…
//!   create    POST conversations/{display_id}/messages, an outgoing reply

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};
use switchboard_bench::{CONTACT_SEARCHES, MESSAGE_SEARCHES};

#[derive(Parser, Debug, Clone)]
#[command(about = "HTTP load against a running Switchboard")]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// An administrator's api_access_token (so every conversation is in scope).
    #[arg(long, env = "TOKEN")]
    token: String,
    #[arg(long, default_value_t = 1)]
    account: i64,
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Unmeasured seconds before each scenario.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Pages of the conversation list to spread over.
    #[arg(long, default_value_t = 4)]
    pages: u64,
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "list,filter,contacts,search,create"
    )]
    scenarios: Vec<String>,
}

/// What a scenario needs to know about the account.
struct Target {
    args: Args,
    client: Client,
    inboxes: Vec<i64>,
    conversations: u64,
}

/// xorshift64*: a different, repeatable stream per client, and no locking.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

impl Target {
    fn api(&self, path: &str) -> String {
        format!(
            "{}/api/v1/accounts/{}{path}",
            self.args.url.trim_end_matches('/'),
            self.args.account
        )
    }

    fn request(&self, scenario: &str, rng: &mut Rng, n: u64) -> RequestBuilder {
        let c = &self.client;
        let req = match scenario {
            "list" => c.get(self.api(&format!(
                "/conversations?status=open&assignee_type=all&page={}",
                1 + rng.below(self.args.pages)
            ))),
            "filter" => c.post(self.api("/conversations/filter")).json(&json!({
                "payload": [
                    {"attribute_key": "status", "filter_operator": "equal_to",
                     "values": ["open"], "query_operator": "and"},
                    {"attribute_key": "inbox_id", "filter_operator": "equal_to",
                     "values": [rng.pick(&self.inboxes)], "query_operator": null}
                ],
                "page": 1
            })),
            "contacts" => c.get(self.api(&format!(
                "/contacts/search?q={}",
                encode(rng.pick::<&str>(CONTACT_SEARCHES))
            ))),
            "search" => c.get(self.api(&format!(
                "/conversations/search?q={}",
                encode(rng.pick::<&str>(MESSAGE_SEARCHES))
            ))),
            _ => c
                .post(self.api(&format!(
                    "/conversations/{}/messages",
                    1 + rng.below(self.conversations)
                )))
                .json(&json!({
                    "content": format!("Thanks for waiting, this is reply {n} from the load test."),
                    "message_type": "outgoing",
                })),
        };
        req.header("api_access_token", &self.args.token)
    }
}

/// One client's tally.
struct Tally {
    hist: Histogram<u64>,
    errors: u64,
    queries: u64,
}

async fn client_loop(
    t: Arc<Target>,
    scenario: String,
    seed: u64,
    warm_until: Instant,
    end: Instant,
) -> anyhow::Result<Tally> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut tally = Tally {
        hist: Histogram::new_with_bounds(1, 60_000_000, 3)?,
        errors: 0,
        queries: 0,
    };
    let mut n = 0u64;
    loop {
        let start = Instant::now();
        if start >= end {
            return Ok(tally);
        }
        n += 1;
        let resp = t
            .request(&scenario, &mut rng, seed * 1_000_000 + n)
            .send()
            .await;
        let ok = match resp {
            Ok(r) => {
                let status = r.status();
                let queries = r
                    .headers()
                    .get("x-db-queries")
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                let body = r.bytes().await;
                if status.is_success() && body.is_ok() {
                    tally.queries = tally.queries.max(queries.unwrap_or(0));
                    true
                } else {
                    if tally.errors == 0 {
                        let text = body.map(|b| String::from_utf8_lossy(&b).into_owned());
                        eprintln!("{scenario}: {status} {}", text.unwrap_or_default());
                    }
                    false
                }
            }
            Err(e) => {
                if tally.errors == 0 {
                    eprintln!("{scenario}: {e}");
                }
                false
            }
        };
        if start < warm_until {
            continue;
        }
        if ok {
            tally
                .hist
                .saturating_record(start.elapsed().as_micros() as u64);
        } else {
            tally.errors += 1;
        }
    }
}

fn encode(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

fn ms(us: u64) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}

async fn discover(args: &Args, client: &Client) -> anyhow::Result<(Vec<i64>, u64)> {
    let base = format!(
        "{}/api/v1/accounts/{}",
        args.url.trim_end_matches('/'),
        args.account
    );
    let get = |path: &str| {
        client
            .get(format!("{base}{path}"))
            .header("api_access_token", &args.token)
            .send()
    };
    let inboxes: Value = get("/inboxes").await?.error_for_status()?.json().await?;
    let inboxes: Vec<i64> = inboxes["payload"]
        .as_array()
        .context("inboxes payload")?
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    let list: Value = get("/conversations?status=all")
        .await?
        .error_for_status()?
        .json()
        .await?;
    let count = list["data"]["meta"]["all_count"]
        .as_u64()
        .context("conversation count")?;
    if inboxes.is_empty() || count == 0 {
        bail!("the account has no inboxes or no conversations: seed it first");
    }
    Ok((inboxes, count))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // reqwest is built without a bundled TLS provider (no C crypto): install ring's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let (inboxes, conversations) = discover(&args, &client).await?;
    eprintln!(
        "account {}: {} inboxes, {conversations} conversations; {} clients, {} s per scenario",
        args.account,
        inboxes.len(),
        args.concurrency,
        args.seconds
    );
    let target = Arc::new(Target {
        args: args.clone(),
        client,
        inboxes,
        conversations,
    });
    println!(
        "| Scenario | Requests | Errors | Throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | DB statements |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for scenario in &args.scenarios {
        if !["list", "filter", "contacts", "search", "create"].contains(&scenario.as_str()) {
            bail!("unknown scenario {scenario}");
        }
        let warm_until = Instant::now() + Duration::from_secs(args.warmup);
        let end = warm_until + Duration::from_secs(args.seconds);
        let tasks: Vec<_> = (0..args.concurrency as u64)
            .map(|i| {
                tokio::spawn(client_loop(
                    target.clone(),
                    scenario.clone(),
                    i + 1,
                    warm_until,
                    end,
                ))
            })
            .collect();
        let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
        let (mut errors, mut queries) = (0, 0);
        for t in tasks {
            let tally = t.await??;
            hist.add(&tally.hist)?;
            errors += tally.errors;
            queries = queries.max(tally.queries);
        }
        let count = hist.len();
        println!(
            "| {scenario} | {count} | {errors} | {:.0} | {} | {} | {} | {} | {queries} |",
            count as f64 / args.seconds as f64,
            ms(hist.value_at_quantile(0.50)),
            ms(hist.value_at_quantile(0.95)),
            ms(hist.value_at_quantile(0.99)),
            ms(hist.max()),
        );
    }
    Ok(())
}
