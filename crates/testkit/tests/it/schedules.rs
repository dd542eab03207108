//! Recurring work driven by a test's clock: snoozed conversations reopen when due (and
//! are auto-assigned), idle ones are auto-resolved with the account's message and label,
//! each run is claimed once across servers, and old dead jobs and deliveries go away.

use serde_json::json;
use switchboard_core::schedules::{self, AUTO_RESOLVE, CLEANUP, REOPEN_SNOOZED};
use switchboard_domain::Timestamp;
use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

use crate::assignment::desk;
use crate::realtime::{Cable, agent_identifier, pubsub_token};
use crate::webhooks::{LOOPBACK, Receiver, hook};

fn hours_from_now(h: i64) -> Timestamp {
    Timestamp::now().plus_seconds(h * 3600)
}

/// Waits until `check` holds (the worker runs the claimed job in the background).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{what} did not happen");
}

#[tokio::test]
async fn snoozed_conversations_reopen_when_due_and_are_auto_assigned() {
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let receiver = Receiver::start().await;
    // Auto-assignment off at first, so the conversation starts unassigned.
    let d = desk(&app, 1, json!({"enable_auto_assignment": false})).await;
    hook(
        &app,
        &d.t,
        &receiver.url,
        &["conversation_status_changed", "conversation_updated"],
    )
    .await;
    let (id, assignee) = d.open(&app).await;
    assert_eq!(assignee, None);
    let until = hours_from_now(2).unix_seconds();
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{id}/toggle_status", d.base),
            Some(&d.t.admin.token),
            Some(json!({"status": "snoozed", "snoozed_until": until})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .call(
            Method::PATCH,
            &format!("{}/inboxes/{}", d.base, d.inbox),
            Some(&d.t.admin.token),
            Some(json!({"enable_auto_assignment": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let ctx = app.ctx();
    // An hour on, the snooze has not ended.
    schedules::reopen_snoozed(&ctx, hours_from_now(1))
        .await
        .unwrap();
    assert_eq!(d.conversation(&app, id).await["status"], "snoozed");

    // The administrator watches on /cable.
    let mut cable = Cable::open(&app).await;
    let token = pubsub_token(&app, &d.t.admin.token).await;
    cable
        .join(&agent_identifier(
            &crate::realtime::Agent {
                id: d.t.admin.id,
                pubsub_token: token,
            },
            d.t.account_id,
        ))
        .await;

    // Three hours on, the schedule's run (claimed and run by the worker) reopens it.
    let claimed = schedules::enqueue_due(&ctx, hours_from_now(3))
        .await
        .unwrap();
    assert!(claimed.contains(&REOPEN_SNOOZED), "{claimed:?}");
    eventually("the reopening", || async {
        d.conversation(&app, id).await["status"] == "open"
    })
    .await;
    let c = d.conversation(&app, id).await;
    assert_eq!(c["meta"]["assignee"]["id"], d.agents[0].id);
    assert!(c["snoozed_until"].is_null(), "{c}");
    // Like a person's change: the status webhook, with the assignment in the diff. No
    // activity message: Chatwoot writes none when no one reopened it.
    let hits = receiver.wait_for("conversation_status_changed", 2).await;
    let (_, body) = hits.last().unwrap();
    assert_eq!(body["status"], "open");
    assert_eq!(
        body["changed_attributes"][0]["status"],
        json!({"previous_value": "snoozed", "current_value": "open"})
    );
    assert_eq!(
        body["changed_attributes"][1]["assignee_id"]["current_value"],
        d.agents[0].id
    );
    // And the live events a person's change would send.
    let f = cable.event().await;
    assert_eq!(f["message"]["event"], "conversation.status_changed");
    assert_eq!(f["message"]["data"]["status"], "open");
    let f = cable.event().await;
    assert_eq!(f["message"]["event"], "assignee.changed");
    assert_eq!(
        f["message"]["data"]["meta"]["assignee"]["id"],
        d.agents[0].id
    );
    let said = d.messages(&app, id).await;
    assert!(!said.iter().any(|m| m.contains("reopened")), "{said:?}");
}

#[tokio::test]
async fn idle_conversations_are_auto_resolved_with_the_accounts_message_and_label() {
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let receiver = Receiver::start().await;
    let d = desk(&app, 0, json!({})).await;
    hook(
        &app,
        &d.t,
        &receiver.url,
        &["conversation_status_changed", "message_created"],
    )
    .await;
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/accounts/{}", d.t.account_id),
            Some(&d.t.admin.token),
            Some(json!({
                "auto_resolve_after": 120,
                "auto_resolve_message": "Closing this for now.",
                "auto_resolve_label": "auto-closed"
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (idle, _) = d.open(&app).await;
    let (pending, _) = d.open(&app).await;
    d.toggle(&app, pending, "pending").await;

    let ctx = app.ctx();
    // An hour on: not yet idle long enough.
    assert_eq!(
        schedules::auto_resolve(&ctx, hours_from_now(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(d.conversation(&app, idle).await["status"], "open");

    // Three hours on: resolved, after the message, with the label.
    assert_eq!(
        schedules::auto_resolve(&ctx, hours_from_now(3))
            .await
            .unwrap(),
        0
    );
    let c = d.conversation(&app, idle).await;
    assert_eq!(c["status"], "resolved");
    assert_eq!(c["labels"], json!(["auto-closed"]));
    let said = d.messages(&app, idle).await;
    let at = |text: &str| said.iter().position(|m| m == text);
    let message = at("Closing this for now.").expect("the auto-resolve message");
    let activity = at("Conversation was marked resolved by system due to 2 hours of inactivity")
        .expect("the activity");
    assert!(message < activity, "{said:?}");
    // Only open conversations are resolved.
    assert_eq!(d.conversation(&app, pending).await["status"], "pending");

    // Two status changes went out: the administrator's (to pending) and the system's.
    let changes = receiver.wait_for("conversation_status_changed", 2).await;
    let (_, body) = changes
        .iter()
        .find(|(_, b)| b["id"] == idle)
        .expect("the auto-resolve's webhook");
    assert_eq!(body["status"], "resolved");
    assert_eq!(
        body["changed_attributes"][0]["status"],
        json!({"previous_value": "open", "current_value": "resolved"})
    );
    let (_, m) = receiver.wait_for("message_created", 1).await.pop().unwrap();
    assert_eq!(m["content"], "Closing this for now.");
    assert_eq!(m["message_type"], "template");

    // Running again changes nothing more.
    schedules::auto_resolve(&ctx, hours_from_now(4))
        .await
        .unwrap();
    assert_eq!(d.messages(&app, idle).await.len(), said.len());
}

#[tokio::test]
async fn auto_resolve_can_leave_waiting_conversations_alone() {
    let app = TestApp::spawn().await;
    let d = desk(&app, 0, json!({})).await;
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/accounts/{}", d.t.account_id),
            Some(&d.t.admin.token),
            Some(json!({"auto_resolve_after": 60, "auto_resolve_ignore_waiting": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A new conversation waits for an answer; an answered one does not.
    let (waiting, _) = d.open(&app).await;
    let (answered, _) = d.open(&app).await;
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{answered}/messages", d.base),
            Some(&d.t.admin.token),
            Some(json!({"content": "Hello"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Another account without auto-resolve is left alone.
    let other = desk(&app, 0, json!({})).await;
    let (theirs, _) = other.open(&app).await;

    schedules::auto_resolve(&app.ctx(), hours_from_now(2))
        .await
        .unwrap();
    assert_eq!(d.conversation(&app, waiting).await["status"], "open");
    assert_eq!(d.conversation(&app, answered).await["status"], "resolved");
    assert_eq!(
        d.messages(&app, answered).await.last().unwrap(),
        "Conversation was marked resolved by system due to 1 hours of inactivity"
    );
    assert_eq!(other.conversation(&app, theirs).await["status"], "open");
}

/// Each run is claimed once, whichever server asks, however often.
#[tokio::test]
async fn each_run_is_claimed_once_across_servers() {
    let one = TestApp::spawn().await;
    let later = hours_from_now(10);
    let (a, b) = if std::env::var("TEST_DATABASE_URL").map_or(true, |v| v.is_empty()) {
        // SQLite runs one process: two claims from it at once stand in for two workers.
        let ctx = one.ctx();
        tokio::join!(
            schedules::enqueue_due(&ctx, later),
            schedules::enqueue_due(&ctx, later)
        )
    } else {
        let two = TestApp::start_on(one.storage.clone()).await;
        let (c1, c2) = (one.ctx(), two.ctx());
        tokio::join!(
            schedules::enqueue_due(&c1, later),
            schedules::enqueue_due(&c2, later)
        )
    };
    let mut all: Vec<&str> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    all.sort_unstable();
    assert_eq!(all, vec![AUTO_RESOLVE, CLEANUP, REOPEN_SNOOZED]);
    // Not due again until its interval has passed.
    let again = schedules::enqueue_due(&one.ctx(), later.plus_seconds(30))
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    let again = schedules::enqueue_due(&one.ctx(), later.plus_seconds(61))
        .await
        .unwrap();
    assert_eq!(again, vec![REOPEN_SNOOZED]);
}

#[tokio::test]
async fn cleanup_removes_old_dead_jobs_and_finished_deliveries_only() {
    let app = TestApp::spawn().await;
    let d = desk(&app, 0, json!({})).await;
    let db = app.db().await;
    let now = Timestamp::now();
    let old = now.plus_seconds(-40 * 24 * 3600);
    let recent = now.plus_seconds(-24 * 3600);
    // Rows as the worker leaves them: dead jobs, one running (status 1, with no lease so
    // that no worker takes it meanwhile), and deliveries delivered (1), failed (3) and
    // still retrying (2).
    let mut tx = db.begin().await.unwrap();
    for (status, at) in [(3, old), (3, recent), (1, old)] {
        switchboard_store::exec!(
            tx.ex(),
            "INSERT INTO jobs (kind, payload, status, max_attempts, run_at, created_at, updated_at) \
             VALUES ('test_kind', '{}', $1, 1, $2, $2, $2)",
            status,
            at
        )
        .unwrap();
    }
    for (status, at) in [(1, old), (3, old), (2, old), (1, recent)] {
        switchboard_store::exec!(
            tx.ex(),
            "INSERT INTO webhook_deliveries (account_id, uuid, event, url, body, status, created_at, updated_at) \
             VALUES ($1, 'u', 'message_created', 'http://x', '{}', $2, $3, $3)",
            d.t.account_id,
            status,
            at
        )
        .unwrap();
    }
    tx.commit().await.unwrap();

    schedules::cleanup(&app.ctx(), now).await.unwrap();

    let mut conn = db.conn().await.unwrap();
    let jobs: Vec<(i32, Timestamp)> = switchboard_store::fetch!(
        all,
        conn.ex(),
        "SELECT status, updated_at FROM jobs WHERE kind = 'test_kind' ORDER BY id"
    )
    .unwrap();
    // The old dead job went; the recent dead one and the running one stay.
    assert_eq!(jobs, vec![(3, recent), (1, old)]);
    let deliveries: Vec<i32> = switchboard_store::scalar!(
        all,
        conn.ex(),
        "SELECT status FROM webhook_deliveries WHERE account_id = $1 ORDER BY id",
        d.t.account_id
    )
    .unwrap();
    assert_eq!(deliveries, vec![2, 1]);
}
