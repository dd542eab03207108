//! One `/cable` socket: a single task that reads client commands, writes what the hub
//! queues for it, and pings every 3 seconds. Bad input closes this socket only.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Map, Value, json};
use switchboard_core::Ctx;
use switchboard_core::cable::{self, Subscriber};
use tokio::sync::mpsc;

use crate::Inner;
use crate::hub::{Outgoing, SOCKET_QUEUE, Target};
use crate::presence::Kind;
use crate::protocol::{self, Command};
use crate::replay::Replay;

/// Largest client frame; ActionCable commands are a few hundred bytes.
pub const MAX_FRAME: usize = 16 * 1024;
/// Subscriptions one socket may hold (Chatwoot's clients hold one).
pub const MAX_SUBSCRIPTIONS: usize = 8;
/// Subscribe commands one socket may send per minute before it is closed.
pub const MAX_SUBSCRIBES_PER_MINUTE: u32 = 30;
/// Malformed frames or unknown commands tolerated before the socket is closed.
pub const MAX_BAD_FRAMES: u32 = 5;
/// ActionCable's heartbeat.
const PING_EVERY: Duration = Duration::from_secs(3);
/// Pings between presence refreshes of an open socket (15 s, inside the 20 s window).
const PRESENCE_EVERY_PINGS: u32 = 5;
/// A client that does not take a frame within this time is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

static NEXT_SOCKET: AtomicU64 = AtomicU64::new(1);

#[derive(Clone)]
pub struct CableState {
    pub inner: Arc<Inner>,
    pub ctx: Ctx,
}

pub async fn upgrade(State(state): State<CableState>, ws: WebSocketUpgrade) -> Response {
    ws.protocols([protocol::SUBPROTOCOL])
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| async move {
            let _open = OpenSocket::new(&state.ctx.metrics);
            let mut session = Session::new(state, socket);
            session.run().await;
            session.close();
        })
}

/// Counts the socket in `/metrics` while it is open, however its task ends.
struct OpenSocket(switchboard_core::metrics::Metrics);

impl OpenSocket {
    fn new(metrics: &switchboard_core::metrics::Metrics) -> OpenSocket {
        metrics.socket_opened();
        OpenSocket(metrics.clone())
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.socket_closed();
    }
}

struct Sub {
    id: u32,
    identifier: String,
    identifier_json: String,
    subscriber: Subscriber,
    streams: Vec<String>,
    /// The last sequence sent, so a catch-up and live delivery never repeat an event.
    last_seq: u64,
}

struct Session {
    state: CableState,
    socket: WebSocket,
    id: u64,
    tx: mpsc::Sender<Outgoing>,
    rx: mpsc::Receiver<Outgoing>,
    lagged: Arc<AtomicBool>,
    subs: Vec<Sub>,
    next_sub: u32,
    bad_frames: u32,
    subscribes: u32,
    window: Instant,
}

