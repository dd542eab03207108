//! Conversation actions beyond status and assignment: mute, unread, participants,
//! drafts, and the reply window of API inboxes.

use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Person, Tenant, TestApp};

struct Desk {
    t: Tenant,
    member: Person,
    stranger: Person,
    /// Base path of a conversation in an API inbox the member belongs to.
    conv: String,
}

async fn desk(app: &TestApp, channel: Value) -> Desk {
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let member = app.user_in(&p, t.account_id, "agent").await;
    let stranger = app.user_in(&p, t.account_id, "agent").await;
    let admin = Some(t.admin.token.as_str());
    let base = format!("/api/v1/accounts/{}", t.account_id);
    let inbox = app
        .call(
            Method::POST,
            &format!("{base}/inboxes"),
            admin,
            Some(json!({"name": "API", "channel": channel})),
        )
        .await;
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    let inbox = inbox.body["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &format!("{base}/inbox_members"),
        admin,
        Some(json!({"inbox_id": inbox, "user_ids": [member.id]})),
    )
    .await;
    let contact = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            admin,
            Some(json!({"name": "Jo", "inbox_id": inbox})),
        )
        .await;
    let c = app
        .call(
            Method::POST,
            &format!("{base}/conversations"),
            admin,
            Some(
                json!({"contact_id": contact.body["payload"]["contact"]["id"], "inbox_id": inbox}),
            ),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    Desk {
        conv: format!("{base}/conversations/{}", c.body["id"]),
        t,
        member,
        stranger,
    }
}

