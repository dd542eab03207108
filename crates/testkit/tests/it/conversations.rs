use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Person, Tenant, TestApp};

struct Desk {
    t: Tenant,
    agent: Person,
    outsider: Person,
    api_inbox: i64,
    web_inbox: i64,
    contact: i64,
}

/// An account with an API inbox (the agent is a member), a website inbox (nobody is),
/// a contact, and an agent who belongs to no inbox.
async fn desk(app: &TestApp) -> Desk {
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let outsider = app.user_in(&p, t.account_id, "agent").await;
    let admin = Some(t.admin.token.as_str());
    let base = format!("/api/v1/accounts/{}", t.account_id);
    let api = app
        .call(
            Method::POST,
            &format!("{base}/inboxes"),
            admin,
            Some(json!({"name": "API", "channel": {"type": "api"}})),
        )
        .await;
    let web = app
        .call(Method::POST, &format!("{base}/inboxes"), admin, Some(json!({"name": "Web", "channel": {"type": "web_widget", "website_url": "https://a.example"}})))
        .await;
    let api_inbox = api.body["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &format!("{base}/inbox_members"),
        admin,
        Some(json!({"inbox_id": api_inbox, "user_ids": [agent.id]})),
    )
    .await;
    let c = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            admin,
            Some(json!({"name": "Jo", "email": "jo@example.com"})),
        )
        .await;
    Desk {
        agent,
        outsider,
        api_inbox,
        web_inbox: web.body["id"].as_i64().unwrap(),
        contact: c.body["payload"]["contact"]["id"].as_i64().unwrap(),
        t,
    }
}

