//! ActionCable's JSON framing, as Rails' `ActionCable::Connection` speaks it: the client
//! sends `{"command", "identifier", "data"?}` where `identifier` and `data` are JSON
//! encoded as strings; the server sends `welcome`, `ping`, `confirm_subscription`,
//! `reject_subscription`, `disconnect` and `{identifier, message}`.

use serde::Deserialize;
use serde_json::{Value, json};

/// The subprotocol the ActionCable JS client asks for (it closes the socket when the
/// server does not pick it).
pub const SUBPROTOCOL: &str = "actioncable-v1-json";

/// Longest identifier accepted; Chatwoot's are well under 200 bytes.
pub const MAX_IDENTIFIER: usize = 1024;

/// A client command.
#[derive(Debug, PartialEq)]
pub enum Command {
    Subscribe {
        identifier: String,
    },
    Unsubscribe {
        identifier: String,
    },
    /// `perform`: an action on a subscription (`update_presence`).
    Message {
        identifier: String,
        action: String,
    },
}

#[derive(Deserialize)]
struct Raw {
    command: String,
    identifier: String,
    data: Option<String>,
}

#[derive(Deserialize)]
struct Action {
    action: String,
}

/// Why a client frame was refused.
#[derive(Debug, PartialEq)]
pub enum Bad {
    Malformed,
    UnknownCommand,
}

pub fn parse(text: &str) -> Result<Command, Bad> {
    let raw: Raw = serde_json::from_str(text).map_err(|_| Bad::Malformed)?;
    if raw.identifier.len() > MAX_IDENTIFIER {
        return Err(Bad::Malformed);
    }
    match raw.command.as_str() {
        "subscribe" => Ok(Command::Subscribe {
            identifier: raw.identifier,
        }),
        "unsubscribe" => Ok(Command::Unsubscribe {
            identifier: raw.identifier,
        }),
        "message" => {
            let data = raw.data.ok_or(Bad::Malformed)?;
            let a: Action = serde_json::from_str(&data).map_err(|_| Bad::Malformed)?;
            Ok(Command::Message {
                identifier: raw.identifier,
                action: a.action,
            })
        }
        _ => Err(Bad::UnknownCommand),
    }
}

/// The parameters of a `RoomChannel` subscription.
#[derive(Debug, PartialEq)]
pub struct RoomParams {
    pub pubsub_token: String,
    pub account_id: Option<i64>,
    pub user_id: Option<i64>,
    /// Our extension: the last sequence the client saw, to catch up from.
    pub since: Option<u64>,
}

/// An id sent as a number or a numeric string (Rails params do not care).
fn id(v: Option<&Value>) -> Result<Option<i64>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

/// Reads a subscription identifier; `None` when it is not a well-formed `RoomChannel` one.
pub fn room_params(identifier: &str) -> Option<RoomParams> {
    let v: Value = serde_json::from_str(identifier).ok()?;
    let o = v.as_object()?;
    if o.get("channel")?.as_str()? != "RoomChannel" {
        return None;
    }
    let pubsub_token = o.get("pubsub_token")?.as_str()?;
    if pubsub_token.is_empty() || pubsub_token.len() > 128 {
        return None;
    }
    let since = match o.get("since") {
        None | Some(Value::Null) => None,
        Some(v) => Some(id(Some(v)).ok()??.try_into().ok()?),
    };
    Some(RoomParams {
        pubsub_token: pubsub_token.to_string(),
        account_id: id(o.get("account_id")).ok()?,
        user_id: id(o.get("user_id")).ok()?,
        since,
    })
}

pub fn welcome() -> String {
    json!({"type": "welcome"}).to_string()
}

pub fn ping(unix_secs: u64) -> String {
    json!({"type": "ping", "message": unix_secs}).to_string()
}

pub fn confirm(identifier: &str) -> String {
    json!({"identifier": identifier, "type": "confirm_subscription"}).to_string()
}

pub fn reject(identifier: &str) -> String {
    json!({"identifier": identifier, "type": "reject_subscription"}).to_string()
}

pub fn disconnect(reason: &str, reconnect: bool) -> String {
    json!({"type": "disconnect", "reason": reason, "reconnect": reconnect}).to_string()
}

/// `{identifier, message}` with `identifier_json` already encoded and `message` a JSON
/// object already rendered, so fan-out only concatenates.
pub fn message(identifier_json: &str, message: &str) -> String {
    format!("{{\"identifier\":{identifier_json},\"message\":{message}}}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn commands_parse_like_actioncable_sends_them() {
        let id = r#"{"channel":"RoomChannel","pubsub_token":"t"}"#;
        let sub = json!({"command": "subscribe", "identifier": id}).to_string();
        assert_eq!(
            parse(&sub),
            Ok(Command::Subscribe {
                identifier: id.into()
            })
        );
        let msg = json!({"command": "message", "identifier": id, "data": "{\"action\":\"update_presence\"}"}).to_string();
        assert_eq!(
            parse(&msg),
            Ok(Command::Message {
                identifier: id.into(),
                action: "update_presence".into()
            })
        );
        assert_eq!(parse("{"), Err(Bad::Malformed));
        assert_eq!(
            parse(r#"{"command":"message","identifier":"x"}"#),
            Err(Bad::Malformed)
        );
        assert_eq!(
            parse(r#"{"command":"launch","identifier":"x"}"#),
            Err(Bad::UnknownCommand)
        );
    }

    #[test]
    fn room_params_accept_numbers_or_strings() {
        let p = room_params(r#"{"channel":"RoomChannel","pubsub_token":"t","account_id":"3","user_id":4,"since":9}"#).unwrap();
        assert_eq!(
            p,
            RoomParams {
                pubsub_token: "t".into(),
                account_id: Some(3),
                user_id: Some(4),
                since: Some(9)
            }
        );
        assert!(room_params(r#"{"channel":"Other","pubsub_token":"t"}"#).is_none());
        assert!(room_params(r#"{"channel":"RoomChannel"}"#).is_none());
        assert!(
            room_params(r#"{"channel":"RoomChannel","pubsub_token":"t","user_id":"x"}"#).is_none()
        );
        assert!(
            room_params(r#"{"channel":"RoomChannel","pubsub_token":"t","since":-1}"#).is_none()
        );
        assert!(room_params("[]").is_none());
    }

    #[test]
    fn message_frames_embed_the_identifier_as_a_string() {
        let id_json = serde_json::to_string(r#"{"channel":"RoomChannel"}"#).unwrap();
        let f = message(&id_json, r#"{"event":"e","data":{}}"#);
        let v: Value = serde_json::from_str(&f).unwrap();
        assert_eq!(v["identifier"], r#"{"channel":"RoomChannel"}"#);
        assert_eq!(v["message"]["event"], "e");
    }
}
