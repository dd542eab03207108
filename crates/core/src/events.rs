//! Live updates: after a use case commits, it hands each change to the `EventBus` as
//! Chatwoot's `/cable` frame (event name and data) with the streams that receive it.
//! The bus is for live screens only: durable side effects (webhooks, mails, bots) go
//! through jobs, and a client that reconnects catches up from the API.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One event for `/cable` subscribers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Broadcast {
    pub account_id: i64,
    /// Chatwoot's name: `message.created`, `conversation.status_changed`, …
    pub event: String,
    /// The frame's `data`: the push data, with `account_id` (and `performer` when known).
    pub data: Value,
    /// Who receives it: users' and contacts' `pubsub_token`s, and `account_<id>` for
    /// every agent of the account (Chatwoot's streams).
    pub streams: Vec<String>,
    /// A stream left out although listed (the typer's own, for typing events).
    pub except: Option<String>,
}

impl Broadcast {
    /// The stream every agent of an account listens to.
    pub fn account_stream(account_id: i64) -> String {
        format!("account_{account_id}")
    }
}

/// Where use cases send live events. Publishing never fails the use case: the change
/// is committed already, and a lost live event is recovered by the client's next fetch.
pub trait EventBus: Send + Sync + 'static {
    fn publish(&self, event: Broadcast);
}

/// A bus that drops everything: for CLI tasks and processes with no sockets.
pub struct Silent;

impl EventBus for Silent {
    fn publish(&self, _: Broadcast) {}
}

pub type Bus = Arc<dyn EventBus>;
