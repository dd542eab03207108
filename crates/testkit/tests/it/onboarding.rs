//! The first visit with nobody set up leads to creating the first account and administrator.

use serde_json::json;
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Reply, TestApp};

async fn form(app: &TestApp, fields: &[(&str, &str)]) -> Reply {
    Reply::from(
        app.request(Method::POST, "/installation/onboarding")
            .form(fields)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn first_visit_creates_the_first_account_and_administrator() {
    let app = TestApp::spawn().await;
    let home = app.call(Method::GET, "/", None, None).await;
    assert_eq!(home.status, 303, "{}", home.text);
    assert_eq!(home.header("location"), Some("/installation/onboarding"));

    let page = app
        .call(Method::GET, "/installation/onboarding", None, None)
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("name=\"user[company]\""),
        "{}",
        page.text
    );

    let weak = form(
        &app,
        &[
            ("user[name]", "Ada"),
            ("user[company]", "Acme"),
            ("user[email]", "ada@example.com"),
            ("user[password]", "weak"),
        ],
    )
    .await;
    assert_eq!(weak.status, 422);
    assert!(weak.text.contains("Password must contain"), "{}", weak.text);
    assert!(
        weak.text.contains("value=\"ada@example.com\""),
        "the form keeps what was typed"
    );

    let done = form(
        &app,
        &[
            ("user[name]", "Ada"),
            ("user[company]", "Acme"),
            ("user[email]", "ada@example.com"),
            ("user[password]", "Passw0rd!"),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(done.header("location"), Some("/"));

    // Only once; the home page now leads to the dashboard.
    let home = app.call(Method::GET, "/", None, None).await;
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), Some("/app"));
    let again = app
        .call(Method::GET, "/installation/onboarding", None, None)
        .await;
    assert_eq!(again.status, 303);
    let second = form(
        &app,
        &[
            ("user[name]", "Eve"),
            ("user[company]", "Evil"),
            ("user[email]", "eve@example.com"),
            ("user[password]", "Passw0rd!"),
        ],
    )
    .await;
    assert_eq!(second.status, 303);
    let eve = app
        .call(
            Method::POST,
            "/auth/sign_in",
            None,
            Some(json!({"email": "eve@example.com", "password": "Passw0rd!"})),
        )
        .await;
    assert_eq!(eve.status, 401);

    let ada = app
        .call(
            Method::POST,
            "/auth/sign_in",
            None,
            Some(json!({"email": "ada@example.com", "password": "Passw0rd!"})),
        )
        .await;
    assert_eq!(ada.status, 200, "{}", ada.text);
    assert_eq!(ada.body["data"]["type"], "SuperAdmin");
    assert_eq!(ada.body["data"]["accounts"][0]["name"], "Acme");
    assert_eq!(ada.body["data"]["accounts"][0]["role"], "administrator");
}
