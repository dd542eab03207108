//! Chatwoot's advanced filters: allowlisted keys and operators, bound values only.

use serde_json::{Value, json};
use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

fn cond(key: &str, op: &str, values: Value, join: Option<&str>) -> Value {
    json!({"attribute_key": key, "filter_operator": op, "values": values, "query_operator": join})
}

#[tokio::test]
async fn contact_filters() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let token = Some(t.admin.token.as_str());
    let base = format!("/api/v1/accounts/{}/contacts", t.account_id);
    for (name, email, city, plan) in [
        ("Ann", "ann@a.com", "Berlin", "pro"),
        ("Bob", "bob@b.com", "Paris", "free"),
        ("Cy", "cy@c.com", "Berlin", "free"),
    ] {
        app.call(Method::POST, &base, token, Some(json!({"name": name, "email": email, "additional_attributes": {"city": city}, "custom_attributes": {"plan": plan}}))).await;
    }
    app.call(Method::POST, &format!("/api/v1/accounts/{}/custom_attribute_definitions", t.account_id), token,
        Some(json!({"attribute_display_name": "Plan", "attribute_key": "plan", "attribute_model": "contact_attribute"}))).await;
    let filter = |conds: Vec<Value>| {
        let app = &app;
        let base = base.clone();
        async move {
            app.call(
                Method::POST,
                &format!("{base}/filter"),
                token,
                Some(json!({"payload": conds})),
            )
            .await
        }
    };
    let names = |r: &switchboard_testkit::Reply| -> Vec<String> {
        r.body["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };

    let r = filter(vec![cond("city", "equal_to", json!(["berlin"]), None)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(names(&r), vec!["Ann", "Cy"]);
    assert_eq!(r.body["meta"], json!({"count": 2, "current_page": 1}));
    let r = filter(vec![
        cond("city", "equal_to", json!(["Berlin"]), Some("AND")),
        cond("plan", "equal_to", json!(["free"]), None),
    ])
    .await;
    assert_eq!(names(&r), vec!["Cy"]);
    let r = filter(vec![
        cond("name", "contains", json!(["an"]), Some("OR")),
        cond("email", "equal_to", json!(["BOB@b.com"]), None),
    ])
    .await;
    assert_eq!(names(&r), vec!["Ann", "Bob"]);
    let r = filter(vec![cond(
        "email",
        "does_not_contain",
        json!(["@a.com"]),
        None,
    )])
    .await;
    assert_eq!(names(&r), vec!["Bob", "Cy"]);
    let r = filter(vec![cond(
        "created_at",
        "is_greater_than",
        json!(["2000-01-01"]),
        None,
    )])
    .await;
    assert_eq!(r.body["meta"]["count"], 3);

    for (conds, error) in [
        (
            vec![cond("password", "equal_to", json!(["x"]), None)],
            "Invalid attribute key - [password]. The key should be one of [name,phone_number,email,identifier,country_code,city,company,labels,created_at,last_activity_at,blocked] or a custom attribute defined in the account.",
        ),
        (
            vec![cond("email", "is_greater_than", json!(["x"]), None)],
            "Invalid operator. The allowed operators for email are [equal_to,not_equal_to,contains,does_not_contain].",
        ),
        (
            vec![cond("email", "equal_to", json!([]), None)],
            "Invalid value. The values provided for email are invalid",
        ),
        (
            vec![cond("email", "equal_to", json!(["x"]), Some("XOR"))],
            "Query operator must be either \"AND\" or \"OR\".",
        ),
        (
            vec![cond(
                "created_at",
                "is_greater_than",
                json!(["yesterday"]),
                None,
            )],
            "Invalid value. The values provided for created_at are invalid",
        ),
        (
            vec![cond(
                "name); DROP TABLE contacts; --",
                "equal_to",
                json!(["x"]),
                None,
            )],
            "",
        ),
    ] {
        let r = filter(conds).await;
        assert_eq!(r.status, 422, "{}", r.text);
        if !error.is_empty() {
            assert_eq!(r.body, json!({"error": error}));
        }
    }
    let injected = filter(vec![cond(
        "name",
        "equal_to",
        json!(["x' OR '1'='1"]),
        None,
    )])
    .await;
    assert_eq!(injected.body["meta"]["count"], 0);
    let missing = app
        .call(
            Method::POST,
            &format!("{base}/filter"),
            token,
            Some(json!({})),
        )
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        app.call(Method::GET, &base, token, None).await.body["meta"]["count"],
        3,
        "still all there"
    );
}

#[tokio::test]
async fn conversation_filters() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let token = Some(t.admin.token.as_str());
    let acc = format!("/api/v1/accounts/{}", t.account_id);
    let inbox = app
        .call(
            Method::POST,
            &format!("{acc}/inboxes"),
            token,
            Some(json!({"name": "API", "channel": {"type": "api"}})),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let contact = app
        .call(
            Method::POST,
            &format!("{acc}/contacts"),
            token,
            Some(json!({"email": "c@x.com"})),
        )
        .await
        .body["payload"]["contact"]["id"]
        .as_i64()
        .unwrap();
    for (status, assignee) in [
        ("open", Some(agent.id)),
        ("pending", None),
        ("resolved", None),
    ] {
        let mut body = json!({"contact_id": contact, "inbox_id": inbox, "status": status});
        if let Some(a) = assignee {
            body["assignee_id"] = json!(a);
        }
        app.call(
            Method::POST,
            &format!("{acc}/conversations"),
            token,
            Some(body),
        )
        .await;
    }
    app.call(
        Method::POST,
        &format!("{acc}/conversations/2/labels"),
        token,
        Some(json!({"labels": ["urgent-care"]})),
    )
    .await;
    let admin = t.admin.token.clone();
    let filter = |conds: Value, tok: String| {
        let app = &app;
        let acc = acc.clone();
        async move {
            app.call(
                Method::POST,
                &format!("{acc}/conversations/filter"),
                Some(&tok),
                Some(json!({"payload": conds})),
            )
            .await
        }
    };
    let ids = |r: &switchboard_testkit::Reply| -> Vec<i64> {
        r.body["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };

    let r = filter(
        json!([cond("status", "equal_to", json!(["open", "pending"]), None)]),
        admin.clone(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r).len(), 2);
    assert_eq!(r.body["meta"]["all_count"], 2);
    assert_eq!(r.body["meta"]["unassigned_count"], 1);
    let r = filter(
        json!([cond("assignee_id", "is_present", json!([]), None)]),
        admin.clone(),
    )
    .await;
    assert_eq!(ids(&r), vec![1]);
    let r = filter(
        json!([cond("labels", "equal_to", json!(["URGENT-CARE"]), None)]),
        admin.clone(),
    )
    .await;
    assert_eq!(ids(&r), vec![2]);
    let r = filter(
        json!([cond("labels", "is_not_present", json!([]), None)]),
        admin.clone(),
    )
    .await;
    assert_eq!(ids(&r).len(), 2);
    let r = filter(
        json!([cond("status", "equal_to", json!(["closed"]), None)]),
        admin.clone(),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = filter(
        json!([cond("contact_id", "equal_to", json!([1]), None)]),
        admin.clone(),
    )
    .await;
    assert_eq!(r.status, 422);
    // An agent outside the inbox finds nothing.
    let outsider = app.user_in(&p, t.account_id, "agent").await;
    let r = filter(
        json!([cond("status", "equal_to", json!(["open"]), None)]),
        outsider.token.clone(),
    )
    .await;
    assert_eq!(r.body["meta"]["all_count"], 0);
}