async fn incoming(app: &TestApp, d: &Desk, text: &str) {
    let r = app
        .call(
            Method::POST,
            &format!("{}/messages", d.conv),
            Some(&d.t.admin.token),
            Some(json!({"content": text, "message_type": "incoming"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

fn contents(messages: &Value) -> Vec<String> {
    messages["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn mute_resolves_and_blocks_and_unmute_unblocks() {
    let app = TestApp::spawn().await;
    let d = desk(&app, json!({"type": "api"})).await;
    let token = Some(d.member.token.as_str());
    let r = app
        .call(Method::POST, &format!("{}/mute", d.conv), token, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = app.call(Method::GET, &d.conv, token, None).await;
    assert_eq!(c.body["status"], "resolved");
    assert_eq!(c.body["muted"], true);
    assert_eq!(c.body["meta"]["sender"]["blocked"], true, "{}", c.text);
    let m = app
        .call(Method::GET, &format!("{}/messages", d.conv), token, None)
        .await;
    let texts = contents(&m.body);
    let who = "User agent";
    assert!(
        texts.contains(&format!("Conversation was marked resolved by {who}")),
        "{texts:?}"
    );
    assert!(
        texts.contains(&format!("{who} has muted the conversation")),
        "{texts:?}"
    );

    let r = app
        .call(Method::POST, &format!("{}/unmute", d.conv), token, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = app.call(Method::GET, &d.conv, token, None).await;
    assert_eq!(c.body["muted"], false);
    assert_eq!(c.body["status"], "resolved");

    // An agent outside the inbox may not.
    let r = app
        .call(
            Method::POST,
            &format!("{}/mute", d.conv),
            Some(&d.stranger.token),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn unread_brings_back_the_unread_count() {
    let app = TestApp::spawn().await;
    let d = desk(&app, json!({"type": "api"})).await;
    let token = Some(d.t.admin.token.as_str());
    incoming(&app, &d, "hello?").await;
    let seen = app
        .call(
            Method::POST,
            &format!("{}/update_last_seen", d.conv),
            token,
            None,
        )
        .await;
    assert_eq!(seen.body["unread_count"], 0, "{}", seen.text);
    let r = app
        .call(Method::POST, &format!("{}/unread", d.conv), token, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["unread_count"], 1, "{}", r.text);
    // Seen up to just before the contact's message.
    assert!(
        r.body["agent_last_seen_at"].as_i64().unwrap()
            < seen.body["agent_last_seen_at"].as_i64().unwrap()
    );
}

#[tokio::test]
async fn participants_are_added_replaced_and_removed() {
    let app = TestApp::spawn().await;
    let d = desk(&app, json!({"type": "api"})).await;
    let token = Some(d.t.admin.token.as_str());
    let path = format!("{}/participants", d.conv);
    let ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect()
    };
    let r = app.call(Method::GET, &path, token, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!([]));
    let r = app
        .call(
            Method::POST,
            &path,
            token,
            Some(json!({"user_ids": [d.member.id]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body), vec![d.member.id]);
    assert_eq!(r.body[0]["role"], "agent");
    // Adding again changes nothing; replacing keeps exactly the list.
    app.call(
        Method::POST,
        &path,
        token,
        Some(json!({"user_ids": [d.member.id]})),
    )
    .await;
    let r = app
        .call(
            Method::PATCH,
            &path,
            token,
            Some(json!({"user_ids": [d.t.admin.id]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.body), vec![d.t.admin.id]);
    // Someone who cannot work in the inbox cannot follow it.
    let r = app
        .call(
            Method::POST,
            &path,
            token,
            Some(json!({"user_ids": [d.stranger.id]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = app
        .call(
            Method::POST,
            &path,
            token,
            Some(json!({"user_ids": [999_999]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = app
        .call(Method::POST, &path, token, Some(json!({"user_ids": "x"})))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = app
        .call(
            Method::DELETE,
            &path,
            token,
            Some(json!({"user_ids": [d.t.admin.id]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.call(Method::GET, &path, token, None).await;
    assert_eq!(r.body, json!([]));

    // Another account's admin sees nothing of it.
    let p = app.platform_token().await;
    let other = app.account_with_admin(&p, "Other").await;
    let r = app
        .call(Method::GET, &path, Some(&other.admin.token), None)
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn a_draft_is_kept_per_conversation() {
    let app = TestApp::spawn().await;
    let d = desk(&app, json!({"type": "api"})).await;
    let path = format!("{}/draft_messages", d.conv);
    let member = Some(d.member.token.as_str());
    let r = app.call(Method::GET, &path, member, None).await;
    assert_eq!(r.body, json!({"has_draft": false}));
    let r = app
        .call(
            Method::PATCH,
            &path,
            member,
            Some(json!({"draft_message": {"message": "Dear Jo,"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The admin, who sees the conversation too, finds the same draft.
    let r = app
        .call(Method::GET, &path, Some(&d.t.admin.token), None)
        .await;
    assert_eq!(r.body, json!({"has_draft": true, "message": "Dear Jo,"}));
    let r = app
        .call(Method::GET, &path, Some(&d.stranger.token), None)
        .await;
    assert_eq!(r.status, 401);
    let r = app.call(Method::DELETE, &path, member, None).await;
    assert_eq!(r.status, 200);
    let r = app.call(Method::GET, &path, member, None).await;
    assert_eq!(r.body, json!({"has_draft": false}));
}

#[tokio::test]
async fn api_inboxes_with_a_reply_window_allow_replies_only_inside_it() {
    let app = TestApp::spawn().await;
    let d = desk(
        &app,
        json!({"type": "api", "additional_attributes": {"agent_reply_time_window": 24}}),
    )
    .await;
    let token = Some(d.t.admin.token.as_str());
    let c = app.call(Method::GET, &d.conv, token, None).await;
    assert_eq!(
        c.body["can_reply"], false,
        "no message from the contact yet"
    );
    incoming(&app, &d, "hi").await;
    let c = app.call(Method::GET, &d.conv, token, None).await;
    assert_eq!(c.body["can_reply"], true);
    let list = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/conversations", d.t.account_id),
            token,
            None,
        )
        .await;
    assert_eq!(list.body["data"]["payload"][0]["can_reply"], true);
    // Without a window, replies are always allowed.
    let plain = desk(&app, json!({"type": "api"})).await;
    let c = app
        .call(Method::GET, &plain.conv, Some(&plain.t.admin.token), None)
        .await;
    assert_eq!(c.body["can_reply"], true);
}