async fn open(app: &TestApp, d: &Desk, inbox: i64, token: &str, extra: Value) -> Value {
    let mut body = json!({"contact_id": d.contact, "inbox_id": inbox});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/conversations", d.t.account_id),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

#[tokio::test]
async fn create_and_show_with_chatwoots_shape() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let c = open(
        &app,
        &d,
        d.api_inbox,
        &d.agent.token,
        json!({"message": {"content": "Hello from support"}, "custom_attributes": {"order": "A1"}}),
    )
    .await;
    assert_eq!(c["id"], 1, "display ids count per account");
    assert_eq!(c["status"], "open");
    assert_eq!(c["inbox_id"], d.api_inbox);
    assert_eq!(c["meta"]["sender"]["id"], d.contact);
    assert_eq!(c["meta"]["channel"], "Channel::Api");
    assert_eq!(c["custom_attributes"], json!({"order": "A1"}));
    assert_eq!(c["agent_last_seen_at"], 0);
    assert!(c["updated_at"].is_f64());
    assert_eq!(c["uuid"].as_str().unwrap().len(), 36);
    assert_eq!(c["messages"][0]["content"], "Hello from support");
    assert_eq!(c["messages"][0]["message_type"], 1);
    assert_eq!(c["messages"][0]["sender"]["type"], "user");
    assert_eq!(
        c["messages"][0]["conversation"]["contact_inbox"]["source_id"]
            .as_str()
            .unwrap()
            .len(),
        36
    );
    assert!(c["first_reply_created_at"].as_i64().unwrap() > 0);
    assert_eq!(c["waiting_since"], 0, "a first reply clears waiting_since");
    let second = open(&app, &d, d.api_inbox, &d.t.admin.token, json!({})).await;
    assert_eq!(second["id"], 2);

    let show = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/conversations/1", d.t.account_id),
            Some(&d.agent.token),
            None,
        )
        .await;
    assert_eq!(show.status, 200);
    assert_eq!(show.body["id"], 1);
    // Agents outside the inbox see nothing of it.
    let denied = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/conversations/1", d.t.account_id),
            Some(&d.outsider.token),
            None,
        )
        .await;
    assert_eq!(denied.status, 401);
    let create_denied = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/conversations", d.t.account_id),
            Some(&d.outsider.token),
            Some(json!({"contact_id": d.contact, "inbox_id": d.api_inbox})),
        )
        .await;
    assert_eq!(create_denied.status, 401);
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/api/v1/accounts/{}/conversations/99", d.t.account_id),
            Some(&d.agent.token),
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn list_counts_and_filters() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let admin = d.t.admin.token.clone();
    open(
        &app,
        &d,
        d.api_inbox,
        &admin,
        json!({"assignee_id": d.agent.id}),
    )
    .await;
    open(&app, &d, d.api_inbox, &admin, json!({})).await;
    open(&app, &d, d.web_inbox, &admin, json!({"status": "pending"})).await;
    open(
        &app,
        &d,
        d.web_inbox,
        &admin,
        json!({"assignee_id": d.t.admin.id}),
    )
    .await;
    let base = format!("/api/v1/accounts/{}/conversations", d.t.account_id);

    let all = app.call(Method::GET, &base, Some(&admin), None).await;
    assert_eq!(
        all.body["data"]["meta"],
        json!({"mine_count": 1, "assigned_count": 2, "unassigned_count": 1, "all_count": 3})
    );
    assert_eq!(
        all.body["data"]["payload"].as_array().unwrap().len(),
        3,
        "open only by default"
    );
    let mine = app
        .call(
            Method::GET,
            &format!("{base}?assignee_type=me"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(mine.body["data"]["payload"].as_array().unwrap().len(), 1);
    assert_eq!(
        mine.body["data"]["meta"]["all_count"], 3,
        "counts come before the assignee filter"
    );
    let any = app
        .call(
            Method::GET,
            &format!("{base}?status=all"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(any.body["data"]["meta"]["all_count"], 4);
    let pending = app
        .call(
            Method::GET,
            &format!("{base}?status=pending"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(pending.body["data"]["payload"][0]["status"], "pending");
    let inbox = app
        .call(
            Method::GET,
            &format!("{base}?inbox_id={}", d.web_inbox),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(inbox.body["data"]["meta"]["all_count"], 1);

    // An agent's list and counts cover only their inboxes.
    let agent = app
        .call(Method::GET, &base, Some(&d.agent.token), None)
        .await;
    assert_eq!(
        agent.body["data"]["meta"],
        json!({"mine_count": 1, "assigned_count": 1, "unassigned_count": 1, "all_count": 2})
    );
    let outsider = app
        .call(Method::GET, &base, Some(&d.outsider.token), None)
        .await;
    assert_eq!(outsider.body["data"]["meta"]["all_count"], 0);
    let meta = app
        .call(Method::GET, &format!("{base}/meta"), Some(&admin), None)
        .await;
    assert_eq!(meta.body["meta"]["all_count"], 3);
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}?status=bogus"),
            Some(&admin),
            None
        )
        .await
        .status,
        422
    );
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}?team_id=999"),
            Some(&admin),
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn status_priority_assignment_labels_and_activity() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    open(&app, &d, d.api_inbox, &d.t.admin.token, json!({})).await;
    let base = format!("/api/v1/accounts/{}/conversations/1", d.t.account_id);
    let agent = Some(d.agent.token.as_str());

    let r = app
        .call(Method::POST, &format!("{base}/toggle_status"), agent, None)
        .await;
    assert_eq!(
        r.body,
        json!({"payload": {"success": true, "conversation_id": 1, "current_status": "resolved", "snoozed_until": null}})
    );
    let r = app
        .call(
            Method::POST,
            &format!("{base}/toggle_status"),
            agent,
            Some(json!({"status": "snoozed", "snoozed_until": 1_900_000_000})),
        )
        .await;
    assert_eq!(r.body["payload"]["current_status"], "snoozed");
    assert!(
        r.body["payload"]["snoozed_until"]
            .as_str()
            .unwrap()
            .starts_with("2030-03-17T")
    );
    let r = app
        .call(Method::POST, &format!("{base}/toggle_status"), agent, None)
        .await;
    assert_eq!(r.body["payload"]["current_status"], "open");
    let shown = app.call(Method::GET, &base, agent, None).await;
    assert_eq!(
        shown.body["meta"]["assignee"]["id"], d.agent.id,
        "an agent who opens a conversation takes it"
    );
    assert_eq!(
        app.call(
            Method::POST,
            &format!("{base}/toggle_status"),
            agent,
            Some(json!({"status": "closed"}))
        )
        .await
        .status,
        422
    );

    assert_eq!(
        app.call(
            Method::POST,
            &format!("{base}/toggle_priority"),
            agent,
            Some(json!({"priority": "high"}))
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.call(
            Method::POST,
            &format!("{base}/toggle_priority"),
            agent,
            Some(json!({"priority": "extreme"}))
        )
        .await
        .status,
        422
    );
    let team = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/teams", d.t.account_id),
            Some(&d.t.admin.token),
            Some(json!({"name": "Billing"})),
        )
        .await;
    let a = app
        .call(
            Method::POST,
            &format!("{base}/assignments"),
            agent,
            Some(json!({"team_id": team.body["id"]})),
        )
        .await;
    assert_eq!(a.body["name"], "billing");
    let a = app
        .call(
            Method::POST,
            &format!("{base}/assignments"),
            agent,
            Some(json!({"assignee_id": d.t.admin.id})),
        )
        .await;
    assert_eq!(a.body["id"], d.t.admin.id);
    let a = app
        .call(
            Method::POST,
            &format!("{base}/assignments"),
            agent,
            Some(json!({"assignee_id": null})),
        )
        .await;
    assert_eq!(a.body, Value::Null);
    let l = app
        .call(
            Method::POST,
            &format!("{base}/labels"),
            agent,
            Some(json!({"labels": ["vip", "billing"]})),
        )
        .await;
    assert_eq!(l.body, json!({"payload": ["vip", "billing"]}));
    app.call(
        Method::POST,
        &format!("{base}/labels"),
        agent,
        Some(json!({"labels": ["billing"]})),
    )
    .await;
    let ca = app
        .call(
            Method::POST,
            &format!("{base}/custom_attributes"),
            agent,
            Some(json!({"custom_attributes": {"plan": "pro"}})),
        )
        .await;
    assert_eq!(ca.body, json!({"custom_attributes": {"plan": "pro"}}));

    let shown = app.call(Method::GET, &base, agent, None).await;
    assert_eq!(shown.body["priority"], "high");
    assert_eq!(shown.body["labels"], json!(["billing"]));
    assert_eq!(shown.body["meta"]["team"]["name"], "billing");
    assert!(shown.body["meta"].get("assignee").is_none());

    let msgs = app
        .call(Method::GET, &format!("{base}/messages"), agent, None)
        .await;
    let texts: Vec<&str> = msgs.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["message_type"] == 2)
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    let name = "User agent";
    assert_eq!(
        texts,
        vec![
            format!("Conversation was marked resolved by {name}"),
            format!("Conversation was snoozed by {name}"),
            format!("Conversation was reopened by {name}"),
            format!("{name} self-assigned this conversation"),
            format!("{name} set the priority to high"),
            format!("Assigned to billing by {name}"),
            format!("Assigned to User administrator by {name}"),
            format!("Conversation unassigned by {name}"),
            format!("{name} added vip, billing"),
            format!("{name} removed vip"),
        ]
    );
    // Activity messages have no sender.
    assert!(msgs.body["payload"][0].get("sender").is_none());
}

#[tokio::test]
async fn messages_post_page_and_delete() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    open(&app, &d, d.api_inbox, &d.t.admin.token, json!({})).await;
    open(&app, &d, d.web_inbox, &d.t.admin.token, json!({})).await;
    let base = format!(
        "/api/v1/accounts/{}/conversations/1/messages",
        d.t.account_id
    );
    let agent = Some(d.agent.token.as_str());

    let m = app
        .call(
            Method::POST,
            &base,
            agent,
            Some(json!({"content": "Hi!", "echo_id": "e-1"})),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    assert_eq!(m.body["echo_id"], "e-1");
    assert_eq!(m.body["conversation_id"], 1);
    assert_eq!(m.body["message_type"], 1);
    assert_eq!(m.body["content_type"], "text");
    assert_eq!(m.body["status"], "sent");
    assert_eq!(m.body["sender"]["id"], d.agent.id);
    let note = app
        .call(
            Method::POST,
            &base,
            agent,
            Some(json!({"content": "internal", "private": "true"})),
        )
        .await;
    assert_eq!(note.body["private"], true);
    let incoming = app
        .call(
            Method::POST,
            &base,
            agent,
            Some(json!({"content": "from the customer", "message_type": "incoming"})),
        )
        .await;
    assert_eq!(incoming.body["message_type"], 0);
    assert_eq!(incoming.body["sender"]["type"], "contact");
    let select = json!({"content": "Pick", "content_type": "input_select", "content_attributes": {"items": [{"title": "A", "value": "a"}]}});
    assert_eq!(
        app.call(Method::POST, &base, agent, Some(select))
            .await
            .status,
        200
    );

    let web = format!(
        "/api/v1/accounts/{}/conversations/2/messages",
        d.t.account_id
    );
    for (path, body, error) in [
        (
            &web,
            json!({"content": "x", "message_type": "incoming"}),
            "Incoming messages are only allowed in Api inboxes",
        ),
        (
            &base,
            json!({"content": "x", "message_type": "sideways"}),
            "'sideways' is not a valid message_type",
        ),
        (
            &base,
            json!({"content": "x", "content_type": "hologram"}),
            "'hologram' is not a valid content_type",
        ),
        (
            &base,
            json!({"content": "x".repeat(150_001)}),
            "Validation failed: Content is too long (maximum is 150000 characters)",
        ),
        (
            &base,
            json!({"content": "x", "content_type": "input_select", "content_attributes": {"items": [{"title": "A", "evil": 1}]}}),
            "Validation failed: Content attributes contains invalid keys for items : [:evil]",
        ),
        (
            &base,
            json!({"content": "x", "content_type": "cards", "content_attributes": {"items": [{"title": "A"}]}}),
            "Validation failed: Content attributes contains items missing actions",
        ),
    ] {
        let r = app
            .call(Method::POST, path, Some(&d.t.admin.token), Some(body))
            .await;
        assert_eq!(r.status, 422, "{error}");
        assert_eq!(r.body, json!({"error": error}));
    }

    for i in 0..25 {
        app.call(
            Method::POST,
            &base,
            agent,
            Some(json!({"content": format!("m{i}")})),
        )
        .await;
    }
    let page = app.call(Method::GET, &base, agent, None).await;
    let ids: Vec<i64> = page.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 20, "the 20 latest");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first");
    let older = app
        .call(
            Method::GET,
            &format!("{base}?before={}", ids[0]),
            agent,
            None,
        )
        .await;
    let older_ids: Vec<i64> = older.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(older_ids.len(), 9);
    assert!(older_ids.iter().all(|id| *id < ids[0]));
    let newer = app
        .call(
            Method::GET,
            &format!("{base}?after={}", older_ids[0]),
            agent,
            None,
        )
        .await;
    assert_eq!(newer.body["payload"].as_array().unwrap().len(), 28);
    assert_eq!(page.body["meta"]["contact"]["id"], d.contact);

    let gone = app
        .call(
            Method::DELETE,
            &format!("{base}/{}", m.body["id"]),
            agent,
            None,
        )
        .await;
    assert_eq!(gone.body["content"], "This message was deleted");
    assert_eq!(gone.body["content_attributes"], json!({"deleted": true}));

    let shown = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/conversations/1", d.t.account_id),
            agent,
            None,
        )
        .await;
    assert_eq!(
        shown.body["unread_count"], 1,
        "one incoming message not yet seen"
    );
    let seen = app
        .call(
            Method::POST,
            &format!(
                "/api/v1/accounts/{}/conversations/1/update_last_seen",
                d.t.account_id
            ),
            agent,
            None,
        )
        .await;
    assert_eq!(seen.body["unread_count"], 0);
    assert!(seen.body["agent_last_seen_at"].as_i64().unwrap() > 0);

    // Another account's administrator cannot read or write here.
    let p = app.platform_token().await;
    let other = app.account_with_admin(&p, "Other").await;
    assert_eq!(
        app.call(Method::GET, &base, Some(&other.admin.token), None)
            .await
            .status,
        401
    );
    assert_eq!(
        app.call(
            Method::POST,
            &base,
            Some(&other.admin.token),
            Some(json!({"content": "spam"}))
        )
        .await
        .status,
        401
    );
    let theirs = format!("/api/v1/accounts/{}/conversations/1", other.account_id);
    assert_eq!(
        app.call(Method::GET, &theirs, Some(&other.admin.token), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/v1/accounts/{}/conversations/1", d.t.account_id),
            agent,
            None
        )
        .await
        .status,
        401
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/v1/accounts/{}/conversations/1", d.t.account_id),
            Some(&d.t.admin.token),
            None
        )
        .await
        .status,
        200
    );
}

