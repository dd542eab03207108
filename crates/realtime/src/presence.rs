//! Who is online: Chatwoot's `OnlineStatusTracker`. A user or contact counts as present
//! for `PRESENCE_WINDOW` after its last sign of life (subscribing, `update_presence`, or
//! its socket staying open: sockets refresh it while connected). In memory for one
//! process; in Redis sorted sets (score = unix seconds, with expiry) across processes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::redis::Shared;

/// Chatwoot's `PRESENCE_DURATION` (20 s).
pub const PRESENCE_WINDOW: Duration = Duration::from_secs(20);

pub use switchboard_core::presence::Kind;

fn key(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "users",
        Kind::Contact => "contacts",
    }
}

type Seen = HashMap<(i64, Kind), HashMap<i64, Instant>>;

pub enum Presence {
    Memory(Mutex<Seen>),
    Redis(Arc<Shared>),
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Presence {
    pub fn memory() -> Presence {
        Presence::Memory(Mutex::new(HashMap::new()))
    }

    /// Marks `id` present in `account_id` now.
    pub async fn touch(&self, account_id: i64, kind: Kind, id: i64) {
        match self {
            Presence::Memory(m) => {
                let mut seen = m.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let set = seen.entry((account_id, kind)).or_default();
                set.insert(id, now);
                set.retain(|_, t| now.duration_since(*t) <= PRESENCE_WINDOW);
            }
            Presence::Redis(shared) => {
                let key = shared.presence_key(account_id, key(kind));
                let mut conn = shared.conn.clone();
                let r: redis::RedisResult<()> = redis::pipe()
                    .zadd(&key, id, unix_now())
                    .ignore()
                    .expire(&key, PRESENCE_WINDOW.as_secs() as i64 * 3)
                    .ignore()
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = r {
                    tracing::warn!(error = %e, "cannot record presence in Redis");
                }
            }
        }
    }

    /// The ids present in `account_id` within the window.
    pub async fn seen(&self, account_id: i64, kind: Kind) -> Vec<i64> {
        match self {
            Presence::Memory(m) => {
                let seen = m.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let mut ids: Vec<i64> = seen
                    .get(&(account_id, kind))
                    .map(|set| {
                        set.iter()
                            .filter(|(_, t)| now.duration_since(**t) <= PRESENCE_WINDOW)
                            .map(|(id, _)| *id)
                            .collect()
                    })
                    .unwrap_or_default();
                ids.sort_unstable();
                ids
            }
            Presence::Redis(shared) => {
                let key = shared.presence_key(account_id, key(kind));
                let start = unix_now() - PRESENCE_WINDOW.as_secs() as i64;
                let mut conn = shared.conn.clone();
                // Old members are cleared as they are read, as Chatwoot does.
                let r: redis::RedisResult<(Vec<i64>,)> = redis::pipe()
                    .cmd("ZREMRANGEBYSCORE")
                    .arg(&key)
                    .arg("-inf")
                    .arg(format!("({start}"))
                    .ignore()
                    .zrangebyscore(&key, start, "+inf")
                    .query_async(&mut conn)
                    .await;
                match r {
                    Ok((mut ids,)) => {
                        ids.sort_unstable();
                        ids
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read presence from Redis");
                        Vec::new()
                    }
                }
            }
        }
    }
}

/// Use cases read presence through `core`'s port.
impl switchboard_core::presence::Presence for Presence {
    fn online(
        &self,
        account_id: i64,
        kind: Kind,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<i64>> + Send + '_>> {
        Box::pin(self.seen(account_id, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_presence_is_per_account_and_kind() {
        let p = Presence::memory();
        p.touch(1, Kind::User, 5).await;
        p.touch(1, Kind::Contact, 9).await;
        p.touch(2, Kind::User, 6).await;
        assert_eq!(p.seen(1, Kind::User).await, vec![5]);
        assert_eq!(p.seen(1, Kind::Contact).await, vec![9]);
        assert_eq!(p.seen(2, Kind::User).await, vec![6]);
        assert!(p.seen(3, Kind::User).await.is_empty());
    }
}
