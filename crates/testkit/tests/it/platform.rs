use serde_json::json;
use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

#[tokio::test]
async fn accounts_crud_with_chatwoot_shapes() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let body = json!({
        "name": "Tenant A", "locale": "pt_BR", "support_email": "help@tenant.example",
        "limits": {"agents": 5}, "custom_attributes": {"plan": "gold"}, "features": {"sla": true, "labels": false}
    });
    let c = app
        .call(
            Method::POST,
            "/platform/api/v1/accounts",
            Some(&p),
            Some(body),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    let id = c.body["id"].as_i64().unwrap();
    assert_eq!(c.body["name"], "Tenant A");
    assert_eq!(c.body["locale"], "pt_BR");
    assert_eq!(c.body["status"], "active");
    assert_eq!(c.body["limits"], json!({"agents": 5}));
    assert_eq!(c.body["custom_attributes"], json!({"plan": "gold"}));
    assert_eq!(c.body["features"]["sla"], true);
    assert_eq!(c.body["features"]["channel_website"], true);
    assert!(
        c.body["features"].get("labels").is_none(),
        "disabled features are absent"
    );

    let path = format!("/platform/api/v1/accounts/{id}");
    let s = app.call(Method::GET, &path, Some(&p), None).await;
    assert_eq!(s.body, c.body);

    let u = app
        .call(
            Method::PATCH,
            &path,
            Some(&p),
            Some(json!({"name": "Tenant B", "status": "suspended"})),
        )
        .await;
    assert_eq!(u.status, 200);
    assert_eq!(u.body["name"], "Tenant B");
    assert_eq!(u.body["status"], "suspended");

    let list = app
        .call(Method::GET, "/platform/api/v1/accounts", Some(&p), None)
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);

    let d = app.call(Method::DELETE, &path, Some(&p), None).await;
    assert_eq!(d.status, 200);
    let gone = app.call(Method::GET, &path, Some(&p), None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body, json!({"status": 404, "error": "Not Found"}));
}

#[tokio::test]
async fn an_app_acts_only_on_what_it_created() {
    let app = TestApp::spawn().await;
    let mine = app.platform_token().await;
    let theirs = app.platform_token().await;
    let tenant = app.account_with_admin(&theirs, "Theirs").await;
    let denied = json!({"error": "Non permissible resource"});
    let account = format!("/platform/api/v1/accounts/{}", tenant.account_id);
    let user = format!("/platform/api/v1/users/{}", tenant.admin.id);
    let members = format!("{account}/account_users");
    for (method, path, body) in [
        (Method::GET, account.clone(), None),
        (
            Method::PATCH,
            account.clone(),
            Some(json!({"name": "mine now"})),
        ),
        (Method::DELETE, account.clone(), None),
        (Method::GET, user.clone(), None),
        (
            Method::PATCH,
            user.clone(),
            Some(json!({"name": "mine now"})),
        ),
        (Method::DELETE, user.clone(), None),
        (Method::GET, format!("{user}/login"), None),
        (Method::POST, format!("{user}/token"), None),
        (Method::GET, members.clone(), None),
        (
            Method::POST,
            members.clone(),
            Some(json!({"user_id": tenant.admin.id, "role": "agent"})),
        ),
    ] {
        let r = app.call(method.clone(), &path, Some(&mine), body).await;
        assert_eq!(r.status, 401, "{method} {path}: {}", r.text);
        assert_eq!(r.body, denied, "{method} {path}");
    }
    // Nothing changed.
    let s = app.call(Method::GET, &account, Some(&theirs), None).await;
    assert_eq!(s.body["name"], "Theirs");
    let list = app
        .call(Method::GET, "/platform/api/v1/accounts", Some(&mine), None)
        .await;
    assert_eq!(list.body, json!([]));
}

#[tokio::test]
async fn only_platform_tokens_open_the_platform_api() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let tenant = app.account_with_admin(&p, "Acme").await;
    for token in [Some(tenant.admin.token.as_str()), Some("garbage"), None] {
        let r = app
            .call(Method::GET, "/platform/api/v1/accounts", token, None)
            .await;
        assert_eq!(r.status, 401, "{token:?}");
        if token.is_some() {
            assert_eq!(r.body, json!({"error": "Invalid access_token"}));
        }
    }
}

