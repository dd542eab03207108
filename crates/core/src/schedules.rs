//! Recurring work (ARCHITECTURE.md §6): reopening snoozed conversations when their snooze
//! ends, auto-resolving idle ones after the account's `auto_resolve_after`, and cleaning
//! up old dead jobs and webhook delivery rows.
//!
//! Each schedule is a row (`store::schedules`). The worker loop calls `enqueue_due`; a due
//! run is claimed by moving its row on and, in the same transaction, enqueued as a
//! `schedule` job, so each run happens once across all workers and a crash loses none
//! (the job is retried like any other). The job carries the time it was due for, and
//! every run works from that time rather than the wall clock: tests pass their own clock.
//!
//! Status changes made here are written as a person's would be, with Chatwoot's activity
//! messages (where Chatwoot writes one), webhooks and live events.

use std::time::Duration;

use serde_json::{Value, json};
use switchboard_domain::{
    AccountId, ContentType, ConversationStatus, MessageStatus, MessageType, Result, Timestamp,
};
use switchboard_store::conversations::{self, Conversation};
use switchboard_store::labels::{self as label_store, Taggable};
use switchboard_store::messages::{self, Message};
use switchboard_store::{Json, jobs, schedules};

use crate::Ctx;
use crate::jobs::Attempt;

/// The job kind a claimed run is enqueued as.
pub const JOB: &str = "schedule";

pub const REOPEN_SNOOZED: &str = "reopen_snoozed";
pub const AUTO_RESOLVE: &str = "auto_resolve";
pub const CLEANUP: &str = "cleanup";

/// Every schedule and how often it runs. Chatwoot runs its equivalents every five
/// minutes (TriggerScheduledItemsJob); snoozes end sooner here, at a minute's precision.
pub const SCHEDULES: [(&str, Duration); 3] = [
    (REOPEN_SNOOZED, Duration::from_secs(60)),
    (AUTO_RESOLVE, Duration::from_secs(300)),
    (CLEANUP, Duration::from_secs(3600)),
];

/// Conversations handled per batch (Chatwoot's `Limits::BULK_ACTIONS_LIMIT` for
/// auto-resolve), so one run never holds a long transaction.
const BATCH: i64 = 100;
/// Batches of snoozed conversations one run reopens at most; the next run goes on.
const MAX_BATCHES: usize = 20;
/// Dead jobs are kept this long for operators to look at, then removed.
pub const DEAD_JOB_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// Finished webhook deliveries (delivered or failed) are kept this long.
pub const DELIVERY_RETENTION: Duration = Duration::from_secs(14 * 24 * 3600);

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp::from_millis(
        t.millis()
            .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    )
}

fn minus(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp::from_millis(
        t.millis()
            .saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    )
}

/// Claims the runs due at `now` and enqueues their jobs; returns the names claimed. A
/// schedule seen for the first time is due at once. Reads first, so that an idle tick
/// takes no write lock.
pub async fn enqueue_due(ctx: &Ctx, now: Timestamp) -> Result<Vec<&'static str>> {
    let known = {
        let mut conn = ctx.db.conn().await?;
        schedules::list(conn.ex()).await?
    };
    let due: Vec<(&'static str, Duration)> = SCHEDULES
        .iter()
        .copied()
        .filter(|(name, _)| {
            known
                .iter()
                .find(|s| s.name == *name)
                .is_none_or(|s| s.next_run_at <= now)
        })
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let mut claimed = Vec::new();
    let mut tx = ctx.db.begin().await?;
    for (name, every) in due {
        schedules::ensure(tx.ex(), name, now).await?;
        if schedules::claim(tx.ex(), name, now, plus(now, every)).await? {
            let payload = json!({ "schedule": name, "now": now.millis() });
            // Due at once even when `now` is a test's clock ahead of the wall's.
            let run_at = Timestamp::from_millis(now.millis().min(Timestamp::now().millis()));
            jobs::enqueue(tx.ex(), JOB, &payload, 3, run_at).await?;
            claimed.push(name);
        }
    }
    tx.commit().await?;
    Ok(claimed)
}

