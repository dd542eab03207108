use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Tenant, TestApp};

async fn contact(app: &TestApp, t: &Tenant, body: Value) -> Value {
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/contacts", t.account_id),
            Some(&t.admin.token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["payload"]["contact"].clone()
}

#[tokio::test]
async fn create_show_update_delete() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let base = format!("/api/v1/accounts/{}/contacts", t.account_id);
    let inbox = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/inboxes", t.account_id),
            Some(&t.admin.token),
            Some(json!({"name": "API", "channel": {"type": "api"}})),
        )
        .await
        .body;

    let body = json!({"name": "Jo Doe", "email": "Jo@Acme.com", "phone_number": "+4915112345678", "identifier": "crm-77",
        "additional_attributes": {"city": "Berlin", "company_name": "Acme"}, "custom_attributes": {"plan": "pro"}, "inbox_id": inbox["id"]});
    let r = app
        .call(Method::POST, &base, Some(&agent.token), Some(body))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = &r.body["payload"]["contact"];
    assert_eq!(c["email"], "jo@acme.com");
    assert_eq!(c["availability_status"], "offline");
    assert_eq!(c["thumbnail"], "");
    assert!(c["created_at"].is_i64());
    assert!(c.get("last_activity_at").is_none());
    assert_eq!(c["contact_inboxes"][0]["inbox"]["id"], inbox["id"]);
    let source_id = r.body["payload"]["contact_inbox"]["source_id"]
        .as_str()
        .unwrap();
    assert_eq!(source_id.len(), 36, "a UUID, as for Chatwoot's API inboxes");
    assert_eq!(c["contact_inboxes"][0]["source_id"], source_id);
    assert_eq!(
        r.body["payload"]["contact_inbox"]["inbox"]["channel_type"],
        "Channel::Api"
    );
    let id = c["id"].as_i64().unwrap();

    let s = app
        .call(
            Method::GET,
            &format!("{base}/{id}"),
            Some(&agent.token),
            None,
        )
        .await;
    assert_eq!(s.body["payload"]["name"], "Jo Doe");
    let s = app
        .call(
            Method::GET,
            &format!("{base}/{id}?include_contact_inboxes=false"),
            Some(&agent.token),
            None,
        )
        .await;
    assert!(s.body["payload"].get("contact_inboxes").is_none());

    let u = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(&agent.token),
            Some(json!({"custom_attributes": {"tier": 2}, "phone_number": null})),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(
        u.body["payload"]["custom_attributes"],
        json!({"plan": "pro", "tier": 2}),
        "merged, not replaced"
    );
    assert_eq!(u.body["payload"]["phone_number"], Value::Null);
    assert_eq!(u.body["payload"]["additional_attributes"]["city"], "Berlin");
    let d = app
        .call(
            Method::POST,
            &format!("{base}/{id}/destroy_custom_attributes"),
            Some(&agent.token),
            Some(json!({"custom_attributes": ["plan"]})),
        )
        .await;
    assert_eq!(d.body["payload"]["custom_attributes"], json!({"tier": 2}));

    // Only administrators delete.
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("{base}/{id}"),
            Some(&agent.token),
            None
        )
        .await
        .status,
        401
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("{base}/{id}"),
            Some(&t.admin.token),
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}/{id}"),
            Some(&t.admin.token),
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn validation_and_uniqueness() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let base = format!("/api/v1/accounts/{}/contacts", t.account_id);
    contact(&app, &t, json!({"name": "A", "email": "a@x.com", "phone_number": "+14155550100", "identifier": "id-1"})).await;
    for (body, message) in [
        (json!({"email": "A@X.COM"}), "Email has already been taken"),
        (
            json!({"phone_number": "+14155550100"}),
            "Phone number has already been taken",
        ),
        (
            json!({"identifier": "id-1"}),
            "Identifier has already been taken",
        ),
        (json!({"email": "not an email"}), "Email Invalid email"),
        (
            json!({"phone_number": "4155550100"}),
            "Phone number should be in e164 format",
        ),
        (
            json!({"name": "x".repeat(256)}),
            "Name is too long (maximum is 255 characters)",
        ),
    ] {
        let r = app
            .call(
                Method::POST,
                &base,
                Some(&t.admin.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, 422, "{body}");
        assert_eq!(r.body["message"], message, "{body}");
    }
    // The same email is fine in another account.
    let other = app.account_with_admin(&p, "Other").await;
    contact(&app, &other, json!({"email": "a@x.com"})).await;
    // Empty identifiers do not clash.
    contact(
        &app,
        &t,
        json!({"name": "B", "email": "b@x.com", "identifier": ""}),
    )
    .await;
    contact(
        &app,
        &t,
        json!({"name": "C", "email": "c@x.com", "identifier": ""}),
    )
    .await;
    let bad_inbox = app
        .call(
            Method::POST,
            &base,
            Some(&t.admin.token),
            Some(json!({"email": "d@x.com", "inbox_id": 999999})),
        )
        .await;
    assert_eq!(bad_inbox.status, 404);
    let list = app
        .call(Method::GET, &base, Some(&t.admin.token), None)
        .await;
    assert_eq!(list.body["meta"]["count"], 3, "nothing half-written");
}

