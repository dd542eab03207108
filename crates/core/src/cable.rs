//! Who may listen on `/cable`, and what they hear: Chatwoot's `RoomChannel`. An agent
//! subscribes with its user's `pubsub_token`, `user_id` and `account_id`; a contact with
//! the `pubsub_token` of one of its contact inboxes. Anything that does not match is
//! rejected, like Chatwoot's `find_by!` raising in `subscribed`.

use std::collections::BTreeMap;

use switchboard_domain::Availability;
use switchboard_domain::{AccountId, Result};
use switchboard_store::{account_users, cable};

use crate::Ctx;
use crate::events::Broadcast;

/// An authorized subscriber.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subscriber {
    User { id: i64, account_id: i64 },
    Contact { id: i64, account_id: i64 },
}

impl Subscriber {
    pub fn account_id(&self) -> i64 {
        match self {
            Subscriber::User { account_id, .. } | Subscriber::Contact { account_id, .. } => {
                *account_id
            }
        }
    }

    /// The streams the subscription listens to: its token, and for agents the account's.
    pub fn streams(&self, pubsub_token: &str) -> Vec<String> {
        match self {
            Subscriber::User { account_id, .. } => {
                vec![
                    pubsub_token.to_string(),
                    Broadcast::account_stream(*account_id),
                ]
            }
            Subscriber::Contact { .. } => vec![pubsub_token.to_string()],
        }
    }
}

/// The subscriber named by a subscription's parameters, or `None` when they match no
/// one (a wrong token, a user of another account, a foreign contact token).
pub async fn authorize(
    ctx: &Ctx,
    pubsub_token: &str,
    account_id: Option<i64>,
    user_id: Option<i64>,
) -> Result<Option<Subscriber>> {
    if pubsub_token.is_empty() {
        return Ok(None);
    }
    let mut conn = ctx.db.conn().await?;
    match user_id {
        Some(id) => {
            let Some(account_id) = account_id else {
                return Ok(None);
            };
            let ok = cable::agent_matches(conn.ex(), pubsub_token, id, account_id).await?;
            Ok(ok.then_some(Subscriber::User { id, account_id }))
        }
        None => Ok(cable::contact_by_token(conn.ex(), pubsub_token)
            .await?
            .map(|(id, account_id)| Subscriber::Contact { id, account_id })),
    }
}

/// The agents of an account that show in `presence.update`, with their availability:
/// like Chatwoot's `OnlineStatusTracker.get_available_users`, those seen on a socket
/// lately (`seen`) plus those who turned automatic offline off.
pub async fn available_users(
    ctx: &Ctx,
    account_id: i64,
    seen: &[i64],
) -> Result<BTreeMap<String, String>> {
    let mut conn = ctx.db.conn().await?;
    let members = account_users::list_for_account(conn.ex(), AccountId(account_id)).await?;
    Ok(members
        .into_iter()
        .filter(|m| !m.auto_offline || seen.contains(&m.user_id.0))
        .map(|m| {
            let status = Availability::from_value(m.availability).unwrap_or(Availability::Offline);
            (m.user_id.0.to_string(), status.as_str().to_string())
        })
        .collect())
}
