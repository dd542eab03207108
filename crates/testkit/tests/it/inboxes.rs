use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Tenant, TestApp};

async fn widget(app: &TestApp, t: &Tenant) -> Value {
    let body = json!({"name": "Website", "channel": {"type": "web_widget", "website_url": "https://acme.example", "welcome_title": "Hi"}});
    let r = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/inboxes", t.account_id),
            Some(&t.admin.token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

#[tokio::test]
async fn website_inbox_has_chatwoots_shape() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let i = widget(&app, &t).await;
    assert_eq!(i["channel_type"], "Channel::WebWidget");
    assert_eq!(i["name"], "Website");
    assert_eq!(i["website_url"], "https://acme.example");
    assert_eq!(i["widget_color"], "#1f93ff");
    assert_eq!(i["reply_time"], "in_a_few_minutes");
    assert_eq!(
        i["selected_feature_flags"],
        json!(["attachments", "emoji_picker", "end_conversation"])
    );
    assert_eq!(i["timezone"], "UTC");
    assert_eq!(i["sender_name_type"], "friendly");
    assert_eq!(i["allowed_domains"], "");
    assert_eq!(i["provider"], Value::Null);
    assert_eq!(i["phone_number"], Value::Null);
    assert!(i.get("webhook_url").is_none());
    let token = i["website_token"].as_str().unwrap();
    assert_eq!(token.len(), 24);
    assert_eq!(i["hmac_token"].as_str().unwrap().len(), 24);
    let script = i["web_widget_script"].as_str().unwrap();
    assert!(
        script.contains(&format!("websiteToken: '{token}'")),
        "{script}"
    );
    assert!(
        script.contains(&format!("var BASE_URL=\"{}\"", app.url(""))),
        "{script}"
    );
    assert!(script.starts_with("\n    <script>\n"));
    assert_eq!(
        i["pre_chat_form_options"]["pre_chat_fields"][0]["name"],
        "emailAddress"
    );
    let hours = i["working_hours"].as_array().unwrap();
    assert_eq!(hours.len(), 7);
    assert_eq!(
        hours[0],
        json!({"day_of_week": 0, "closed_all_day": true, "open_hour": null, "open_minutes": null, "close_hour": null, "close_minutes": null, "open_all_day": false})
    );
    assert_eq!(hours[1]["open_hour"], 9);
    assert_eq!(hours[1]["close_hour"], 17);
    let raw = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/inboxes/{}", t.account_id, i["id"]),
            Some(&t.admin.token),
            None,
        )
        .await;
    let at = |k: &str| raw.text.find(&format!("\"{k}\":")).unwrap();
    assert!(raw.text.starts_with("{\"id\":"), "{}", raw.text);
    assert!(
        at("avatar_url") < at("channel_id")
            && at("channel_id") < at("name")
            && at("reply_time") < at("hmac_token"),
        "Chatwoot's key order"
    );
}

