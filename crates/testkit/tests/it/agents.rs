use serde_json::json;
use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

#[tokio::test]
async fn administrators_manage_agents_and_agents_only_list() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let base = format!("/api/v1/accounts/{}/agents", t.account_id);

    let list = app.call(Method::GET, &base, Some(&agent.token), None).await;
    assert_eq!(list.status, 200);
    let rows = list.body.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let me = rows.iter().find(|r| r["id"] == agent.id).unwrap();
    assert_eq!(me["role"], "agent");
    assert_eq!(me["account_id"], t.account_id);
    assert_eq!(me["confirmed"], true);
    assert_eq!(me["availability_status"], "offline");

    let new = json!({"agent": {"name": "Bea", "email": "BEA@example.com", "role": "agent"}});
    let denied = app
        .call(Method::POST, &base, Some(&agent.token), Some(new.clone()))
        .await;
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.body,
        json!({"error": "You are not authorized to do this action"})
    );

    let c = app
        .call(Method::POST, &base, Some(&t.admin.token), Some(new.clone()))
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["email"], "bea@example.com");
    assert_eq!(c.body["name"], "Bea");
    assert_eq!(
        c.body["confirmed"], false,
        "invited agents confirm through the invitation"
    );
    let bea = c.body["id"].as_i64().unwrap();
    let dup = app
        .call(Method::POST, &base, Some(&t.admin.token), Some(new))
        .await;
    assert_eq!(dup.status, 422);
    assert_eq!(
        dup.body,
        json!({"message": "User has already been taken", "attributes": ["user_id"]})
    );

    let flat = json!({"name": "Cid", "email": "cid@example.com", "role": "administrator", "availability": "busy", "auto_offline": false});
    let c2 = app
        .call(Method::POST, &base, Some(&t.admin.token), Some(flat))
        .await;
    assert_eq!(c2.status, 200, "{}", c2.text);
    assert_eq!(c2.body["role"], "administrator");
    assert_eq!(c2.body["availability_status"], "busy");

    let path = format!("{base}/{bea}");
    let denied = app
        .call(
            Method::PATCH,
            &path,
            Some(&agent.token),
            Some(json!({"role": "administrator"})),
        )
        .await;
    assert_eq!(denied.status, 401);
    let u = app
        .call(
            Method::PATCH,
            &path,
            Some(&t.admin.token),
            Some(json!({"role": "administrator", "name": "Bea B"})),
        )
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["role"], "administrator");
    assert_eq!(u.body["name"], "Bea B");
    let bad = app
        .call(
            Method::PATCH,
            &path,
            Some(&t.admin.token),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(bad.status, 422);

    let denied = app
        .call(Method::DELETE, &path, Some(&agent.token), None)
        .await;
    assert_eq!(denied.status, 401);
    let d = app
        .call(Method::DELETE, &path, Some(&t.admin.token), None)
        .await;
    assert_eq!(d.status, 200);
    assert_eq!(d.text, "");
    let list = app
        .call(Method::GET, &base, Some(&t.admin.token), None)
        .await;
    assert!(list.body.as_array().unwrap().iter().all(|r| r["id"] != bea));
    let missing = app
        .call(Method::DELETE, &path, Some(&t.admin.token), None)
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body,
        json!({"error": "Resource could not be found"})
    );
}

#[tokio::test]
async fn the_last_administrator_stays() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let path = format!("/api/v1/accounts/{}/agents/{}", t.account_id, t.admin.id);
    let r = app
        .call(Method::DELETE, &path, Some(&t.admin.token), None)
        .await;
    assert_eq!(r.status, 422);
    let r = app
        .call(
            Method::PATCH,
            &path,
            Some(&t.admin.token),
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!(r.status, 422);
}