/// Runs one claimed schedule (the `schedule` job).
pub async fn run_job(ctx: &Ctx, attempt: &Attempt<'_>) -> std::result::Result<(), String> {
    let name = attempt.payload["schedule"].as_str().unwrap_or_default();
    let now = attempt.payload["now"]
        .as_i64()
        .map(Timestamp::from_millis)
        .ok_or("schedule job lacks its time")?;
    let outcome = match name {
        REOPEN_SNOOZED => reopen_snoozed(ctx, now).await,
        AUTO_RESOLVE => auto_resolve(ctx, now).await,
        CLEANUP => cleanup(ctx, now).await,
        other => return Err(format!("unknown schedule {other}")),
    };
    match outcome {
        Ok(0) => Ok(()),
        Ok(failed) => Err(format!("{name}: {failed} conversations failed")),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

/// Chatwoot's ReopenSnoozedConversationsJob: snoozed conversations whose time has come
/// open again. Returns how many failed (they are retried with the job).
pub async fn reopen_snoozed(ctx: &Ctx, now: Timestamp) -> Result<usize> {
    let mut failed = 0;
    for _ in 0..MAX_BATCHES {
        let due = {
            let mut conn = ctx.db.conn().await?;
            schedules::snoozed_due(conn.ex(), now, BATCH).await?
        };
        let mut reopened = 0;
        for (account, display_id) in &due {
            match reopen_one(ctx, *account, *display_id, now).await {
                Ok(()) => reopened += 1,
                Err(e) => {
                    failed += 1;
                    tracing::warn!(account = account.0, display_id, error = %e, "cannot reopen a snoozed conversation");
                }
            }
        }
        // A short batch was the last; one where everything failed would only repeat.
        if (due.len() as i64) < BATCH || reopened == 0 {
            break;
        }
    }
    Ok(failed)
}

async fn reopen_one(ctx: &Ctx, account: AccountId, display_id: i64, now: Timestamp) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let mut c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    // Someone may have changed it since it was listed.
    if c.status != ConversationStatus::Snoozed.value() || c.snoozed_until.is_none_or(|t| t > now) {
        return Ok(());
    }
    c.status = ConversationStatus::Open.value();
    c.snoozed_until = None;
    let mut c = conversations::save(tx.ex(), &c, now).await?;
    // No activity message: Chatwoot writes none when no one reopened it.
    let auto = crate::assignment::on_open(ctx, &mut tx, &c, None, now).await?;
    let mut diff = vec![json!({"status": {"previous_value": "snoozed", "current_value": "open"}})];
    if let Some(a) = &auto {
        c = a.conversation.clone();
        diff.push(a.diff());
    }
    status_webhooks(&mut tx, &c, Value::Array(diff)).await?;
    tx.commit().await?;
    let mut events = vec!["conversation.status_changed"];
    if auto.is_some() {
        events.push("assignee.changed");
    }
    crate::conversations::show_live(ctx, &events, account, display_id, Vec::new()).await;
    Ok(())
}

async fn status_webhooks(
    tx: &mut switchboard_store::Tx,
    c: &Conversation,
    diff: Value,
) -> Result<()> {
    // Every status change of the schedules (snooze ending, auto-resolve) is reported.
    crate::reporting::status_changed(tx, c, false).await?;
    crate::webhooks::conversation_event(
        tx.ex(),
        "conversation_status_changed",
        c,
        Some(diff.clone()),
    )
    .await?;
    crate::webhooks::conversation_event(tx.ex(), "conversation_updated", c, Some(diff)).await
}

/// An account's auto-resolve settings (Chatwoot keeps them in `accounts.settings`).
#[derive(Clone, Debug, PartialEq)]
pub struct AutoResolve {
    /// Minutes without activity after which an open conversation is resolved.
    pub after_minutes: i64,
    pub message: Option<String>,
    /// Leave alone conversations waiting for an agent's answer.
    pub ignore_waiting: bool,
    pub label: Option<String>,
}

impl AutoResolve {
    /// `None` when auto-resolve is off (no positive `auto_resolve_after`).
    pub fn from_settings(settings: &Value) -> Option<AutoResolve> {
        let after_minutes = match settings.get("auto_resolve_after")? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|m| *m > 0)?;
        let text = |k: &str| {
            settings
                .get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let ignore_waiting = match settings.get("auto_resolve_ignore_waiting") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => false,
        };
        Some(AutoResolve {
            after_minutes,
            message: text("auto_resolve_message"),
            ignore_waiting,
            label: text("auto_resolve_label"),
        })
    }

    /// Chatwoot's activity text: in days, hours or minutes, whichever divides evenly.
    pub fn activity_text(&self) -> String {
        let m = self.after_minutes;
        let (count, unit) = if m >= 1440 && m % 1440 == 0 {
            (m / 1440, "days")
        } else if m >= 60 && m % 60 == 0 {
            (m / 60, "hours")
        } else {
            (m, "minutes")
        };
        format!("Conversation was marked resolved by system due to {count} {unit} of inactivity")
    }
}