/// Why the session ends.
enum End {
    Gone,
    Refused,
    Restart,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Session {
    fn new(state: CableState, socket: WebSocket) -> Session {
        let (tx, rx) = mpsc::channel(SOCKET_QUEUE);
        Session {
            state,
            socket,
            id: NEXT_SOCKET.fetch_add(1, Ordering::Relaxed),
            tx,
            rx,
            lagged: Arc::new(AtomicBool::new(false)),
            subs: Vec::new(),
            next_sub: 1,
            bad_frames: 0,
            subscribes: 0,
            window: Instant::now(),
        }
    }

    async fn send(&mut self, text: String) -> Result<(), End> {
        match tokio::time::timeout(SEND_TIMEOUT, self.socket.send(Message::Text(text.into()))).await
        {
            Ok(Ok(())) => Ok(()),
            _ => Err(End::Gone),
        }
    }

    async fn run(&mut self) {
        let end = self.serve().await;
        let goodbye = match end {
            Err(End::Refused) => Some(protocol::disconnect("invalid_request", false)),
            Err(End::Restart) => Some(protocol::disconnect("server_restart", true)),
            _ => None,
        };
        if let Some(text) = goodbye {
            let _ = self.send(text).await;
            let _ =
                tokio::time::timeout(SEND_TIMEOUT, self.socket.send(Message::Close(None))).await;
        }
    }

    async fn serve(&mut self) -> Result<(), End> {
        let mut stop = self.state.inner.stop.subscribe();
        if *stop.borrow() {
            return Err(End::Restart);
        }
        self.send(protocol::welcome()).await?;
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pings: u32 = 0;
        loop {
            tokio::select! {
                _ = stop.changed() => return Err(End::Restart),
                out = self.rx.recv() => {
                    if let Some(out) = out {
                        self.deliver(out).await?;
                    }
                    if self.lagged.swap(false, Ordering::AcqRel) {
                        self.resync_all().await?;
                    }
                }
                msg = self.socket.recv() => match msg {
                    // Boxed: the subscribe path holds database and Redis futures, and an idle
                    // socket should not carry their size.
                    Some(Ok(Message::Text(text))) => Box::pin(self.command(text.as_str())).await?,
                    Some(Ok(Message::Binary(_))) => self.bad().await?,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    // Closed, or a protocol error (an oversized frame among them).
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ok(()),
                },
                _ = ping.tick() => {
                    self.send(protocol::ping(unix_now())).await?;
                    pings = pings.wrapping_add(1);
                    if pings.is_multiple_of(PRESENCE_EVERY_PINGS) {
                        Box::pin(self.refresh_presence()).await;
                    }
                }
            }
        }
    }

    /// Leaves the hub.
    fn close(&mut self) {
        for sub in &self.subs {
            self.state.inner.hub.remove(self.id, sub.id, &sub.streams);
        }
        self.subs.clear();
    }

    async fn bad(&mut self) -> Result<(), End> {
        self.bad_frames += 1;
        if self.bad_frames >= MAX_BAD_FRAMES {
            return Err(End::Refused);
        }
        Ok(())
    }

    async fn command(&mut self, text: &str) -> Result<(), End> {
        match protocol::parse(text) {
            Ok(Command::Subscribe { identifier }) => self.subscribe(identifier).await,
            Ok(Command::Unsubscribe { identifier }) => {
                match self.subs.iter().position(|s| s.identifier == identifier) {
                    Some(i) => {
                        let sub = self.subs.remove(i);
                        self.state.inner.hub.remove(self.id, sub.id, &sub.streams);
                        Ok(())
                    }
                    None => self.bad().await,
                }
            }
            Ok(Command::Message { identifier, action }) => {
                let Some(i) = self.subs.iter().position(|s| s.identifier == identifier) else {
                    return self.bad().await;
                };
                match action.as_str() {
                    "update_presence" => {
                        self.touch(i).await;
                        self.send_presence(i).await
                    }
                    // Like ActionCable, an action the channel does not have is ignored.
                    _ => self.bad().await,
                }
            }
            Err(_) => self.bad().await,
        }
    }

    async fn subscribe(&mut self, identifier: String) -> Result<(), End> {
        if self.window.elapsed() > Duration::from_secs(60) {
            self.window = Instant::now();
            self.subscribes = 0;
        }
        self.subscribes += 1;
        if self.subscribes > MAX_SUBSCRIBES_PER_MINUTE {
            tracing::info!(
                socket = self.id,
                "closing a /cable socket flooding subscriptions"
            );
            return Err(End::Refused);
        }
        if self.subs.iter().any(|s| s.identifier == identifier) {
            // ActionCable ignores a second subscribe to the same identifier.
            return Ok(());
        }
        let Some(params) = protocol::room_params(&identifier) else {
            return self.send(protocol::reject(&identifier)).await;
        };
        if self.subs.len() >= MAX_SUBSCRIPTIONS {
            return self.send(protocol::reject(&identifier)).await;
        }
        let subscriber = match cable::authorize(
            &self.state.ctx,
            &params.pubsub_token,
            params.account_id,
            params.user_id,
        )
        .await
        {
            Ok(Some(s)) => s,
            Ok(None) => return self.send(protocol::reject(&identifier)).await,
            Err(e) => {
                tracing::warn!(error = %e, "cannot authorize a /cable subscription");
                return self.send(protocol::reject(&identifier)).await;
            }
        };
        let streams = subscriber.streams(&params.pubsub_token);
        let id = self.next_sub;
        self.next_sub += 1;
        let identifier_json = Value::String(identifier.clone()).to_string();
        let target = Target {
            tx: self.tx.clone(),
            lagged: self.lagged.clone(),
            account_id: subscriber.account_id(),
        };
        // Join the streams before reading the replay buffer, so nothing falls between.
        self.state.inner.hub.add(self.id, id, &streams, target);
        self.state
            .inner
            .note_position(subscriber.account_id())
            .await;
        self.subs.push(Sub {
            id,
            identifier: identifier.clone(),
            identifier_json,
            subscriber,
            streams,
            last_seq: 0,
        });
        let i = self.subs.len() - 1;
        self.send(protocol::confirm(&identifier)).await?;
        self.touch(i).await;
        self.send_presence(i).await?;
        if let Some(since) = params.since {
            self.catch_up(i, since).await?;
        }
        Ok(())
    }

    async fn catch_up(&mut self, i: usize, since: u64) -> Result<(), End> {
        let account_id = self.subs[i].subscriber.account_id();
        match self.state.inner.since(account_id, since).await {
            Replay::Events(events) => {
                self.subs[i].last_seq = since;
                for env in events {
                    if env.reaches(&self.subs[i].streams) {
                        let frame = protocol::message(&self.subs[i].identifier_json, env.message());
                        self.send(frame).await?;
                    }
                    self.subs[i].last_seq = env.seq;
                }
                Ok(())
            }
            Replay::Resync => self.resync(i).await,
        }
    }

    async fn deliver(&mut self, out: Outgoing) -> Result<(), End> {
        match out {
            Outgoing::Event { sub, env } => {
                let Some(i) = self.subs.iter().position(|s| s.id == sub) else {
                    return Ok(());
                };
                if env.seq <= self.subs[i].last_seq {
                    return Ok(());
                }
                self.subs[i].last_seq = env.seq;
                let frame = protocol::message(&self.subs[i].identifier_json, env.message());
                self.state.ctx.metrics.event_sent();
                self.send(frame).await
            }
            Outgoing::Resync { sub } => match self.subs.iter().position(|s| s.id == sub) {
                Some(i) => self.resync(i).await,
                None => Ok(()),
            },
        }
    }

    /// Our extension: events were lost for this subscription; the client should catch up
    /// with `since` (or refetch from the API, as Chatwoot's clients do on reconnect).
    async fn resync(&mut self, i: usize) -> Result<(), End> {
        let sub = &self.subs[i];
        let message = json!({
            "event": "resync",
            "data": {"account_id": sub.subscriber.account_id(), "last_seq": sub.last_seq},
        })
        .to_string();
        let frame = protocol::message(&sub.identifier_json, &message);
        self.send(frame).await
    }

    async fn resync_all(&mut self) -> Result<(), End> {
        // What was queued before the overflow still goes out first.
        while let Ok(out) = self.rx.try_recv() {
            self.deliver(out).await?;
        }
        for i in 0..self.subs.len() {
            self.resync(i).await?;
        }
        Ok(())
    }

    async fn touch(&mut self, i: usize) {
        let (kind, id) = match self.subs[i].subscriber {
            Subscriber::User { id, .. } => (Kind::User, id),
            Subscriber::Contact { id, .. } => (Kind::Contact, id),
        };
        let account_id = self.subs[i].subscriber.account_id();
        self.state.inner.presence.touch(account_id, kind, id).await;
    }

    async fn refresh_presence(&mut self) {
        for i in 0..self.subs.len() {
            self.touch(i).await;
        }
    }

    /// Chatwoot's `broadcast_presence`: the account's available agents, and for agents
    /// the contacts online too.
    async fn send_presence(&mut self, i: usize) -> Result<(), End> {
        let sub = &self.subs[i];
        let account_id = sub.subscriber.account_id();
        let presence = &self.state.inner.presence;
        let seen = presence.seen(account_id, Kind::User).await;
        let users = match cable::available_users(&self.state.ctx, account_id, &seen).await {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read agents' availability");
                return Ok(());
            }
        };
        let mut data = Map::new();
        data.insert("account_id".into(), json!(account_id));
        data.insert("users".into(), json!(users));
        if matches!(sub.subscriber, Subscriber::User { .. }) {
            let contacts: Map<String, Value> = presence
                .seen(account_id, Kind::Contact)
                .await
                .into_iter()
                .map(|id| (id.to_string(), json!("online")))
                .collect();
            data.insert("contacts".into(), Value::Object(contacts));
        }
        let message = json!({"event": "presence.update", "data": data}).to_string();
        let frame = protocol::message(&sub.identifier_json, &message);
        self.send(frame).await
    }
}
