//! The Redis side: one pub/sub channel that every web process subscribes to once, the
//! per-account sequence and replay list (so any process can replay), and presence.
//! Losing Redis never stops a process: publishes wait and retry, the subscriber
//! reconnects with backoff, resubscribes and catches up from the replay lists.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use serde::Deserialize;
use switchboard_core::events::Broadcast;
use tokio::sync::{mpsc, watch};

use crate::hub::{Envelope, Hub};
use crate::replay::{REPLAY_CAPACITY, Replay, select};

/// Seconds an account's replay list outlives its last event.
const REPLAY_TTL_SECS: u64 = 3600;
/// Broadcasts a process may hold while Redis is away before it drops new ones.
pub const PUBLISH_QUEUE: usize = 10_000;

/// Numbers the event, keeps it in the account's capped list and publishes it, in one
/// atomic step so that the list, the channel and the sequence agree on the order.
const PUBLISH_SCRIPT: &str = r#"
local seq = redis.call('INCR', KEYS[1])
local env = '{"seq":' .. seq .. ',"broadcast":' .. ARGV[1] .. '}'
redis.call('RPUSH', KEYS[2], env)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
redis.call('PUBLISH', ARGV[2], env)
return seq
"#;

#[derive(Deserialize)]
struct Wire {
    seq: u64,
    broadcast: Broadcast,
}

fn parse(payload: &str) -> Option<Arc<Envelope>> {
    match serde_json::from_str::<Wire>(payload) {
        Ok(w) => Some(Arc::new(Envelope::new(w.seq, w.broadcast))),
        Err(e) => {
            tracing::warn!(error = %e, "ignoring an unreadable /cable event from Redis");
            None
        }
    }
}

/// What the Redis parts share.
pub struct Shared {
    /// For the subscriber's dedicated connection.
    pub client: redis::Client,
    pub conn: ConnectionManager,
    pub prefix: String,
    /// Whether the subscriber is connected (reported by `/health/ready`).
    pub subscribed: AtomicBool,
}

impl Shared {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Shared> {
        let client = redis::Client::open(url).context("REDIS_URL")?;
        // The subscriber names itself (`lib-name` in `CLIENT LIST`, Redis 7.2 and later),
        // so operators can tell it apart.
        let info = client.get_connection_info().clone();
        let named = info.redis_settings().clone().set_lib_name(
            format!("switchboard-cable:{prefix}"),
            env!("CARGO_PKG_VERSION"),
        );
        let subscriber_client =
            redis::Client::open(info.set_redis_settings(named)).context("REDIS_URL")?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(2));
        let conn = tokio::time::timeout(
            Duration::from_secs(10),
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        .map_err(|_| anyhow::anyhow!("timed out connecting to Redis"))??;
        Ok(Shared {
            client: subscriber_client,
            conn,
            prefix: prefix.to_string(),
            subscribed: AtomicBool::new(false),
        })
    }

    pub fn channel(&self) -> String {
        format!("{}:cable", self.prefix)
    }

    fn seq_key(&self, account_id: i64) -> String {
        format!("{}:cable:seq:{account_id}", self.prefix)
    }

    fn log_key(&self, account_id: i64) -> String {
        format!("{}:cable:log:{account_id}", self.prefix)
    }

    pub fn presence_key(&self, account_id: i64, kind: &str) -> String {
        format!("{}:presence:{account_id}:{kind}", self.prefix)
    }

    async fn publish(&self, b: &Broadcast) -> redis::RedisResult<u64> {
        let payload = serde_json::to_string(b).map_err(|e| {
            redis::RedisError::from((redis::ErrorKind::Client, "serialize", e.to_string()))
        })?;
        let mut conn = self.conn.clone();
        redis::cmd("EVAL")
            .arg(PUBLISH_SCRIPT)
            .arg(2)
            .arg(self.seq_key(b.account_id))
            .arg(self.log_key(b.account_id))
            .arg(payload)
            .arg(self.channel())
            .arg(REPLAY_CAPACITY)
            .arg(REPLAY_TTL_SECS)
            .query_async(&mut conn)
            .await
    }

