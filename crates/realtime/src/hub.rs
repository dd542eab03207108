//! The hub: which local sockets listen to which stream. Delivery never waits: each socket
//! has a bounded queue, and a socket whose queue is full misses the event and is told to
//! resync instead, so one slow reader cannot hold up the others.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde_json::json;
use switchboard_core::events::Broadcast;
use tokio::sync::mpsc;

/// Events a socket may have waiting before it is considered slow.
pub const SOCKET_QUEUE: usize = 256;

/// A published event with its place in its account's sequence.
#[derive(Debug)]
pub struct Envelope {
    pub seq: u64,
    pub broadcast: Broadcast,
    /// The frame's `message` member, rendered once for every socket that gets it.
    message: String,
}

impl Envelope {
    pub fn new(seq: u64, broadcast: Broadcast) -> Envelope {
        let message = json!({
            "event": broadcast.event,
            "data": broadcast.data,
            "seq": seq,
        })
        .to_string();
        Envelope {
            seq,
            broadcast,
            message,
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether a subscription listening to `streams` receives this event.
    pub fn reaches(&self, streams: &[String]) -> bool {
        self.broadcast
            .streams
            .iter()
            .filter(|s| self.broadcast.except.as_deref() != Some(s.as_str()))
            .any(|s| streams.contains(s))
    }
}

/// What the hub hands a socket.
#[derive(Debug)]
pub enum Outgoing {
    Event {
        sub: u32,
        env: Arc<Envelope>,
    },
    /// Events were lost for this subscription: the client should catch up.
    Resync {
        sub: u32,
    },
}

/// One subscription of one socket, as the hub sees it.
#[derive(Clone)]
pub struct Target {
    pub tx: mpsc::Sender<Outgoing>,
    /// Set when the queue overflowed; the socket then sends resync frames.
    pub lagged: Arc<AtomicBool>,
    pub account_id: i64,
}

type Key = (u64, u32);

#[derive(Default)]
pub struct Hub {
    streams: RwLock<HashMap<String, HashMap<Key, Target>>>,
    /// The last sequence delivered per account, to drop duplicates after a catch-up.
    last: Mutex<HashMap<i64, u64>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A jump back larger than any replay buffer means the sequence was reset (Redis lost
/// its keys), not a duplicate.
const RESET_GAP: u64 = 100_000;

impl Hub {
    pub fn add(&self, socket: u64, sub: u32, streams: &[String], target: Target) {
        let mut map = self.streams.write().unwrap_or_else(|e| e.into_inner());
        for s in streams {
            map.entry(s.clone())
                .or_default()
                .insert((socket, sub), target.clone());
        }
    }

    pub fn remove(&self, socket: u64, sub: u32, streams: &[String]) {
        let mut map = self.streams.write().unwrap_or_else(|e| e.into_inner());
        for s in streams {
            if let Some(targets) = map.get_mut(s) {
                targets.remove(&(socket, sub));
                if targets.is_empty() {
                    map.remove(s);
                }
            }
        }
    }

    /// Queues `env` for every local subscription it reaches, once each. Returns false
    /// when the event was delivered already (a catch-up overlapping live delivery).
    pub fn deliver(&self, env: &Arc<Envelope>) -> bool {
        {
            let mut last = lock(&self.last);
            let l = last.entry(env.broadcast.account_id).or_insert(0);
            if env.seq <= *l && *l - env.seq < RESET_GAP {
                return false;
            }
            *l = env.seq;
        }
        let map = self.streams.read().unwrap_or_else(|e| e.into_inner());
        let except = env.broadcast.except.as_deref();
        let several = env.broadcast.streams.len() > 1;
        let mut seen: HashSet<Key> = HashSet::new();
        for stream in &env.broadcast.streams {
            if Some(stream.as_str()) == except {
                continue;
            }
            let Some(targets) = map.get(stream) else {
                continue;
            };
            for (key, t) in targets {
                if several && !seen.insert(*key) {
                    continue;
                }
                let out = Outgoing::Event {
                    sub: key.1,
                    env: env.clone(),
                };
                if let Err(mpsc::error::TrySendError::Full(_)) = t.tx.try_send(out) {
                    t.lagged.store(true, Ordering::Release);
                }
            }
        }
        true
    }

    /// The accounts this process delivered events for, with the last sequence of each.
    pub fn positions(&self) -> Vec<(i64, u64)> {
        lock(&self.last).iter().map(|(a, s)| (*a, *s)).collect()
    }

    pub fn has_position(&self, account_id: i64) -> bool {
        lock(&self.last).contains_key(&account_id)
    }

    /// Records where `account_id` stood when a socket subscribed, unless events of it
    /// were delivered already, so that a catch-up after a Redis outage starts there.
    pub fn note_position(&self, account_id: i64, seq: u64) {
        lock(&self.last).entry(account_id).or_insert(seq);
    }

    /// Tells every local subscription of `account_id` that it missed events.
    pub fn resync_account(&self, account_id: i64) {
        let map = self.streams.read().unwrap_or_else(|e| e.into_inner());
        let mut seen: HashSet<Key> = HashSet::new();
        for targets in map.values() {
            for (key, t) in targets {
                if t.account_id == account_id
                    && seen.insert(*key)
                    && let Err(mpsc::error::TrySendError::Full(_)) =
                        t.tx.try_send(Outgoing::Resync { sub: key.1 })
                {
                    t.lagged.store(true, Ordering::Release);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn broadcast(streams: &[&str], except: Option<&str>) -> Broadcast {
        Broadcast {
            account_id: 1,
            event: "message.created".into(),
            data: json!({"id": 1}),
            streams: streams.iter().map(|s| s.to_string()).collect(),
            except: except.map(str::to_string),
        }
    }

    fn target(cap: usize) -> (Target, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(cap);
        let t = Target {
            tx,
            lagged: Arc::new(AtomicBool::new(false)),
            account_id: 1,
        };
        (t, rx)
    }

    #[test]
    fn one_frame_per_subscription_and_except_is_left_out() {
        let hub = Hub::default();
        let (a, mut ra) = target(8);
        let (b, mut rb) = target(8);
        hub.add(1, 1, &["tok_a".into(), "account_1".into()], a);
        hub.add(2, 1, &["tok_b".into()], b);
        let env = Arc::new(Envelope::new(
            1,
            broadcast(&["tok_a", "account_1", "tok_b"], Some("tok_b")),
        ));
        assert!(hub.deliver(&env));
        assert!(ra.try_recv().is_ok());
        assert!(ra.try_recv().is_err(), "two streams, one frame");
        assert!(rb.try_recv().is_err(), "the except stream gets nothing");
        // The same sequence again is a duplicate.
        assert!(!hub.deliver(&env));
    }

    #[test]
    fn a_full_queue_marks_the_socket_lagged() {
        let hub = Hub::default();
        let (a, _ra) = target(1);
        let lagged = a.lagged.clone();
        hub.add(1, 1, &["t".into()], a);
        for seq in 1..=3 {
            hub.deliver(&Arc::new(Envelope::new(seq, broadcast(&["t"], None))));
        }
        assert!(lagged.load(Ordering::Acquire));
    }

    #[test]
    fn the_frame_message_carries_the_sequence() {
        let env = Envelope::new(7, broadcast(&["t"], None));
        let v: serde_json::Value = serde_json::from_str(env.message()).unwrap();
        assert_eq!(
            v,
            json!({"event": "message.created", "data": {"id": 1}, "seq": 7})
        );
        assert!(env.reaches(&["t".into()]));
        assert!(!env.reaches(&["u".into()]));
    }
}
