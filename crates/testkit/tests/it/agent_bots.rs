//! Agent bots: CRUD in the account and through the Platform API, bot tokens limited to
//! Chatwoot's endpoints, and the hand-off with a real bot endpoint on loopback: events
//! posted to the bot, its replies, `toggle_status` to open, and a failing bot handing
//! over by itself. Also: an API inbox whose `webhook_url` fails marks the message failed.

use std::time::Duration;

use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Tenant, TestApp};

use crate::realtime::{Cable, admin_of, agent_identifier};
use crate::webhooks::{FAST_RETRY, LOOPBACK, Receiver, verify};

fn base(t: &Tenant) -> String {
    format!("/api/v1/accounts/{}", t.account_id)
}

async fn tenant(app: &TestApp, name: &str) -> (String, Tenant) {
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, name).await;
    (p, t)
}

/// Creates a bot in the account; returns its JSON.
async fn bot(app: &TestApp, t: &Tenant, url: &str) -> Value {
    let r = app
        .call(
            Method::POST,
            &format!("{}/agent_bots", base(t)),
            Some(&t.admin.token),
            Some(
                json!({"name": "Lead Bot", "description": "Qualifies leads", "outgoing_url": url}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// An API inbox with the bot connected; returns the inbox id.
async fn bot_inbox(app: &TestApp, t: &Tenant, bot_id: i64) -> i64 {
    let r = app
        .call(
            Method::POST,
            &format!("{}/inboxes", base(t)),
            Some(&t.admin.token),
            Some(json!({"name": "Leads", "channel": {"type": "api"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let inbox = r.body["id"].as_i64().unwrap();
    let r = app
        .call(
            Method::POST,
            &format!("{}/inboxes/{inbox}/set_agent_bot", base(t)),
            Some(&t.admin.token),
            Some(json!({"agent_bot": bot_id})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    inbox
}

/// A contact and a conversation in `inbox`; returns the conversation JSON.
async fn conversation(app: &TestApp, t: &Tenant, inbox: i64, status: Option<&str>) -> Value {
    let admin = Some(t.admin.token.as_str());
    let contact = app
        .call(
            Method::POST,
            &format!("{}/contacts", base(t)),
            admin,
            Some(json!({"name": "Lee", "email": "lee@example.com", "inbox_id": inbox})),
        )
        .await;
    assert_eq!(contact.status, 200, "{}", contact.text);
    let contact_id = contact.body["payload"]["contact"]["id"].as_i64().unwrap();
    let mut body = json!({"contact_id": contact_id, "inbox_id": inbox});
    if let Some(s) = status {
        body["status"] = json!(s);
    }
    let c = app
        .call(
            Method::POST,
            &format!("{}/conversations", base(t)),
            admin,
            Some(body),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    c.body
}

/// The contact writes (an incoming message, as an API channel posts it).
async fn contact_says(app: &TestApp, t: &Tenant, display_id: i64, content: &str) -> Value {
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/messages", base(t)),
            Some(&t.admin.token),
            Some(json!({"content": content, "message_type": "incoming"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn show(app: &TestApp, t: &Tenant, display_id: i64) -> Value {
    let r = app
        .call(
            Method::GET,
            &format!("{}/conversations/{display_id}", base(t)),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn messages(app: &TestApp, t: &Tenant, display_id: i64) -> Vec<Value> {
    let r = app
        .call(
            Method::GET,
            &format!("{}/conversations/{display_id}/messages", base(t)),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["payload"].as_array().unwrap().clone()
}

/// Polls until `ok` holds for the conversation's messages.
async fn wait_messages(
    app: &TestApp,
    t: &Tenant,
    display_id: i64,
    ok: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let mut last = Vec::new();
    for _ in 0..400 {
        last = messages(app, t, display_id).await;
        if ok(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("messages never matched: {last:?}");
}

#[tokio::test]
async fn bots_are_managed_with_chatwoot_shapes() {
    let app = TestApp::spawn().await;
    let (p, t) = tenant(&app, "Acme").await;
    let path = format!("{}/agent_bots", base(&t));
    let admin = Some(t.admin.token.as_str());

    let b = bot(&app, &t, "https://bots.example.com/lead").await;
    let id = b["id"].as_i64().unwrap();
    assert_eq!(b["name"], "Lead Bot");
    assert_eq!(b["description"], "Qualifies leads");
    assert_eq!(b["thumbnail"], "");
    assert_eq!(b["outgoing_url"], "https://bots.example.com/lead");
    assert_eq!(b["bot_type"], "webhook");
    assert_eq!(b["bot_config"], json!({}));
    assert_eq!(b["account_id"], t.account_id);
    assert_eq!(b["system_bot"], false);
    let token = b["access_token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 24, "a Rails secure token: {token}");

    // A system bot made by a platform app shows in every account, without its URL or token.
    let sys = app
        .call(
            Method::POST,
            "/platform/api/v1/agent_bots",
            Some(&p),
            Some(json!({"name": "System", "outgoing_url": "https://bots.example.com/sys"})),
        )
        .await;
    assert_eq!(sys.status, 200, "{}", sys.text);
    assert_eq!(sys.body["outgoing_url"], "https://bots.example.com/sys");
    assert_eq!(sys.body["account_id"], Value::Null);
    assert_eq!(sys.body["access_token"].as_str().unwrap().len(), 24);
    let sys_id = sys.body["id"].as_i64().unwrap();

    let list = app.call(Method::GET, &path, admin, None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let list = list.body.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["access_token"], token.as_str());
    assert_eq!(list[1]["id"], sys_id);
    assert_eq!(list[1]["system_bot"], true);
    assert!(list[1].get("outgoing_url").is_none(), "{}", list[1]);
    assert!(list[1].get("access_token").is_none(), "{}", list[1]);

    let r = app
        .call(
            Method::PATCH,
            &format!("{path}/{id}"),
            admin,
            Some(json!({"agent_bot": {"name": "Qualifier", "bot_config": {"lang": "en"}}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["name"], "Qualifier");
    assert_eq!(r.body["bot_config"], json!({"lang": "en"}));
    assert_eq!(r.body["outgoing_url"], "https://bots.example.com/lead");

    // A new token replaces the old one.
    let r = app
        .call(
            Method::POST,
            &format!("{path}/{id}/reset_access_token"),
            admin,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fresh = r.body["access_token"].as_str().unwrap().to_string();
    assert_ne!(fresh, token);
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/1/toggle_status", base(&t)),
            Some(&token),
            Some(json!({"status": "open"})),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.body, json!({"error": "Invalid Access Token"}));

    // Bad input: a URL that is not http(s), an unknown bot type.
    for body in [
        json!({"name": "x", "outgoing_url": "ftp://example.com"}),
        json!({"name": "x", "outgoing_url": "not a url"}),
        json!({"name": "x", "bot_type": "dialogflow"}),
    ] {
        let r = app
            .call(Method::POST, &path, admin, Some(body.clone()))
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.body["attributes"].is_array(), "{}", r.text);
    }

    // Agents see the bots; only administrators change them (401 as in Chatwoot).
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let r = app.call(Method::GET, &path, Some(&agent.token), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .call(
            Method::POST,
            &path,
            Some(&agent.token),
            Some(json!({"name": "Mine"})),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);

    // Another account neither sees nor changes this account's bot, nor connects it.
    let other = app.account_with_admin(&p, "Other").await;
    let theirs = Some(other.admin.token.as_str());
    let r = app
        .call(
            Method::GET,
            &format!("{}/agent_bots/{id}", base(&other)),
            theirs,
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = app
        .call(
            Method::GET,
            &format!("{}/agent_bots", base(&other)),
            theirs,
            None,
        )
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(r.body[0]["id"], sys_id);
    for method in [Method::PATCH, Method::DELETE] {
        let r = app
            .call(
                method,
                &format!("{}/agent_bots/{id}", base(&other)),
                theirs,
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.text);
    }
    let inbox = app
        .call(
            Method::POST,
            &format!("{}/inboxes", base(&other)),
            theirs,
            Some(json!({"name": "Api", "channel": {"type": "api"}})),
        )
        .await;
    let their_inbox = inbox.body["id"].as_i64().unwrap();
    let r = app
        .call(
            Method::POST,
            &format!("{}/inboxes/{their_inbox}/set_agent_bot", base(&other)),
            theirs,
            Some(json!({"agent_bot": id})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);

    // An inbox's bot: connected, shown, disconnected.
    let inbox = bot_inbox(&app, &t, id).await;
    let r = app
        .call(
            Method::GET,
            &format!("{}/inboxes/{inbox}/agent_bot", base(&t)),
            admin,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["agent_bot"]["id"], id);
    let r = app
        .call(
            Method::POST,
            &format!("{}/inboxes/{inbox}/set_agent_bot", base(&t)),
            admin,
            Some(json!({"agent_bot": null})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .call(
            Method::GET,
            &format!("{}/inboxes/{inbox}/agent_bot", base(&t)),
            admin,
            None,
        )
        .await;
    assert_eq!(r.body, json!({"agent_bot": {}}));

    let r = app
        .call(Method::DELETE, &format!("{path}/{id}"), admin, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .call(Method::GET, &format!("{path}/{id}"), admin, None)
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    // Its token went with it.
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/1/toggle_status", base(&t)),
            Some(&fresh),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn platform_apps_manage_only_their_own_bots() {
    let app = TestApp::spawn().await;
    let (p, t) = tenant(&app, "Acme").await;
    let r = app
        .call(
            Method::POST,
            "/platform/api/v1/agent_bots",
            Some(&p),
            Some(json!({"name": "Acme bot", "account_id": t.account_id, "outgoing_url": "https://b.example.com"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["account_id"], t.account_id);
    let r = app
        .call(
            Method::PATCH,
            &format!("/platform/api/v1/agent_bots/{id}"),
            Some(&p),
            Some(json!({"description": "Sorts leads"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["description"], "Sorts leads");
    assert_eq!(r.body["name"], "Acme bot");
    let list = app
        .call(Method::GET, "/platform/api/v1/agent_bots", Some(&p), None)
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body.as_array().unwrap().len(), 1);

    // Another platform app sees none of it, and cannot put a bot in this account.
    let other = app.platform_token().await;
    let list = app
        .call(
            Method::GET,
            "/platform/api/v1/agent_bots",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(list.body, json!([]));
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let r = app
            .call(
                method,
                &format!("/platform/api/v1/agent_bots/{id}"),
                Some(&other),
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(r.status, 401, "{}", r.text);
        assert_eq!(r.body, json!({"error": "Non permissible resource"}));
    }
    let r = app
        .call(
            Method::POST,
            "/platform/api/v1/agent_bots",
            Some(&other),
            Some(json!({"name": "Intruder", "account_id": t.account_id})),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let r = app
        .call(
            Method::DELETE,
            &format!("/platform/api/v1/agent_bots/{id}"),
            Some(&p),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .call(
            Method::GET,
            &format!("/platform/api/v1/agent_bots/{id}"),
            Some(&p),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test]
async fn bot_tokens_reach_only_the_endpoints_chatwoot_opens_to_bots() {
    let app = TestApp::spawn().await;
    let (p, t) = tenant(&app, "Acme").await;
    let b = bot(&app, &t, "https://bots.example.com/lead").await;
    let token = b["access_token"].as_str().unwrap().to_string();
    let inbox = bot_inbox(&app, &t, b["id"].as_i64().unwrap()).await;
    let c = conversation(&app, &t, inbox, None).await;
    let display_id = c["id"].as_i64().unwrap();

    let refused = json!({"error": "Access to this endpoint is not authorized for bots"});
    for (method, path) in [
        (Method::GET, format!("{}/conversations", base(&t))),
        (
            Method::GET,
            format!("{}/conversations/{display_id}", base(&t)),
        ),
        (
            Method::GET,
            format!("{}/conversations/{display_id}/messages", base(&t)),
        ),
        (Method::GET, format!("{}/contacts", base(&t))),
        (Method::POST, format!("{}/agent_bots", base(&t))),
        (Method::GET, "/api/v1/profile".to_string()),
    ] {
        let r = app
            .call(method.clone(), &path, Some(&token), Some(json!({})))
            .await;
        assert_eq!(r.status, 401, "{method} {path}: {}", r.text);
        assert_eq!(r.body, refused, "{method} {path}");
    }
    // Platform API: a bot token is no platform app's.
    let r = app
        .call(
            Method::GET,
            "/platform/api/v1/agent_bots",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);

    // Another account's conversations are out of reach.
    let other = app.account_with_admin(&p, "Other").await;
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/1/toggle_status", base(&other)),
            Some(&token),
            Some(json!({"status": "open"})),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"error": "Bot is not authorized to access this account"})
    );
    // Bad input from a bot: an unknown status, an unknown content type, a malformed item.
    for (path, body) in [
        (
            format!("{}/conversations/{display_id}/toggle_status", base(&t)),
            json!({"status": "asleep"}),
        ),
        (
            format!("{}/conversations/{display_id}/messages", base(&t)),
            json!({"content": "x", "content_type": "hologram"}),
        ),
        (
            format!("{}/conversations/{display_id}/messages", base(&t)),
            json!({"content": "x", "content_type": "input_select", "content_attributes": {"items": [{"nope": 1}]}}),
        ),
    ] {
        let r = app
            .call(Method::POST, &path, Some(&token), Some(body.clone()))
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
    }
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/99999/toggle_status", base(&t)),
            Some(&token),
            Some(json!({"status": "open"})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test]
async fn a_bot_qualifies_a_lead_and_hands_off_to_humans() {
    let rx = Receiver::start().await;
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let (_, t) = tenant(&app, "Acme").await;
    let b = bot(&app, &t, &rx.url).await;
    let bot_id = b["id"].as_i64().unwrap();
    let token = b["access_token"].as_str().unwrap().to_string();
    let inbox = bot_inbox(&app, &t, bot_id).await;

    // The agents' screens, to see the hand-off live.
    let admin = admin_of(&app, &t).await;
    let mut cable = Cable::open(&app).await;
    cable.join(&agent_identifier(&admin, t.account_id)).await;

    // A new conversation in a bot inbox starts pending, whatever was asked.
    let c = conversation(&app, &t, inbox, Some("open")).await;
    let display_id = c["id"].as_i64().unwrap();
    assert_eq!(c["status"], "pending");

    // The contact writes; the bot is sent Chatwoot's message_created payload.
    let said = contact_says(&app, &t, display_id, "I want a quote").await;
    let (hit, m) = rx.wait_for("message_created", 1).await.remove(0);
    verify(&hit, &token);
    assert_eq!(m["id"], said["id"]);
    assert_eq!(m["content"], "I want a quote");
    assert_eq!(m["message_type"], "incoming");
    assert_eq!(m["conversation"]["id"], display_id);
    assert_eq!(m["conversation"]["status"], "pending");
    assert_eq!(m["inbox"], json!({"id": inbox, "name": "Leads"}));
    assert_eq!(m["account"], json!({"id": t.account_id, "name": "Acme"}));
    assert_eq!(m["sender"]["email"], "lee@example.com");
    let delivery = hit.headers.get("x-switchboard-delivery").unwrap();
    assert!(!delivery.is_empty());

    // The bot replies with its token: a question with choices.
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/messages", base(&t)),
            Some(&token),
            Some(json!({
                "content": "How many seats do you need?",
                "content_type": "input_select",
                "content_attributes": {"items": [{"title": "1-10", "value": "small"}, {"title": "11+", "value": "large"}]},
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["message_type"], 1);
    assert_eq!(r.body["content_type"], "input_select");
    assert_eq!(
        r.body["sender"],
        json!({"id": bot_id, "name": "Lead Bot", "avatar_url": "", "type": "agent_bot"})
    );
    let reply_id = r.body["id"].clone();
    // The bot's own message comes back to it too, as in Chatwoot (a bot skips its own).
    let (_, echoed) = rx
        .wait_for("message_created", 2)
        .await
        .into_iter()
        .find(|(_, v)| v["id"] == reply_id)
        .unwrap();
    assert_eq!(
        echoed["sender"],
        json!({"id": bot_id, "name": "Lead Bot", "type": "agent_bot"})
    );
    let list = messages(&app, &t, display_id).await;
    let mine = list.iter().find(|m| m["id"] == reply_id).unwrap();
    assert_eq!(mine["sender"]["type"], "agent_bot");
    assert_eq!(show(&app, &t, display_id).await["status"], "pending");

    // It notes what it learnt.
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/custom_attributes", base(&t)),
            Some(&token),
            Some(json!({"custom_attributes": {"seats": "11+"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"custom_attributes": {"seats": "11+"}}));
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/toggle_priority", base(&t)),
            Some(&token),
            Some(json!({"priority": "high"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let conv = show(&app, &t, display_id).await;
    assert_eq!(conv["priority"], "high");
    assert_eq!(conv["custom_attributes"], json!({"seats": "11+"}));

    // The bot hands over: pending → open.
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/toggle_status", base(&t)),
            Some(&token),
            Some(json!({"status": "open"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["payload"]["current_status"], "open");
    assert_eq!(r.body["payload"]["conversation_id"], display_id);
    let conv = show(&app, &t, display_id).await;
    assert_eq!(conv["status"], "open");
    // No one was assigned by the bot itself.
    assert_eq!(conv["meta"]["assignee"], Value::Null);
    let list = messages(&app, &t, display_id).await;
    assert!(
        list.iter()
            .any(|m| m["content"] == "Conversation was reopened by Lead Bot"
                && m["message_type"] == 2),
        "{list:?}"
    );
    let (_, opened) = rx.wait_for("conversation_opened", 1).await.remove(0);
    assert_eq!(opened["id"], display_id);
    assert_eq!(opened["status"], "open");

    // The agents saw the hand-off live.
    let mut seen = Vec::new();
    while !seen.contains(&"conversation.bot_handoff".to_string()) {
        let f = cable.event().await;
        seen.push(
            f["message"]["event"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        if f["message"]["event"] == "conversation.bot_handoff" {
            assert_eq!(f["message"]["data"]["id"], display_id);
            assert_eq!(f["message"]["data"]["status"], "open");
        }
    }
    assert!(
        seen.contains(&"conversation.status_changed".to_string()),
        "{seen:?}"
    );

    // Resolved, a new message from the contact goes back to the bot (pending).
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/toggle_status", base(&t)),
            Some(&t.admin.token),
            Some(json!({"status": "resolved"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, resolved) = rx.wait_for("conversation_resolved", 1).await.remove(0);
    assert_eq!(resolved["id"], display_id);
    contact_says(&app, &t, display_id, "Back again").await;
    assert_eq!(show(&app, &t, display_id).await["status"], "pending");
    // Events the bot does not take (conversation_created, status changes) were not sent.
    assert!(rx.events("conversation_created").is_empty());
    assert!(rx.events("conversation_status_changed").is_empty());
}

#[tokio::test]
async fn a_failing_bot_hands_the_conversation_to_humans() {
    let rx = Receiver::start().await;
    rx.answer(500);
    let app = TestApp::spawn_with(&[LOOPBACK, FAST_RETRY]).await;
    let (_, t) = tenant(&app, "Acme").await;
    let b = bot(&app, &t, &rx.url).await;
    let inbox = bot_inbox(&app, &t, b["id"].as_i64().unwrap()).await;
    let c = conversation(&app, &t, inbox, None).await;
    let display_id = c["id"].as_i64().unwrap();
    assert_eq!(c["status"], "pending");
    contact_says(&app, &t, display_id, "Anyone there?").await;

    let list = wait_messages(&app, &t, display_id, |l| {
        l.iter().any(|m| {
            m["content"]
                == "Conversation was marked open by system due to an error with the agent bot."
        })
    })
    .await;
    assert_eq!(show(&app, &t, display_id).await["status"], "open");
    // The bot was tried several times before the humans took over, each time with the
    // same delivery id, so a bot that did get one can drop the repeats.
    let hits = rx.events("message_created");
    assert!(hits.len() >= 3, "{} attempts", hits.len());
    let ids: Vec<_> = hits
        .iter()
        .map(|(h, _)| h.headers.get("x-switchboard-delivery").unwrap().clone())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]));
    // Handed over once.
    let notes = list
        .iter()
        .filter(|m| {
            m["content"]
                .as_str()
                .is_some_and(|c| c.contains("error with the agent bot"))
        })
        .count();
    assert_eq!(notes, 1);
}

#[tokio::test]
async fn a_failing_api_inbox_webhook_marks_the_message_failed_until_it_gets_through() {
    let rx = Receiver::start().await;
    rx.answer(500);
    let app = TestApp::spawn_with(&[LOOPBACK, FAST_RETRY]).await;
    let (_, t) = tenant(&app, "Acme").await;
    let r = app
        .call(
            Method::POST,
            &format!("{}/inboxes", base(&t)),
            Some(&t.admin.token),
            Some(json!({"name": "Api", "channel": {"type": "api", "webhook_url": rx.url}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let inbox = r.body["id"].as_i64().unwrap();
    let c = conversation(&app, &t, inbox, None).await;
    let display_id = c["id"].as_i64().unwrap();
    assert_eq!(c["status"], "open");
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/messages", base(&t)),
            Some(&t.admin.token),
            Some(json!({"content": "Your order shipped"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].clone();

    let list = wait_messages(&app, &t, display_id, |l| {
        l.iter().any(|m| m["id"] == id && m["status"] == "failed")
    })
    .await;
    let m = list.iter().find(|m| m["id"] == id).unwrap();
    assert_eq!(
        m["content_attributes"]["external_error"],
        "the receiver answered 500"
    );

    rx.answer(200);
    let list = wait_messages(&app, &t, display_id, |l| {
        l.iter().any(|m| m["id"] == id && m["status"] == "sent")
    })
    .await;
    let m = list.iter().find(|m| m["id"] == id).unwrap();
    assert!(
        m["content_attributes"].get("external_error").is_none(),
        "{m}"
    );
}

#[tokio::test]
async fn bot_deliveries_survive_a_restart() {
    let rx = Receiver::start().await;
    rx.answer(503);
    let app = TestApp::spawn_with(&[LOOPBACK, ("JOB_RETRY_BASE", "300ms")]).await;
    let (_, t) = tenant(&app, "Acme").await;
    let b = bot(&app, &t, &rx.url).await;
    let inbox = bot_inbox(&app, &t, b["id"].as_i64().unwrap()).await;
    let c = conversation(&app, &t, inbox, None).await;
    let display_id = c["id"].as_i64().unwrap();
    let said = contact_says(&app, &t, display_id, "still there?").await;
    rx.wait_for("message_created", 1).await;

    let app = app.restart().await;
    rx.answer(200);
    // Delivered after the restart, and recorded so.
    let db = app.db().await;
    let bot_id = b["id"].as_i64().unwrap();
    let mut rows = Vec::new();
    for _ in 0..400 {
        let mut conn = db.conn().await.unwrap();
        rows = switchboard_store::webhooks::bot_deliveries(conn.ex(), bot_id, 10)
            .await
            .unwrap();
        if rows.iter().any(|d| {
            d.event == "message_created" && d.status == switchboard_store::webhooks::DELIVERED
        }) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let d = rows
        .iter()
        .find(|d| d.event == "message_created")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(d.status, switchboard_store::webhooks::DELIVERED, "{rows:?}");
    assert!(d.attempts >= 2, "{rows:?}");
    assert_eq!(d.response_code, Some(200));
    let body: Value = serde_json::from_str(&d.body).unwrap();
    assert_eq!(body["id"], said["id"]);
    let (_, last) = rx.events("message_created").pop().unwrap();
    assert_eq!(last["id"], said["id"]);
}

#[tokio::test]
async fn a_hand_off_goes_to_the_next_available_agent() {
    let rx = Receiver::start().await;
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let (p, t) = tenant(&app, "Acme").await;
    let b = bot(&app, &t, &rx.url).await;
    let token = b["access_token"].as_str().unwrap().to_string();
    let inbox = bot_inbox(&app, &t, b["id"].as_i64().unwrap()).await;
    // An agent who is available without a socket (automatic offline turned off).
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let admin = Some(t.admin.token.as_str());
    let r = app
        .call(
            Method::PATCH,
            &format!("{}/agents/{}", base(&t), agent.id),
            admin,
            Some(json!({"auto_offline": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .call(
            Method::POST,
            &format!("{}/inbox_members", base(&t)),
            admin,
            Some(json!({"inbox_id": inbox, "user_ids": [agent.id]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let c = conversation(&app, &t, inbox, None).await;
    let display_id = c["id"].as_i64().unwrap();
    assert_eq!(c["status"], "pending");
    assert_eq!(c["meta"]["assignee"], Value::Null, "the bot has it first");

    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/toggle_status", base(&t)),
            Some(&token),
            Some(json!({"status": "open"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let conv = show(&app, &t, display_id).await;
    assert_eq!(conv["status"], "open");
    assert_eq!(conv["meta"]["assignee"]["id"], agent.id, "{conv}");
}

/// The rest of Chatwoot's bot endpoints: a bot opens a conversation (its first message in
/// the bot's name), changes its priority, and assigns it to an agent and a team, each
/// signed with the bot's name; another account stays out of reach.
#[tokio::test]
async fn bots_create_update_and_assign_conversations() {
    let app = TestApp::spawn().await;
    let (p, t) = tenant(&app, "Acme").await;
    let b = bot(&app, &t, "https://bots.example.com/lead").await;
    let token = b["access_token"].as_str().unwrap().to_string();
    let inbox = bot_inbox(&app, &t, b["id"].as_i64().unwrap()).await;
    let contact = app
        .call(
            Method::POST,
            &format!("{}/contacts", base(&t)),
            Some(&t.admin.token),
            Some(json!({"name": "Lee", "inbox_id": inbox})),
        )
        .await;
    let contact_id = contact.body["payload"]["contact"]["id"].as_i64().unwrap();

    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations", base(&t)),
            Some(&token),
            Some(json!({"contact_id": contact_id, "inbox_id": inbox,
                "message": {"content": "Hi! Which plan are you after?"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "pending", "a bot inbox starts pending");
    let display_id = r.body["id"].as_i64().unwrap();
    let first = messages(&app, &t, display_id).await;
    let hello = first
        .iter()
        .find(|m| m["content"] == "Hi! Which plan are you after?")
        .expect("the bot's first message");
    assert_eq!(hello["message_type"], 1);
    assert_eq!(hello["sender"]["type"], "agent_bot", "{hello}");

    let r = app
        .call(
            Method::PATCH,
            &format!("{}/conversations/{display_id}", base(&t)),
            Some(&token),
            Some(json!({"priority": "high"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["priority"], "high");

    let agent = app.user_in(&p, t.account_id, "agent").await;
    let r = app
        .call(
            Method::POST,
            &format!("{}/inbox_members", base(&t)),
            Some(&t.admin.token),
            Some(json!({"inbox_id": inbox, "user_ids": [agent.id]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/assignments", base(&t)),
            Some(&token),
            Some(json!({"assignee_id": agent.id})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], agent.id);
    let shown = show(&app, &t, display_id).await;
    assert_eq!(shown["meta"]["assignee"]["id"], agent.id, "{shown}");
    let team = app
        .call(
            Method::POST,
            &format!("{}/teams", base(&t)),
            Some(&t.admin.token),
            Some(json!({"name": "Sales", "allow_auto_assign": false})),
        )
        .await;
    let team_id = team.body["id"].as_i64().unwrap();
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/assignments", base(&t)),
            Some(&token),
            Some(json!({"team_id": team_id})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], team_id);

    // The agent is not in the team, so the team assignment lets go of them.
    let shown = show(&app, &t, display_id).await;
    assert_eq!(shown["meta"]["team"]["id"], team_id, "{shown}");
    let said: Vec<String> = messages(&app, &t, display_id)
        .await
        .iter()
        .filter(|m| m["message_type"] == 2)
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect();
    for expected in [
        "Lead Bot set the priority to high".to_string(),
        // `user_in` names its users after their role.
        "Assigned to User agent by Lead Bot".to_string(),
        "Assigned to sales by Lead Bot".to_string(),
    ] {
        assert!(said.contains(&expected), "{expected:?} not in {said:?}");
    }

    // Another account's inboxes and conversations are out of the bot's reach.
    let other = app.account_with_admin(&p, "Other").await;
    for (path, body) in [
        (
            format!("{}/conversations", base(&other)),
            json!({"contact_id": contact_id, "inbox_id": inbox}),
        ),
        (
            format!("{}/conversations/1/assignments", base(&other)),
            json!({"assignee_id": agent.id}),
        ),
    ] {
        let r = app
            .call(Method::POST, &path, Some(&token), Some(body))
            .await;
        assert_eq!(r.status, 401, "{path}: {}", r.text);
    }
}
