//! Per-account sequence numbers and the bounded buffer a reconnecting client catches up
//! from (our extension: Chatwoot clients refetch instead). In memory for one process;
//! the Redis bus keeps the same thing in Redis so that any web process can replay.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use switchboard_core::events::Broadcast;

use crate::hub::{Envelope, Hub};

/// Events kept per account for catch-up.
pub const REPLAY_CAPACITY: usize = 500;
/// How long the in-process buffer keeps an event (Redis keeps an idle account's list an
/// hour): bounds memory on an installation with many accounts.
pub const REPLAY_MAX_AGE: Duration = Duration::from_secs(15 * 60);
/// Appends between sweeps of old events across all accounts.
const SWEEP_EVERY: u64 = 1024;

/// What a client asking for events after `since` gets.
#[derive(Debug)]
pub enum Replay {
    /// The events after `since`, oldest first (possibly none).
    Events(Vec<Arc<Envelope>>),
    /// The gap is older than the buffer (or the sequence restarted): refetch.
    Resync,
}

/// Chooses the answer from the account's current sequence and its buffered events
/// (oldest first).
pub fn select(current: u64, buffered: Vec<Arc<Envelope>>, since: u64) -> Replay {
    if since > current {
        // A sequence from before a restart of the counter.
        return Replay::Resync;
    }
    if since == current {
        return Replay::Events(Vec::new());
    }
    match buffered.first() {
        Some(oldest) if oldest.seq <= since + 1 => {
            Replay::Events(buffered.into_iter().filter(|e| e.seq > since).collect())
        }
        _ => Replay::Resync,
    }
}

#[derive(Default)]
struct AccountLog {
    seq: u64,
    events: VecDeque<(Instant, Arc<Envelope>)>,
}

#[derive(Default)]
struct Logs {
    accounts: HashMap<i64, AccountLog>,
    appends: u64,
}

/// The in-process bus's sequence and buffer.
#[derive(Default)]
pub struct MemoryLog {
    logs: Mutex<Logs>,
}

impl MemoryLog {
    /// Numbers `b`, keeps it, and hands it to the hub, under one lock so that sockets see
    /// each account's events in sequence order.
    pub fn append(&self, b: Broadcast, hub: &Hub) {
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        logs.appends += 1;
        if logs.appends.is_multiple_of(SWEEP_EVERY) {
            for log in logs.accounts.values_mut() {
                while log
                    .events
                    .front()
                    .is_some_and(|(at, _)| now.duration_since(*at) > REPLAY_MAX_AGE)
                {
                    log.events.pop_front();
                }
            }
        }
        // The counter stays when the events go, so old positions still read as a gap.
        let log = logs.accounts.entry(b.account_id).or_default();
        log.seq += 1;
        let env = Arc::new(Envelope::new(log.seq, b));
        log.events.push_back((now, env.clone()));
        while log.events.len() > REPLAY_CAPACITY {
            log.events.pop_front();
        }
        hub.deliver(&env);
    }

    pub fn since(&self, account_id: i64, since: u64) -> Replay {
        let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        match logs.accounts.get(&account_id) {
            Some(log) => select(
                log.seq,
                log.events.iter().map(|(_, e)| e.clone()).collect(),
                since,
            ),
            None => select(0, Vec::new(), since),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(seq: u64) -> Arc<Envelope> {
        Arc::new(Envelope::new(
            seq,
            Broadcast {
                account_id: 1,
                event: "e".into(),
                data: json!({}),
                streams: vec!["t".into()],
                except: None,
            },
        ))
    }

    fn seqs(r: Replay) -> Option<Vec<u64>> {
        match r {
            Replay::Events(v) => Some(v.iter().map(|e| e.seq).collect()),
            Replay::Resync => None,
        }
    }

    #[test]
    fn replays_what_is_buffered_after_since() {
        let buf = vec![env(3), env(4), env(5)];
        assert_eq!(seqs(select(5, buf.clone(), 2)), Some(vec![3, 4, 5]));
        assert_eq!(seqs(select(5, buf.clone(), 4)), Some(vec![5]));
        assert_eq!(seqs(select(5, buf, 5)), Some(vec![]));
    }

    #[test]
    fn a_gap_older_than_the_buffer_or_a_future_sequence_is_a_resync() {
        assert_eq!(seqs(select(5, vec![env(3), env(4), env(5)], 1)), None);
        assert_eq!(seqs(select(5, vec![env(5)], 9)), None);
        assert_eq!(seqs(select(5, Vec::new(), 2)), None);
        assert_eq!(seqs(select(0, Vec::new(), 0)), Some(vec![]));
    }

    #[test]
    fn the_memory_log_is_bounded() {
        let log = MemoryLog::default();
        let hub = Hub::default();
        for _ in 0..REPLAY_CAPACITY + 10 {
            log.append(
                Broadcast {
                    account_id: 1,
                    event: "e".into(),
                    data: json!({}),
                    streams: vec![],
                    except: None,
                },
                &hub,
            );
        }
        assert_eq!(seqs(log.since(1, 0)), None);
        let last = REPLAY_CAPACITY as u64 + 10;
        assert_eq!(seqs(log.since(1, last - 2)), Some(vec![last - 1, last]));
    }
}