#[tokio::test]
async fn listing_searching_sorting_and_labels() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let base = format!("/api/v1/accounts/{}/contacts", t.account_id);
    let token = Some(t.admin.token.as_str());
    for i in 0..17 {
        contact(
            &app,
            &t,
            json!({"name": format!("Person {i:02}"), "email": format!("p{i:02}@example.com")}),
        )
        .await;
    }
    contact(&app, &t, json!({"name": "Zoe Quinn", "identifier": "crm-zoe", "additional_attributes": {"company_name": "Globex"}})).await;
    contact(&app, &t, json!({"name": "Anonymous visitor"})).await;

    let first = app.call(Method::GET, &base, token, None).await;
    assert_eq!(
        first.body["meta"],
        json!({"count": 18, "current_page": 1}),
        "visitors without email, phone or identifier are not listed"
    );
    assert_eq!(first.body["payload"].as_array().unwrap().len(), 15);
    let second = app
        .call(Method::GET, &format!("{base}?page=2"), token, None)
        .await;
    assert_eq!(second.body["meta"]["current_page"], "2");
    assert_eq!(second.body["payload"].as_array().unwrap().len(), 3);

    let sorted = app
        .call(Method::GET, &format!("{base}?sort=-name"), token, None)
        .await;
    assert_eq!(sorted.body["payload"][0]["name"], "Zoe Quinn");
    let by_email = app
        .call(Method::GET, &format!("{base}?sort=email"), token, None)
        .await;
    assert_eq!(by_email.body["payload"][0]["email"], "p00@example.com");
    assert_eq!(
        app.call(Method::GET, &format!("{base}?sort=password"), token, None)
            .await
            .status,
        200,
        "unknown keys are ignored"
    );

    for (q, expected) in [
        ("zoe", 1),
        ("GLOBEX", 1),
        ("crm-zoe", 1),
        ("p1", 7),
        ("@example", 17),
        ("%", 0),
        ("nobody", 0),
    ] {
        let r = app
            .call(
                Method::GET,
                &format!("{base}/search?q={}", urlencode(q)),
                token,
                None,
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["meta"]["count"], expected, "q={q}");
    }
    let blank = app
        .call(Method::GET, &format!("{base}/search?q=%20"), token, None)
        .await;
    assert_eq!(blank.status, 422);

    let zoe = app
        .call(Method::GET, &format!("{base}/search?q=zoe"), token, None)
        .await
        .body["payload"][0]["id"]
        .as_i64()
        .unwrap();
    let set = app
        .call(
            Method::POST,
            &format!("{base}/{zoe}/labels"),
            token,
            Some(json!({"labels": ["VIP", "vip", " billing "]})),
        )
        .await;
    assert_eq!(set.body, json!({"payload": ["VIP", "billing"]}));
    assert_eq!(
        app.call(Method::GET, &format!("{base}/{zoe}/labels"), token, None)
            .await
            .body,
        json!({"payload": ["VIP", "billing"]})
    );
    let tagged = app
        .call(Method::GET, &format!("{base}?labels[]=vip"), token, None)
        .await;
    assert_eq!(tagged.body["meta"]["count"], 1);
    assert_eq!(tagged.body["payload"][0]["id"], zoe);
    let cleared = app
        .call(
            Method::POST,
            &format!("{base}/{zoe}/labels"),
            token,
            Some(json!({})),
        )
        .await;
    assert_eq!(cleared.body, json!({"payload": []}));
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn notes_merge_and_contact_inboxes() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let base = format!("/api/v1/accounts/{}/contacts", t.account_id);
    let a = contact(
        &app,
        &t,
        json!({"name": "", "email": "a@x.com", "custom_attributes": {"k": "base"}}),
    )
    .await;
    let b = contact(&app, &t, json!({"name": "Bea", "phone_number": "+14155550100", "custom_attributes": {"k": "mergee", "j": 1}})).await;
    let (a_id, b_id) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());

    let notes = format!("{base}/{b_id}/notes");
    let n = app
        .call(
            Method::POST,
            &notes,
            Some(&agent.token),
            Some(json!({"note": {"content": "Called, wants a refund"}})),
        )
        .await;
    assert_eq!(n.status, 200, "{}", n.text);
    assert_eq!(n.body["user"]["id"], agent.id);
    assert!(n.body["created_at"].is_i64());
    let nid = n.body["id"].as_i64().unwrap();
    assert_eq!(
        app.call(
            Method::POST,
            &notes,
            Some(&agent.token),
            Some(json!({"content": " "}))
        )
        .await
        .status,
        422
    );
    let u = app
        .call(
            Method::PATCH,
            &format!("{notes}/{nid}"),
            Some(&agent.token),
            Some(json!({"content": "Refunded"})),
        )
        .await;
    assert_eq!(u.body["content"], "Refunded");

    let inbox = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/inboxes", t.account_id),
            Some(&t.admin.token),
            Some(json!({"name": "API", "channel": {"type": "api"}})),
        )
        .await
        .body;
    let ci = app
        .call(
            Method::POST,
            &format!("{base}/{b_id}/contact_inboxes"),
            Some(&t.admin.token),
            Some(json!({"inbox_id": inbox["id"], "source_id": "ext-1"})),
        )
        .await;
    assert_eq!(ci.status, 200, "{}", ci.text);
    assert_eq!(ci.body["source_id"], "ext-1");
    assert_eq!(ci.body["inbox"]["id"], inbox["id"]);
    let not_member = app
        .call(
            Method::POST,
            &format!("{base}/{a_id}/contact_inboxes"),
            Some(&agent.token),
            Some(json!({"inbox_id": inbox["id"]})),
        )
        .await;
    assert_eq!(
        not_member.status, 401,
        "agents attach only inboxes they belong to"
    );
    let taken = app
        .call(
            Method::POST,
            &format!("{base}/{a_id}/contact_inboxes"),
            Some(&t.admin.token),
            Some(json!({"inbox_id": inbox["id"], "source_id": "ext-1"})),
        )
        .await;
    assert_eq!(taken.status, 422);

    let merge = format!("/api/v1/accounts/{}/actions/contact_merge", t.account_id);
    let m = app
        .call(
            Method::POST,
            &merge,
            Some(&agent.token),
            Some(json!({"base_contact_id": a_id, "mergee_contact_id": b_id})),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    assert_eq!(m.body["id"], a_id);
    assert_eq!(
        m.body["name"], "Bea",
        "a blank base value takes the mergee's"
    );
    assert_eq!(m.body["email"], "a@x.com");
    assert_eq!(m.body["phone_number"], "+14155550100");
    assert_eq!(m.body["custom_attributes"], json!({"k": "base", "j": 1}));
    assert!(m.body.get("contact_inboxes").is_none());
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}/{b_id}"),
            Some(&agent.token),
            None
        )
        .await
        .status,
        404
    );
    let moved = app
        .call(
            Method::GET,
            &format!("{base}/{a_id}/notes"),
            Some(&agent.token),
            None,
        )
        .await;
    assert_eq!(moved.body[0]["id"], nid);
    let shown = app
        .call(
            Method::GET,
            &format!("{base}/{a_id}"),
            Some(&agent.token),
            None,
        )
        .await;
    assert_eq!(
        shown.body["payload"]["contact_inboxes"][0]["source_id"],
        "ext-1"
    );

    // Another account's contacts are out of reach everywhere.
    let other = app.account_with_admin(&p, "Other").await;
    let theirs = format!("/api/v1/accounts/{}/contacts/{a_id}", other.account_id);
    assert_eq!(
        app.call(Method::GET, &theirs, Some(&other.admin.token), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{theirs}/notes"),
            Some(&other.admin.token),
            None
        )
        .await
        .status,
        404
    );
    let cross_merge = app
        .call(
            Method::POST,
            &format!(
                "/api/v1/accounts/{}/actions/contact_merge",
                other.account_id
            ),
            Some(&other.admin.token),
            Some(json!({"base_contact_id": a_id, "mergee_contact_id": a_id})),
        )
        .await;
    assert_eq!(cross_merge.status, 404);
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}/{a_id}"),
            Some(&other.admin.token),
            None
        )
        .await
        .status,
        401
    );

    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("{base}/{a_id}/notes/{nid}"),
            Some(&agent.token),
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}/{a_id}/notes"),
            Some(&agent.token),
            None
        )
        .await
        .body,
        json!([])
    );
}
