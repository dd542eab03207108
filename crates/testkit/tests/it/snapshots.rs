//! Every view's JSON, driven through the API and snapshotted with insta, so a change of
//! shape is a visible diff. Ids, tokens, UUIDs, times, e-mails and the server's address
//! are redacted (null stays null, so a field that becomes set still shows), which also
//! makes the snapshots identical on SQLite and PostgreSQL. Keys come out sorted (serde_json
//! maps), so the snapshots pin names, types and values, not Chatwoot's key order.

use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Reply, TestApp};

/// Keys whose values differ between runs or databases.
const IDS: &[&str] = &[
    "id",
    "account_id",
    "inbox_id",
    "channel_id",
    "contact_id",
    "conversation_id",
    "user_id",
    "sender_id",
    "assignee_id",
    "team_id",
    "contact_inbox_id",
    "custom_role_id",
];
const TIMES: &[&str] = &[
    "created_at",
    "updated_at",
    "last_activity_at",
    "timestamp",
    "agent_last_seen_at",
    "contact_last_seen_at",
    "assignee_last_seen_at",
    "waiting_since",
    "first_reply_created_at",
    "snoozed_until",
    "last_seen_at",
];
const SECRETS: &[&str] = &[
    "access_token",
    "pubsub_token",
    "website_token",
    "hmac_token",
    "inbox_identifier",
    "identifier",
    "source_id",
    "uuid",
    "email",
    "uid",
    "web_widget_script",
];

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    for (keys, mark) in [(IDS, "[id]"), (TIMES, "[time]"), (SECRETS, "[redacted]")] {
        for key in keys {
            s.add_dynamic_redaction(&format!(".**.{key}"), move |v, _| {
                if v.is_nil() { v } else { mark.into() }
            });
        }
    }
    s
}

/// The reply's JSON with the server's address (in URLs) taken out.
fn reply(app: &TestApp, r: Reply) -> Value {
    assert!(r.status.is_success(), "{}", r.text);
    let host = app.addr.to_string();
    serde_json::from_str(&r.text.replace(&host, "[host]")).unwrap()
}

macro_rules! snap {
    ($name:literal, $value:expr) => {{
        let value: Value = $value;
        settings().bind(|| insta::assert_json_snapshot!($name, value))
    }};
}

#[tokio::test]
async fn every_view() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let admin = Some(t.admin.token.as_str());
    let acc = format!("/api/v1/accounts/{}", t.account_id);
    let call = |method: Method, path: String, body: Option<Value>| {
        let app = &app;
        async move { reply(app, app.call(method, &path, admin, body).await) }
    };

    snap!(
        "profile",
        call(Method::GET, "/api/v1/profile".into(), None).await
    );
    snap!("account", call(Method::GET, acc.clone(), None).await);
    snap!(
        "agents",
        call(Method::GET, format!("{acc}/agents"), None).await
    );
    snap!(
        "team",
        call(
            Method::POST,
            format!("{acc}/teams"),
            Some(json!({"name": "Support", "description": "First line"}))
        )
        .await
    );
    snap!(
        "label",
        call(
            Method::POST,
            format!("{acc}/labels"),
            Some(json!({"title": "vip", "color": "#ff0000", "show_on_sidebar": true}))
        )
        .await
    );
    snap!(
        "canned_response",
        call(
            Method::POST,
            format!("{acc}/canned_responses"),
            Some(json!({"short_code": "hi", "content": "Hello!"}))
        )
        .await
    );
    snap!(
        "custom_attribute_definition",
        call(
            Method::POST,
            format!("{acc}/custom_attribute_definitions"),
            Some(
                json!({"attribute_display_name": "Plan", "attribute_key": "plan",
                "attribute_display_type": "list", "attribute_model": "contact_attribute",
                "attribute_values": ["free", "pro"]})
            )
        )
        .await
    );
    let api_inbox = call(
        Method::POST,
        format!("{acc}/inboxes"),
        Some(json!({"name": "API", "channel": {"type": "api", "webhook_url": "https://hooks.example/in"}})),
    )
    .await;
    snap!("inbox_api", api_inbox.clone());
    // No deliveries from here on: a delivery to that (unreachable) URL marks its message
    // failed, at a moment of its own, which would make the message views below race it.
    call(
        Method::PATCH,
        format!("{acc}/inboxes/{}", api_inbox["id"]),
        Some(json!({"channel": {"webhook_url": ""}})),
    )
    .await;
    snap!(
        "inbox_website",
        call(
            Method::POST,
            format!("{acc}/inboxes"),
            Some(json!({"name": "Web", "channel": {"type": "web_widget", "website_url": "https://a.example",
                "welcome_title": "Hi", "widget_color": "#009ce0"}}))
        )
        .await
    );

    let created = call(
        Method::POST,
        format!("{acc}/contacts"),
        Some(json!({"name": "Jo Doe", "email": "jo@acme.com", "phone_number": "+4915112345678",
            "identifier": "crm-77", "additional_attributes": {"city": "Berlin", "company_name": "Acme"},
            "custom_attributes": {"plan": "pro"}, "inbox_id": api_inbox["id"]})),
    )
    .await;
    let contact = created["payload"]["contact"]["id"].clone();
    snap!(
        "contact_show",
        call(Method::GET, format!("{acc}/contacts/{contact}"), None).await
    );
    snap!(
        "contact_list",
        call(Method::GET, format!("{acc}/contacts"), None).await
    );

    let conv = call(
        Method::POST,
        format!("{acc}/conversations"),
        Some(json!({"contact_id": contact, "inbox_id": api_inbox["id"], "assignee_id": agent.id})),
    )
    .await;
    let display = conv["id"].clone();
    snap!(
        "message",
        call(
            Method::POST,
            format!("{acc}/conversations/{display}/messages"),
            Some(json!({"content": "Hello from support", "message_type": "outgoing"}))
        )
        .await
    );
    snap!(
        "conversation_show",
        call(Method::GET, format!("{acc}/conversations/{display}"), None).await
    );
    snap!(
        "conversation_list",
        call(Method::GET, format!("{acc}/conversations?status=all"), None).await
    );

    // The Client API, as a custom chat front end uses it.
    let public = format!(
        "/public/api/v1/inboxes/{}",
        api_inbox["inbox_identifier"].as_str().unwrap()
    );
    let open = |method: Method, path: String, payload: Option<Value>| {
        let app = &app;
        async move { reply(app, app.call(method, &path, None, payload).await) }
    };
    let client_contact = open(
        Method::POST,
        format!("{public}/contacts"),
        Some(json!({"name": "Al", "email": "al@example.com"})),
    )
    .await;
    let source = client_contact["source_id"].as_str().unwrap().to_string();
    snap!("client_contact", client_contact);
    let client_conv = open(
        Method::POST,
        format!("{public}/contacts/{source}/conversations"),
        None,
    )
    .await;
    let cid = client_conv["id"].clone();
    snap!("client_conversation", client_conv);
    snap!(
        "client_message",
        open(
            Method::POST,
            format!("{public}/contacts/{source}/conversations/{cid}/messages"),
            Some(json!({"content": "Hi there"}))
        )
        .await
    );
}
