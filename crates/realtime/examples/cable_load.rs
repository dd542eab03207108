//! A bounded websocket load tool for `/cable`, on loopback only (see bench/cable.sh).
//!
//!   cable_load url=ws://127.0.0.1:3918/cable token=… account=1 user=1 sockets=10000 \
//!              hold=20 server_pid=1234 [redis=redis://127.0.0.1:6379 prefix=switchboard \
//!              messages=50 interval_ms=100]
//!
//! Opens `sockets` agent subscriptions (at most 20,000), reports the server's resident
//! memory before and after, and, with `redis`, publishes `messages` events to the
//! account through a Redis bus of its own (as a worker process would) and reports the
//! delivery latency seen by every socket. It stops after `hold` seconds (at most 300).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_core::events::Broadcast;
use switchboard_realtime::Realtime;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1e6
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: HashMap<String, String> = std::env::args()
        .skip(1)
        .filter_map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let get = |k: &str| args.get(k).cloned().unwrap_or_default();
    let url = get("url");
    anyhow::ensure!(
        url.starts_with("ws://127.0.0.1:") || url.starts_with("ws://localhost:"),
        "loopback only: url=ws://127.0.0.1:<port>/cable"
    );
    let sockets: usize = get("sockets").parse().unwrap_or(100).min(20_000);
    let hold: u64 = get("hold").parse().unwrap_or(10).min(300);
    let account: i64 = get("account").parse()?;
    let user: i64 = get("user").parse()?;
    let token = get("token");
    let pid = get("server_pid");
    let identifier = json!({"channel": "RoomChannel", "pubsub_token": token, "account_id": account, "user_id": user}).to_string();

    let before = rss_mb(&pid);
    println!("server RSS before: {before:.1} MB");
    let latencies: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + Duration::from_secs(hold);
    let started = Instant::now();

    // Connect with bounded concurrency; every socket waits for its confirmation.
    let opened = futures_util::stream::iter(0..sockets)
        .map(|_| {
            let url = url.clone();
            let identifier = identifier.clone();
            async move {
                let mut req = url.into_client_request().ok()?;
                req.headers_mut().insert(
                    "Sec-WebSocket-Protocol",
                    "actioncable-v1-json".parse().ok()?,
                );
                let (mut ws, _) = tokio_tungstenite::connect_async(req).await.ok()?;
                let sub = json!({"command": "subscribe", "identifier": identifier});
                ws.send(Message::text(sub.to_string())).await.ok()?;
                while let Some(Ok(m)) = ws.next().await {
                    if let Message::Text(t) = m
                        && t.as_str().contains("confirm_subscription")
                    {
                        return Some(ws);
                    }
                }
                None
            }
        })
        .buffer_unordered(200)
        .filter_map(|ws| async move { ws })
        .collect::<Vec<_>>()
        .await;
    println!(
        "{} of {sockets} sockets subscribed in {:.1} s",
        opened.len(),
        started.elapsed().as_secs_f64()
    );

    let mut readers = Vec::new();
    for mut ws in opened {
        let latencies = latencies.clone();
        readers.push(tokio::spawn(async move {
            let deadline = tokio::time::Instant::from_std(deadline);
            while let Ok(Some(Ok(m))) = tokio::time::timeout_at(deadline, ws.next()).await {
                let Message::Text(t) = m else { continue };
                if !t.as_str().contains("\"bench\"") {
                    continue;
                }
                let received = now_ns();
                let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                if let Some(sent) = v["message"]["data"]["sent_ns"].as_u64() {
                    latencies
                        .lock()
                        .unwrap()
                        .push(received.saturating_sub(sent));
                }
            }
            let _ = ws.close(None).await;
        }));
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_mb(&pid);
    println!(
        "server RSS with {} sockets: {after:.1} MB (+{:.1} MB, {:.1} KB per socket)",
        readers.len(),
        after - before,
        (after - before) * 1024.0 / readers.len().max(1) as f64
    );

    if let Some(redis) = args.get("redis") {
        let prefix = args
            .get("prefix")
            .cloned()
            .unwrap_or_else(|| "switchboard".into());
        let messages: usize = get("messages").parse().unwrap_or(50).min(10_000);
        let interval = Duration::from_millis(get("interval_ms").parse().unwrap_or(100));
        let rt = Realtime::redis(redis, &prefix).await?;
        let bus = rt.bus();
        for i in 0..messages {
            if Instant::now() >= deadline {
                break;
            }
            bus.publish(Broadcast {
                account_id: account,
                event: "bench".into(),
                data: json!({"account_id": account, "i": i, "sent_ns": now_ns()}),
                streams: vec![Broadcast::account_stream(account)],
                except: None,
            });
            tokio::time::sleep(interval).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        rt.shutdown();
        let mut l = latencies.lock().unwrap().clone();
        l.sort_unstable();
        println!(
            "{messages} messages x {} sockets: {} deliveries ({} expected); latency ms p50 {:.2} p99 {:.2} max {:.2}",
            readers.len(),
            l.len(),
            messages * readers.len(),
            percentile(&l, 0.50),
            percentile(&l, 0.99),
            percentile(&l, 1.0)
        );
    }
    // Hold until the deadline (readers stop there) so memory can be watched from outside.
    for r in readers {
        let _ = r.await;
    }
    Ok(())
}
