//! Reports (API v2) on a hand-built history: conversations and messages go through the
//! API; where time must pass, the conversation's stored times are moved back so that
//! the next step happens exactly N seconds after the one it is measured from. Each
//! expected figure below is worked out by hand from those N.

use serde_json::{Value, json};
use switchboard_domain::Timestamp;
use switchboard_store::{Backend, Db};
use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

use crate::assignment::{Desk, desk};

/// Waits for the start of a wall-clock second and returns it (unix seconds), so that
/// the step that follows (a few milliseconds of work) happens within that second.
async fn second_start() -> i64 {
    loop {
        let now = Timestamp::now().millis();
        if now.rem_euclid(1000) < 100 {
            return now.div_euclid(1000);
        }
        tokio::time::sleep(std::time::Duration::from_millis(
            (1000 - now.rem_euclid(1000)) as u64 + 5,
        ))
        .await;
    }
}

async fn conversation_id(db: &Db, account: i64, display_id: i64) -> i64 {
    let mut conn = db.conn().await.unwrap();
    switchboard_store::scalar!(
        one,
        conn.ex(),
        "SELECT id FROM conversations WHERE account_id = $1 AND display_id = $2",
        account,
        display_id
    )
    .unwrap()
}

/// Moves every stored time of conversation `id` (its row, its messages, its reporting
/// events) by the same amount, so that its `column` (`created_at` or `waiting_since`)
/// becomes exactly `at` (unix seconds). Relative times within it are kept.
async fn age(db: &Db, id: i64, column: &str, at: i64) {
    let mut tx = db.begin().await.unwrap();
    let sql = format!("SELECT {column} FROM conversations WHERE id = $1");
    let current: Timestamp = switchboard_store::on_db!(tx.ex(), |e| sqlx::query_scalar(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_one(e)
    .await
    .unwrap());
    let delta = at * 1000 - current.millis();
    let plus = |col: &str| match db.backend() {
        Backend::Sqlite => format!("{col} = {col} + $1"),
        Backend::Postgres => format!("{col} = {col} + ($1 * INTERVAL '1 millisecond')"),
    };
    let statements = [
        (
            "conversations",
            "id",
            &[
                "created_at",
                "updated_at",
                "last_activity_at",
                "waiting_since",
                "first_reply_created_at",
            ][..],
        ),
        (
            "messages",
            "conversation_id",
            &["created_at", "updated_at"][..],
        ),
        (
            "reporting_events",
            "conversation_id",
            &[
                "created_at",
                "updated_at",
                "event_start_time",
                "event_end_time",
            ][..],
        ),
    ];
    for (table, key, cols) in statements {
        let set: Vec<String> = cols.iter().map(|c| plus(c)).collect();
        let sql = format!("UPDATE {table} SET {} WHERE {key} = $2", set.join(", "));
        switchboard_store::on_db!(tx.ex(), |e| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(delta)
            .bind(id)
            .execute(e)
            .await
            .unwrap()
            .rows_affected());
    }
    tx.commit().await.unwrap();
}

impl Desk {
    async fn say(&self, app: &TestApp, token: &str, id: i64, body: Value) {
        let r = app
            .call(
                Method::POST,
                &format!("{}/conversations/{id}/messages", self.base),
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    async fn incoming(&self, app: &TestApp, id: i64) {
        let token = self.t.admin.token.clone();
        self.say(
            app,
            &token,
            id,
            json!({"content": "help", "message_type": "incoming"}),
        )
        .await;
    }

    async fn reply(&self, app: &TestApp, id: i64) {
        let token = self.agents[0].token.clone();
        self.say(app, &token, id, json!({"content": "on it"})).await;
    }

    fn v2(&self) -> String {
        format!("/api/v2/accounts/{}", self.t.account_id)
    }
}

async fn get(app: &TestApp, token: &str, path: &str) -> switchboard_testkit::Reply {
    app.call(Method::GET, path, Some(token), None).await
}

/// The event's end second, to tell a step that overran its second (a very slow machine)
/// from a wrong figure.
async fn end_second(db: &Db, id: i64, name: &str) -> i64 {
    let mut conn = db.conn().await.unwrap();
    let t: Timestamp = switchboard_store::scalar!(
        one,
        conn.ex(),
        "SELECT event_end_time FROM reporting_events WHERE conversation_id = $1 AND name = $2 \
         ORDER BY id DESC LIMIT 1",
        id,
        name
    )
    .unwrap();
    t.unix_seconds()
}

/// Builds the history of the main tests; returns the desk and the two conversations.
///
/// Conversation 1: the contact writes; the agent answers 1 h after the conversation
/// began (first_response 3600 s); the contact writes again and the agent answers 10 min
/// later (reply_time 600 s); the administrator resolves it 2 h after it began
/// (conversation_resolved 7200 s).
/// Conversation 2: the contact writes; the agent answers after 30 min (first_response
/// 1800 s); it stays open.
async fn history(app: &TestApp) -> (Desk, i64, i64) {
    let d = desk(app, 1, json!({"enable_auto_assignment": false})).await;
    let db = app.db().await;
    let (c1, _) = d.open(app).await;
    let (c2, _) = d.open(app).await;
    let id1 = conversation_id(&db, d.t.account_id, c1).await;
    let id2 = conversation_id(&db, d.t.account_id, c2).await;
    d.incoming(app, c1).await;
    d.incoming(app, c2).await;

    let s = second_start().await;
    age(&db, id1, "created_at", s - 3600).await;
    d.reply(app, c1).await;
    assert_eq!(
        end_second(&db, id1, "first_response").await,
        s,
        "step overran"
    );

    d.incoming(app, c1).await;
    let s = second_start().await;
    age(&db, id1, "waiting_since", s - 600).await;
    d.reply(app, c1).await;
    assert_eq!(end_second(&db, id1, "reply_time").await, s, "step overran");

    let s = second_start().await;
    age(&db, id1, "created_at", s - 7200).await;
    d.toggle(app, c1, "resolved").await;
    assert_eq!(
        end_second(&db, id1, "conversation_resolved").await,
        s,
        "step overran"
    );

    let s = second_start().await;
    age(&db, id2, "created_at", s - 1800).await;
    d.reply(app, c2).await;
    assert_eq!(
        end_second(&db, id2, "first_response").await,
        s,
        "step overran"
    );
    (d, id1, id2)
}

fn day_range() -> (i64, i64) {
    let now = Timestamp::now().unix_seconds();
    (now - 86_400, now + 3600)
}

#[tokio::test]
async fn summary_and_time_series_match_the_hand_built_history() {
    let app = TestApp::spawn().await;
    let (d, id1, _) = history(&app).await;
    let db = app.db().await;
    let admin = d.t.admin.token.clone();
    let (since, until) = day_range();

    // The events, as Chatwoot's listener writes them.
    let mut conn = db.conn().await.unwrap();
    let rows: Vec<(String, f64, Option<i64>)> = switchboard_store::fetch!(
        all,
        conn.ex(),
        "SELECT name, value, user_id FROM reporting_events WHERE conversation_id = $1 ORDER BY id",
        id1
    )
    .unwrap();
    let agent = Some(d.agents[0].id);
    assert_eq!(
        rows,
        vec![
            ("first_response".to_string(), 3600.0, agent),
            ("reply_time".to_string(), 600.0, None),
            ("conversation_resolved".to_string(), 7200.0, None),
        ]
    );

    let r = get(
        &app,
        &admin,
        &format!("{}/reports/summary?since={since}&until={until}", d.v2()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // 2 conversations; 3 incoming messages; 3 agent replies (activity messages are not
    // outgoing); first responses 3600 and 1800 average 2700; one resolution of 7200;
    // one reply of 600. The day before holds nothing: counts 0, averages null.
    assert_eq!(
        r.body,
        json!({
            "conversations_count": 2,
            "incoming_messages_count": 3,
            "outgoing_messages_count": 3,
            "avg_first_response_time": 2700.0,
            "avg_resolution_time": 7200.0,
            "resolutions_count": 1,
            "reply_time": 600.0,
            "previous": {
                "conversations_count": 0,
                "incoming_messages_count": 0,
                "outgoing_messages_count": 0,
                "avg_first_response_time": null,
                "avg_resolution_time": null,
                "resolutions_count": 0,
                "reply_time": null
            }
        })
    );

    // Per agent: the agent answered both first responses.
    let r = get(
        &app,
        &admin,
        &format!(
            "{}/reports/summary?type=agent&id={}&since={since}&until={until}",
            d.v2(),
            d.agents[0].id
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["avg_first_response_time"], json!(2700.0));
    // Messages the agent sent; conversations assigned to them (none).
    assert_eq!(r.body["outgoing_messages_count"], json!(3));
    assert_eq!(r.body["incoming_messages_count"], json!(0));
    assert_eq!(r.body["conversations_count"], json!(0));

    // Per label (conversation 1 is "vip") and per team (conversation 2 is the team's).
    let post = |path: String, body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = app
                .call(Method::POST, &path, Some(&admin), Some(body))
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body
        }
    };
    let vip = post(format!("{}/labels", d.base), json!({"title": "vip"})).await;
    post(format!("{}/labels", d.base), json!({"title": "idle"})).await;
    post(
        format!("{}/conversations/1/labels", d.base),
        json!({"labels": ["vip"]}),
    )
    .await;
    let team = post(format!("{}/teams", d.base), json!({"name": "Support"})).await;
    post(
        format!("{}/conversations/2/assignments", d.base),
        json!({"team_id": team["id"]}),
    )
    .await;
    let r = get(
        &app,
        &admin,
        &format!(
            "{}/reports/summary?type=label&id={}&since={since}&until={until}",
            d.v2(),
            vip["id"]
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["conversations_count"], json!(1));
    assert_eq!(r.body["incoming_messages_count"], json!(2));
    assert_eq!(r.body["avg_first_response_time"], json!(3600.0));
    assert_eq!(r.body["avg_resolution_time"], json!(7200.0));
    assert_eq!(r.body["reply_time"], json!(600.0));
    let r = get(
        &app,
        &admin,
        &format!(
            "{}/reports/summary?type=team&id={}&since={since}&until={until}",
            d.v2(),
            team["id"]
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["conversations_count"], json!(1));
    assert_eq!(r.body["outgoing_messages_count"], json!(1));
    assert_eq!(r.body["avg_first_response_time"], json!(1800.0));
    assert_eq!(r.body["resolutions_count"], json!(0));
    let q = format!("since={since}&until={until}");
    let r = get(
        &app,
        &admin,
        &format!("{}/summary_reports/label?{q}", d.v2()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.body.as_array().unwrap();
    let row = |title: &str| rows.iter().find(|r| r["name"] == title).unwrap().clone();
    assert_eq!(
        row("vip"),
        json!({"id": vip["id"], "name": "vip", "conversations_count": 1,
               "resolved_conversations_count": 1, "avg_resolution_time": 7200.0,
               "avg_first_response_time": 3600.0, "avg_reply_time": 600.0})
    );
    // Labels without figures show zeros, not nulls (Chatwoot's label summary).
    assert_eq!(row("idle")["avg_resolution_time"], json!(0));
    assert_eq!(row("idle")["conversations_count"], json!(0));
    let r = get(
        &app,
        &admin,
        &format!("{}/summary_reports/team?{q}", d.v2()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!([{"id": team["id"], "conversations_count": 1, "resolved_conversations_count": 0,
                "avg_resolution_time": null, "avg_first_response_time": 1800.0,
                "avg_reply_time": null}])
    );

    // Hourly series in UTC+5:30: every bucket starts at a local hour, i.e. at :30 UTC;
    // the buckets add up to the two conversations, and the average buckets hold the
    // two first responses.
    let series = |metric: &str, group: &str| {
        format!(
            "{}/reports?metric={metric}&type=account&since={since}&until={until}&group_by={group}&timezone_offset=5.5",
            d.v2()
        )
    };
    let r = get(&app, &admin, &series("conversations_count", "hour")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let points = r.body.as_array().unwrap();
    assert!(points.len() >= 24 && points.len() <= 27, "{}", points.len());
    for p in points {
        assert_eq!((p["timestamp"].as_i64().unwrap() + 19_800) % 3600, 0, "{p}");
        assert!(p.get("count").is_none());
    }
    let total: i64 = points.iter().map(|p| p["value"].as_i64().unwrap()).sum();
    assert_eq!(total, 2);

    let r = get(&app, &admin, &series("avg_first_response_time", "day")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let points = r.body.as_array().unwrap();
    for p in points {
        // Local midnights of UTC+5:30.
        assert_eq!(
            (p["timestamp"].as_i64().unwrap() + 19_800) % 86_400,
            0,
            "{p}"
        );
    }
    let counted: i64 = points.iter().map(|p| p["count"].as_i64().unwrap()).sum();
    assert_eq!(counted, 2);
    // The sum of value × count over the buckets is the total of the two responses.
    let weighted: f64 = points
        .iter()
        .map(|p| p["value"].as_f64().unwrap() * p["count"].as_f64().unwrap())
        .sum();
    assert_eq!(weighted, 5400.0);

    // Resolutions by week: one, in one bucket starting on a Sunday (UTC).
    let r = get(
        &app,
        &admin,
        &format!(
            "{}/reports?metric=resolutions_count&since={since}&until={until}&group_by=week",
            d.v2()
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let points = r.body.as_array().unwrap();
    let total: i64 = points.iter().map(|p| p["value"].as_i64().unwrap()).sum();
    assert_eq!(total, 1);
    for p in points {
        let days = p["timestamp"].as_i64().unwrap() / 86_400;
        assert_eq!((days + 4) % 7, 0, "{p} is not a Sunday");
    }
}

#[tokio::test]
async fn summary_reports_live_metrics_and_csv() {
    let app = TestApp::spawn().await;
    let (d, _, _) = history(&app).await;
    let admin = d.t.admin.token.clone();
    let (since, until) = day_range();
    let q = format!("since={since}&until={until}");

    let r = get(
        &app,
        &admin,
        &format!("{}/summary_reports/inbox?{q}", d.v2()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!([{
            "id": d.inbox,
            "conversations_count": 2,
            "resolved_conversations_count": 1,
            "avg_resolution_time": 7200.0,
            "avg_first_response_time": 2700.0,
            "avg_reply_time": 600.0
        }])
    );
    let r = get(
        &app,
        &admin,
        &format!("{}/summary_reports/agent?{q}", d.v2()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.body.as_array().unwrap();
    // The administrator and the agent, by id; only the agent has figures.
    assert_eq!(rows.len(), 2);
    let agent = rows
        .iter()
        .find(|r| r["id"] == json!(d.agents[0].id))
        .unwrap();
    assert_eq!(agent["avg_first_response_time"], json!(2700.0));
    assert_eq!(agent["resolved_conversations_count"], json!(0));
    assert_eq!(agent["avg_resolution_time"], Value::Null);

    let r = get(
        &app,
        &admin,
        &format!("{}/summary_reports/channel?{q}", d.v2()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"Channel::Api": {"open": 1, "resolved": 1, "pending": 0, "snoozed": 0, "total": 2}})
    );

    // Now: conversation 2 is open, answered, unassigned.
    let r = get(
        &app,
        &admin,
        &format!("{}/live_reports/conversation_metrics", d.v2()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"open": 1, "unattended": 0, "unassigned": 1, "pending": 0})
    );
    let r = get(
        &app,
        &admin,
        &format!(
            "{}/live_reports/grouped_conversation_metrics?group_by=assignee_id",
            d.v2()
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!([{"open": 1, "unattended": 0, "unassigned": 1, "assignee_id": null}])
    );

    let r = get(&app, &admin, &format!("{}/reports/inboxes?{q}", d.v2())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("text/csv"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=inboxes_report.csv")
    );
    let lines: Vec<&str> = r.text.lines().collect();
    assert!(lines[0].starts_with("Reporting period "), "{}", r.text);
    assert_eq!(
        lines[2],
        "Inbox name,Inbox type,No. of conversations,Avg first response time,Avg resolution time"
    );
    assert_eq!(lines[3], "API,API,2,45 minutes,2 hours,10 minutes,1");

    let r = get(
        &app,
        &admin,
        &format!("{}/reports/conversations_summary?{q}", d.v2()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines[3], "2,3,3,45 minutes,2 hours,1,10 minutes");
}

#[tokio::test]
async fn business_hours_are_read_in_the_inbox_time_zone() {
    let app = TestApp::spawn().await;
    let d = desk(&app, 1, json!({"enable_auto_assignment": false})).await;
    let db = app.db().await;
    // A fixed-offset zone in which it is now 12:xx local, so that the spans below sit
    // in one local day whatever the hour the test runs at.
    let utc_hour = Timestamp::now().unix_seconds().rem_euclid(86_400) / 3600;
    let n = 12 - utc_hour;
    let zone = match n {
        0 => "Etc/GMT".to_string(),
        n if n > 0 => format!("Etc/GMT-{n}"),
        n => format!("Etc/GMT+{}", -n),
    };
    // Open 11:00–23:00 local every day.
    let hours: Vec<Value> = (0..7)
        .map(|day| {
            json!({"day_of_week": day, "closed_all_day": false, "open_all_day": false,
                   "open_hour": 11, "open_minutes": 0, "close_hour": 23, "close_minutes": 0})
        })
        .collect();
    let r = app
        .call(
            Method::PATCH,
            &format!("{}/inboxes/{}", d.base, d.inbox),
            Some(&d.t.admin.token),
            Some(json!({"working_hours_enabled": true, "timezone": zone, "working_hours": hours})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let (c, _) = d.open(&app).await;
    let id = conversation_id(&db, d.t.account_id, c).await;
    d.incoming(&app, c).await;
    // First response after 1 h: local 11:xx to 12:xx (or 12:xx to 13:00), all open.
    let s1 = second_start().await;
    age(&db, id, "created_at", s1 - 3600).await;
    d.reply(&app, c).await;
    assert_eq!(end_second(&db, id, "first_response").await, s1);
    // Resolved 2 h after it began: local 10:mm:ss to 12:mm:ss, of which only the time
    // since 11:00 is open: (local time of day at s2) − 11:00.
    let s2 = second_start().await;
    age(&db, id, "created_at", s2 - 7200).await;
    d.toggle(&app, c, "resolved").await;
    assert_eq!(end_second(&db, id, "conversation_resolved").await, s2);
    let local = (s2 + n * 3600).rem_euclid(86_400);
    let expected_resolution = (local - 11 * 3600) as f64;

    let mut conn = db.conn().await.unwrap();
    let rows: Vec<(String, f64, f64)> = switchboard_store::fetch!(
        all,
        conn.ex(),
        "SELECT name, value, value_in_business_hours FROM reporting_events \
         WHERE conversation_id = $1 ORDER BY id",
        id
    )
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("first_response".to_string(), 3600.0, 3600.0),
            (
                "conversation_resolved".to_string(),
                7200.0,
                expected_resolution
            ),
        ]
    );
    assert!(expected_resolution < 7200.0);

    let (since, until) = day_range();
    let r = get(
        &app,
        &d.t.admin.token,
        &format!(
            "{}/reports/summary?since={since}&until={until}&business_hours=true",
            d.v2()
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["avg_first_response_time"], json!(3600.0));
    assert_eq!(r.body["avg_resolution_time"], json!(expected_resolution));
}

#[tokio::test]
async fn reports_are_for_administrators_of_the_account_only() {
    let app = TestApp::spawn().await;
    let (d, _, _) = history(&app).await;
    let (since, until) = day_range();
    let q = format!("since={since}&until={until}");
    let summary = format!("{}/reports/summary?{q}", d.v2());

    // An agent of the account: 401, as Chatwoot's ReportPolicy answers.
    let r = get(&app, &d.agents[0].token, &summary).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert!(r.body["error"].is_string());
    let r = get(
        &app,
        &d.agents[0].token,
        &format!("{}/live_reports/conversation_metrics", d.v2()),
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.text);

    // Another account's administrator: nothing of this account, and their own reports
    // hold none of its data, nor may they name this account's inbox.
    let p = app.platform_token().await;
    let other = app.account_with_admin(&p, "Other").await;
    let r = get(&app, &other.admin.token, &summary).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let own = format!("/api/v2/accounts/{}", other.account_id);
    let r = get(
        &app,
        &other.admin.token,
        &format!("{own}/reports/summary?{q}"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["conversations_count"], json!(0));
    assert_eq!(r.body["avg_first_response_time"], Value::Null);
    let r = get(
        &app,
        &other.admin.token,
        &format!(
            "{own}/reports?metric=conversations_count&type=inbox&id={}&{q}",
            d.inbox
        ),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = get(
        &app,
        &other.admin.token,
        &format!("{own}/summary_reports/inbox?{q}"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!([]));
}

#[tokio::test]
async fn bad_report_requests_get_4xx_json() {
    let app = TestApp::spawn().await;
    let d = desk(&app, 0, json!({})).await;
    let admin = d.t.admin.token.clone();
    let now = Timestamp::now().unix_seconds();
    let base = d.v2();
    let cases = [
        // No range, a reversed one, one that is not a number.
        format!("{base}/reports?metric=conversations_count"),
        format!(
            "{base}/reports?metric=conversations_count&since={now}&until={}",
            now - 10
        ),
        format!("{base}/reports?metric=conversations_count&since=yesterday&until={now}"),
        // Unknown metric and type.
        format!("{base}/reports?metric=happiness&since=0&until={now}"),
        format!("{base}/reports?metric=conversations_count&type=planet&since=0&until={now}"),
        // Two years by hour is more buckets than a chart can hold.
        format!(
            "{base}/reports?metric=conversations_count&group_by=hour&since={}&until={now}",
            now - 2 * 365 * 86_400
        ),
        format!("{base}/reports?metric=conversations_count&since=0&until={now}&timezone_offset=40"),
        format!("{base}/reports/summary?since={now}"),
        format!(
            "{base}/summary_reports/channel?since={}&until={now}",
            now - 365 * 86_400
        ),
        format!("{base}/live_reports/grouped_conversation_metrics?group_by=status"),
    ];
    for path in cases {
        let r = get(&app, &admin, &path).await;
        assert_eq!(r.status, 422, "{path}: {}", r.text);
        assert!(r.body["error"].is_string(), "{path}: {}", r.text);
    }
    // An id that is not one of the account's: 404.
    let r = get(
        &app,
        &admin,
        &format!(
            "{base}/reports?metric=conversations_count&type=team&id=999999&since=0&until={now}"
        ),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    // A long range by day is fine: one point per day, all zero.
    let r = get(
        &app,
        &admin,
        &format!(
            "{base}/reports?metric=outgoing_messages_count&since={}&until={now}",
            now - 400 * 86_400
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let points = r.body.as_array().unwrap();
    assert!(points.len() >= 400 && points.len() <= 402);
    assert!(points.iter().all(|p| p["value"] == json!(0)));
}

/// The event of `name` on conversation `id`, by its value.
async fn values(db: &Db, id: i64, name: &str) -> Vec<f64> {
    let mut conn = db.conn().await.unwrap();
    switchboard_store::scalar!(
        all,
        conn.ex(),
        "SELECT value FROM reporting_events WHERE conversation_id = $1 AND name = $2 ORDER BY id",
        id,
        name
    )
    .unwrap()
}

/// A bot inbox. Conversation A: the bot hands it over 5 min after it began (hand-off
/// 300 s, opened 0 s), an agent answers 2 min after the hand-off (first response
/// 120 s, measured from the hand-off), and it is resolved: no bot resolution, since a
/// person replied. Conversation B: the bot resolves it 10 min after it began (resolved
/// and bot-resolved 600 s); the contact writes again (back to the bot: pending, which is
/// no reopening), and the bot hands it over 15 min after the resolution (opened 900 s,
/// hand-off counted once per conversation).
#[tokio::test]
async fn bot_hand_offs_resolutions_and_reopenings() {
    let app = TestApp::spawn_with(&[crate::webhooks::LOOPBACK]).await;
    let receiver = crate::webhooks::Receiver::start().await;
    let d = desk(&app, 1, json!({"enable_auto_assignment": false})).await;
    let db = app.db().await;
    let admin = d.t.admin.token.clone();
    let bot = app
        .call(
            Method::POST,
            &format!("{}/agent_bots", d.base),
            Some(&admin),
            Some(json!({"name": "Bot", "outgoing_url": receiver.url})),
        )
        .await;
    assert_eq!(bot.status, 200, "{}", bot.text);
    let bot_token = bot.body["access_token"].as_str().unwrap().to_string();
    let r = app
        .call(
            Method::POST,
            &format!("{}/inboxes/{}/set_agent_bot", d.base, d.inbox),
            Some(&admin),
            Some(json!({"agent_bot": bot.body["id"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let bot_toggle = |c: i64, status: &'static str| {
        let app = &app;
        let path = format!("{}/conversations/{c}/toggle_status", d.base);
        let token = bot_token.clone();
        async move {
            let r = app
                .call(
                    Method::POST,
                    &path,
                    Some(&token),
                    Some(json!({"status": status})),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
    };

    // A.
    let (a, _) = d.open(&app).await;
    let id_a = conversation_id(&db, d.t.account_id, a).await;
    d.incoming(&app, a).await;
    let s = second_start().await;
    age(&db, id_a, "created_at", s - 300).await;
    bot_toggle(a, "open").await;
    assert_eq!(end_second(&db, id_a, "conversation_bot_handoff").await, s);
    let s = second_start().await;
    age(&db, id_a, "created_at", s - 300 - 120).await;
    d.reply(&app, a).await;
    assert_eq!(end_second(&db, id_a, "first_response").await, s);
    d.toggle(&app, a, "resolved").await;
    assert_eq!(
        values(&db, id_a, "conversation_bot_handoff").await,
        vec![300.0]
    );
    assert_eq!(values(&db, id_a, "conversation_opened").await, vec![0.0]);
    assert_eq!(values(&db, id_a, "first_response").await, vec![120.0]);
    assert_eq!(values(&db, id_a, "conversation_resolved").await.len(), 1);
    assert!(
        values(&db, id_a, "conversation_bot_resolved")
            .await
            .is_empty()
    );

    // B.
    let (b, _) = d.open(&app).await;
    let id_b = conversation_id(&db, d.t.account_id, b).await;
    d.incoming(&app, b).await;
    let s = second_start().await;
    age(&db, id_b, "created_at", s - 600).await;
    bot_toggle(b, "resolved").await;
    assert_eq!(end_second(&db, id_b, "conversation_resolved").await, s);
    d.incoming(&app, b).await;
    let shown = app
        .call(
            Method::GET,
            &format!("{}/conversations/{b}", d.base),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(shown.body["status"], "pending", "{}", shown.text);
    let s = second_start().await;
    age(&db, id_b, "created_at", s - 600 - 900).await;
    bot_toggle(b, "open").await;
    assert_eq!(end_second(&db, id_b, "conversation_opened").await, s);
    assert_eq!(
        values(&db, id_b, "conversation_resolved").await,
        vec![600.0]
    );
    assert_eq!(
        values(&db, id_b, "conversation_bot_resolved").await,
        vec![600.0]
    );
    assert_eq!(values(&db, id_b, "conversation_opened").await, vec![900.0]);
    assert_eq!(values(&db, id_b, "conversation_bot_handoff").await.len(), 1);

    let (since, until) = day_range();
    let r = get(
        &app,
        &admin,
        &format!("{}/reports/bot_summary?since={since}&until={until}", d.v2()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({
            "bot_resolutions_count": 1,
            "bot_handoffs_count": 2,
            "previous": {"bot_resolutions_count": 0, "bot_handoffs_count": 0}
        })
    );
    let r = get(
        &app,
        &admin,
        &format!(
            "{}/reports?metric=bot_handoffs_count&since={since}&until={until}",
            d.v2()
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let total: i64 = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 2);
}
