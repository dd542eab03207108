use serde_json::json;
use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

#[tokio::test]
async fn profile_shows_accounts_and_updates() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let token = t.admin.token.as_str();
    let r = app
        .call(Method::GET, "/api/v1/profile", Some(token), None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["accounts"][0]["name"], "Acme");
    assert_eq!(r.body["accounts"][0]["role"], "administrator");
    assert_eq!(r.body["pubsub_token"].as_str().unwrap().len(), 24);
    assert_eq!(r.body["avatar_url"], "");

    let body = json!({"profile": {"name": "New Name", "display_name": "NN", "ui_settings": {"theme": "dark"}}});
    let u = app
        .call(Method::PATCH, "/api/v1/profile", Some(token), Some(body))
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(u.body["name"], "New Name");
    assert_eq!(u.body["available_name"], "NN");
    assert_eq!(u.body["ui_settings"], json!({"theme": "dark"}));
    // Flat JSON is wrapped the way Rails wraps it.
    let u = app
        .call(
            Method::PUT,
            "/api/v1/profile",
            Some(token),
            Some(json!({"message_signature": "--\nNN"})),
        )
        .await;
    assert_eq!(u.body["message_signature"], "--\nNN");
}

#[tokio::test]
async fn password_change_needs_the_current_one() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let token = t.admin.token.as_str();
    let before = app
        .call(Method::GET, "/api/v1/profile", Some(token), None)
        .await;
    let wrong = json!({"profile": {"password": "Newpassw0rd!", "password_confirmation": "Newpassw0rd!", "current_password": "nope"}});
    let r = app
        .call(Method::PATCH, "/api/v1/profile", Some(token), Some(wrong))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body, json!({"error": "Invalid current password"}));

    let right = json!({"profile": {"password": "Newpassw0rd!", "password_confirmation": "Newpassw0rd!", "current_password": t.admin.password}});
    let r = app
        .call(Method::PATCH, "/api/v1/profile", Some(token), Some(right))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_ne!(
        r.body["pubsub_token"], before.body["pubsub_token"],
        "a new password rotates the pubsub token"
    );
    let old = json!({"email": t.admin.email, "password": t.admin.password});
    assert_eq!(
        app.call(Method::POST, "/auth/sign_in", None, Some(old))
            .await
            .status,
        401
    );
    let new = json!({"email": t.admin.email, "password": "Newpassw0rd!"});
    assert_eq!(
        app.call(Method::POST, "/auth/sign_in", None, Some(new))
            .await
            .status,
        200
    );
}
