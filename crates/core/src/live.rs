//! What each committed change shows on live screens: Chatwoot's `/cable` events, their
//! push data, and their recipients (ActionCableListener's rules):
//! - conversation and message events go to the agents who see the conversation's inbox
//!   (its members and the administrators) and to the contact, except private notes and
//!   activity messages, which never reach the contact;
//! - read, assignment and team changes go to agents only;
//! - contact events go to the whole account (`account_<id>`).
//!
//! Called after commit. A failure here is logged and dropped: the change is saved, and
//! a client catches up with its next fetch.

use serde_json::{Value, json};
use switchboard_domain::{AccountId, MessageType};
use switchboard_store::contacts::Contact;
use switchboard_store::{contacts, users};

use crate::Ctx;
use crate::conversations::{ConversationDetails, MessageDetails, Sender};
use crate::events::Broadcast;
use crate::views::conversation::{ConversationView, push, sender};

/// Who besides the agents gets an event.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Audience {
    AgentsAndContact,
    Agents,
}

/// The pubsub tokens of an inbox's agents, and of the conversation's contact when asked.
async fn recipients(
    ctx: &Ctx,
    account: AccountId,
    inbox: i64,
    contact_inbox: Option<i64>,
    audience: Audience,
) -> switchboard_domain::Result<Vec<String>> {
    let (mut streams, contact) = parties(ctx, account, inbox, contact_inbox, audience).await?;
    streams.extend(contact);
    Ok(streams)
}

/// The agents' tokens and, when asked and known, the contact's, apart.
async fn parties(
    ctx: &Ctx,
    account: AccountId,
    inbox: i64,
    contact_inbox: Option<i64>,
    audience: Audience,
) -> switchboard_domain::Result<(Vec<String>, Option<String>)> {
    let mut conn = ctx.db.conn().await?;
    let agents = users::pubsub_tokens_for_inbox(conn.ex(), account, inbox).await?;
    let mut contact = None;
    if audience == Audience::AgentsAndContact
        && let Some(ci) = contact_inbox
        && let Some(ci) = contacts::contact_inboxes_by_ids(conn.ex(), &[ci])
            .await?
            .pop()
    {
        contact = ci.pubsub_token;
    }
    Ok((agents, contact))
}

async fn send(
    ctx: &Ctx,
    event: &str,
    account: AccountId,
    inbox: i64,
    contact_inbox: Option<i64>,
    audience: Audience,
    mut data: Value,
) {
    match recipients(ctx, account, inbox, contact_inbox, audience).await {
        Ok(streams) => {
            data["account_id"] = json!(account.0);
            ctx.events.publish(Broadcast {
                account_id: account.0,
                event: event.to_owned(),
                data,
                streams,
                except: None,
            });
        }
        Err(e) => tracing::warn!(event, error = %e, "live event dropped"),
    }
}

/// A new message as `message.created`, and, when it is an agent's first public reply,
/// as `first.reply.created` to the agents (one recipients lookup for both).
pub async fn new_message(ctx: &Ctx, d: &MessageDetails, first_reply: bool) {
    let m = &d.message;
    let hidden = m.private || m.message_type == MessageType::Activity.value();
    let audience = if hidden {
        Audience::Agents
    } else {
        Audience::AgentsAndContact
    };
    let contact_inbox = d.conversation.contact_inbox_id;
    let (agents, contact) =
        match parties(ctx, m.account_id, m.inbox_id, contact_inbox, audience).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "live event dropped");
                return;
            }
        };
    let mut data = push(d);
    data["account_id"] = json!(m.account_id.0);
    let publish = |event: &str, streams: Vec<String>| {
        ctx.events.publish(Broadcast {
            account_id: m.account_id.0,
            event: event.to_owned(),
            data: data.clone(),
            streams,
            except: None,
        });
    };
    let mut everyone = agents.clone();
    everyone.extend(contact);
    publish("message.created", everyone);
    if first_reply {
        publish("first.reply.created", agents);
    }
}

/// `message.created` / `message.updated` with the message's push data.
pub async fn message(ctx: &Ctx, event: &str, d: &MessageDetails) {
    let m = &d.message;
    let hidden = m.private || m.message_type == MessageType::Activity.value();
    let audience = if hidden {
        Audience::Agents
    } else {
        Audience::AgentsAndContact
    };
    send(
        ctx,
        event,
        m.account_id,
        m.inbox_id,
        d.conversation.contact_inbox_id,
        audience,
        push(d),
    )
    .await;
}

/// A conversation event (`conversation.created`, `conversation.status_changed`,
/// `conversation.updated`, `assignee.changed`, `team.changed`, …) with its push data.
pub async fn conversation(ctx: &Ctx, event: &str, d: &ConversationDetails) {
    let audience = match event {
        "conversation.created" | "conversation.status_changed" | "conversation.updated" => {
            Audience::AgentsAndContact
        }
        _ => Audience::Agents,
    };
    let c = &d.conversation;
    let data = serde_json::to_value(ConversationView::new(d)).unwrap_or(Value::Null);
    send(
        ctx,
        event,
        c.account_id,
        c.inbox_id,
        c.contact_inbox_id,
        audience,
        data,
    )
    .await;
}

/// `conversation.typing_on` / `typing_off`: `{conversation, user, is_private}` to the
/// other side. A contact's typing goes to the agents; an agent's to the other agents and,
/// unless it is a private note, to the contact; never back to the typer.
pub async fn typing(
    ctx: &Ctx,
    on: bool,
    d: &ConversationDetails,
    typer: &Sender,
    is_private: bool,
) {
    let c = &d.conversation;
    let (audience, except) = match typer {
        Sender::Contact(_) => (Audience::Agents, None),
        Sender::AgentBot(_) => (Audience::AgentsAndContact, None),
        Sender::User(u) if is_private => (Audience::Agents, u.pubsub_token.clone()),
        Sender::User(u) => (Audience::AgentsAndContact, u.pubsub_token.clone()),
    };
    let event = if on {
        "conversation.typing_on"
    } else {
        "conversation.typing_off"
    };
    match recipients(ctx, c.account_id, c.inbox_id, c.contact_inbox_id, audience).await {
        Ok(streams) => ctx.events.publish(Broadcast {
            account_id: c.account_id.0,
            event: event.to_owned(),
            data: json!({
                "conversation": serde_json::to_value(ConversationView::new(d)).unwrap_or(Value::Null),
                "user": sender(typer),
                "is_private": is_private,
                "account_id": c.account_id.0,
            }),
            streams,
            except,
        }),
        Err(e) => tracing::warn!(event, error = %e, "live event dropped"),
    }
}

/// A contact event (`contact.created`, `contact.updated`, `contact.deleted`,
/// `contact.merged`) with the contact's push data, for every agent of the account.
pub fn contact(ctx: &Ctx, event: &str, c: &Contact) {
    let account = c.account_id;
    let mut data = sender(&Sender::Contact(c.clone()));
    data["account_id"] = json!(account.0);
    ctx.events.publish(Broadcast {
        account_id: account.0,
        event: event.to_owned(),
        data,
        streams: vec![Broadcast::account_stream(account.0)],
        except: None,
    });
}
