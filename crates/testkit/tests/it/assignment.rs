//! Presence seen by the API (agents' `availability_status`, `contacts/active`) and
//! auto-assignment: round robin among online inbox members, capacity, teams, reopening,
//! and fair turns across two servers sharing PostgreSQL.

use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Person, Tenant, TestApp};

use crate::realtime::{Cable, agent_identifier, contact_identifier, contact_in, pubsub_token};

/// An account with agents (available without a socket: automatic offline off), an API
/// inbox they all belong to, and a contact in it.
pub(crate) struct Desk {
    pub(crate) t: Tenant,
    pub(crate) agents: Vec<Person>,
    pub(crate) inbox: i64,
    pub(crate) contact: i64,
    pub(crate) base: String,
}

pub(crate) async fn desk(app: &TestApp, agents: usize, inbox_params: Value) -> Desk {
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let base = format!("/api/v1/accounts/{}", t.account_id);
    let admin = Some(t.admin.token.as_str());
    let mut people = Vec::new();
    for _ in 0..agents {
        let a = app.user_in(&p, t.account_id, "agent").await;
        let r = app
            .call(
                Method::PATCH,
                &format!("{base}/agents/{}", a.id),
                admin,
                Some(json!({"auto_offline": false})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        people.push(a);
    }
    let mut params = json!({"name": "API", "channel": {"type": "api"}});
    if let (Value::Object(m), Value::Object(extra)) = (&mut params, inbox_params) {
        m.extend(extra);
    }
    let inbox = app
        .call(
            Method::POST,
            &format!("{base}/inboxes"),
            admin,
            Some(params),
        )
        .await;
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    let inbox = inbox.body["id"].as_i64().unwrap();
    let ids: Vec<i64> = people.iter().map(|a| a.id).collect();
    if !ids.is_empty() {
        let r = app
            .call(
                Method::POST,
                &format!("{base}/inbox_members"),
                admin,
                Some(json!({"inbox_id": inbox, "user_ids": ids})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
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
        contact: contact.body["payload"]["contact"]["id"].as_i64().unwrap(),
        t,
        agents: people,
        inbox,
        base,
    }
}

impl Desk {
    /// Opens a conversation as the administrator; returns (display id, assignee id).
    pub(crate) async fn open(&self, app: &TestApp) -> (i64, Option<i64>) {
        let c = app
            .call(
                Method::POST,
                &format!("{}/conversations", self.base),
                Some(&self.t.admin.token),
                Some(json!({"contact_id": self.contact, "inbox_id": self.inbox})),
            )
            .await;
        assert_eq!(c.status, 200, "{}", c.text);
        (
            c.body["id"].as_i64().unwrap(),
            c.body["meta"]["assignee"]["id"].as_i64(),
        )
    }

    pub(crate) async fn conversation(&self, app: &TestApp, id: i64) -> Value {
        let r = app
            .call(
                Method::GET,
                &format!("{}/conversations/{id}", self.base),
                Some(&self.t.admin.token),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    pub(crate) async fn toggle(&self, app: &TestApp, id: i64, status: &str) {
        let r = app
            .call(
                Method::POST,
                &format!("{}/conversations/{id}/toggle_status", self.base),
                Some(&self.t.admin.token),
                Some(json!({"status": status})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    pub(crate) async fn messages(&self, app: &TestApp, id: i64) -> Vec<String> {
        let r = app
            .call(
                Method::GET,
                &format!("{}/conversations/{id}/messages", self.base),
                Some(&self.t.admin.token),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

#[tokio::test]
async fn round_robin_skips_busy_and_full_agents_and_resumes_on_reopen() {
    let app = TestApp::spawn().await;
    let d = desk(
        &app,
        3,
        json!({"auto_assignment_config": {"max_assignment_limit": 2}}),
    )
    .await;
    let [a, b, c] = [d.agents[0].id, d.agents[1].id, d.agents[2].id];
    // The third agent is busy: never picked.
    let r = app
        .call(
            Method::PATCH,
            &format!("{}/agents/{c}", d.base),
            Some(&d.t.admin.token),
            Some(json!({"availability": "busy"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let mut got = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (id, assignee) = d.open(&app).await;
        ids.push(id);
        got.push(assignee);
    }
    // Turns alternate; at two open conversations each, both are full.
    assert_eq!(got, vec![Some(a), Some(b), Some(a), Some(b), None]);

    // The assignment shows in the conversation as any other.
    let first = d.conversation(&app, ids[0]).await;
    assert_eq!(first["meta"]["assignee"]["id"], a);

    // One of a's is resolved: a has room again, and the unassigned one, reopened by the
    // administrator, goes to a (b is still full), with Chatwoot's activity message.
    d.toggle(&app, ids[0], "resolved").await;
    d.toggle(&app, ids[4], "resolved").await;
    d.toggle(&app, ids[4], "open").await;
    let reopened = d.conversation(&app, ids[4]).await;
    assert_eq!(reopened["meta"]["assignee"]["id"], a);
    let said = d.messages(&app, ids[4]).await;
    assert!(
        said.contains(&"Assigned to User agent by User administrator".to_string()),
        "{said:?}"
    );
    // A conversation reopened while its assignee is still a member keeps its assignee.
    d.toggle(&app, ids[1], "resolved").await;
    d.toggle(&app, ids[1], "open").await;
    assert_eq!(
        d.conversation(&app, ids[1]).await["meta"]["assignee"]["id"],
        b
    );

    // Auto-assignment off: nothing is assigned.
    let r = app
        .call(
            Method::PATCH,
            &format!("{}/inboxes/{}", d.base, d.inbox),
            Some(&d.t.admin.token),
            Some(json!({"enable_auto_assignment": false, "auto_assignment_config": {}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(d.open(&app).await.1, None);
}

#[tokio::test]
async fn agents_of_another_account_are_never_picked() {
    let app = TestApp::spawn().await;
    let ours = desk(&app, 1, json!({})).await;
    let theirs = desk(&app, 1, json!({})).await;
    // Our only agent goes offline; their agent stays available.
    let r = app
        .call(
            Method::PATCH,
            &format!("{}/agents/{}", ours.base, ours.agents[0].id),
            Some(&ours.t.admin.token),
            Some(json!({"availability": "offline"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ours.open(&app).await.1, None);
    assert_eq!(theirs.open(&app).await.1, Some(theirs.agents[0].id));
}

#[tokio::test]
async fn a_team_that_allows_auto_assign_hands_the_conversation_to_a_member() {
    let app = TestApp::spawn().await;
    // Inbox auto-assignment off: only the team's own assignment applies.
    let d = desk(&app, 2, json!({"enable_auto_assignment": false})).await;
    let admin = Some(d.t.admin.token.as_str());
    let team = app
        .call(
            Method::POST,
            &format!("{}/teams", d.base),
            admin,
            Some(json!({"name": "Sales", "allow_auto_assign": true})),
        )
        .await;
    assert_eq!(team.status, 200, "{}", team.text);
    let team = team.body["id"].as_i64().unwrap();
    let second = d.agents[1].id;
    let r = app
        .call(
            Method::POST,
            &format!("{}/teams/{team}/team_members", d.base),
            admin,
            Some(json!({"user_ids": [second]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let (id, assignee) = d.open(&app).await;
    assert_eq!(assignee, None);
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{id}/assignments", d.base),
            admin,
            Some(json!({"team_id": team})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = d.conversation(&app, id).await;
    assert_eq!(c["meta"]["team"]["id"], team);
    assert_eq!(c["meta"]["assignee"]["id"], second);
    let said = d.messages(&app, id).await;
    assert!(
        said.contains(&"Assigned to User agent via sales by User administrator".to_string()),
        "{said:?}"
    );
}

#[tokio::test]
async fn presence_drives_availability_status_active_contacts_and_assignment() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let base = format!("/api/v1/accounts/{}", t.account_id);
    let admin = Some(t.admin.token.as_str());
    // An agent with automatic offline on (Chatwoot's default).
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let (contact_id, contact_token) = contact_in(&app, &t).await;
    let inbox = app
        .call(Method::GET, &format!("{base}/inboxes"), admin, None)
        .await;
    let inbox = inbox.body["payload"][0]["id"].as_i64().unwrap();
    let r = app
        .call(
            Method::POST,
            &format!("{base}/inbox_members"),
            admin,
            Some(json!({"inbox_id": inbox, "user_ids": [agent.id]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let status_of = |agents: &Value, id: i64| {
        agents
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .map(|a| a["availability_status"].clone())
            .unwrap()
    };
    let open = || async {
        let c = app
            .call(
                Method::POST,
                &format!("{base}/conversations"),
                admin,
                Some(json!({"contact_id": contact_id, "inbox_id": inbox})),
            )
            .await;
        assert_eq!(c.status, 200, "{}", c.text);
        c.body["meta"]["assignee"]["id"].as_i64()
    };

    // No socket: offline, no active contacts, and no one to assign.
    let agents = app
        .call(Method::GET, &format!("{base}/agents"), admin, None)
        .await;
    assert_eq!(status_of(&agents.body, agent.id), "offline");
    let active = app
        .call(Method::GET, &format!("{base}/contacts/active"), admin, None)
        .await;
    assert_eq!(active.status, 200, "{}", active.text);
    assert_eq!(active.body["meta"]["count"], 0);
    assert_eq!(open().await, None);

    // The agent and the contact connect.
    let token = pubsub_token(&app, &agent.token).await;
    let mut agent_socket = Cable::open(&app).await;
    agent_socket
        .join(&agent_identifier(
            &crate::realtime::Agent {
                id: agent.id,
                pubsub_token: token,
            },
            t.account_id,
        ))
        .await;
    let mut contact_socket = Cable::open(&app).await;
    contact_socket
        .join(&contact_identifier(&contact_token))
        .await;

    let agents = app
        .call(Method::GET, &format!("{base}/agents"), admin, None)
        .await;
    assert_eq!(status_of(&agents.body, agent.id), "online");
    // The administrator has no socket: still offline.
    assert_eq!(status_of(&agents.body, t.admin.id), "offline");
    let active = app
        .call(Method::GET, &format!("{base}/contacts/active"), admin, None)
        .await;
    assert_eq!(active.body["meta"]["count"], 1, "{}", active.text);
    assert_eq!(active.body["payload"][0]["id"], contact_id);
    assert_eq!(active.body["payload"][0]["availability_status"], "online");
    let shown = app
        .call(
            Method::GET,
            &format!("{base}/contacts/{contact_id}"),
            admin,
            None,
        )
        .await;
    assert_eq!(shown.body["payload"]["availability_status"], "online");
    // Chatwoot refuses to delete a contact who is online.
    let del = app
        .call(
            Method::DELETE,
            &format!("{base}/contacts/{contact_id}"),
            admin,
            None,
        )
        .await;
    assert_eq!(del.status, 422, "{}", del.text);
    assert_eq!(del.body["message"], "Jo is Online, please try again later");
    // Online now: the next conversation is theirs.
    assert_eq!(open().await, Some(agent.id));

    // Another account sees none of it.
    let other = app.account_with_admin(&p, "Other").await;
    let active = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/contacts/active", other.account_id),
            Some(&other.admin.token),
            None,
        )
        .await;
    assert_eq!(active.body["meta"]["count"], 0, "{}", active.text);
    // And an agent of this account cannot read another's.
    let r = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/contacts/active", other.account_id),
            Some(&agent.token),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

/// Two servers sharing PostgreSQL (and Redis): conversations opened on either take turns
/// in one order, and capacity holds across both.
#[tokio::test]
async fn turns_are_fair_across_two_servers() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |v| v.is_empty()) {
        return;
    }
    let one = TestApp::spawn().await;
    let two = TestApp::start_on(one.storage.clone()).await;
    let d = desk(
        &one,
        3,
        json!({"auto_assignment_config": {"max_assignment_limit": 2}}),
    )
    .await;
    let ids: Vec<i64> = d.agents.iter().map(|a| a.id).collect();

    // Seven conversations opened side by side, alternating servers.
    let mut tasks = Vec::new();
    for i in 0..7 {
        let app = if i % 2 == 0 { &one } else { &two };
        tasks.push(d.open(app));
    }
    let got: Vec<Option<i64>> = futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    // Six fit (two each); the seventh finds everyone full.
    for id in &ids {
        assert_eq!(
            got.iter().filter(|a| **a == Some(*id)).count(),
            2,
            "{got:?}"
        );
    }
    assert_eq!(got.iter().filter(|a| a.is_none()).count(), 1, "{got:?}");

    // With everyone's conversations resolved, three conversations opened one after the
    // other, alternating servers, go to three different agents: one order for both.
    let r = one
        .call(
            Method::GET,
            &format!("{}/conversations?status=open", d.base),
            Some(&d.t.admin.token),
            None,
        )
        .await;
    let open: Vec<i64> = r.body["data"]["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(open.len(), 7, "{}", r.text);
    for id in open {
        d.toggle(&one, id, "resolved").await;
    }
    let mut next = Vec::new();
    for i in 0..3 {
        let app = if i % 2 == 0 { &two } else { &one };
        next.push(d.open(app).await.1.unwrap());
    }
    let mut distinct = next.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "{next:?}");
}
