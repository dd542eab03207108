//! The Client API, as a custom chat front end or a bot speaking for a contact uses it.

use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Tenant, TestApp};

async fn api_inbox(app: &TestApp, t: &Tenant, extra: Value) -> Value {
    let mut channel = json!({"type": "api"});
    if let (Value::Object(c), Value::Object(e)) = (&mut channel, extra) {
        c.extend(e);
    }
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/inboxes", t.account_id),
            Some(&t.admin.token),
            Some(json!({"name": "API", "channel": channel})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

#[tokio::test]
async fn a_contact_talks_through_the_client_api() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let inbox = api_inbox(&app, &t, json!({})).await;
    let ident = inbox["inbox_identifier"].as_str().unwrap();
    let base = format!("/public/api/v1/inboxes/{ident}");

    let i = app.call(Method::GET, &base, None, None).await;
    assert_eq!(i.status, 200, "{}", i.text);
    assert_eq!(i.body["identifier"], ident);
    assert_eq!(i.body["identity_validation_enabled"], false);
    assert_eq!(i.body["working_hours"].as_array().unwrap().len(), 7);

    let c = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            None,
            Some(json!({"name": "Jo", "email": "jo@example.com"})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    let source = c.body["source_id"].as_str().unwrap().to_string();
    assert_eq!(source.len(), 36);
    assert_eq!(c.body["pubsub_token"].as_str().unwrap().len(), 24);
    assert_eq!(c.body["email"], "jo@example.com");
    let again = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            None,
            Some(json!({"email": "JO@example.com"})),
        )
        .await;
    assert_eq!(
        again.body["id"], c.body["id"],
        "the account's contact with that email is reused"
    );
    assert_ne!(again.body["source_id"], c.body["source_id"]);
    let anon = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            None,
            Some(json!({})),
        )
        .await;
    assert!(
        !anon.body["name"].as_str().unwrap().is_empty(),
        "anonymous contacts get a name"
    );

    let contact = format!("{base}/contacts/{source}");
    assert_eq!(
        app.call(Method::GET, &contact, None, None).await.body["id"],
        c.body["id"]
    );
    let u = app
        .call(
            Method::PATCH,
            &contact,
            None,
            Some(
                json!({"name": "Jo Doe", "phone_number": "", "custom_attributes": {"plan": "pro"}}),
            ),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["name"], "Jo Doe");
    assert_eq!(u.body["custom_attributes"], json!({"plan": "pro"}));
    assert_eq!(u.body["contact_type"], "lead");
    assert!(u.body["created_at"].as_str().unwrap().ends_with('Z'));

    let conv = app
        .call(
            Method::POST,
            &format!("{contact}/conversations"),
            None,
            Some(json!({"custom_attributes": {"order": "A1"}})),
        )
        .await;
    assert_eq!(conv.status, 200, "{}", conv.text);
    assert_eq!(conv.body["status"], "open");
    assert_eq!(conv.body["contact_last_seen_at"], 0);
    let id = conv.body["id"].as_i64().unwrap();
    let messages = format!("{contact}/conversations/{id}/messages");
    let m = app
        .call(
            Method::POST,
            &messages,
            None,
            Some(json!({"content": "Hello, I need help"})),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    assert_eq!(m.body["message_type"], 0);
    assert_eq!(m.body["sender"]["type"], "contact");
    assert!(m.body.get("private").is_none());

    // The agents see it, reply, and leave a private note the contact must not see.
    let agent_path = format!(
        "/api/v1/accounts/{}/conversations/{id}/messages",
        t.account_id
    );
    app.call(
        Method::POST,
        &agent_path,
        Some(&t.admin.token),
        Some(json!({"content": "On it!"})),
    )
    .await;
    app.call(
        Method::POST,
        &agent_path,
        Some(&t.admin.token),
        Some(json!({"content": "secret note", "private": true})),
    )
    .await;
    let list = app.call(Method::GET, &messages, None, None).await;
    let texts: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["Hello, I need help", "On it!"]);
    let shown = app
        .call(
            Method::GET,
            &format!("{contact}/conversations/{id}"),
            None,
            None,
        )
        .await;
    assert_eq!(shown.body["messages"].as_array().unwrap().len(), 2);

    assert_eq!(
        app.call(
            Method::POST,
            &format!("{contact}/conversations/{id}/update_last_seen"),
            None,
            None
        )
        .await
        .status,
        200
    );
    let resolved = app
        .call(
            Method::POST,
            &format!("{contact}/conversations/{id}/toggle_status"),
            None,
            None,
        )
        .await;
    assert_eq!(resolved.body["status"], "resolved");
    let activity = app
        .call(Method::GET, &agent_path, Some(&t.admin.token), None)
        .await;
    let last = activity.body["payload"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["content"], "Conversation was resolved by Jo doe");
    let listed = app
        .call(Method::GET, &format!("{contact}/conversations"), None, None)
        .await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);

    // A new incoming message reopens it.
    app.call(
        Method::POST,
        &messages,
        None,
        Some(json!({"content": "one more thing"})),
    )
    .await;
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{contact}/conversations/{id}"),
            None,
            None
        )
        .await
        .body["status"],
        "open"
    );

    // Unknown identifiers are Rails' 404; another contact's conversation is out of reach.
    let missing = app
        .call(Method::GET, "/public/api/v1/inboxes/nope", None, None)
        .await;
    assert_eq!(missing.body, json!({"status": 404, "error": "Not Found"}));
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}/contacts/not-a-source"),
            None,
            None
        )
        .await
        .status,
        404
    );
    let other = anon.body["source_id"].as_str().unwrap();
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}/contacts/{other}/conversations/{id}"),
            None,
            None
        )
        .await
        .status,
        404
    );
    let long = app
        .call(
            Method::POST,
            &messages,
            None,
            Some(json!({"content": "x".repeat(150_001)})),
        )
        .await;
    assert_eq!(long.status, 422);
    // CORS is open for the Client API.
    let pre = app
        .request(Method::OPTIONS, &base)
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        pre.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("*")
    );
}

