//! Realtime: the `/cable` socket (ActionCable's framing with Chatwoot's `RoomChannel`),
//! the hub that routes events to this process's sockets, the event bus that use cases
//! publish to (in-process, or Redis between processes), per-account sequences with a
//! replay buffer for catch-up, and presence. See docs/realtime.md.

mod cable;
mod hub;
mod presence;
mod protocol;
mod redis;
mod replay;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::routing::get;
use switchboard_core::Ctx;
use switchboard_core::events::{Broadcast, Bus, EventBus};
use tokio::sync::{mpsc, watch};

pub use cable::{MAX_BAD_FRAMES, MAX_FRAME, MAX_SUBSCRIBES_PER_MINUTE, MAX_SUBSCRIPTIONS};
pub use hub::SOCKET_QUEUE;
pub use presence::PRESENCE_WINDOW;
pub use replay::REPLAY_CAPACITY;

use hub::Hub;
use presence::Presence;
use replay::{MemoryLog, Replay};

/// Realtime for one process. Cheap to clone.
#[derive(Clone)]
pub struct Realtime {
    inner: Arc<Inner>,
}

enum Backend {
    Memory(MemoryLog),
    Redis {
        shared: Arc<redis::Shared>,
        queue: mpsc::Sender<Broadcast>,
    },
}

pub(crate) struct Inner {
    hub: Arc<Hub>,
    backend: Backend,
    presence: Arc<Presence>,
    /// Flipped at shutdown: sockets say goodbye, background tasks end.
    stop: watch::Sender<bool>,
}

impl Inner {
    /// With Redis, pins the hub's position for an account it has not delivered events
    /// of yet, so a reconnect after an outage knows where to catch up from.
    async fn note_position(&self, account_id: i64) {
        if let Backend::Redis { shared, .. } = &self.backend
            && !self.hub.has_position(account_id)
        {
            match shared.current(account_id).await {
                Ok(seq) => self.hub.note_position(account_id, seq),
                Err(e) => tracing::warn!(error = %e, "cannot read the account's sequence"),
            }
        }
    }

    async fn since(&self, account_id: i64, since: u64) -> Replay {
        match &self.backend {
            Backend::Memory(log) => log.since(account_id, since),
            Backend::Redis { shared, .. } => match shared.since(account_id, since).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the replay buffer from Redis");
                    Replay::Resync
                }
            },
        }
    }
}

impl Realtime {
    /// The embedded bus: events go straight to this process's sockets.
    pub fn in_process() -> Realtime {
        let (stop, _) = watch::channel(false);
        Realtime {
            inner: Arc::new(Inner {
                hub: Arc::new(Hub::default()),
                backend: Backend::Memory(MemoryLog::default()),
                presence: Arc::new(Presence::memory()),
                stop,
            }),
        }
    }

    /// The Redis bus: events are published on one channel that every process subscribes
    /// to once; sequences, replay buffers and presence live in Redis under `prefix`.
    pub async fn redis(url: &str, prefix: &str) -> anyhow::Result<Realtime> {
        let shared = Arc::new(redis::Shared::connect(url, prefix).await?);
        let (stop, _) = watch::channel(false);
        let hub = Arc::new(Hub::default());
        let (queue, rx) = mpsc::channel(redis::PUBLISH_QUEUE);
        tokio::spawn(redis::publisher(shared.clone(), rx, stop.subscribe()));
        tokio::spawn(redis::subscriber(
            shared.clone(),
            hub.clone(),
            stop.subscribe(),
        ));
        // Ready only once subscribed, so a fresh process misses nothing it should relay.
        for _ in 0..500 {
            if shared.subscribed.load(Ordering::Acquire) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        if !shared.subscribed.load(Ordering::Acquire) {
            stop.send_replace(true);
            anyhow::bail!("cannot subscribe to Redis for /cable");
        }
        Ok(Realtime {
            inner: Arc::new(Inner {
                hub,
                backend: Backend::Redis {
                    shared: shared.clone(),
                    queue,
                },
                presence: Arc::new(Presence::Redis(shared)),
                stop,
            }),
        })
    }

    /// The bus use cases publish to (`Ctx.events`).
    pub fn bus(&self) -> Bus {
        Arc::new(Publisher {
            inner: self.inner.clone(),
        })
    }

    /// Presence for use cases (`Ctx.presence`): what this process's sockets record,
    /// shared through Redis when there is one.
    pub fn presence(&self) -> switchboard_core::presence::Port {
        self.inner.presence.clone()
    }

    /// `GET /cable`.
    pub fn routes(&self, ctx: Ctx) -> Router {
        Router::new()
            .route("/cable", get(cable::upgrade))
            .with_state(cable::CableState {
                inner: self.inner.clone(),
                ctx,
            })
    }

    /// Whether live delivery works: always in-process; with Redis, while this process is
    /// subscribed (it reconnects on its own when Redis comes back).
    pub fn is_delivering(&self) -> bool {
        match &self.inner.backend {
            Backend::Memory(_) => true,
            Backend::Redis { shared, .. } => shared.subscribed.load(Ordering::Acquire),
        }
    }

    /// Tells sockets the server is restarting and stops the background tasks.
    pub fn shutdown(&self) {
        self.inner.stop.send_replace(true);
    }
}

struct Publisher {
    inner: Arc<Inner>,
}

impl EventBus for Publisher {
    fn publish(&self, event: Broadcast) {
        match &self.inner.backend {
            Backend::Memory(log) => log.append(event, &self.inner.hub),
            Backend::Redis { queue, .. } => {
                if let Err(e) = queue.try_send(event) {
                    // Redis has been away long enough to fill the queue: the event is
                    // lost, and clients find the gap in the sequence.
                    tracing::warn!(error = %e, "dropping a /cable event: the Redis queue is full");
                }
            }
        }
    }
}