/// A page of conversations costs the same statements with 1 or 25 rows: no per-row queries.
#[tokio::test]
async fn a_list_page_costs_a_fixed_number_of_queries() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let base = format!("/api/v1/accounts/{}/conversations", d.t.account_id);
    let queries =
        |r: &switchboard_testkit::Reply| r.header("x-db-queries").unwrap().parse::<u64>().unwrap();
    open(
        &app,
        &d,
        d.api_inbox,
        &d.t.admin.token,
        json!({"message": {"content": "hi"}, "assignee_id": d.agent.id}),
    )
    .await;
    let one = app
        .call(Method::GET, &base, Some(&d.t.admin.token), None)
        .await;
    assert_eq!(one.body["data"]["payload"].as_array().unwrap().len(), 1);
    for i in 0..30 {
        let extra = if i % 2 == 0 {
            json!({"message": {"content": "hello"}, "assignee_id": d.agent.id})
        } else {
            json!({})
        };
        open(
            &app,
            &d,
            if i % 3 == 0 { d.web_inbox } else { d.api_inbox },
            &d.t.admin.token,
            extra,
        )
        .await;
    }
    let page = app
        .call(Method::GET, &base, Some(&d.t.admin.token), None)
        .await;
    assert_eq!(page.body["data"]["payload"].as_array().unwrap().len(), 25);
    assert_eq!(
        queries(&page),
        queries(&one),
        "the statements do not grow with the page"
    );
    assert!(
        queries(&page) <= 17,
        "{} statements for a page",
        queries(&page)
    );
    // The same holds for contacts and inboxes.
    let contacts = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/contacts", d.t.account_id),
            Some(&d.t.admin.token),
            None,
        )
        .await;
    assert!(queries(&contacts) <= 8, "{}", queries(&contacts));
}

