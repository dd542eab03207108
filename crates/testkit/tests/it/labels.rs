use serde_json::json;
use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

#[tokio::test]
async fn label_definitions() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let admin = Some(t.admin.token.as_str());
    let base = format!("/api/v1/accounts/{}/labels", t.account_id);

    let c = app
        .call(
            Method::POST,
            &base,
            admin,
            Some(json!({"label": {"title": "VIP", "color": "#ff0000"}})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(
        c.body,
        json!({"id": c.body["id"], "title": "vip", "description": null, "color": "#ff0000", "show_on_sidebar": null})
    );
    let id = c.body["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &base,
        admin,
        Some(json!({"title": "billing", "show_on_sidebar": true})),
    )
    .await;

    for (body, message) in [
        (json!({"title": "vip"}), "Title has already been taken"),
        (json!({"title": "two words"}), "Title is invalid"),
        (
            json!({"title": ""}),
            "Title must not be blank, Title is invalid",
        ),
        (
            json!({"title": "ok-title", "color": "javascript:alert(1)"}),
            "Color is invalid",
        ),
    ] {
        let r = app.call(Method::POST, &base, admin, Some(body)).await;
        assert_eq!(r.status, 422);
        assert_eq!(r.body["message"], message);
    }

    let list = app.call(Method::GET, &base, Some(&agent.token), None).await;
    assert_eq!(list.status, 200);
    let titles: Vec<_> = list.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["title"].clone())
        .collect();
    assert_eq!(titles, vec![json!("billing"), json!("vip")]);

    // Agents list labels but cannot see one alone or change them.
    assert_eq!(
        app.call(
            Method::GET,
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
            Method::POST,
            &base,
            Some(&agent.token),
            Some(json!({"title": "nope"}))
        )
        .await
        .status,
        401
    );
    assert_eq!(
        app.call(Method::GET, &format!("{base}/{id}"), admin, None)
            .await
            .body["title"],
        "vip"
    );

    let u = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            admin,
            Some(json!({"description": "Important"})),
        )
        .await;
    assert_eq!(u.body["description"], "Important");
    assert_eq!(u.body["color"], "#ff0000");

    let other = app.account_with_admin(&p, "Other").await;
    let cross = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/labels/{id}", other.account_id),
            Some(&other.admin.token),
            None,
        )
        .await;
    assert_eq!(cross.status, 404);
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/api/v1/accounts/{}/labels", other.account_id),
            Some(&other.admin.token),
            None
        )
        .await
        .body["payload"],
        json!([])
    );

    assert_eq!(
        app.call(Method::DELETE, &format!("{base}/{id}"), admin, None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.call(Method::GET, &format!("{base}/{id}"), admin, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn canned_responses_with_search() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let token = Some(agent.token.as_str());
    let base = format!("/api/v1/accounts/{}/canned_responses", t.account_id);
    for (code, content) in [
        ("thanks", "Thank you for the refund request"),
        ("refund", "Refunds take 5-7 days"),
        ("myrefund", "Yours"),
        ("100%", "Fully"),
    ] {
        let r = app
            .call(
                Method::POST,
                &base,
                token,
                Some(json!({"canned_response": {"short_code": code, "content": content}})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.body["created_at"].as_str().unwrap().ends_with('Z'));
    }
    let dup = app
        .call(
            Method::POST,
            &base,
            token,
            Some(json!({"short_code": "refund", "content": "x"})),
        )
        .await;
    assert_eq!(dup.status, 422);
    assert_eq!(dup.body["attributes"], json!(["short_code"]));
    let missing = app
        .call(Method::POST, &base, token, Some(json!({"short_code": "x"})))
        .await;
    assert_eq!(missing.status, 422);

    let all = app.call(Method::GET, &base, token, None).await;
    assert_eq!(all.body.as_array().unwrap().len(), 4);
    let found = app
        .call(Method::GET, &format!("{base}?search=REFUND"), token, None)
        .await;
    let codes: Vec<_> = found
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["short_code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        codes,
        vec!["refund", "myrefund", "thanks"],
        "starts-with, then contains, then content"
    );
    let literal = app
        .call(Method::GET, &format!("{base}?search=%25"), token, None)
        .await;
    assert_eq!(
        literal.body.as_array().unwrap().len(),
        1,
        "% is matched literally"
    );

    let id = all.body[0]["id"].as_i64().unwrap();
    let u = app
        .call(
            Method::PUT,
            &format!("{base}/{id}"),
            token,
            Some(json!({"content": "Thanks!"})),
        )
        .await;
    assert_eq!(u.body["content"], "Thanks!");
    assert_eq!(u.body["short_code"], "thanks");

    let other = app.account_with_admin(&p, "Other").await;
    let cross = app
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/accounts/{}/canned_responses/{id}",
                other.account_id
            ),
            Some(&other.admin.token),
            None,
        )
        .await;
    assert_eq!(cross.status, 404);
    assert_eq!(
        app.call(Method::DELETE, &format!("{base}/{id}"), token, None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.call(Method::GET, &base, token, None)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn custom_attribute_definitions() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let token = Some(t.admin.token.as_str());
    let base = format!(
        "/api/v1/accounts/{}/custom_attribute_definitions",
        t.account_id
    );
    let body = json!({"custom_attribute_definition": {
        "attribute_display_name": "Plan", "attribute_key": "plan", "attribute_display_type": "list",
        "attribute_model": "contact_attribute", "attribute_values": ["free", "pro"]}});
    let c = app.call(Method::POST, &base, token, Some(body)).await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["attribute_display_type"], "list");
    assert_eq!(c.body["attribute_model"], "contact_attribute");
    assert_eq!(c.body["attribute_values"], json!(["free", "pro"]));
    assert_eq!(c.body["default_value"], json!(null));
    let id = c.body["id"].as_i64().unwrap();
    let numeric = app.call(Method::POST, &base, token, Some(json!({"attribute_display_name": "Order", "attribute_key": "order_id", "attribute_display_type": 1}))).await;
    assert_eq!(numeric.status, 200, "{}", numeric.text);
    assert_eq!(numeric.body["attribute_display_type"], "number");
    assert_eq!(numeric.body["attribute_model"], "conversation_attribute");

    let std_key = app.call(Method::POST, &base, token, Some(json!({"attribute_display_name": "E", "attribute_key": "email", "attribute_model": "contact_attribute"}))).await;
    assert_eq!(std_key.status, 422);
    let dup = app.call(Method::POST, &base, token, Some(json!({"attribute_display_name": "P", "attribute_key": "plan", "attribute_model": 1}))).await;
    assert_eq!(dup.status, 422);
    assert_eq!(dup.body["message"], "Attribute key has already been taken");
    let bad_type = app.call(Method::POST, &base, token, Some(json!({"attribute_display_name": "P", "attribute_key": "p2", "attribute_display_type": "hologram"}))).await;
    assert_eq!(bad_type.status, 422);

    assert_eq!(
        app.call(Method::GET, &base, token, None)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let contacts = app
        .call(
            Method::GET,
            &format!("{base}?attribute_model=contact_attribute"),
            token,
            None,
        )
        .await;
    assert_eq!(contacts.body.as_array().unwrap().len(), 1);
    let by_number = app
        .call(
            Method::GET,
            &format!("{base}?attribute_model=0"),
            token,
            None,
        )
        .await;
    assert_eq!(by_number.body[0]["attribute_key"], "order_id");
    let unknown = app
        .call(
            Method::GET,
            &format!("{base}?attribute_model=nonsense"),
            token,
            None,
        )
        .await;
    assert_eq!(unknown.body, json!([]));

    let u = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            token,
            Some(json!({"attribute_display_name": "Plan tier"})),
        )
        .await;
    assert_eq!(u.body["attribute_display_name"], "Plan tier");
    assert_eq!(u.body["attribute_values"], json!(["free", "pro"]));
    let d = app
        .call(Method::DELETE, &format!("{base}/{id}"), token, None)
        .await;
    assert_eq!(d.status, 204);
    assert_eq!(
        app.call(Method::GET, &format!("{base}/{id}"), token, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn trailing_slashes_route_like_rails() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let r = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/labels/", t.account_id),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.call(Method::GET, "/api/", None, None).await.status, 200);
}

/// Like Chatwoot's label update job: a renamed label follows onto the account's
/// conversations (and their `cached_label_list`) and contacts, at the end of the list.
#[tokio::test]
async fn renaming_a_label_renames_it_where_it_is_used() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let admin = Some(t.admin.token.as_str());
    let acc = format!("/api/v1/accounts/{}", t.account_id);
    let post = |path: String, body: serde_json::Value| {
        let app = &app;
        async move {
            let r = app.call(Method::POST, &path, admin, Some(body)).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            r.body
        }
    };
    let vip = post(format!("{acc}/labels"), json!({"title": "vip"})).await;
    post(format!("{acc}/labels"), json!({"title": "taken"})).await;
    let inbox = post(
        format!("{acc}/inboxes"),
        json!({"name": "API", "channel": {"type": "api"}}),
    )
    .await;
    let jo = post(format!("{acc}/contacts"), json!({"email": "jo@x.io"})).await["payload"]["contact"]["id"].clone();
    let al = post(format!("{acc}/contacts"), json!({"email": "al@x.io"})).await["payload"]["contact"]["id"].clone();
    let conv = post(
        format!("{acc}/conversations"),
        json!({"contact_id": jo, "inbox_id": inbox["id"]}),
    )
    .await["id"]
        .clone();
    post(
        format!("{acc}/conversations/{conv}/labels"),
        json!({"labels": ["vip", "billing"]}),
    )
    .await;
    post(
        format!("{acc}/contacts/{jo}/labels"),
        json!({"labels": ["vip", "x"]}),
    )
    .await;
    post(
        format!("{acc}/contacts/{al}/labels"),
        json!({"labels": ["gold", "vip"]}),
    )
    .await;
    // Tags are shared by accounts: another account's "vip" stays.
    let other = app.account_with_admin(&p, "Other").await;
    let theirs = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/contacts", other.account_id),
            Some(&other.admin.token),
            Some(json!({"email": "them@x.io"})),
        )
        .await
        .body["payload"]["contact"]["id"]
        .clone();
    let their_labels = format!(
        "/api/v1/accounts/{}/contacts/{theirs}/labels",
        other.account_id
    );
    app.call(
        Method::POST,
        &their_labels,
        Some(&other.admin.token),
        Some(json!({"labels": ["vip"]})),
    )
    .await;

    let label = format!("{acc}/labels/{}", vip["id"]);
    let r = app
        .call(
            Method::PATCH,
            &label,
            Some(&agent.token),
            Some(json!({"title": "gold"})),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let r = app
        .call(Method::PATCH, &label, admin, Some(json!({"title": "Gold"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["title"], "gold");

    let get = |path: String, token: Option<String>| {
        let app = &app;
        async move {
            app.call(Method::GET, &path, token.as_deref().or(admin), None)
                .await
                .body
        }
    };
    let shown = get(format!("{acc}/conversations/{conv}"), None).await;
    assert_eq!(shown["labels"], json!(["billing", "gold"]), "{shown}");
    assert_eq!(
        get(format!("{acc}/conversations/{conv}/labels"), None).await["payload"],
        json!(["billing", "gold"])
    );
    assert_eq!(
        get(format!("{acc}/contacts/{jo}/labels"), None).await["payload"],
        json!(["x", "gold"])
    );
    assert_eq!(
        get(format!("{acc}/contacts/{al}/labels"), None).await["payload"],
        json!(["gold"]),
        "no second gold"
    );
    assert_eq!(
        get(their_labels.clone(), Some(other.admin.token.clone())).await["payload"],
        json!(["vip"])
    );
    let listed = get(format!("{acc}/conversations?labels[]=gold"), None).await;
    assert_eq!(listed["data"]["meta"]["all_count"], 1, "{listed}");

    // A rename that fails changes nothing.
    let r = app
        .call(
            Method::PATCH,
            &label,
            admin,
            Some(json!({"title": "taken"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["message"], "Title has already been taken");
    assert_eq!(
        get(format!("{acc}/contacts/{jo}/labels"), None).await["payload"],
        json!(["x", "gold"])
    );
    // Other changes leave the labels where they are.
    let r = app
        .call(
            Method::PATCH,
            &label,
            admin,
            Some(json!({"color": "#000000"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        get(format!("{acc}/conversations/{conv}"), None).await["labels"],
        json!(["billing", "gold"])
    );
}
