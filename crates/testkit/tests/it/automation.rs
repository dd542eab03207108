//! Automation rules and macros: CRUD with Chatwoot's shapes and error bodies, rules
//! reacting to events through the job worker (conditions, every kind of action, no
//! loops), and macros executed on conversations with their visibility rules.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Person, Tenant, TestApp};

struct Desk {
    /// The platform token that made the account (it alone may add users to it).
    platform: String,
    t: Tenant,
    agent: Person,
    base: String,
    inbox: i64,
    contact: i64,
}

impl Desk {
    fn admin(&self) -> Option<&str> {
        Some(self.t.admin.token.as_str())
    }
}

async fn desk(app: &TestApp) -> Desk {
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let base = format!("/api/v1/accounts/{}", t.account_id);
    let admin = Some(t.admin.token.as_str());
    let inbox = app
        .call(
            Method::POST,
            &format!("{base}/inboxes"),
            admin,
            Some(json!({"name": "API", "channel": {"type": "api"}})),
        )
        .await;
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    let inbox = inbox.body["id"].as_i64().unwrap();
    let r = app
        .call(
            Method::POST,
            &format!("{base}/inbox_members"),
            admin,
            Some(json!({"inbox_id": inbox, "user_ids": [agent.id]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let contact = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            admin,
            Some(json!({"name": "Jo", "email": "jo@example.com", "inbox_id": inbox})),
        )
        .await;
    assert_eq!(contact.status, 200, "{}", contact.text);
    Desk {
        platform: p,
        contact: contact.body["payload"]["contact"]["id"].as_i64().unwrap(),
        t,
        agent,
        base,
        inbox,
    }
}

/// A new conversation in the desk's inbox; returns its display id.
async fn conversation(app: &TestApp, d: &Desk) -> i64 {
    let c = app
        .call(
            Method::POST,
            &format!("{}/conversations", d.base),
            d.admin(),
            Some(json!({"contact_id": d.contact, "inbox_id": d.inbox})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    c.body["id"].as_i64().unwrap()
}

async fn incoming(app: &TestApp, d: &Desk, id: i64, text: &str) {
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{id}/messages", d.base),
            d.admin(),
            Some(json!({"content": text, "message_type": "incoming"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn rule(app: &TestApp, d: &Desk, body: Value) -> Value {
    let r = app
        .call(
            Method::POST,
            &format!("{}/automation_rules", d.base),
            d.admin(),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn show(app: &TestApp, d: &Desk, id: i64) -> Value {
    let r = app
        .call(
            Method::GET,
            &format!("{}/conversations/{id}", d.base),
            d.admin(),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn messages(app: &TestApp, d: &Desk, id: i64) -> Vec<Value> {
    let r = app
        .call(
            Method::GET,
            &format!("{}/conversations/{id}/messages", d.base),
            d.admin(),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["payload"].as_array().unwrap().clone()
}

/// Polls the conversation until `ok` holds (the worker runs rules a moment later).
async fn until(app: &TestApp, d: &Desk, id: i64, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        last = show(app, d, id).await;
        if ok(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what} never happened: {last}");
}

/// Polls the messages until `ok` holds.
async fn until_messages(
    app: &TestApp,
    d: &Desk,
    id: i64,
    what: &str,
    ok: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let mut last = Vec::new();
    for _ in 0..400 {
        last = messages(app, d, id).await;
        if ok(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what} never happened: {last:?}");
}

/// Waits until no job is queued or running, so that what did not happen will not.
async fn settle(app: &TestApp) {
    let db = app.db().await;
    for _ in 0..400 {
        let mut conn = db.conn().await.unwrap();
        let n: i64 = switchboard_store::scalar!(
            one,
            conn.ex(),
            "SELECT COUNT(*) FROM jobs WHERE status <> 3"
        )
        .unwrap();
        if n == 0 {
            return;
        }
        drop(conn);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("jobs never settled");
}

fn labels(c: &Value) -> Vec<String> {
    let mut l: Vec<String> = c["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    l.sort();
    l
}

fn contents(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn rules_are_managed_by_administrators_with_chatwoot_shapes() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let path = format!("{}/automation_rules", d.base);
    let body = json!({
        "name": "Refunds",
        "description": "Billing questions",
        "event_name": "message_created",
        "active": true,
        "conditions": [
            {"attribute_key": "content", "filter_operator": "contains", "values": ["refund"], "query_operator": "and"},
            {"attribute_key": "message_type", "filter_operator": "equal_to", "values": ["incoming"], "query_operator": null}
        ],
        "actions": [{"action_name": "add_label", "action_params": ["billing"]}]
    });
    // Create answers the rule itself.
    let created = rule(&app, &d, body).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["account_id"], d.t.account_id);
    assert_eq!(created["name"], "Refunds");
    assert_eq!(created["description"], "Billing questions");
    assert_eq!(created["event_name"], "message_created");
    assert_eq!(created["active"], true);
    assert_eq!(created["conditions"][0]["values"], json!(["refund"]));
    assert_eq!(created["conditions"][0]["query_operator"], "AND");
    assert_eq!(
        created["actions"],
        json!([{"action_name": "add_label", "action_params": ["billing"]}])
    );
    assert!(created["created_on"].as_i64().unwrap() > 1_700_000_000);

    // Index, show, update and clone wrap it in `payload`.
    let list = app.call(Method::GET, &path, d.admin(), None).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["payload"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["payload"][0]["id"], id);
    let one = app
        .call(Method::GET, &format!("{path}/{id}"), d.admin(), None)
        .await;
    assert_eq!(one.body["payload"]["name"], "Refunds");
    let updated = app
        .call(
            Method::PATCH,
            &format!("{path}/{id}"),
            d.admin(),
            Some(json!({"name": "Refund requests", "active": false})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["payload"]["name"], "Refund requests");
    assert_eq!(updated.body["payload"]["active"], false);
    // Fields left out keep their values.
    assert_eq!(updated.body["payload"]["event_name"], "message_created");
    assert_eq!(
        updated.body["payload"]["conditions"][0]["attribute_key"],
        "content"
    );
    let cloned = app
        .call(Method::POST, &format!("{path}/{id}/clone"), d.admin(), None)
        .await;
    assert_eq!(cloned.status, 200, "{}", cloned.text);
    let copy = cloned.body["payload"]["id"].as_i64().unwrap();
    assert_ne!(copy, id);
    assert_eq!(cloned.body["payload"]["name"], "Refund requests");
    assert_eq!(
        cloned.body["payload"]["conditions"],
        updated.body["payload"]["conditions"]
    );

    // Agents may not see or manage rules (401, as Pundit answers in Chatwoot).
    let agent = Some(d.agent.token.as_str());
    assert_eq!(app.call(Method::GET, &path, agent, None).await.status, 401);
    let r = app
        .call(Method::POST, &format!("{path}/{id}/clone"), agent, None)
        .await;
    assert_eq!(r.status, 401);

    // Another account sees none of them.
    let other = desk(&app).await;
    let theirs = format!("{}/automation_rules", other.base);
    let r = app.call(Method::GET, &theirs, other.admin(), None).await;
    assert_eq!(r.body["payload"], json!([]));
    for (method, suffix) in [
        (Method::GET, format!("/{id}")),
        (Method::PATCH, format!("/{id}")),
        (Method::DELETE, format!("/{id}")),
        (Method::POST, format!("/{id}/clone")),
    ] {
        let r = app
            .call(
                method,
                &format!("{theirs}{suffix}"),
                other.admin(),
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(r.status, 404, "{suffix}: {}", r.text);
    }

    let gone = app
        .call(Method::DELETE, &format!("{path}/{copy}"), d.admin(), None)
        .await;
    assert_eq!(gone.status, 200);
    let r = app
        .call(Method::GET, &format!("{path}/{copy}"), d.admin(), None)
        .await;
    assert_eq!(r.status, 404);
    let list = app.call(Method::GET, &path, d.admin(), None).await;
    assert_eq!(list.body["payload"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_rules_are_refused_with_chatwoots_error_bodies() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let path = format!("{}/automation_rules", d.base);
    let good_conditions =
        json!([{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"]}]);
    let good_actions = json!([{"action_name": "resolve_conversation", "action_params": []}]);
    let post = |body: Value| {
        let app = &app;
        let path = path.clone();
        let admin = d.t.admin.token.clone();
        async move {
            app.call(Method::POST, &path, Some(&admin), Some(body))
                .await
        }
    };
    let cases = [
        (
            json!({"name": "x", "event_name": "conversation_created", "conditions": [{"attribute_key": "shoe_size", "filter_operator": "equal_to", "values": ["9"]}], "actions": good_actions}),
            json!({"conditions": ["Automation conditions shoe_size not supported."]}),
        ),
        (
            json!({"name": "x", "event_name": "conversation_created", "conditions": good_conditions, "actions": [{"action_name": "launch_rocket", "action_params": []}]}),
            json!({"actions": ["Automation actions launch_rocket not supported."]}),
        ),
        (
            json!({"name": "x", "event_name": "conversation_created", "conditions": [{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": "NAND"}], "actions": good_actions}),
            json!({"conditions": ["Query operator must be either \"AND\" or \"OR\""]}),
        ),
        (
            json!({"name": "x", "event_name": "conversation_created", "conditions": [
                {"attribute_key": "status", "filter_operator": "equal_to", "values": ["open"]},
                {"attribute_key": "priority", "filter_operator": "equal_to", "values": ["high"]}
            ], "actions": good_actions}),
            json!({"conditions": ["Automation conditions should have query operator."]}),
        ),
        (
            json!({"name": "x", "event_name": "conversation_created", "conditions": [{"attribute_key": "status", "filter_operator": "contains", "values": ["op"]}], "actions": good_actions}),
            json!({"conditions": ["Invalid operator. The allowed operators for status are [equal_to,not_equal_to]."]}),
        ),
        (
            json!({"name": "x", "event_name": "contact_created", "conditions": good_conditions, "actions": good_actions}),
            json!({"event_name": ["Event name must be one of conversation_created, conversation_updated, conversation_opened, conversation_resolved, message_created"]}),
        ),
        (
            json!({"event_name": "conversation_created", "conditions": good_conditions, "actions": good_actions}),
            json!({"name": ["Name can't be blank"]}),
        ),
        (
            json!({"name": "x", "event_name": "conversation_created", "conditions": "status=open", "actions": good_actions}),
            json!({"conditions": ["Conditions should be a list"]}),
        ),
        (
            json!({"name": "x", "event_name": "conversation_created", "conditions": good_conditions, "actions": [{"action_name": "send_webhook_event", "action_params": ["file:///etc/passwd"]}]}),
            json!({"actions": ["Action send_webhook_event needs an http or https URL"]}),
        ),
        (
            json!({"name": "x", "event_name": "conversation_created", "conditions": good_conditions, "actions": [{"action_name": "change_priority", "action_params": ["asap"]}]}),
            json!({"actions": ["Action change_priority needs a priority: low, medium, high, urgent or nil"]}),
        ),
    ];
    for (body, error) in cases {
        let r = post(body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert_eq!(r.body, json!({ "error": error }), "{body}");
    }
    // Too many actions.
    let many: Vec<Value> = (0..101)
        .map(|_| json!({"action_name": "resolve_conversation", "action_params": []}))
        .collect();
    let r = post(json!({"name": "x", "event_name": "conversation_created", "conditions": good_conditions, "actions": many})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    // A wrongly typed field and malformed JSON are 4xx with a JSON body too.
    let r = post(json!({"name": ["x"], "event_name": "conversation_created", "conditions": good_conditions, "actions": good_actions})).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    assert!(r.body.is_object(), "{}", r.text);
    let r = app
        .request(Method::POST, &path)
        .header("api_access_token", &d.t.admin.token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // An oversized body is refused before it is read.
    let huge = "x".repeat(2 * 1024 * 1024);
    let r = post(json!({"name": "x", "event_name": "conversation_created", "conditions": good_conditions, "actions": [{"action_name": "send_message", "action_params": [huge]}]})).await;
    assert_eq!(r.status, 413, "{}", r.text);
    // Nothing was saved; custom attributes of the account are valid keys.
    let defs = app
        .call(
            Method::POST,
            &format!("{}/custom_attribute_definitions", d.base),
            d.admin(),
            Some(json!({"attribute_display_name": "Plan", "attribute_key": "plan", "attribute_display_type": "text", "attribute_model": "conversation_attribute"})),
        )
        .await;
    assert_eq!(defs.status, 200, "{}", defs.text);
    let r = post(json!({"name": "x", "event_name": "conversation_created", "conditions": [{"attribute_key": "plan", "filter_operator": "equal_to", "values": ["gold"]}], "actions": good_actions})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = app.call(Method::GET, &path, d.admin(), None).await;
    assert_eq!(list.body["payload"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_message_rule_labels_assigns_prioritises_and_replies_as_the_automation_system() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let team = app
        .call(
            Method::POST,
            &format!("{}/teams", d.base),
            d.admin(),
            Some(json!({"name": "Billing"})),
        )
        .await;
    assert_eq!(team.status, 200, "{}", team.text);
    let team_id = team.body["id"].as_i64().unwrap();
    let joined = app
        .call(
            Method::POST,
            &format!("{}/teams/{team_id}/team_members", d.base),
            d.admin(),
            Some(json!({"user_ids": [d.agent.id]})),
        )
        .await;
    assert_eq!(joined.status, 200, "{}", joined.text);
    let r = rule(
        &app,
        &d,
        json!({
            "name": "Refunds",
            "event_name": "message_created",
            "conditions": [
                {"attribute_key": "content", "filter_operator": "contains", "values": ["refund"], "query_operator": "AND"},
                {"attribute_key": "message_type", "filter_operator": "equal_to", "values": ["incoming"]}
            ],
            "actions": [
                {"action_name": "add_label", "action_params": ["billing", "refund"]},
                {"action_name": "assign_team", "action_params": [team_id]},
                {"action_name": "assign_agent", "action_params": [d.agent.id]},
                {"action_name": "change_priority", "action_params": ["high"]},
                {"action_name": "send_email_to_team", "action_params": [{"team_ids": [team_id], "message": "Look"}]},
                {"action_name": "send_message", "action_params": ["We got your refund request."]},
                {"action_name": "add_private_note", "action_params": ["Check the invoice"]}
            ]
        }),
    )
    .await;
    let rule_id = r["id"].as_i64().unwrap();
    let id = conversation(&app, &d).await;
    // A message that does not match leaves the conversation alone.
    incoming(&app, &d, id, "Hello there").await;
    settle(&app).await;
    let c = show(&app, &d, id).await;
    assert!(labels(&c).is_empty(), "{c}");
    assert_eq!(c["priority"], Value::Null);

    incoming(&app, &d, id, "I want a REFUND please").await;
    let c = until(&app, &d, id, "labels", |c| !labels(c).is_empty()).await;
    settle(&app).await;
    let c2 = show(&app, &d, id).await;
    assert_eq!(labels(&c2), vec!["billing", "refund"], "{c}");
    assert_eq!(c2["priority"], "high");
    assert_eq!(c2["meta"]["team"]["id"], team_id);
    assert_eq!(c2["meta"]["assignee"]["id"], d.agent.id);
    let list = messages(&app, &d, id).await;
    let reply = list
        .iter()
        .find(|m| m["content"] == "We got your refund request.")
        .expect("the automated reply");
    assert_eq!(reply["message_type"], 1);
    assert_eq!(reply["private"], false);
    assert_eq!(reply["content_attributes"]["automation_rule_id"], rule_id);
    assert!(reply.get("sender").is_none_or(Value::is_null), "{reply}");
    let note = list
        .iter()
        .find(|m| m["content"] == "Check the invoice")
        .expect("the private note");
    assert_eq!(note["private"], true);
    // Activity messages name Chatwoot's automation system.
    let said = contents(&list);
    assert!(
        said.contains(&"Automation System added billing, refund".to_string()),
        "{said:?}"
    );
    assert!(
        said.contains(&"Assigned to billing by Automation System".to_string()),
        "{said:?}"
    );
    assert!(
        said.iter().any(|s| s.starts_with("Assigned to")
            && s.ends_with("by Automation System")
            && s != "Assigned to billing by Automation System"),
        "{said:?}"
    );
    assert!(
        said.contains(&"Automation System set the priority to high".to_string()),
        "{said:?}"
    );
    // The automated reply is not a human's first reply (Chatwoot's human_response?).
    assert_eq!(c2["first_reply_created_at"], 0);
    // The rule ran once: its reply (a message_created of its own) did not run it again.
    assert_eq!(
        said.iter()
            .filter(|s| *s == "We got your refund request.")
            .count(),
        1,
        "{said:?}"
    );

    // Another account's conversations are not the rule's business.
    let other = desk(&app).await;
    let theirs = conversation(&app, &other).await;
    incoming(&app, &other, theirs, "refund now").await;
    settle(&app).await;
    let c = show(&app, &other, theirs).await;
    assert!(labels(&c).is_empty(), "{c}");
    assert_eq!(c["priority"], Value::Null);
    assert_eq!(messages(&app, &other, theirs).await.len(), 1);
    // The team's members got the rule's message by mail.
    let mail = wait_mail(&app, &d.agent.email).await;
    assert!(mail.contains("A conversation needs your team"), "{mail}");
    assert!(mail.contains("Look"), "{mail}");
}

#[tokio::test]
async fn rules_never_trigger_themselves_in_a_loop() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    // Each of these would set off itself (or the other) forever without the guard.
    rule(
        &app,
        &d,
        json!({
            "name": "Echo",
            "event_name": "message_created",
            "conditions": [],
            "actions": [{"action_name": "send_message", "action_params": ["echo"]}]
        }),
    )
    .await;
    rule(
        &app,
        &d,
        json!({
            "name": "Flip",
            "event_name": "conversation_updated",
            "conditions": [{"attribute_key": "status", "filter_operator": "equal_to", "values": ["open", "pending"]}],
            "actions": [
                {"action_name": "add_label", "action_params": ["touched"]},
                {"action_name": "change_status", "action_params": ["pending"]},
                {"action_name": "change_priority", "action_params": ["low"]}
            ]
        }),
    )
    .await;
    let id = conversation(&app, &d).await;
    incoming(&app, &d, id, "Hi").await;
    until_messages(&app, &d, id, "the echo", |l| {
        contents(l).contains(&"echo".to_string())
    })
    .await;
    // A person's change sets the update rule off once.
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{id}/toggle_priority", d.base),
            d.admin(),
            Some(json!({"priority": "urgent"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    until(&app, &d, id, "the label", |c| labels(c) == vec!["touched"]).await;
    settle(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    settle(&app).await;
    let said = contents(&messages(&app, &d, id).await);
    assert_eq!(said.iter().filter(|s| *s == "echo").count(), 1, "{said:?}");
    assert_eq!(
        said.iter()
            .filter(|s| *s == "Automation System added touched")
            .count(),
        1,
        "{said:?}"
    );
    let c = show(&app, &d, id).await;
    assert_eq!(c["status"], "pending");
    assert_eq!(c["priority"], "low");
}

#[tokio::test]
async fn status_rules_fire_on_opening_and_resolving_with_changed_attributes() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    rule(
        &app,
        &d,
        json!({
            "name": "Reopened",
            "event_name": "conversation_opened",
            "conditions": [{"attribute_key": "status", "filter_operator": "attribute_changed", "values": {"from": ["resolved"], "to": ["open"]}}],
            "actions": [{"action_name": "add_label", "action_params": ["reopened"]}, {"action_name": "change_priority", "action_params": ["urgent"]}]
        }),
    )
    .await;
    rule(
        &app,
        &d,
        json!({
            "name": "Done",
            "event_name": "conversation_resolved",
            "conditions": [{"attribute_key": "labels", "filter_operator": "equal_to", "values": ["reopened"]}],
            "actions": [{"action_name": "remove_label", "action_params": ["reopened"]}, {"action_name": "add_label", "action_params": ["closed-twice"]}]
        }),
    )
    .await;
    rule(
        &app,
        &d,
        json!({
            "name": "Created",
            "event_name": "conversation_created",
            "conditions": [{"attribute_key": "email", "filter_operator": "equal_to", "values": ["JO@example.com"]}],
            "actions": [{"action_name": "snooze_conversation", "action_params": []}]
        }),
    )
    .await;
    let id = conversation(&app, &d).await;
    until(&app, &d, id, "snoozed on creation", |c| {
        c["status"] == "snoozed"
    })
    .await;
    let toggle = |status: &'static str| {
        let app = &app;
        let path = format!("{}/conversations/{id}/toggle_status", d.base);
        let admin = d.t.admin.token.clone();
        async move {
            let r = app
                .call(
                    Method::POST,
                    &path,
                    Some(&admin),
                    Some(json!({"status": status})),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
    };
    // Snoozed to open is not resolved to open: the condition does not hold.
    toggle("open").await;
    settle(&app).await;
    assert!(labels(&show(&app, &d, id).await).is_empty());
    toggle("resolved").await;
    settle(&app).await;
    assert!(labels(&show(&app, &d, id).await).is_empty());
    toggle("open").await;
    let c = until(&app, &d, id, "reopened label", |c| {
        labels(c) == vec!["reopened"]
    })
    .await;
    settle(&app).await;
    assert_eq!(show(&app, &d, id).await["priority"], "urgent", "{c}");
    toggle("resolved").await;
    until(&app, &d, id, "resolved rule", |c| {
        labels(c) == vec!["closed-twice"]
    })
    .await;
}

/// A receiver on loopback that records the bodies it gets.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>, tokio::task::JoinHandle<()>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let store = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let store = store.clone();
            async move {
                store
                    .lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap_or(Value::Null));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, got, task)
}

async fn wait_posts(got: &Arc<Mutex<Vec<Value>>>, n: usize) -> Vec<Value> {
    for _ in 0..400 {
        let now = got.lock().unwrap().clone();
        if now.len() >= n {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{n} posts never arrived: {:?}", got.lock().unwrap());
}

#[tokio::test]
async fn webhook_mute_and_email_actions() {
    let app = TestApp::spawn_with(&[("ALLOWED_PRIVATE_ADDRESSES", "127.0.0.1")]).await;
    let d = desk(&app).await;
    let (url, got, task) = receiver().await;
    rule(
        &app,
        &d,
        json!({
            "name": "Spam",
            "event_name": "message_created",
            "conditions": [
                {"attribute_key": "content", "filter_operator": "contains", "values": ["casino", "lottery"], "query_operator": "OR"},
                {"attribute_key": "phone_number", "filter_operator": "starts_with", "values": ["+99"]}
            ],
            "actions": [
                {"action_name": "send_webhook_event", "action_params": [url]},
                {"action_name": "send_email_transcript", "action_params": ["boss@example.com"]},
                {"action_name": "mute_conversation", "action_params": []}
            ]
        }),
    )
    .await;
    let id = conversation(&app, &d).await;
    incoming(&app, &d, id, "You won the LOTTERY").await;
    let posts = wait_posts(&got, 1).await;
    assert_eq!(posts[0]["event"], "automation_event.message_created");
    assert_eq!(posts[0]["id"], id);
    assert_eq!(posts[0]["inbox_id"], d.inbox);
    // Muting resolves the conversation and blocks the contact, as in Chatwoot.
    let c = until(&app, &d, id, "muted", |c| c["status"] == "resolved").await;
    assert_eq!(c["muted"], true, "{c}");
    settle(&app).await;
    assert_eq!(got.lock().unwrap().len(), 1);
    task.abort();
    // The transcript went to the address the rule names.
    let mail = wait_mail(&app, "boss@example.com").await;
    assert!(mail.contains("Conversation Transcript"), "{mail}");
    assert!(mail.contains("You won the LOTTERY"), "{mail}");
}

/// The raw mail (no relay: a file under DATA_DIR/mail) sent to `to`.
async fn wait_mail(app: &TestApp, to: &str) -> String {
    let dir = app.storage.data_dir().join("mail");
    for _ in 0..200 {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let raw = std::fs::read_to_string(e.path()).unwrap_or_default();
                if raw.contains(&format!("To: {to}")) {
                    return raw;
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail to {to}");
}

async fn new_macro(app: &TestApp, d: &Desk, who: &Person, body: Value) -> (u16, Value) {
    let r = app
        .call(
            Method::POST,
            &format!("{}/macros", d.base),
            Some(&who.token),
            Some(body),
        )
        .await;
    (r.status.as_u16(), r.body)
}

#[tokio::test]
async fn macros_follow_chatwoots_visibility_and_policy() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let other_agent = app.user_in(&d.platform, d.t.account_id, "agent").await;
    let actions = json!([{"action_name": "add_label", "action_params": ["vip"]}]);
    let (s, global) = new_macro(
        &app,
        &d,
        &d.t.admin,
        json!({"name": "Escalate", "visibility": "global", "actions": actions}),
    )
    .await;
    assert_eq!(s, 200, "{global}");
    let global = &global["payload"];
    assert_eq!(global["visibility"], "global");
    assert_eq!(global["name"], "Escalate");
    assert_eq!(global["account_id"], d.t.account_id);
    assert_eq!(global["actions"], actions);
    assert_eq!(global["created_by"]["id"], d.t.admin.id);
    assert_eq!(global["updated_by"]["id"], d.t.admin.id);
    assert_eq!(global["created_by"]["role"], "administrator");
    let global_id = global["id"].as_i64().unwrap();
    // An agent asking for a global macro gets a personal one.
    let (s, mine) = new_macro(
        &app,
        &d,
        &d.agent,
        json!({"name": "Mine", "visibility": "global", "actions": actions}),
    )
    .await;
    assert_eq!(s, 200, "{mine}");
    assert_eq!(mine["payload"]["visibility"], "personal");
    let mine_id = mine["payload"]["id"].as_i64().unwrap();

    let index = |who: &Person| {
        let app = &app;
        let path = format!("{}/macros", d.base);
        let token = who.token.clone();
        async move {
            let r = app.call(Method::GET, &path, Some(&token), None).await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body["payload"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(index(&d.agent).await, vec![global_id, mine_id]);
    assert_eq!(index(&other_agent).await, vec![global_id]);
    // Administrators see global macros and their own only, as in Chatwoot.
    assert_eq!(index(&d.t.admin).await, vec![global_id]);

    let at = |id: i64| format!("{}/macros/{id}", d.base);
    let call = |m: Method, path: String, who: &Person, body: Option<Value>| {
        let app = &app;
        let token = who.token.clone();
        async move { app.call(m, &path, Some(&token), body).await }
    };
    assert_eq!(
        call(Method::GET, at(mine_id), &other_agent, None)
            .await
            .status,
        401
    );
    assert_eq!(
        call(Method::GET, at(global_id), &other_agent, None)
            .await
            .status,
        200
    );
    // Agents use global macros but do not change them.
    let r = call(
        Method::PATCH,
        at(global_id),
        &d.agent,
        Some(json!({"name": "Hacked"})),
    )
    .await;
    assert_eq!(r.status, 401);
    let r = call(Method::DELETE, at(global_id), &d.agent, None).await;
    assert_eq!(r.status, 401);
    let r = call(
        Method::PATCH,
        at(mine_id),
        &other_agent,
        Some(json!({"name": "Hacked"})),
    )
    .await;
    assert_eq!(r.status, 401);
    // The author edits; an update without visibility keeps it.
    let r = call(
        Method::PATCH,
        at(mine_id),
        &d.agent,
        Some(json!({"name": "Renamed"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["payload"]["name"], "Renamed");
    assert_eq!(r.body["payload"]["visibility"], "personal");
    let r = call(
        Method::PATCH,
        at(global_id),
        &d.t.admin,
        Some(json!({"name": "Escalate!"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["payload"]["visibility"], "global");

    // Bad input: Chatwoot's error body, and our refusals of what it would crash on.
    let (s, b) = new_macro(
        &app,
        &d,
        &d.agent,
        json!({"name": "Bad", "actions": [{"action_name": "send_email_to_team", "action_params": []}]}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        b,
        json!({"error": {"actions": ["Macro execution actions send_email_to_team not supported."]}})
    );
    let (s, b) = new_macro(&app, &d, &d.agent, json!({"name": "", "actions": actions})).await;
    assert_eq!(
        (s, b),
        (422, json!({"error": {"name": ["Name can't be blank"]}}))
    );
    let (s, _) = new_macro(
        &app,
        &d,
        &d.t.admin,
        json!({"name": "x", "visibility": "everyone", "actions": actions}),
    )
    .await;
    assert_eq!(s, 422);

    // Another account cannot reach them.
    let other = desk(&app).await;
    let r = app
        .call(
            Method::GET,
            &format!("{}/macros/{global_id}", other.base),
            other.admin(),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .call(
            Method::POST,
            &format!("{}/macros/{global_id}/execute", other.base),
            other.admin(),
            Some(json!({"conversation_ids": [1]})),
        )
        .await;
    assert_eq!(r.status, 404);

    let r = call(Method::DELETE, at(mine_id), &d.agent, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(index(&d.agent).await, vec![global_id]);
}

#[tokio::test]
async fn executing_a_macro_acts_as_the_agent_on_each_conversation() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let (s, m) = new_macro(
        &app,
        &d,
        &d.agent,
        json!({"name": "Take it", "actions": [
            {"action_name": "assign_agent", "action_params": ["self"]},
            {"action_name": "add_label", "action_params": ["mine"]},
            {"action_name": "send_message", "action_params": ["On it!"]},
            {"action_name": "add_private_note", "action_params": ["taken by macro"]},
            {"action_name": "change_status", "action_params": ["pending"]}
        ]}),
    )
    .await;
    assert_eq!(s, 200, "{m}");
    let macro_id = m["payload"]["id"].as_i64().unwrap();
    // Automation rules react to what a macro does (it is a person's change).
    rule(
        &app,
        &d,
        json!({
            "name": "Label watch",
            "event_name": "conversation_updated",
            "conditions": [{"attribute_key": "labels", "filter_operator": "equal_to", "values": ["mine"]}],
            "actions": [{"action_name": "change_priority", "action_params": ["medium"]}]
        }),
    )
    .await;
    let first = conversation(&app, &d).await;
    let second = conversation(&app, &d).await;
    // Another account's conversation with the same display id is not touched.
    let other = desk(&app).await;
    let theirs = conversation(&app, &other).await;
    let r = app
        .call(
            Method::POST,
            &format!("{}/macros/{macro_id}/execute", d.base),
            Some(&d.agent.token),
            Some(json!({"conversation_ids": [first, second]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for id in [first, second] {
        let c = until(&app, &d, id, "macro done", |c| c["status"] == "pending").await;
        settle(&app).await;
        let c2 = show(&app, &d, id).await;
        assert_eq!(c2["meta"]["assignee"]["id"], d.agent.id, "{c}");
        assert_eq!(labels(&c2), vec!["mine"]);
        assert_eq!(c2["priority"], "medium");
        let list = messages(&app, &d, id).await;
        let reply = list.iter().find(|m| m["content"] == "On it!").unwrap();
        assert_eq!(reply["sender"]["id"], d.agent.id);
        assert_eq!(reply["private"], false);
        let note = list
            .iter()
            .find(|m| m["content"] == "taken by macro")
            .unwrap();
        assert_eq!(note["private"], true);
        let said = contents(&list);
        assert!(
            said.contains(&"User agent self-assigned this conversation".to_string()),
            "{said:?}"
        );
        assert!(
            said.contains(&"User agent added mine".to_string()),
            "{said:?}"
        );
    }
    let c = app
        .call(
            Method::GET,
            &format!("{}/conversations/{theirs}", other.base),
            other.admin(),
            None,
        )
        .await;
    assert!(
        c.body["labels"].as_array().unwrap().is_empty(),
        "{}",
        c.text
    );
    // Bad conversation ids are a 422.
    let r = app
        .call(
            Method::POST,
            &format!("{}/macros/{macro_id}/execute", d.base),
            Some(&d.agent.token),
            Some(json!({"conversation_ids": ["one"]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    // Someone else's personal macro cannot be run.
    let stranger = app.user_in(&d.platform, d.t.account_id, "agent").await;
    let r = app
        .call(
            Method::POST,
            &format!("{}/macros/{macro_id}/execute", d.base),
            Some(&stranger.token),
            Some(json!({"conversation_ids": [first]})),
        )
        .await;
    assert_eq!(r.status, 401);
}
