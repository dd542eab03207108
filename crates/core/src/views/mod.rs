//! Views: explicit structs that reproduce Chatwoot's JSON field for field, in its order.

pub mod account;
pub mod agent;
pub mod agent_bot;
pub mod automation;
pub mod canned_response;
pub mod contact;
pub mod conversation;
pub mod custom_attribute;
pub mod inbox;
pub mod label;
pub mod team;
pub mod user;
pub mod webhook;
pub mod widget;

use serde_json::{Map, Value};
use switchboard_store::Json;

/// A JSON column as an object (`{}` when NULL or not an object).
pub fn object(v: &Option<Json<Value>>) -> Map<String, Value> {
    match v {
        Some(Json(Value::Object(m))) => m.clone(),
        _ => Map::new(),
    }
}

/// Chatwoot omits some objects when they are empty.
pub fn non_empty(m: Map<String, Value>) -> Option<Map<String, Value>> {
    (!m.is_empty()).then_some(m)
}
