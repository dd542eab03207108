use serde_json::json;
use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

#[tokio::test]
async fn teams_and_their_members() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let admin = Some(t.admin.token.as_str());
    let base = format!("/api/v1/accounts/{}/teams", t.account_id);

    let denied = app
        .call(
            Method::POST,
            &base,
            Some(&agent.token),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(denied.status, 401);
    let c = app
        .call(
            Method::POST,
            &base,
            admin,
            Some(json!({"team": {"name": "Billing Desk", "description": "Money"}})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["name"], "billing desk");
    assert_eq!(c.body["allow_auto_assign"], true);
    assert_eq!(c.body["is_member"], false);
    let id = c.body["id"].as_i64().unwrap();
    let dup = app
        .call(
            Method::POST,
            &base,
            admin,
            Some(json!({"name": "BILLING DESK"})),
        )
        .await;
    assert_eq!(dup.status, 422);
    assert_eq!(
        dup.body,
        json!({"message": "Name has already been taken", "attributes": ["name"]})
    );
    let blank = app
        .call(Method::POST, &base, admin, Some(json!({"name": "  "})))
        .await;
    assert_eq!(blank.status, 422);

    let members = format!("{base}/{id}/team_members");
    let add = app
        .call(
            Method::POST,
            &members,
            admin,
            Some(json!({"user_ids": [agent.id]})),
        )
        .await;
    assert_eq!(add.status, 200, "{}", add.text);
    assert_eq!(add.body.as_array().unwrap().len(), 1);
    assert_eq!(add.body[0]["id"], agent.id);
    let again = app
        .call(
            Method::POST,
            &members,
            admin,
            Some(json!({"user_ids": [agent.id]})),
        )
        .await;
    assert_eq!(
        again.body,
        json!([]),
        "only newly added members are returned"
    );
    let list = app
        .call(Method::GET, &members, Some(&agent.token), None)
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);

    let teams = app.call(Method::GET, &base, Some(&agent.token), None).await;
    assert_eq!(teams.body[0]["is_member"], true);
    let show = app
        .call(
            Method::GET,
            &format!("{base}/{id}"),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(show.body["is_member"], false);

    let replace = app
        .call(
            Method::PATCH,
            &members,
            admin,
            Some(json!({"user_ids": [t.admin.id]})),
        )
        .await;
    assert_eq!(
        replace
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![t.admin.id]
    );

    // Users of another account are refused and nothing changes.
    let other = app.account_with_admin(&p, "Other").await;
    let foreign = app
        .call(
            Method::POST,
            &members,
            admin,
            Some(json!({"user_ids": [other.admin.id]})),
        )
        .await;
    assert_eq!(foreign.status, 401);
    assert_eq!(foreign.body, json!({"error": "Invalid User IDs"}));
    let list = app.call(Method::GET, &members, admin, None).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);

    let remove = app
        .call(
            Method::DELETE,
            &members,
            admin,
            Some(json!({"user_ids": [t.admin.id]})),
        )
        .await;
    assert_eq!(remove.status, 200);
    assert_eq!(
        app.call(Method::GET, &members, admin, None).await.body,
        json!([])
    );

    let upd = app
        .call(
            Method::PATCH,
            &format!("{base}/{id}"),
            admin,
            Some(json!({"allow_auto_assign": false})),
        )
        .await;
    assert_eq!(upd.body["allow_auto_assign"], false);
    assert_eq!(upd.body["name"], "billing desk");

    // Another account cannot see or touch it.
    let foreign_path = format!("/api/v1/accounts/{}/teams/{id}", other.account_id);
    assert_eq!(
        app.call(Method::GET, &foreign_path, Some(&other.admin.token), None)
            .await
            .status,
        404
    );
    let cross = format!("/api/v1/accounts/{}/teams/{id}", t.account_id);
    assert_eq!(
        app.call(Method::DELETE, &cross, Some(&other.admin.token), None)
            .await
            .status,
        401
    );

    let d = app
        .call(Method::DELETE, &format!("{base}/{id}"), admin, None)
        .await;
    assert_eq!(d.status, 200);
    assert_eq!(
        app.call(Method::GET, &format!("{base}/{id}"), admin, None)
            .await
            .status,
        404
    );
}