/// Chatwoot's ConversationsResolutionSchedulerJob and ResolutionJob: in every account
/// with auto-resolve, open conversations idle for longer than `auto_resolve_after` are
/// resolved (at most `BATCH` per account per run), after the account's message and
/// label. Returns how many failed.
pub async fn auto_resolve(ctx: &Ctx, now: Timestamp) -> Result<usize> {
    let accounts = {
        let mut conn = ctx.db.conn().await?;
        schedules::auto_resolve_accounts(conn.ex()).await?
    };
    let mut failed = 0;
    for (account, Json(settings)) in accounts {
        let Some(rule) = AutoResolve::from_settings(&settings) else {
            continue;
        };
        let cutoff = minus(
            now,
            Duration::from_secs(u64::try_from(rule.after_minutes).unwrap_or(0) * 60),
        );
        let ids = {
            let mut conn = ctx.db.conn().await?;
            schedules::idle_open(conn.ex(), account, cutoff, rule.ignore_waiting, BATCH).await?
        };
        for display_id in ids {
            if let Err(e) = resolve_one(ctx, account, display_id, &rule, cutoff, now).await {
                failed += 1;
                tracing::warn!(account = account.0, display_id, error = %e, "cannot auto-resolve a conversation");
            }
        }
    }
    Ok(failed)
}

fn system_message(c: &Conversation, kind: MessageType, text: &str, now: Timestamp) -> Message {
    Message {
        id: 0,
        content: Some(text.to_string()),
        account_id: c.account_id,
        inbox_id: c.inbox_id,
        conversation_id: c.id,
        message_type: kind.value(),
        created_at: now,
        updated_at: now,
        private: false,
        status: Some(MessageStatus::Sent.value()),
        source_id: None,
        content_type: ContentType::Text.value(),
        content_attributes: Some(Json(json!({}))),
        sender_type: None,
        sender_id: None,
        external_source_ids: Some(Json(json!({}))),
        additional_attributes: Some(Json(json!({}))),
        processed_message_content: Some(text.to_string()),
        sentiment: Some(Json(json!({}))),
    }
}