#[tokio::test]
async fn users_and_memberships() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let c = app
        .call(
            Method::POST,
            "/platform/api/v1/accounts",
            Some(&p),
            Some(json!({"name": "Acme"})),
        )
        .await;
    let account_id = c.body["id"].as_i64().unwrap();
    let new_user = json!({"name": "Ann", "email": "Ann@Example.com", "password": "Passw0rd!", "custom_attributes": {"a": 1}});
    let u = app
        .call(
            Method::POST,
            "/platform/api/v1/users",
            Some(&p),
            Some(new_user.clone()),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["email"], "ann@example.com");
    assert_eq!(u.body["confirmed"], true);
    assert_eq!(u.body["custom_attributes"], json!({"a": 1}));
    assert_eq!(u.body["access_token"].as_str().unwrap().len(), 24);
    let uid = u.body["id"].as_i64().unwrap();

    // The same email again returns the same user (Chatwoot's find-or-create).
    let again = app
        .call(
            Method::POST,
            "/platform/api/v1/users",
            Some(&p),
            Some(new_user),
        )
        .await;
    assert_eq!(again.body["id"], uid);

    let members = format!("/platform/api/v1/accounts/{account_id}/account_users");
    let add = app
        .call(
            Method::POST,
            &members,
            Some(&p),
            Some(json!({"user_id": uid, "role": "administrator"})),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.text);
    assert_eq!(add.body["role"], "administrator");
    assert_eq!(add.body["availability"], "online");
    assert!(add.body["created_at"].as_str().unwrap().ends_with('Z'));
    let demote = app
        .call(
            Method::POST,
            &members,
            Some(&p),
            Some(json!({"user_id": uid, "role": "agent"})),
        )
        .await;
    assert_eq!(demote.body["role"], "agent");
    assert_eq!(demote.body["id"], add.body["id"]);
    let list = app.call(Method::GET, &members, Some(&p), None).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    let missing = app
        .call(
            Method::POST,
            &members,
            Some(&p),
            Some(json!({"user_id": 999_999})),
        )
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body["attributes"], json!(["user"]));

    let shown = app
        .call(
            Method::GET,
            &format!("/platform/api/v1/users/{uid}"),
            Some(&p),
            None,
        )
        .await;
    assert_eq!(shown.body["accounts"][0]["id"], account_id);
    assert_eq!(shown.body["accounts"][0]["role"], "agent");

    let patch = json!({"name": "Ann B", "custom_attributes": {"b": 2}});
    let upd = app
        .call(
            Method::PATCH,
            &format!("/platform/api/v1/users/{uid}"),
            Some(&p),
            Some(patch),
        )
        .await;
    assert_eq!(upd.body["name"], "Ann B");
    assert_eq!(upd.body["custom_attributes"], json!({"a": 1, "b": 2}));

    let token = app
        .call(
            Method::POST,
            &format!("/platform/api/v1/users/{uid}/token"),
            Some(&p),
            None,
        )
        .await;
    assert_eq!(token.body["access_token"], u.body["access_token"]);
    assert_eq!(token.body["user"]["id"], uid);

    let del = app
        .call(
            Method::DELETE,
            &members,
            Some(&p),
            Some(json!({"user_id": uid})),
        )
        .await;
    assert_eq!(del.status, 200);
    let list = app.call(Method::GET, &members, Some(&p), None).await;
    assert_eq!(list.body, json!([]));

    let gone = app
        .call(
            Method::DELETE,
            &format!("/platform/api/v1/users/{uid}"),
            Some(&p),
            None,
        )
        .await;
    assert_eq!(gone.status, 200);
    let token_dead = app
        .call(
            Method::GET,
            "/api/v1/profile",
            u.body["access_token"].as_str(),
            None,
        )
        .await;
    assert_eq!(token_dead.status, 401);
}

#[tokio::test]
async fn new_platform_users_follow_the_password_policy() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let r = app
        .call(
            Method::POST,
            "/platform/api/v1/users",
            Some(&p),
            Some(json!({"name": "A", "email": "a@example.com", "password": "weak"})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["attributes"], json!(["password"]));
    assert!(r.body["message"].as_str().unwrap().contains("uppercase"));
}