#[tokio::test]
async fn hmac_identity_when_the_inbox_demands_it() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let inbox = api_inbox(&app, &t, json!({"hmac_mandatory": true})).await;
    let key = inbox["hmac_token"].as_str().unwrap();
    let base = format!(
        "/public/api/v1/inboxes/{}",
        inbox["inbox_identifier"].as_str().unwrap()
    );
    let good = switchboard_testkit::hmac_sha256_hex(key, "user-42");

    let refused = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            None,
            Some(json!({"identifier": "user-42"})),
        )
        .await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.body,
        json!({"error": "HMAC failed: Invalid Identifier Hash Provided"})
    );
    let wrong = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            None,
            Some(json!({"identifier": "user-42", "identifier_hash": "00ff"})),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let ok = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            None,
            Some(json!({"identifier": "user-42", "identifier_hash": good, "name": "Ann"})),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let source = ok.body["source_id"].as_str().unwrap();
    let contact = format!("{base}/contacts/{source}");
    assert_eq!(
        app.call(Method::GET, &contact, None, None).await.status,
        401,
        "mandatory on reads too"
    );
    let shown = app
        .call(
            Method::GET,
            &format!("{contact}?identifier=user-42&identifier_hash={good}"),
            None,
            None,
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
}

#[tokio::test]
async fn a_contact_sees_who_answered_and_answers_interactive_messages() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let inbox = api_inbox(&app, &t, json!({})).await;
    let ident = inbox["inbox_identifier"].as_str().unwrap();
    let base = format!("/public/api/v1/inboxes/{ident}");
    let c = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            None,
            Some(json!({"name": "Jo"})),
        )
        .await;
    let source = c.body["source_id"].as_str().unwrap().to_string();
    let conv = app
        .call(
            Method::POST,
            &format!("{base}/contacts/{source}/conversations"),
            None,
            None,
        )
        .await;
    let id = conv.body["id"].as_i64().unwrap();
    let agent_path = format!(
        "/api/v1/accounts/{}/conversations/{id}/messages",
        t.account_id
    );
    let question = app
        .call(
            Method::POST,
            &agent_path,
            Some(&t.admin.token),
            Some(json!({
                "content": "Which plan?",
                "content_type": "input_select",
                "content_attributes": {"items": [{"title": "Basic", "value": "basic"}, {"title": "Pro", "value": "pro"}]},
            })),
        )
        .await;
    assert_eq!(question.status, 200, "{}", question.text);
    let note = app
        .call(
            Method::POST,
            &agent_path,
            Some(&t.admin.token),
            Some(json!({"content": "internal", "private": true})),
        )
        .await;

    let messages = format!("{base}/contacts/{source}/conversations/{id}/messages");
    let list = app.call(Method::GET, &messages, None, None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let shown = list.body.as_array().unwrap();
    assert_eq!(shown.len(), 1, "private notes stay hidden: {}", list.text);
    assert_eq!(shown[0]["sender"]["type"], "user");
    assert_eq!(shown[0]["sender"]["id"], t.admin.id);

    let answer = json!([{"title": "Pro", "value": "pro"}]);
    let r = app
        .call(
            Method::PATCH,
            &format!("{messages}/{}", question.body["id"]),
            None,
            Some(json!({"submitted_values": answer})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["content_attributes"]["submitted_values"], answer);
    assert_eq!(r.body["content_attributes"]["items"][1]["value"], "pro");
    // The agents see the answer too.
    let seen = app
        .call(Method::GET, &agent_path, Some(&t.admin.token), None)
        .await;
    let q = seen.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == question.body["id"])
        .unwrap()
        .clone();
    assert_eq!(q["content_attributes"]["submitted_values"], answer);

    // A private note, or a message of another conversation, cannot be touched.
    let r = app
        .call(
            Method::PATCH,
            &format!("{messages}/{}", note.body["id"]),
            None,
            Some(json!({"submitted_values": answer})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = app
        .call(
            Method::PATCH,
            &format!("{messages}/999999"),
            None,
            Some(json!({"submitted_values": answer})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}
