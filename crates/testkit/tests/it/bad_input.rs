//! Hostile and malformed requests get a 4xx with a JSON body, never a 5xx, and write nothing.

use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Reply, TestApp};

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Reply {
    let req = app
        .request(method, path)
        .header("api_access_token", token)
        .header("content-type", content_type)
        .body(body);
    Reply::from(req.send().await.unwrap()).await
}

fn assert_json_4xx(r: &Reply, what: &str) {
    assert!(
        r.status.is_client_error(),
        "{what}: {} {}",
        r.status,
        r.text
    );
    assert!(r.body.is_object(), "{what}: body is not JSON: {}", r.text);
}

#[tokio::test]
async fn malformed_bodies() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let agents = format!("/api/v1/accounts/{}/agents", t.account_id);
    let token = t.admin.token.as_str();

    let r = raw(
        &app,
        Method::POST,
        &agents,
        token,
        "application/json",
        b"{\"name\": ".to_vec(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "Bad Request");

    let r = raw(
        &app,
        Method::POST,
        &agents,
        token,
        "text/plain",
        b"name=x".to_vec(),
    )
    .await;
    assert_eq!(r.status, 415);
    assert_json_4xx(&r, "text/plain");

    let big = format!(
        "{{\"name\": \"{}\", \"email\": \"big@example.com\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let r = raw(
        &app,
        Method::POST,
        &agents,
        token,
        "application/json",
        big.into_bytes(),
    )
    .await;
    assert_eq!(r.status, 413);
    assert_json_4xx(&r, "oversized body");

    for (body, what) in [
        (json!([1, 2, 3]), "an array"),
        (
            json!({"name": 12, "email": "n@example.com"}),
            "a number for a string",
        ),
        (json!({"name": "A"}), "no email"),
        (json!({"name": "A", "email": "nope"}), "bad email"),
        (
            json!({"name": "", "email": "blank@example.com"}),
            "blank name",
        ),
        (
            json!({"name": "x".repeat(300), "email": "long@example.com"}),
            "long name",
        ),
        (
            json!({"name": "A", "email": "r@example.com", "role": "root"}),
            "unknown role",
        ),
        (
            json!({"name": "A", "email": "a2@example.com", "availability": "asleep"}),
            "unknown availability",
        ),
        (
            json!({"name": "A", "email": "a3@example.com", "auto_offline": "sometimes"}),
            "not a boolean",
        ),
    ] {
        let r = app
            .call(Method::POST, &agents, Some(token), Some(body))
            .await;
        assert_json_4xx(&r, what);
    }
    // Nothing of the above was written.
    let list = app.call(Method::GET, &agents, Some(token), None).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);

    // Form bodies, as curl sends them, are read as Rails reads them.
    let r = raw(
        &app,
        Method::POST,
        &agents,
        token,
        "application/x-www-form-urlencoded",
        b"agent[name]=Form&agent[email]=form%40example.com".to_vec(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["email"], "form@example.com");
}

#[tokio::test]
async fn unknown_and_foreign_ids() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let token = Some(t.admin.token.as_str());
    for path in [
        "/api/v1/accounts/999999".to_string(),
        "/api/v1/accounts/abc".to_string(),
        "/api/v1/accounts/1%20OR%201=1".to_string(),
        "/api/v1/accounts/99999999999999999999999".to_string(),
        format!("/api/v1/accounts/{}/agents/abc", t.account_id),
        format!("/api/v1/accounts/{}/agents/424242", t.account_id),
    ] {
        let method = if path.contains("/agents/") {
            Method::PATCH
        } else {
            Method::GET
        };
        let r = app
            .call(method, &path, token, Some(json!({"name": "x"})))
            .await;
        assert_json_4xx(&r, &path);
    }
    let r = app
        .call(Method::GET, "/platform/api/v1/accounts/xyz", Some(&p), None)
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn sql_looking_strings_are_just_text() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let evil = "Robert'); DROP TABLE accounts;--";
    let r = app
        .call(
            Method::POST,
            "/platform/api/v1/accounts",
            Some(&p),
            Some(json!({"name": evil})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], evil);
    let login = json!({"email": "' OR '1'='1", "password": "' OR '1'='1"});
    let r = app
        .call(Method::POST, "/auth/sign_in", None, Some(login))
        .await;
    assert_eq!(r.status, 401);
    let r = app
        .call(Method::GET, "/api/v1/profile", Some("' OR 1=1 --"), None)
        .await;
    assert_eq!(r.status, 401);
    let list = app
        .call(Method::GET, "/platform/api/v1/accounts", Some(&p), None)
        .await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn wrong_shapes_on_the_platform_api() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    for body in [
        json!({}),
        json!({"name": "A", "limits": "lots"}),
        json!({"name": "A", "limits": {"seats": 3}}),
        json!({"name": "A", "locale": "klingon"}),
        json!({"name": "A", "status": "deleted"}),
        json!({"name": "A", "features": ["sla"]}),
        json!({"name": "A", "custom_attributes": 7}),
    ] {
        let r = app
            .call(
                Method::POST,
                "/platform/api/v1/accounts",
                Some(&p),
                Some(body.clone()),
            )
            .await;
        assert_json_4xx(&r, &body.to_string());
    }
    let list = app
        .call(Method::GET, "/platform/api/v1/accounts", Some(&p), None)
        .await;
    assert_eq!(list.body, Value::Array(vec![]));
}