#[tokio::test]
async fn api_inbox_and_who_sees_what() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let base = format!("/api/v1/accounts/{}/inboxes", t.account_id);
    let body = json!({"name": "API", "channel": {"type": "api", "webhook_url": "https://hooks.example/cw", "hmac_mandatory": true}});
    let denied = app
        .call(Method::POST, &base, Some(&agent.token), Some(body.clone()))
        .await;
    assert_eq!(denied.status, 401);
    let api = app
        .call(Method::POST, &base, Some(&t.admin.token), Some(body))
        .await;
    assert_eq!(api.status, 200, "{}", api.text);
    assert_eq!(api.body["channel_type"], "Channel::Api");
    assert_eq!(api.body["webhook_url"], "https://hooks.example/cw");
    assert_eq!(api.body["hmac_mandatory"], true);
    assert_eq!(api.body["inbox_identifier"].as_str().unwrap().len(), 24);
    assert_eq!(api.body["additional_attributes"], json!({}));
    assert_eq!(api.body["website_token"], Value::Null);
    let api_id = api.body["id"].as_i64().unwrap();
    let web = widget(&app, &t).await;
    let web_id = web["id"].as_i64().unwrap();

    // Agents see only inboxes they are members of, and never the HMAC secrets.
    let none = app.call(Method::GET, &base, Some(&agent.token), None).await;
    assert_eq!(none.body, json!({"payload": []}));
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}/{api_id}"),
            Some(&agent.token),
            None
        )
        .await
        .status,
        401
    );
    let members = format!("/api/v1/accounts/{}/inbox_members", t.account_id);
    let add = app
        .call(
            Method::POST,
            &members,
            Some(&t.admin.token),
            Some(json!({"inbox_id": api_id, "user_ids": [agent.id]})),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.text);
    assert_eq!(add.body["payload"][0]["id"], agent.id);
    let mine = app.call(Method::GET, &base, Some(&agent.token), None).await;
    let list = mine.body["payload"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], api_id);
    assert!(
        list[0].get("hmac_token").is_none(),
        "agents do not see the HMAC token"
    );
    let all = app
        .call(Method::GET, &base, Some(&t.admin.token), None)
        .await;
    assert_eq!(all.body["payload"].as_array().unwrap().len(), 2);
    assert!(all.body["payload"][0].get("hmac_token").is_some());

    // Members, replaced and removed; assignable agents are members plus administrators.
    let shown = app
        .call(
            Method::GET,
            &format!("{members}/{api_id}"),
            Some(&agent.token),
            None,
        )
        .await;
    assert_eq!(shown.body["payload"].as_array().unwrap().len(), 1);
    let assignable = app
        .call(
            Method::GET,
            &format!("{base}/{api_id}/assignable_agents"),
            Some(&agent.token),
            None,
        )
        .await;
    let ids: Vec<i64> = assignable.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![agent.id, t.admin.id]);
    let both = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/accounts/{}/assignable_agents?inbox_ids[]={api_id}&inbox_ids[]={web_id}",
                t.account_id
            ),
            Some(&t.admin.token),
            None,
        )
        .await;
    let ids: Vec<i64> = both.body["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![t.admin.id], "the agent is not in both inboxes");
    let replace = app
        .call(
            Method::PATCH,
            &members,
            Some(&t.admin.token),
            Some(json!({"inbox_id": api_id, "user_ids": [t.admin.id]})),
        )
        .await;
    assert_eq!(replace.body["payload"].as_array().unwrap().len(), 1);
    assert_eq!(replace.body["payload"][0]["id"], t.admin.id);
    let other = app.account_with_admin(&p, "Other").await;
    let foreign = app
        .call(
            Method::POST,
            &members,
            Some(&t.admin.token),
            Some(json!({"inbox_id": api_id, "user_ids": [other.admin.id]})),
        )
        .await;
    assert_eq!(foreign.status, 422);
    let remove = app
        .call(
            Method::DELETE,
            &members,
            Some(&t.admin.token),
            Some(json!({"inbox_id": api_id, "user_ids": [t.admin.id]})),
        )
        .await;
    assert_eq!(remove.status, 200);
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{members}/{api_id}"),
            Some(&t.admin.token),
            None
        )
        .await
        .body["payload"],
        json!([])
    );

    // Another account's administrator gets nothing.
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/api/v1/accounts/{}/inboxes/{api_id}", other.account_id),
            Some(&other.admin.token),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("{base}/{api_id}"),
            Some(&other.admin.token),
            None
        )
        .await
        .status,
        401
    );

    let d = app
        .call(
            Method::DELETE,
            &format!("{base}/{api_id}"),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(d.status, 200);
    assert_eq!(
        app.call(
            Method::GET,
            &format!("{base}/{api_id}"),
            Some(&t.admin.token),
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn updating_settings_channel_and_working_hours() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let i = widget(&app, &t).await;
    let path = format!("/api/v1/accounts/{}/inboxes/{}", t.account_id, i["id"]);
    let body = json!({
        "name": "Site", "greeting_enabled": true, "greeting_message": "Hello!", "timezone": "America/Sao_Paulo",
        "working_hours_enabled": true, "lock_to_single_conversation": true, "sender_name_type": "professional",
        "channel": {"type": "api", "widget_color": "#000000", "reply_time": "in_a_day", "selected_feature_flags": ["attachments"], "hmac_mandatory": true},
        "working_hours": [{"day_of_week": 6, "closed_all_day": false, "open_hour": 10, "open_minutes": 0, "close_hour": 14, "close_minutes": 30}]
    });
    let u = app
        .call(Method::PATCH, &path, Some(&t.admin.token), Some(body))
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["name"], "Site");
    assert_eq!(u.body["greeting_message"], "Hello!");
    assert_eq!(u.body["timezone"], "America/Sao_Paulo");
    assert_eq!(u.body["sender_name_type"], "professional");
    assert_eq!(u.body["lock_to_single_conversation"], true);
    assert_eq!(
        u.body["channel_type"], "Channel::WebWidget",
        "the type never changes"
    );
    assert_eq!(u.body["widget_color"], "#000000");
    assert_eq!(u.body["reply_time"], "in_a_day");
    assert_eq!(u.body["selected_feature_flags"], json!(["attachments"]));
    assert_eq!(
        u.body["website_token"], i["website_token"],
        "tokens never rotate"
    );
    assert_eq!(u.body["working_hours"][6]["open_hour"], 10);
    assert_eq!(u.body["working_hours"][6]["close_minutes"], 30);

    for (bad, attribute) in [
        (
            json!({"working_hours": [{"day_of_week": 1, "open_hour": 18, "close_hour": 9}]}),
            "close_hour",
        ),
        (
            json!({"working_hours": [{"day_of_week": 9}]}),
            "working_hours",
        ),
        (json!({"timezone": "Mars/Olympus Mons"}), "timezone"),
        (json!({"sender_name_type": "fancy"}), "sender_name_type"),
        (json!({"channel": {"reply_time": "never"}}), "reply_time"),
        (
            json!({"channel": {"selected_feature_flags": ["teleport"]}}),
            "selected_feature_flags",
        ),
        (json!({"name": ""}), "name"),
        (
            json!({"greeting_message": "x".repeat(10_001)}),
            "greeting_message",
        ),
    ] {
        let r = app
            .call(
                Method::PATCH,
                &path,
                Some(&t.admin.token),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
        assert_eq!(r.body["attributes"], json!([attribute]), "{bad}");
    }
    // Nothing of the refused updates was written.
    let after = app
        .call(Method::GET, &path, Some(&t.admin.token), None)
        .await;
    assert_eq!(after.body["working_hours"][1]["open_hour"], 9);
    assert_eq!(after.body["name"], "Site");
}

#[tokio::test]
async fn bad_inbox_creations() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let base = format!("/api/v1/accounts/{}/inboxes", t.account_id);
    for (body, status) in [
        (json!({"name": "x"}), 422),
        (json!({"name": "x", "channel": {"type": "fax"}}), 422),
        (json!({"name": "x", "channel": {"type": "email"}}), 422),
        (json!({"name": "x", "channel": {"type": "web_widget"}}), 422),
        (json!({"channel": {"type": "api"}}), 422),
        (
            json!({"name": "x", "channel": {"type": "api", "webhook_url": "ftp://x"}}),
            422,
        ),
        (
            json!({"name": "x", "channel": {"type": "api", "additional_attributes": {"agent_reply_time_window": -1}}}),
            422,
        ),
        (json!({"name": "x", "channel": "api"}), 422),
    ] {
        let r = app
            .call(
                Method::POST,
                &base,
                Some(&t.admin.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
        assert!(r.body.is_object());
    }
    let r = app
        .call(
            Method::POST,
            &base,
            Some(&t.admin.token),
            Some(json!({"name": "x", "channel": {"type": "fax"}})),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"message": "Channel must exist", "attributes": ["channel"]})
    );
    assert_eq!(
        app.call(Method::GET, &base, Some(&t.admin.token), None)
            .await
            .body["payload"],
        json!([])
    );

    // The Platform API's limits cap inboxes and agents.
    let limits = json!({"limits": {"inboxes": 1, "agents": 1}});
    app.call(
        Method::PATCH,
        &format!("/platform/api/v1/accounts/{}", t.account_id),
        Some(&p),
        Some(limits),
    )
    .await;
    widget(&app, &t).await;
    let over = app
        .call(
            Method::POST,
            &base,
            Some(&t.admin.token),
            Some(json!({"name": "y", "channel": {"type": "api"}})),
        )
        .await;
    assert_eq!(over.status, 402);
    assert_eq!(
        over.body,
        json!({"error": "Account limit exceeded. Upgrade to a higher plan"})
    );
    let agents = format!("/api/v1/accounts/{}/agents", t.account_id);
    let seat = app
        .call(
            Method::POST,
            &agents,
            Some(&t.admin.token),
            Some(json!({"name": "B", "email": "b@example.com"})),
        )
        .await;
    assert_eq!(seat.status, 402);
}