async fn resolve_one(
    ctx: &Ctx,
    account: AccountId,
    display_id: i64,
    rule: &AutoResolve,
    cutoff: Timestamp,
    now: Timestamp,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    let c = conversations::find_by_display_id(tx.ex(), account, display_id).await?;
    // Someone may have written or changed it since it was listed.
    if c.status != ConversationStatus::Open.value()
        || c.last_activity_at >= cutoff
        || (rule.ignore_waiting && c.waiting_since.is_some())
    {
        return Ok(());
    }
    let mut said = Vec::new();
    let mut c = c;
    if let Some(text) = &rule.message {
        // Chatwoot's AutoResolve template: sent when the channel still allows a reply,
        // otherwise an activity says it was not.
        let d = crate::conversations::details(ctx, tx.ex(), account, vec![c.clone()]).await?;
        let can_reply = d.first().is_some_and(|d| d.can_reply);
        let m = if can_reply {
            let m = messages::insert(
                tx.ex(),
                &system_message(&c, MessageType::Template, text, now),
            )
            .await?;
            c.last_activity_at = now;
            crate::webhooks::message_event(tx.ex(), "message_created", &c, &m).await?;
            m
        } else {
            messages::insert(
                tx.ex(),
                &system_message(
                    &c,
                    MessageType::Activity,
                    "Auto-resolve message not sent due to outgoing message restrictions",
                    now,
                ),
            )
            .await?
        };
        said.push(m);
    }
    let labels_before = label_store::on(tx.ex(), Taggable::Conversation(c.id)).await?;
    if let Some(label) = &rule.label {
        // As Chatwoot's add_labels with no one signed in: no activity message.
        label_store::attach(tx.ex(), Taggable::Conversation(c.id), label, now).await?;
        let list = label_store::on(tx.ex(), Taggable::Conversation(c.id)).await?;
        c.cached_label_list = Some(list.join(", "));
    }
    c.status = ConversationStatus::Resolved.value();
    c.waiting_since = None;
    c.snoozed_until = None;
    let c = conversations::save(tx.ex(), &c, now).await?;
    said.push(crate::conversations::activity(&mut tx, &c, rule.activity_text(), now).await?);
    let mut diff = vec![json!({"status": {"previous_value": "open", "current_value": "resolved"}})];
    if rule.label.is_some() {
        let after = label_store::on(tx.ex(), Taggable::Conversation(c.id)).await?;
        if after != labels_before {
            diff.push(
                json!({"label_list": {"previous_value": labels_before, "current_value": after}}),
            );
        }
    }
    status_webhooks(&mut tx, &c, Value::Array(diff)).await?;
    tx.commit().await?;
    crate::conversations::show_live(
        ctx,
        &["conversation.status_changed"],
        account,
        display_id,
        said,
    )
    .await;
    Ok(())
}

/// Removes dead jobs and finished webhook deliveries older than their retention.
pub async fn cleanup(ctx: &Ctx, now: Timestamp) -> Result<usize> {
    let mut tx = ctx.db.begin().await?;
    let jobs = schedules::delete_dead_jobs(tx.ex(), minus(now, DEAD_JOB_RETENTION)).await?;
    let deliveries =
        schedules::delete_old_deliveries(tx.ex(), minus(now, DELIVERY_RETENTION)).await?;
    tx.commit().await?;
    if jobs + deliveries > 0 {
        tracing::info!(
            jobs,
            deliveries,
            "removed old dead jobs and webhook deliveries"
        );
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_resolve_settings_are_read_like_chatwoots_store_accessors() {
        let r = AutoResolve::from_settings(&json!({
            "auto_resolve_after": 1440, "auto_resolve_message": " Bye ",
            "auto_resolve_ignore_waiting": true, "auto_resolve_label": "closed"
        }))
        .expect("on");
        assert_eq!(
            r,
            AutoResolve {
                after_minutes: 1440,
                message: Some("Bye".into()),
                ignore_waiting: true,
                label: Some("closed".into())
            }
        );
        assert_eq!(
            AutoResolve::from_settings(
                &json!({"auto_resolve_after": "30", "auto_resolve_message": ""})
            ),
            Some(AutoResolve {
                after_minutes: 30,
                message: None,
                ignore_waiting: false,
                label: None
            })
        );
        for off in [
            json!({}),
            json!({"auto_resolve_after": null}),
            json!({"auto_resolve_after": 0}),
            json!({"auto_resolve_after": "soon"}),
        ] {
            assert_eq!(AutoResolve::from_settings(&off), None, "{off}");
        }
    }

    #[test]
    fn the_activity_names_the_largest_whole_unit() {
        let text = |m| {
            AutoResolve {
                after_minutes: m,
                message: None,
                ignore_waiting: false,
                label: None,
            }
            .activity_text()
        };
        assert_eq!(
            text(2880),
            "Conversation was marked resolved by system due to 2 days of inactivity"
        );
        assert_eq!(
            text(120),
            "Conversation was marked resolved by system due to 2 hours of inactivity"
        );
        assert_eq!(
            text(90),
            "Conversation was marked resolved by system due to 90 minutes of inactivity"
        );
        assert_eq!(
            text(1500),
            "Conversation was marked resolved by system due to 25 hours of inactivity"
        );
    }
}
