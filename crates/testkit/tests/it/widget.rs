//! The website widget's API, as the widget in a visitor's browser calls it.

use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Reply, Tenant, TestApp};

struct Site {
    t: Tenant,
    /// The platform app that made the account.
    platform: String,
    token: String,
    hmac: String,
}

async fn site(app: &TestApp, extra: Value) -> Site {
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let mut channel = json!({"type": "web_widget", "website_url": "https://shop.example"});
    if let (Value::Object(c), Value::Object(e)) = (&mut channel, extra) {
        c.extend(e);
    }
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/inboxes", t.account_id),
            Some(&t.admin.token),
            Some(json!({"name": "Shop", "channel": channel})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    Site {
        platform: p,
        token: r.body["website_token"].as_str().unwrap().to_string(),
        hmac: r.body["hmac_token"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        t,
    }
}

async fn widget(
    app: &TestApp,
    s: &Site,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut req = app.request(
        method,
        &format!("/api/v1/widget{path}{sep}website_token={}", s.token),
    );
    if let Some(a) = auth {
        req = req.header("X-Auth-Token", a);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    Reply::from(req.send().await.unwrap()).await
}

#[tokio::test]
async fn a_visitor_chats_through_the_widget() {
    let app = TestApp::spawn().await;
    let s = site(&app, json!({})).await;

    // First visit: a new contact and a token.
    let c = widget(&app, &s, Method::POST, "/config", None, None).await;
    assert_eq!(c.status, 200, "{}", c.text);
    let token = c.body["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert_eq!(c.body["website_channel_config"]["website_token"], s.token);
    assert_eq!(
        c.body["contact"]["pubsub_token"].as_str().unwrap().len(),
        24
    );
    let contact_id = c.body["contact"]["id"].clone();
    // The same token names the same visitor.
    let again = widget(&app, &s, Method::POST, "/config", Some(&token), None).await;
    assert_eq!(again.body["contact"]["id"], contact_id);

    let none = widget(&app, &s, Method::GET, "/conversations", Some(&token), None).await;
    assert_eq!(none.status, 200);
    assert_eq!(none.body, json!({}));

    // A message opens the conversation.
    let m = widget(
        &app,
        &s,
        Method::POST,
        "/messages",
        Some(&token),
        Some(json!({"message": {"content": "<script>alert(1)</script> hello", "echo_id": "e1", "timestamp": "now"}})),
    )
    .await;
    assert_eq!(m.status, 200, "{}", m.text);
    assert_eq!(m.body["message_type"], 0);
    assert_eq!(m.body["echo_id"], "e1");
    assert_eq!(m.body["sender"]["type"], "contact");
    let conv = widget(&app, &s, Method::GET, "/conversations", Some(&token), None).await;
    let display = conv.body["id"].as_i64().unwrap();
    assert_eq!(conv.body["status"], "open");

    // The agent sees it, stored as text, and answers; a private note stays hidden.
    let base = format!(
        "/api/v1/accounts/{}/conversations/{display}/messages",
        s.t.account_id
    );
    let seen = app
        .call(Method::GET, &base, Some(&s.t.admin.token), None)
        .await;
    assert_eq!(
        seen.body["payload"][0]["content"],
        "<script>alert(1)</script> hello"
    );
    app.call(
        Method::POST,
        &base,
        Some(&s.t.admin.token),
        Some(json!({"content": "Hi there"})),
    )
    .await;
    app.call(
        Method::POST,
        &base,
        Some(&s.t.admin.token),
        Some(json!({"content": "secret", "private": true})),
    )
    .await;
    let list = widget(&app, &s, Method::GET, "/messages", Some(&token), None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let payload = list.body["payload"].as_array().unwrap();
    assert_eq!(payload.len(), 2, "{}", list.text);
    assert_eq!(payload[1]["content"], "Hi there");
    assert_eq!(payload[1]["sender"]["type"], "user");
    assert!(list.body["meta"].get("contact_last_seen_at").is_some());

    let r = widget(
        &app,
        &s,
        Method::POST,
        "/conversations/update_last_seen",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    let r = widget(
        &app,
        &s,
        Method::POST,
        "/conversations/toggle_typing",
        Some(&token),
        Some(json!({"typing_status": "on"})),
    )
    .await;
    assert_eq!(r.status, 200);
    // Ending the chat is a feature of the widget (on by default, bit 4 of 7).
    let r = widget(
        &app,
        &s,
        Method::GET,
        "/conversations/toggle_status",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let conv = widget(&app, &s, Method::GET, "/conversations", Some(&token), None).await;
    assert_eq!(conv.body["status"], "resolved");

    let members = widget(&app, &s, Method::GET, "/inbox_members", Some(&token), None).await;
    assert_eq!(members.status, 200);
    assert!(members.body["payload"].is_array());
    let campaigns = widget(&app, &s, Method::GET, "/campaigns", Some(&token), None).await;
    assert_eq!(campaigns.body, json!([]));
}

#[tokio::test]
async fn tokens_never_name_someone_else() {
    let app = TestApp::spawn().await;
    let s = site(&app, json!({})).await;
    let other = site(&app, json!({})).await;
    let a = widget(&app, &s, Method::POST, "/config", None, None).await;
    let token = a.body["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    // A forged signature, garbage, or another site's token: a new visitor at config,
    // 404 elsewhere.
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [forged.as_str(), "garbage", "a.b.c"] {
        let r = widget(&app, &s, Method::POST, "/config", Some(bad), None).await;
        assert_eq!(r.status, 200);
        assert_ne!(r.body["contact"]["id"], a.body["contact"]["id"], "{bad}");
        let r = widget(&app, &s, Method::GET, "/contact", Some(bad), None).await;
        assert_eq!(r.status, 404, "{bad}: {}", r.text);
    }
    let r = widget(&app, &other, Method::GET, "/messages", Some(&token), None).await;
    assert_eq!(r.status, 404, "{}", r.text);
    // Unknown website token.
    let r = app
        .call(
            Method::POST,
            "/api/v1/widget/config?website_token=nope",
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    // A suspended account: 401.
    app.call(
        Method::PATCH,
        &format!("/platform/api/v1/accounts/{}", s.t.account_id),
        Some(&s.platform),
        Some(json!({"status": "suspended"})),
    )
    .await;
    let r = widget(&app, &s, Method::POST, "/config", None, None).await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn set_user_with_identity_validation() {
    let app = TestApp::spawn().await;
    let s = site(&app, json!({"hmac_mandatory": true})).await;
    let c = widget(&app, &s, Method::POST, "/config", None, None).await;
    let token = c.body["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    let set = |body: Value| {
        widget(
            &app,
            &s,
            Method::PATCH,
            "/contact/set_user",
            Some(&token),
            Some(body),
        )
    };

    // Wrong or missing hash when the widget demands one: 401.
    let r =
        set(json!({"identifier": "user-42", "identifier_hash": "00", "email": "jo@example.com"}))
            .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(
        r.body["error"],
        "HMAC failed: Invalid Identifier Hash Provided"
    );
    let r = set(json!({"identifier": "user-42", "email": "jo@example.com"})).await;
    assert_eq!(r.status, 401);

    let hash = switchboard_testkit::hmac_sha256_hex(&s.hmac, "user-42");
    let r = set(json!({"identifier": "user-42", "identifier_hash": hash, "email": "jo@example.com", "name": "Jo", "phone_number": "not a phone"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["has_email"], true);
    assert_eq!(r.body["has_name"], true);
    assert_eq!(
        r.body["has_phone_number"], false,
        "an invalid phone is left out"
    );
    assert!(r.body.get("widget_auth_token").is_none());
    let me = widget(&app, &s, Method::GET, "/contact", Some(&token), None).await;
    assert_eq!(me.body["identifier"], "user-42");

    // Another identifier on the same browser: a new contact and a new token.
    let hash = switchboard_testkit::hmac_sha256_hex(&s.hmac, "user-43");
    let r = set(json!({"identifier": "user-43", "identifier_hash": hash, "name": "Al"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fresh = r.body["widget_auth_token"].as_str().unwrap().to_string();
    assert_ne!(r.body["id"], me.body["id"]);
    let me2 = widget(&app, &s, Method::GET, "/contact", Some(&fresh), None).await;
    assert_eq!(me2.body["identifier"], "user-43");
    // The agent sees both contacts with their identifiers.
    let found = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/accounts/{}/contacts/search?q=user-4",
                s.t.account_id
            ),
            Some(&s.t.admin.token),
            None,
        )
        .await;
    assert_eq!(found.body["meta"]["count"], 2, "{}", found.text);
}

#[tokio::test]
async fn the_pre_chat_form_opens_a_conversation() {
    let app = TestApp::spawn().await;
    let s = site(&app, json!({})).await;
    let c = widget(&app, &s, Method::POST, "/config", None, None).await;
    let token = c.body["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = widget(
        &app,
        &s,
        Method::POST,
        "/conversations",
        Some(&token),
        Some(json!({
            "contact": {"name": "Ana", "email": "ana@example.com"},
            "message": {"content": "Olá", "referer_url": "https://shop.example/cart", "timestamp": "Sun Nov 22 2026"},
            "custom_attributes": {"plan": "pro"},
        })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["messages"][0]["content"], "Olá");
    assert_eq!(r.body["custom_attributes"]["plan"], "pro");
    assert_eq!(r.body["contact"]["email"], "ana@example.com");
    let display = r.body["id"].as_i64().unwrap();
    let conv = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/accounts/{}/conversations/{display}",
                s.t.account_id
            ),
            Some(&s.t.admin.token),
            None,
        )
        .await;
    assert_eq!(
        conv.body["additional_attributes"]["referer"],
        "https://shop.example/cart"
    );

    // The visitor asks for the transcript: it goes to the address they gave, whatever
    // the request says.
    let r = widget(
        &app,
        &s,
        Method::POST,
        "/conversations/transcript",
        Some(&token),
        Some(json!({"email": "someone-else@example.com"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let dir = app.storage.data_dir().join("mail");
    let mut found = String::new();
    for _ in 0..200 {
        if let Some(e) = std::fs::read_dir(&dir).ok().and_then(|mut d| d.next()) {
            found = std::fs::read_to_string(e.unwrap().path()).unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(found.contains("To: ana@example.com"), "{found}");
    assert!(found.contains("Conversation Transcript"), "{found}");
    assert!(!found.contains("someone-else"));
}

#[tokio::test]
async fn a_known_identifier_makes_the_visitor_that_contact() {
    let app = TestApp::spawn().await;
    let s = site(&app, json!({})).await;
    let known = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/contacts", s.t.account_id),
            Some(&s.t.admin.token),
            Some(json!({"name": "Known Customer", "identifier": "crm-7"})),
        )
        .await;
    let known_id = known.body["payload"]["contact"]["id"].clone();
    let c = widget(&app, &s, Method::POST, "/config", None, None).await;
    let token = c.body["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    let visitor_id = c.body["contact"]["id"].clone();
    widget(
        &app,
        &s,
        Method::POST,
        "/messages",
        Some(&token),
        Some(json!({"message": {"content": "before login"}})),
    )
    .await;
    let r = widget(
        &app,
        &s,
        Method::PATCH,
        "/contact/set_user",
        Some(&token),
        Some(json!({"identifier": "crm-7"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], known_id);
    // The same token now names the known contact, with the earlier conversation.
    let me = widget(&app, &s, Method::GET, "/contact", Some(&token), None).await;
    assert_eq!(me.body["id"], known_id);
    let list = widget(&app, &s, Method::GET, "/messages", Some(&token), None).await;
    assert_eq!(list.body["payload"][0]["content"], "before login");
    let gone = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/contacts/{visitor_id}", s.t.account_id),
            Some(&s.t.admin.token),
            None,
        )
        .await;
    assert_eq!(gone.status, 404, "the anonymous contact was merged away");
}

#[tokio::test]
async fn set_label_takes_only_the_accounts_labels() {
    let app = TestApp::spawn().await;
    let s = site(&app, json!({})).await;
    app.call(
        Method::POST,
        &format!("/api/v1/accounts/{}/labels", s.t.account_id),
        Some(&s.t.admin.token),
        Some(json!({"title": "vip"})),
    )
    .await;
    let c = widget(&app, &s, Method::POST, "/config", None, None).await;
    let token = c.body["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    widget(
        &app,
        &s,
        Method::POST,
        "/messages",
        Some(&token),
        Some(json!({"message": {"content": "hi"}})),
    )
    .await;
    for label in ["vip", "made-up"] {
        let r = widget(
            &app,
            &s,
            Method::POST,
            "/labels",
            Some(&token),
            Some(json!({"label": label})),
        )
        .await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
    let display = widget(&app, &s, Method::GET, "/conversations", Some(&token), None)
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let labels = format!(
        "/api/v1/accounts/{}/conversations/{display}/labels",
        s.t.account_id
    );
    let r = app
        .call(Method::GET, &labels, Some(&s.t.admin.token), None)
        .await;
    assert_eq!(r.body["payload"], json!(["vip"]));
    let r = widget(&app, &s, Method::DELETE, "/labels/vip", Some(&token), None).await;
    assert_eq!(r.status, 204);
    let r = app
        .call(Method::GET, &labels, Some(&s.t.admin.token), None)
        .await;
    assert_eq!(r.body["payload"], json!([]));
}

#[tokio::test]
async fn custom_attributes_come_and_go() {
    let app = TestApp::spawn().await;
    let s = site(&app, json!({})).await;
    let c = widget(&app, &s, Method::POST, "/config", None, None).await;
    let token = c.body["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = widget(
        &app,
        &s,
        Method::PATCH,
        "/contact",
        Some(&token),
        Some(json!({"custom_attributes": {"plan": "pro", "seats": 5}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = widget(
        &app,
        &s,
        Method::POST,
        "/contact/destroy_custom_attributes",
        Some(&token),
        Some(json!({"custom_attributes": ["plan"]})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["custom_attributes"], json!({"seats": 5}));
    // Malformed: a 4xx with a JSON body, nothing changed.
    let r = widget(
        &app,
        &s,
        Method::POST,
        "/contact/destroy_custom_attributes",
        Some(&token),
        Some(json!({"custom_attributes": "seats"})),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let shown = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/accounts/{}/contacts/{}",
                s.t.account_id, c.body["contact"]["id"]
            ),
            Some(&s.t.admin.token),
            None,
        )
        .await;
    assert_eq!(
        shown.body["payload"]["custom_attributes"],
        json!({"seats": 5})
    );
}

/// The bootstrap the `/widget` page carries for its app.
fn boot(html: &str) -> Value {
    let start = html.find("id=\"cw-boot\">").expect("bootstrap") + "id=\"cw-boot\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[tokio::test]
async fn the_widget_page_names_its_visitor_and_limits_its_framers() {
    let app = TestApp::spawn().await;
    let s = site(
        &app,
        json!({"welcome_title": "</script><script>alert(1)</script>"}),
    )
    .await;
    let page = |q: String| {
        let app = &app;
        async move {
            Reply::from(
                app.request(Method::GET, &format!("/widget?{q}"))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let first = page(format!("website_token={}", s.token)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(
        first
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let csp = first.header("content-security-policy").unwrap().to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("frame-ancestors"),
        "{csp}"
    );
    // The title cannot close the bootstrap's script element; it arrives intact.
    assert_eq!(first.text.matches("</script>").count(), 2, "{}", first.text);
    let b = boot(&first.text);
    assert_eq!(
        b["website_channel_config"]["welcome_title"],
        "</script><script>alert(1)</script>"
    );
    assert_eq!(b["account_id"], s.t.account_id);
    let token = b["website_channel_config"]["auth_token"].as_str().unwrap();
    let contact = &b["contact"];
    assert_eq!(contact["pubsub_token"].as_str().unwrap().len(), 24);

    // The visitor's token names the same visitor; a forged one a new visitor.
    let again = boot(
        &page(format!("website_token={}&cw_conversation={token}", s.token))
            .await
            .text,
    );
    assert_eq!(again["contact"]["id"], contact["id"]);
    let forged = format!("{}x", &token[..token.len() - 1]);
    let other = boot(
        &page(format!(
            "website_token={}&cw_conversation={forged}",
            s.token
        ))
        .await
        .text,
    );
    assert_ne!(other["contact"]["id"], contact["id"]);
    assert_ne!(other["contact"]["pubsub_token"], contact["pubsub_token"]);

    // A token of another site is a new visitor there, never this one.
    let elsewhere = site(&app, json!({})).await;
    let there = boot(
        &page(format!(
            "website_token={}&cw_conversation={token}",
            elsewhere.token
        ))
        .await
        .text,
    );
    assert_ne!(there["contact"]["id"], contact["id"]);

    // allowed_domains (set through the Application API) becomes frame-ancestors.
    let r = app
        .call(
            Method::PATCH,
            &format!(
                "/api/v1/accounts/{}/inboxes/{}",
                s.t.account_id,
                inbox_id(&app, &s).await
            ),
            Some(&s.t.admin.token),
            Some(json!({"channel": {"allowed_domains": "https://shop.example, *.acme.example"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let limited = page(format!("website_token={}", s.token)).await;
    assert!(
        limited
            .header("content-security-policy")
            .unwrap()
            .ends_with("; frame-ancestors https://shop.example *.acme.example")
    );

    // Unknown token: 404; suspended account: 401, with Chatwoot's bodies.
    let unknown = page("website_token=nope".into()).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body, json!({"error": "web widget does not exist"}));
    let none = page(String::new()).await;
    assert_eq!(none.status, 404);
    app.call(
        Method::PATCH,
        &format!("/platform/api/v1/accounts/{}", s.t.account_id),
        Some(&s.platform),
        Some(json!({"status": "suspended"})),
    )
    .await;
    let suspended = page(format!("website_token={}", s.token)).await;
    assert_eq!(suspended.status, 401);
    assert_eq!(suspended.body, json!({"error": "Account is suspended"}));
}

async fn inbox_id(app: &TestApp, s: &Site) -> i64 {
    let r = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/inboxes", s.t.account_id),
            Some(&s.t.admin.token),
            None,
        )
        .await;
    r.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["website_token"] == s.token.as_str())
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}