    /// The account's current sequence.
    pub async fn current(&self, account_id: i64) -> redis::RedisResult<u64> {
        let mut conn = self.conn.clone();
        let seq: Option<u64> = redis::cmd("GET")
            .arg(self.seq_key(account_id))
            .query_async(&mut conn)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    /// The events of `account_id` after `since`, from the shared list.
    pub async fn since(&self, account_id: i64, since: u64) -> redis::RedisResult<Replay> {
        let mut conn = self.conn.clone();
        let (current, list): (Option<u64>, Vec<String>) = redis::pipe()
            .get(self.seq_key(account_id))
            .lrange(self.log_key(account_id), 0, -1)
            .query_async(&mut conn)
            .await?;
        let buffered = list.iter().filter_map(|p| parse(p)).collect();
        Ok(select(current.unwrap_or(0), buffered, since))
    }
}

/// Sends queued broadcasts to Redis in order; while Redis is away it retries the one in
/// hand with backoff and lets the queue absorb the rest.
pub async fn publisher(
    shared: Arc<Shared>,
    mut rx: mpsc::Receiver<Broadcast>,
    mut stop: watch::Receiver<bool>,
) {
    while let Some(b) = tokio::select! {
        b = rx.recv() => b,
        _ = stop.changed() => None,
    } {
        let mut delay = Duration::from_millis(50);
        loop {
            match shared.publish(&b).await {
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, event = %b.event, "cannot publish to Redis; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = stop.changed() => return,
                    }
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

/// Feeds the hub from the channel; reconnects with backoff when the connection drops,
/// then catches up on what it missed from the replay lists.
pub async fn subscriber(shared: Arc<Shared>, hub: Arc<Hub>, mut stop: watch::Receiver<bool>) {
    let channel = shared.channel();
    let mut delay = Duration::from_millis(100);
    let mut reconnecting = false;
    loop {
        let subscribed = async {
            let mut pubsub = shared.client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            redis::RedisResult::Ok(pubsub)
        };
        let attempt = tokio::select! {
            r = tokio::time::timeout(Duration::from_secs(5), subscribed) => r,
            _ = stop.changed() => return,
        };
        match attempt {
            Ok(Ok(pubsub)) => {
                shared.subscribed.store(true, Ordering::Release);
                delay = Duration::from_millis(100);
                if reconnecting {
                    tracing::info!("resubscribed to Redis for /cable");
                    catch_up(&shared, &hub).await;
                }
                let mut stream = pubsub.into_on_message();
                loop {
                    tokio::select! {
                        msg = stream.next() => match msg {
                            Some(m) => {
                                let payload: String = match m.get_payload() {
                                    Ok(p) => p,
                                    Err(_) => continue,
                                };
                                if let Some(env) = parse(&payload) {
                                    hub.deliver(&env);
                                }
                            }
                            None => break,
                        },
                        _ = stop.changed() => return,
                    }
                }
                shared.subscribed.store(false, Ordering::Release);
                tracing::warn!("lost the Redis subscription for /cable; reconnecting");
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot subscribe to Redis for /cable"),
            Err(_) => tracing::warn!("timed out subscribing to Redis for /cable"),
        }
        reconnecting = true;
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// After a reconnect: delivers, per account this process has sockets for, the events
/// published while it was away; when they are gone, tells those sockets to resync.
async fn catch_up(shared: &Shared, hub: &Hub) {
    for (account_id, last) in hub.positions() {
        match shared.since(account_id, last).await {
            Ok(Replay::Events(events)) => {
                for env in &events {
                    hub.deliver(env);
                }
            }
            Ok(Replay::Resync) => hub.resync_account(account_id),
            Err(e) => {
                tracing::warn!(error = %e, "cannot catch up from Redis");
                hub.resync_account(account_id);
            }
        }
    }
}
