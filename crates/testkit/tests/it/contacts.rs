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
    // The mergee has a conversation with a message of its own.
    let conv = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/conversations", t.account_id),
            Some(&t.admin.token),
            Some(json!({"source_id": "ext-1", "message": {"content": "from bea"}})),
        )
        .await;
    assert_eq!(conv.status, 200, "{}", conv.text);

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
    // Conversations move to the base contact instead of going with the mergee.
    let convs = app
        .call(
            Method::GET,
            &format!("{base}/{a_id}/conversations"),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(
        convs.body["payload"][0]["id"], conv.body["id"],
        "{}",
        convs.text
    );
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

/// A multipart upload as the dashboard sends it (`FormData` with one file).
async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    field: &str,
    bytes: &[u8],
) -> switchboard_testkit::Reply {
    let boundary = "----switchboard-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"contacts.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = app
        .request(Method::POST, path)
        .header("api_access_token", token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    switchboard_testkit::Reply::from(r).await
}

/// (status, total_records, processed_records, processing_errors) of an account's imports.
async fn imports(
    app: &TestApp,
    account: i64,
) -> Vec<(i32, Option<i32>, Option<i32>, Option<String>)> {
    let db = app.db().await;
    let mut conn = db.conn().await.unwrap();
    switchboard_store::fetch!(
        all,
        conn.ex(),
        "SELECT status, total_records, processed_records, processing_errors FROM data_imports \
         WHERE account_id = $1 AND data_type = 'contacts' ORDER BY id",
        account
    )
    .unwrap()
}

async fn find_contact(app: &TestApp, t: &Tenant, q: &str) -> Value {
    let r = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/contacts/search?q={q}", t.account_id),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["meta"]["count"], 1, "{q}: {}", r.text);
    r.body["payload"][0].clone()
}

#[tokio::test]
async fn csv_import_creates_updates_and_skips_invalid_rows() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let other = app.account_with_admin(&p, "Other").await;
    let existing = contact(
        &app,
        &t,
        json!({"name": "Old Name", "email": "jo@acme.com", "custom_attributes": {"tier": "gold"}}),
    )
    .await;
    let elsewhere = contact(
        &app,
        &other,
        json!({"name": "Not Mine", "email": "ann@x.io"}),
    )
    .await;
    let path = format!("/api/v1/accounts/{}/contacts/import", t.account_id);

    let csv = "id,name,email,phone_number,identifier,company,city,plan\n\
               1,Ann Lee,ann@x.io,4155550100,crm-1,Acme,Berlin,pro\n\
               2,Jo Doe,JO@acme.com,,,,,\n\
               3,Bad Mail,not-an-email,,,,,\n\
               4,Bad Phone,,+0123,,,,\n\
               5,,,+4155550100,,,,basic\n";
    let r = upload(&app, &path, &t.admin.token, "import_file", csv.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.text, "", "Chatwoot answers `head :ok`");

    let ann = find_contact(&app, &t, "ann@x.io").await;
    assert_eq!(ann["name"], "Ann Lee");
    assert_eq!(ann["phone_number"], "+4155550100", "the missing + is added");
    assert_eq!(ann["identifier"], "crm-1");
    assert_eq!(
        ann["additional_attributes"],
        json!({"company": "Acme", "city": "Berlin"})
    );
    // As Chatwoot's ContactManager: every other column is a custom attribute (the
    // last row matched Ann by phone and merged its plan).
    assert_eq!(
        ann["custom_attributes"],
        json!({"id": "5", "company": "Acme", "city": "Berlin", "plan": "basic"})
    );
    let jo = find_contact(&app, &t, "jo@acme.com").await;
    assert_eq!(jo["id"], existing["id"], "matched by email, not duplicated");
    assert_eq!(jo["name"], "Jo Doe");
    assert_eq!(jo["custom_attributes"], json!({"tier": "gold", "id": "2"}));
    let list = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/contacts", t.account_id),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(list.body["meta"]["count"], 2, "{}", list.text);

    // The other account's contact with the same email is untouched.
    let mine = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/accounts/{}/contacts/{}",
                other.account_id, elsewhere["id"]
            ),
            Some(&other.admin.token),
            None,
        )
        .await;
    assert_eq!(mine.body["payload"]["name"], "Not Mine");

    let rows = imports(&app, t.account_id).await;
    assert_eq!(rows.len(), 1);
    let (status, total, processed, errors) = &rows[0];
    assert_eq!(*status, 2, "completed");
    assert_eq!((*total, *processed), (Some(5), Some(3)));
    let errors = errors.as_deref().unwrap();
    assert!(errors.contains("line 4: Email Invalid email"), "{errors}");
    assert!(
        errors.contains("line 5: Phone number should be in e164 format"),
        "{errors}"
    );
}

