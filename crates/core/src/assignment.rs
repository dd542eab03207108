//! Auto-assignment: Chatwoot's AutoAssignmentHandler and round robin. When a conversation
//! becomes open without an assignee (created open, reopened, a snooze ending, a bot
//! handing over) in an inbox with auto-assignment on, it goes to the next online member
//! of the inbox in round-robin order, skipping members at the inbox's capacity
//! (`auto_assignment_config.max_assignment_limit` open conversations; an Enterprise
//! feature in Chatwoot, free here). A conversation handed to a team that allows
//! auto-assignment goes to the next such member of the team.
//!
//! The order lives in the database (`store::assignment`), read and moved under a
//! per-inbox lock in the caller's transaction, so several web and worker processes take
//! turns fairly and capacity counts cannot be overtaken by a concurrent assignment.

use std::collections::HashSet;

use serde_json::Value;
use switchboard_domain::{ConversationStatus, Result, Timestamp, UserId};
use switchboard_store::Tx;
use switchboard_store::account_users;
use switchboard_store::assignment as turns;
use switchboard_store::conversations::{self, Conversation};
use switchboard_store::inboxes::{self, Inbox};
use switchboard_store::messages::Message;
use switchboard_store::teams;
use switchboard_store::users::{self, User};

use crate::Ctx;

/// `auto_assignment_config.max_assignment_limit`: a positive number (Chatwoot stores what
/// the dashboard sends, a number or a numeric string); anything else means no limit.
pub fn max_assignment_limit(inbox: &Inbox) -> Option<i64> {
    limit_of(inbox.auto_assignment_config.as_ref().map(|j| &j.0))
}

fn limit_of(config: Option<&Value>) -> Option<i64> {
    let v = config?.get("max_assignment_limit")?;
    let n = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    (n > 0).then_some(n)
}

/// Whether auto-assignment is on for the inbox (Chatwoot's default is on).
pub fn enabled(inbox: &Inbox) -> bool {
    inbox.enable_auto_assignment.unwrap_or(true)
}

/// The first of `queue` (round-robin order) who is available and below capacity.
fn first_fit(
    queue: &[UserId],
    available: &HashSet<UserId>,
    full: &HashSet<UserId>,
) -> Option<UserId> {
    queue
        .iter()
        .copied()
        .find(|u| available.contains(u) && !full.contains(u))
}

/// Picks the next agent for a conversation of `inbox` (among the members of `team` when
/// given) and moves them to the back of the queue; `None` when no member is online and
/// below capacity. Takes the inbox's assignment lock for the rest of the transaction.
pub(crate) async fn pick(
    ctx: &Ctx,
    tx: &mut Tx,
    inbox: &Inbox,
    team: Option<i64>,
) -> Result<Option<UserId>> {
    turns::lock_inbox(tx.ex(), inbox.id).await?;
    let mut queue = turns::queue(tx.ex(), inbox.id).await?;
    if let Some(team) = team {
        let members = teams::member_ids(tx.ex(), team).await?;
        queue.retain(|u| members.contains(u));
    }
    if queue.is_empty() {
        return Ok(None);
    }
    let mut members = account_users::list_for_account(tx.ex(), inbox.account_id).await?;
    crate::presence::mark(ctx, inbox.account_id, &mut members).await;
    let available: HashSet<UserId> = members
        .iter()
        .filter(|m| crate::presence::available_for_assignment(m))
        .map(|m| m.user_id)
        .collect();
    let full: HashSet<UserId> = match max_assignment_limit(inbox) {
        Some(limit) => turns::open_counts(tx.ex(), inbox.id)
            .await?
            .into_iter()
            .filter(|(_, n)| *n >= limit)
            .map(|(u, _)| u)
            .collect(),
        None => HashSet::new(),
    };
    let chosen = first_fit(&queue, &available, &full);
    if let Some(u) = chosen {
        turns::take_turn(tx.ex(), inbox.id, u).await?;
    }
    Ok(chosen)
}

/// What auto-assignment did to a conversation.
pub struct AutoAssigned {
    pub conversation: Conversation,
    pub assignee: User,
    /// Who had it before (someone no longer in the inbox), for the webhook's diff.
    pub previous: Option<UserId>,
    /// The activity message, when someone's action caused the assignment.
    pub said: Option<Message>,
}