#[tokio::test]
async fn search_and_a_contacts_conversations() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    open(
        &app,
        &d,
        d.api_inbox,
        &d.t.admin.token,
        json!({"message": {"content": "Your refund is on its way"}}),
    )
    .await;
    open(
        &app,
        &d,
        d.web_inbox,
        &d.t.admin.token,
        json!({"message": {"content": "REFUND approved"}}),
    )
    .await;
    open(
        &app,
        &d,
        d.api_inbox,
        &d.t.admin.token,
        json!({"message": {"content": "Shipping update"}}),
    )
    .await;
    let acc = format!("/api/v1/accounts/{}", d.t.account_id);
    // Private notes are outgoing messages: agents find them too.
    app.call(
        Method::POST,
        &format!("{acc}/conversations/3/messages"),
        Some(&d.t.admin.token),
        Some(json!({"content": "refund?", "private": true})),
    )
    .await;

    let r = app
        .call(
            Method::GET,
            &format!("{acc}/conversations/search?q=refund"),
            Some(&d.t.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["meta"]["all_count"], 3);
    let ids: Vec<i64> = r.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![3, 2, 1]);
    assert_eq!(
        r.body["payload"][2]["messages"][0]["content"],
        "Your refund is on its way"
    );
    assert_eq!(r.body["payload"][2]["contact"]["id"], d.contact);
    assert_eq!(
        r.body["payload"][2]["inbox"]["channel_type"],
        "Channel::Api"
    );
    assert!(r.body["payload"][2]["messages"][0]["sender_name"].is_string());
    // The agent sees only the API inbox's matches.
    let r = app
        .call(
            Method::GET,
            &format!("{acc}/conversations/search?q=refund"),
            Some(&d.agent.token),
            None,
        )
        .await;
    assert_eq!(r.body["meta"]["all_count"], 2);
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{acc}/conversations/search?q=%20"),
            Some(&d.agent.token),
            None
        )
        .await
        .status,
        422
    );
    let wild = app
        .call(
            Method::GET,
            &format!("{acc}/conversations/search?q=%25"),
            Some(&d.t.admin.token),
            None,
        )
        .await;
    assert_eq!(wild.body["meta"]["all_count"], 0, "% is matched literally");

    let mine = app
        .call(
            Method::GET,
            &format!("{acc}/contacts/{}/conversations", d.contact),
            Some(&d.t.admin.token),
            None,
        )
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.body["payload"].as_array().unwrap().len(), 3);
    let theirs = app
        .call(
            Method::GET,
            &format!("{acc}/contacts/{}/conversations", d.contact),
            Some(&d.outsider.token),
            None,
        )
        .await;
    assert_eq!(
        theirs.body["payload"],
        json!([]),
        "agents see only their inboxes' conversations"
    );
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{acc}/contacts/999999/conversations"),
            Some(&d.t.admin.token),
            None
        )
        .await
        .status,
        404
    );
}
