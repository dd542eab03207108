//! Redis health: reachable at start, pingable, and (for `/cable`) subscribed.

use std::future::Future;
use std::pin::Pin;

use anyhow::Context;
use redis::aio::ConnectionManager;
use switchboard_api::Probe;

use crate::config::redact_url;

pub struct RedisProbe {
    conn: ConnectionManager,
}

impl RedisProbe {
    /// Connects and pings once, so a wrong `REDIS_URL` stops start-up with a clear line.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let what = || format!("cannot reach Redis at {}", redact_url(url));
        let client = redis::Client::open(url).with_context(what)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(std::time::Duration::from_secs(5)))
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| anyhow::anyhow!("timed out"))
        .with_context(what)?
        .with_context(what)?;
        let probe = Self { conn };
        probe
            .ping()
            .await
            .map_err(|e| anyhow::anyhow!(e))
            .with_context(what)?;
        Ok(probe)
    }
}

impl Probe for RedisProbe {
    fn ping(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let ping = redis::cmd("PING");
            let fut = ping.query_async::<String>(&mut conn);
            match tokio::time::timeout(std::time::Duration::from_secs(2), fut).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("timed out".into()),
            }
        })
    }
}

/// Redis for `/health/ready`: reachable, and this process subscribed for `/cable`.
pub struct WithCable {
    pub probe: RedisProbe,
    pub realtime: switchboard_realtime::Realtime,
}

impl Probe for WithCable {
    fn ping(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move {
            self.probe.ping().await?;
            if self.realtime.is_delivering() {
                Ok(())
            } else {
                Err("the /cable subscription is down (reconnecting)".into())
            }
        })
    }
}