impl AutoAssigned {
    /// The `changed_attributes` entry of the assignment, as Chatwoot's webhooks carry it.
    pub fn diff(&self) -> Value {
        serde_json::json!({"assignee_id": {
            "previous_value": self.previous.map(|u| u.0),
            "current_value": self.assignee.id.0,
        }})
    }
}

/// Chatwoot's AutoAssignmentHandler, for a conversation (saved, in `tx`) that has just
/// become open: when its inbox auto-assigns and it has no assignee (or one who is no
/// longer a member of the inbox), it goes to the next agent in turn. `by` is whoever made
/// it open; as in Chatwoot, the activity message ("Assigned to X by Y") is written only
/// when someone did (a snooze ending or a visitor's message leave none). The caller sends
/// the `conversation_updated` webhook and the `assignee.changed` live event.
pub async fn on_open(
    ctx: &Ctx,
    tx: &mut Tx,
    c: &Conversation,
    by: Option<&str>,
    now: Timestamp,
) -> Result<Option<AutoAssigned>> {
    if c.status != ConversationStatus::Open.value() {
        return Ok(None);
    }
    let inbox = inboxes::find(tx.ex(), c.account_id, c.inbox_id).await?;
    if !enabled(&inbox) {
        return Ok(None);
    }
    if let Some(a) = c.assignee_id
        && inboxes::is_member(tx.ex(), inbox.id, a).await?
    {
        return Ok(None);
    }
    let Some(user_id) = pick(ctx, tx, &inbox, None).await? else {
        return Ok(None);
    };
    let previous = c.assignee_id;
    let mut c = c.clone();
    c.assignee_id = Some(user_id);
    // An agent taking over ends a bot's hold, as Chatwoot's Conversation does.
    c.assignee_agent_bot_id = None;
    let c = conversations::save(tx.ex(), &c, now).await?;
    let assignee = users::find(tx.ex(), user_id).await?;
    let said = match by {
        Some(who) => Some(
            crate::conversations::activity(
                tx,
                &c,
                format!("Assigned to {} by {who}", assignee.name),
                now,
            )
            .await?,
        ),
        None => None,
    };
    Ok(Some(AutoAssigned {
        conversation: c,
        assignee,
        previous,
        said,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[i64]) -> Vec<UserId> {
        v.iter().copied().map(UserId).collect()
    }

    fn set(v: &[i64]) -> HashSet<UserId> {
        v.iter().copied().map(UserId).collect()
    }

    #[test]
    fn the_first_in_turn_who_is_online_and_has_room_is_chosen() {
        let queue = ids(&[3, 1, 2]);
        assert_eq!(
            first_fit(&queue, &set(&[1, 2, 3]), &set(&[])),
            Some(UserId(3))
        );
        // 3 is offline: the next in turn.
        assert_eq!(first_fit(&queue, &set(&[1, 2]), &set(&[])), Some(UserId(1)));
        // 1 is at capacity.
        assert_eq!(
            first_fit(&queue, &set(&[1, 2]), &set(&[1])),
            Some(UserId(2))
        );
        // Everyone online is full, or no one is online.
        assert_eq!(first_fit(&queue, &set(&[1, 2]), &set(&[1, 2])), None);
        assert_eq!(first_fit(&queue, &set(&[]), &set(&[])), None);
        // Online users who are not members are never picked.
        assert_eq!(first_fit(&queue, &set(&[9]), &set(&[])), None);
    }

    #[test]
    fn max_assignment_limit_reads_chatwoots_config() {
        use serde_json::json;
        assert_eq!(limit_of(Some(&json!({"max_assignment_limit": 2}))), Some(2));
        assert_eq!(
            limit_of(Some(&json!({"max_assignment_limit": "3"}))),
            Some(3)
        );
        for none in [
            json!({}),
            json!({"max_assignment_limit": 0}),
            json!({"max_assignment_limit": -1}),
            json!({"max_assignment_limit": null}),
            json!({"max_assignment_limit": "many"}),
            json!([]),
        ] {
            assert_eq!(limit_of(Some(&none)), None, "{none}");
        }
    }
}
