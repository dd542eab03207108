//! Who is online, as a port (ARCHITECTURE.md §3): the `/cable` sockets record presence
//! (in memory, or in Redis between processes, in `switchboard-realtime`), and use cases
//! read it here. Like Chatwoot's `OnlineStatusTracker`, a user or contact counts as
//! online for a short window after its socket last showed a sign of life.
//!
//! Reading costs one call to the store (one Redis round trip), so a use case asks once
//! per request for a whole account and marks its rows from the answer, never per row.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use switchboard_domain::{AccountId, Availability};
use switchboard_store::account_users::AccountUser;

use crate::Ctx;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    User,
    Contact,
}

/// Where presence is kept.
pub trait Presence: Send + Sync + 'static {
    /// The ids of `kind` seen in `account_id` within the presence window, in one call.
    fn online(
        &self,
        account_id: i64,
        kind: Kind,
    ) -> Pin<Box<dyn Future<Output = Vec<i64>> + Send + '_>>;
}

/// No one is ever online: CLI tasks and processes with no sockets to record presence.
pub struct Nobody;

impl Presence for Nobody {
    fn online(&self, _: i64, _: Kind) -> Pin<Box<dyn Future<Output = Vec<i64>> + Send + '_>> {
        Box::pin(async { Vec::new() })
    }
}

pub type Port = Arc<dyn Presence>;

/// The contacts of `account` online now (`GET /contacts/active`).
pub async fn online_contacts(ctx: &Ctx, account: AccountId) -> HashSet<i64> {
    ctx.presence
        .online(account.0, Kind::Contact)
        .await
        .into_iter()
        .collect()
}

/// Marks which of `members` (one account's) have a socket open now, so that their
/// `availability_status` is Chatwoot's. Presence is read only when some member has
/// automatic offline on: the others show their chosen availability whatever happens.
pub async fn mark(ctx: &Ctx, account: AccountId, members: &mut [AccountUser]) {
    if !members.iter().any(|m| m.auto_offline) {
        return;
    }
    let online: HashSet<i64> = ctx
        .presence
        .online(account.0, Kind::User)
        .await
        .into_iter()
        .collect();
    for m in members.iter_mut() {
        m.online = online.contains(&m.user_id.0);
    }
}

/// Chatwoot's `availability_status` of an agent (AvailabilityStatusable): the chosen
/// availability when automatic offline is off; with it on, that availability while a
/// socket is open, `offline` otherwise.
pub fn status(au: &AccountUser) -> Availability {
    let chosen = Availability::from_value(au.availability).unwrap_or(Availability::Online);
    if !au.auto_offline || au.online {
        chosen
    } else {
        Availability::Offline
    }
}

/// Chatwoot's `OnlineStatusTracker.get_available_users` narrowed to `online`: the agents
/// auto-assignment may pick. Those with automatic offline off count whatever their
/// sockets, as in Chatwoot; all must have chosen `online` (not busy, not offline).
pub fn available_for_assignment(au: &AccountUser) -> bool {
    status(au) == Availability::Online
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::{AccountUserId, Timestamp, UserId};

    fn member(availability: Availability, auto_offline: bool, online: bool) -> AccountUser {
        AccountUser {
            id: AccountUserId(1),
            account_id: AccountId(1),
            user_id: UserId(1),
            role: Some(0),
            inviter_id: None,
            active_at: None,
            availability: availability.value(),
            auto_offline,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
            online,
        }
    }

    #[test]
    fn status_follows_chatwoots_availability_statusable() {
        use Availability::*;
        for (chosen, auto_offline, online, expect) in [
            (Online, true, true, Online),
            (Online, true, false, Offline),
            (Busy, true, true, Busy),
            (Busy, true, false, Offline),
            (Busy, false, false, Busy),
            (Online, false, false, Online),
            (Offline, false, true, Offline),
        ] {
            let m = member(chosen, auto_offline, online);
            assert_eq!(status(&m), expect, "{chosen:?} {auto_offline} {online}");
            assert_eq!(available_for_assignment(&m), expect == Online);
        }
    }
}