#[tokio::test]
async fn csv_import_is_for_administrators_and_needs_a_file() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let path = format!("/api/v1/accounts/{}/contacts/import", t.account_id);
    let csv = b"name,email\nAnn,ann@x.io\n";

    let r = upload(&app, &path, &agent.token, "import_file", csv).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert!(r.body["error"].is_string(), "{}", r.text);

    for r in [
        upload(&app, &path, &t.admin.token, "import_file", b"").await,
        upload(&app, &path, &t.admin.token, "other_field", csv).await,
        app.call(Method::POST, &path, Some(&t.admin.token), Some(json!({})))
            .await,
    ] {
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body, json!({"error": "File is blank"}));
    }
    assert!(imports(&app, t.account_id).await.is_empty());

    // A spreadsheet instead of a CSV: recorded as failed, nothing imported.
    let r = upload(
        &app,
        &path,
        &t.admin.token,
        "import_file",
        b"PK\x03\x04\x00\x00name,email\nAnn,ann@x.io\n",
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .starts_with("Invalid CSV file")
    );
    let rows = imports(&app, t.account_id).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, 3, "failed");
    let list = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/contacts", t.account_id),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(list.body["meta"]["count"], 0);

    // Another account's administrator cannot import here.
    let other = app.account_with_admin(&p, "Other").await;
    let r = upload(&app, &path, &other.admin.token, "import_file", csv).await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn csv_export_returns_the_file() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme Inc").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let path = format!("/api/v1/accounts/{}/contacts/export", t.account_id);
    let ann = contact(
        &app,
        &t,
        json!({"name": "Ann, \"the\" Lee", "email": "ann@x.io", "phone_number": "+4155550100"}),
    )
    .await;
    let bo = contact(
        &app,
        &t,
        json!({"name": "Bo", "email": "bo@x.io", "custom_attributes": {"plan": "pro"}}),
    )
    .await;
    contact(&app, &t, json!({"name": "Nobody"})).await;
    app.call(
        Method::POST,
        &format!(
            "/api/v1/accounts/{}/contacts/{}/labels",
            t.account_id, bo["id"]
        ),
        Some(&t.admin.token),
        Some(json!({"labels": ["vip"]})),
    )
    .await;

    let r = app
        .call(Method::POST, &path, Some(&t.admin.token), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some(
            format!(
                "attachment; filename=\"Acme_Inc_{}_contacts.csv\"",
                t.account_id
            )
            .as_str()
        )
    );
    assert_eq!(
        r.text,
        format!(
            "id,name,email,phone_number\n{},\"Ann, \"\"the\"\" Lee\",ann@x.io,+4155550100\n{},Bo,bo@x.io,\n",
            ann["id"], bo["id"]
        ),
        "resolved contacts only, default columns"
    );

    let r = app
        .call(
            Method::POST,
            &path,
            Some(&t.admin.token),
            Some(json!({"column_names": ["email", "encrypted_password", "custom_attributes", "blocked"], "label": "vip"})),
        )
        .await;
    assert_eq!(
        r.text,
        "email,custom_attributes,blocked\nbo@x.io,\"{\"\"plan\"\":\"\"pro\"\"}\",false\n"
    );

    let r = app
        .call(
            Method::POST,
            &path,
            Some(&t.admin.token),
            Some(json!({"column_names": ["name"], "payload": [
                {"attribute_key": "email", "filter_operator": "contains", "values": ["ann"], "query_operator": null}
            ]})),
        )
        .await;
    assert_eq!(r.text, "name\n\"Ann, \"\"the\"\" Lee\"\n");

    let r = app
        .call(
            Method::POST,
            &path,
            Some(&t.admin.token),
            Some(json!({"payload": [{"attribute_key": "password", "filter_operator": "equal_to", "values": ["x"]}]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.body["error"]
            .as_str()
            .unwrap()
            .starts_with("Invalid attribute key")
    );

    let r = app
        .call(Method::POST, &path, Some(&agent.token), None)
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let other = app.account_with_admin(&p, "Other").await;
    let r = app
        .call(Method::POST, &path, Some(&other.admin.token), None)
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn contactable_inboxes_follow_chatwoots_rules_and_access() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let admin = Some(t.admin.token.as_str());
    let acc = format!("/api/v1/accounts/{}", t.account_id);
    let inbox = |body: Value| {
        let app = &app;
        let acc = acc.clone();
        async move {
            let r = app
                .call(Method::POST, &format!("{acc}/inboxes"), admin, Some(body))
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            r.body["id"].as_i64().unwrap()
        }
    };
    let api = inbox(json!({"name": "API", "channel": {"type": "api"}})).await;
    let web = inbox(json!({"name": "Web", "channel": {"type": "web_widget", "website_url": "https://a.example"}})).await;
    let hidden = inbox(json!({"name": "API 2", "channel": {"type": "api"}})).await;
    app.call(
        Method::POST,
        &format!("{acc}/inbox_members"),
        admin,
        Some(json!({"inbox_id": api, "user_ids": [agent.id]})),
    )
    .await;
    app.call(
        Method::POST,
        &format!("{acc}/inbox_members"),
        admin,
        Some(json!({"inbox_id": web, "user_ids": [agent.id]})),
    )
    .await;
    let c = contact(&app, &t, json!({"name": "Jo", "email": "jo@x.io"})).await;
    let id = c["id"].as_i64().unwrap();
    let path = format!("{acc}/contacts/{id}/contactable_inboxes");
    let get = |token: String| {
        let app = &app;
        let path = path.clone();
        async move { app.call(Method::GET, &path, Some(&token), None).await }
    };

    // No identities yet: API inboxes offer a fresh (unsaved) UUID, the website none.
    let r = get(t.admin.token.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let payload = r.body["payload"].as_array().unwrap();
    let ids: Vec<i64> = payload
        .iter()
        .map(|e| e["inbox"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![api, hidden]);
    assert_eq!(payload[0]["source_id"].as_str().unwrap().len(), 36);
    assert_eq!(
        payload[0]["inbox"],
        json!({"id": api, "avatar_url": "", "channel_id": payload[0]["inbox"]["channel_id"], "name": "API",
               "channel_type": "Channel::Api", "provider": null})
    );
    let again = get(t.admin.token.clone()).await;
    assert_ne!(
        again.body["payload"][0]["source_id"], payload[0]["source_id"],
        "not saved"
    );

    // Existing identities are offered; a website identity until it has a conversation.
    for (inbox, source) in [(api, "api-src"), (web, "web-src")] {
        let r = app
            .call(
                Method::POST,
                &format!("{acc}/contacts/{id}/contact_inboxes"),
                admin,
                Some(json!({"inbox_id": inbox, "source_id": source})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = get(agent.token.clone()).await;
    assert_eq!(
        r.body["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (
                e["inbox"]["id"].as_i64().unwrap(),
                e["source_id"].as_str().unwrap()
            ))
            .collect::<Vec<_>>(),
        vec![(api, "api-src"), (web, "web-src")],
        "the agent sees only the inboxes they belong to"
    );
    let conv = app
        .call(
            Method::POST,
            &format!("{acc}/conversations"),
            admin,
            Some(json!({"contact_id": id, "inbox_id": web, "source_id": "web-src"})),
        )
        .await;
    assert_eq!(conv.status, 200, "{}", conv.text);
    let r = get(agent.token.clone()).await;
    assert_eq!(r.body["payload"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["payload"][0]["inbox"]["id"], api);

    // Another account's contact, or none, is a 404.
    let other = app.account_with_admin(&p, "Other").await;
    let theirs = contact(&app, &other, json!({"email": "x@y.io"})).await;
    for cid in [theirs["id"].as_i64().unwrap(), 999_999] {
        let r = app
            .call(
                Method::GET,
                &format!("{acc}/contacts/{cid}/contactable_inboxes"),
                admin,
                None,
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.text);
        assert!(r.body["error"].is_string());
    }
}

#[tokio::test]
async fn avatar_delete_and_blocking() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let c = contact(&app, &t, json!({"name": "Jo", "email": "jo@x.io"})).await;
    let base = format!("/api/v1/accounts/{}/contacts/{}", t.account_id, c["id"]);

    let r = app
        .call(
            Method::DELETE,
            &format!("{base}/avatar"),
            Some(&agent.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["payload"]["id"], c["id"]);
    assert_eq!(r.body["payload"]["thumbnail"], "");
    assert!(
        r.body["payload"].get("contact_inboxes").is_none(),
        "Chatwoot's avatar answer has no identities"
    );

    for (blocked, expect) in [(json!(true), true), (json!("false"), false)] {
        let r = app
            .call(
                Method::PATCH,
                &base,
                Some(&agent.token),
                Some(json!({"blocked": blocked})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["payload"]["blocked"], expect);
        let s = app.call(Method::GET, &base, Some(&agent.token), None).await;
        assert_eq!(s.body["payload"]["blocked"], expect);
    }
    let r = app
        .call(
            Method::PATCH,
            &base,
            Some(&agent.token),
            Some(json!({"blocked": "perhaps"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["attributes"], json!(["blocked"]));

    let other = app.account_with_admin(&p, "Other").await;
    let r = app
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/accounts/{}/contacts/{}/avatar",
                other.account_id, c["id"]
            ),
            Some(&other.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}
