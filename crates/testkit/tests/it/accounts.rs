use serde_json::json;
use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

#[tokio::test]
async fn members_see_their_account_and_admins_change_it() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let tenant = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, tenant.account_id, "agent").await;
    let path = format!("/api/v1/accounts/{}", tenant.account_id);

    let s = app.call(Method::GET, &path, Some(&agent.token), None).await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(s.body["name"], "Acme");
    assert_eq!(s.body["locale"], "en");
    assert_eq!(s.body["status"], "active");
    assert_eq!(s.body["features"]["agent_management"], true);
    assert_eq!(s.body["cache_keys"]["label"], "0000000000");
    assert!(s.body.get("custom_attributes").is_none());
    assert!(s.body.get("subscribed_features").is_some());

    let change = json!({"name": "Acme Inc", "locale": "pt_BR", "industry": "retail", "auto_resolve_after": 60});
    let denied = app
        .call(
            Method::PATCH,
            &path,
            Some(&agent.token),
            Some(change.clone()),
        )
        .await;
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.body,
        json!({"error": "You are not authorized to do this action"})
    );

    let u = app
        .call(
            Method::PATCH,
            &path,
            Some(&tenant.admin.token),
            Some(change),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["name"], "Acme Inc");
    assert_eq!(u.body["locale"], "pt_BR");
    assert_eq!(u.body["settings"]["auto_resolve_after"], 60);
    assert_eq!(u.body["custom_attributes"]["industry"], "retail");
    assert!(
        u.body.get("subscribed_features").is_none(),
        "update renders the plain account"
    );

    let bad = app
        .call(
            Method::PATCH,
            &path,
            Some(&tenant.admin.token),
            Some(json!({"auto_resolve_after": 5})),
        )
        .await;
    assert_eq!(bad.status, 422);
    let bad_locale = app
        .call(
            Method::PATCH,
            &path,
            Some(&tenant.admin.token),
            Some(json!({"locale": "xx"})),
        )
        .await;
    assert_eq!(bad_locale.status, 422);
    assert_eq!(bad_locale.body["attributes"], json!(["locale"]));
}

#[tokio::test]
async fn tenants_never_see_each_other() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let a = app.account_with_admin(&p, "A").await;
    let b = app.account_with_admin(&p, "B").await;
    let other = format!("/api/v1/accounts/{}", b.account_id);
    let s = app
        .call(Method::GET, &other, Some(&a.admin.token), None)
        .await;
    assert_eq!(s.status, 404);
    let u = app
        .call(
            Method::PATCH,
            &other,
            Some(&a.admin.token),
            Some(json!({"name": "pwned"})),
        )
        .await;
    assert_eq!(u.status, 401);
    assert_eq!(
        u.body,
        json!({"error": "You are not authorized to access this account"})
    );
    let agents = app
        .call(
            Method::GET,
            &format!("{other}/agents"),
            Some(&a.admin.token),
            None,
        )
        .await;
    assert_eq!(agents.status, 401);
    let add = json!({"name": "Spy", "email": "spy@example.com"});
    let create = app
        .call(
            Method::POST,
            &format!("{other}/agents"),
            Some(&a.admin.token),
            Some(add),
        )
        .await;
    assert_eq!(create.status, 401);
    let remove = app
        .call(
            Method::DELETE,
            &format!("{other}/agents/{}", b.admin.id),
            Some(&a.admin.token),
            None,
        )
        .await;
    assert_eq!(remove.status, 401);
    // B is untouched.
    let still = app
        .call(Method::GET, &other, Some(&b.admin.token), None)
        .await;
    assert_eq!(still.body["name"], "B");
    let list = app
        .call(
            Method::GET,
            &format!("{other}/agents"),
            Some(&b.admin.token),
            None,
        )
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn suspended_accounts_are_closed() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "A").await;
    let path = format!("/platform/api/v1/accounts/{}", t.account_id);
    app.call(
        Method::PATCH,
        &path,
        Some(&p),
        Some(json!({"status": "suspended"})),
    )
    .await;
    let r = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/agents", t.account_id),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body, json!({"error": "Account is suspended"}));
}

#[tokio::test]
async fn sign_up_is_off_unless_enabled() {
    let off = TestApp::spawn().await;
    let body = json!({"account_name": "New Co", "user_full_name": "Nia", "email": "nia@example.com", "password": "Passw0rd!"});
    let r = off
        .call(Method::POST, "/api/v1/accounts", None, Some(body.clone()))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body, json!({"status": 404, "error": "Not Found"}));

    let on = TestApp::spawn_with(&[("ENABLE_ACCOUNT_SIGNUP", "true")]).await;
    let r = on
        .call(Method::POST, "/api/v1/accounts", None, Some(body.clone()))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["email"], "nia@example.com");
    assert_eq!(r.body["data"]["role"], "administrator");
    assert_eq!(r.body["data"]["accounts"][0]["name"], "New Co");
    let account_id = r.body["data"]["account_id"].as_i64().unwrap();
    // The response signs the new administrator in.
    let headers = ["access-token", "client", "uid"].map(|h| (h, r.header(h).unwrap().to_string()));
    let mut req = on.request(Method::GET, &format!("/api/v1/accounts/{account_id}"));
    for (k, v) in &headers {
        req = req.header(*k, v);
    }
    let shown = switchboard_testkit::Reply::from(req.send().await.unwrap()).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["name"], "New Co");

    let dup = on
        .call(Method::POST, "/api/v1/accounts", None, Some(body))
        .await;
    assert_eq!(dup.status, 403);
    assert_eq!(
        dup.body,
        json!({"message": "You have already signed up for an account with nia@example.com"})
    );
    let invalid = json!({"account_name": "X", "user_full_name": "Y", "email": "not-an-email", "password": "Passw0rd!"});
    let r = on
        .call(Method::POST, "/api/v1/accounts", None, Some(invalid))
        .await;
    assert_eq!(r.status, 403);
    let weak = json!({"account_name": "X", "user_full_name": "Y", "email": "weak@example.com", "password": "weak"});
    let r = on
        .call(Method::POST, "/api/v1/accounts", None, Some(weak))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["attributes"], json!(["password"]));
}
