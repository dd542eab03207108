use serde_json::json;
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Reply, TestApp};

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Reply {
    app.call(
        Method::POST,
        "/auth/sign_in",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

fn devise_headers(r: &Reply) -> [(String, String); 3] {
    ["access-token", "client", "uid"].map(|h| (h.to_string(), r.header(h).unwrap().to_string()))
}

async fn with_headers(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(String, String)],
) -> Reply {
    let mut req = app.request(method, path);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    Reply::from(req.send().await.unwrap()).await
}

#[tokio::test]
async fn sign_in_validate_and_sign_out() {
    let app = TestApp::spawn().await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;
    let admin = &tenant.admin;

    let r = sign_in(&app, &admin.email.to_uppercase(), &admin.password).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["email"], admin.email.as_str());
    assert_eq!(r.body["data"]["access_token"], admin.token.as_str());
    assert_eq!(r.body["data"]["account_id"], tenant.account_id);
    assert_eq!(r.body["data"]["role"], "administrator");
    assert_eq!(r.body["data"]["accounts"][0]["id"], tenant.account_id);
    assert_eq!(
        r.body["data"]["accounts"][0]["permissions"],
        json!(["administrator"])
    );
    assert_eq!(r.header("token-type"), Some("Bearer"));
    assert_eq!(r.header("uid"), Some(admin.email.as_str()));
    let expiry: i64 = r.header("expiry").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        expiry > now + 59 * 86_400,
        "two months of validity, got {}",
        expiry - now
    );
    assert!(r.header("authorization").unwrap().starts_with("Bearer "));
    let creds = devise_headers(&r);

    let v = with_headers(&app, Method::GET, "/auth/validate_token", &creds).await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.body["payload"]["success"], true);
    assert_eq!(v.body["payload"]["data"]["id"], admin.id);
    assert!(
        v.body["payload"]["data"]["created_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    // The session works on the Application API too.
    let p = with_headers(&app, Method::GET, "/api/v1/profile", &creds).await;
    assert_eq!(p.status, 200);
    assert_eq!(p.body["id"], admin.id);

    let out = with_headers(&app, Method::DELETE, "/auth/sign_out", &creds).await;
    assert_eq!(out.status, 200);
    assert_eq!(out.body, json!({"success": true}));

    let again = with_headers(&app, Method::GET, "/auth/validate_token", &creds).await;
    assert_eq!(again.status, 401);
    assert_eq!(
        again.body,
        json!({"success": false, "errors": ["Invalid login credentials"]})
    );
    let twice = with_headers(&app, Method::DELETE, "/auth/sign_out", &creds).await;
    assert_eq!(twice.status, 404);
    assert_eq!(
        twice.body["errors"][0],
        "User was not found or was not logged in."
    );
}

#[tokio::test]
async fn bad_credentials_get_devises_body() {
    let app = TestApp::spawn().await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;
    let expected =
        json!({"success": false, "errors": ["Invalid login credentials. Please try again."]});
    for (email, password) in [
        (tenant.admin.email.as_str(), "Wrong-passw0rd"),
        ("nobody@example.com", "Passw0rd!x"),
        (tenant.admin.email.as_str(), ""),
        ("", ""),
    ] {
        let r = sign_in(&app, email, password).await;
        assert_eq!(r.status, 401, "{email}/{password}");
        assert_eq!(r.body, expected);
    }
}

#[tokio::test]
async fn session_tokens_are_checked_exactly() {
    let app = TestApp::spawn().await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;
    let r = sign_in(&app, &tenant.admin.email, &tenant.admin.password).await;
    let [token, client, uid] = devise_headers(&r);
    let tampered = [
        (token.0.clone(), format!("{}x", token.1)),
        client.clone(),
        uid.clone(),
    ];
    let wrong_uid = [
        token.clone(),
        client.clone(),
        (uid.0.clone(), "other@example.com".into()),
    ];
    for creds in [
        &tampered[..],
        &wrong_uid[..],
        &[token.clone(), uid.clone()][..],
    ] {
        let p = with_headers(&app, Method::GET, "/api/v1/profile", creds).await;
        assert_eq!(p.status, 401);
        assert_eq!(
            p.body,
            json!({"errors": ["You need to sign in or sign up before continuing."]})
        );
    }
    // devise_token_auth's bearer form carries the same three values.
    let bearer = r.header("authorization").unwrap().to_string();
    let b = with_headers(
        &app,
        Method::GET,
        "/api/v1/profile",
        &[("authorization".into(), bearer)],
    )
    .await;
    assert_eq!(b.status, 200, "{}", b.text);
}

#[tokio::test]
async fn api_access_token_authenticates_and_can_be_reset() {
    let app = TestApp::spawn().await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;
    let token = tenant.admin.token.clone();

    let p = app
        .call(Method::GET, "/api/v1/profile", Some(&token), None)
        .await;
    assert_eq!(p.status, 200);
    assert_eq!(p.body["email"], tenant.admin.email.as_str());
    // Proxies that drop underscores get the dashed spelling.
    let dashed = Reply::from(
        app.request(Method::GET, "/api/v1/profile")
            .header("api-access-token", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(dashed.status, 200);

    let bad = app
        .call(Method::GET, "/api/v1/profile", Some("not-a-token"), None)
        .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.body, json!({"error": "Invalid Access Token"}));
    let none = app.call(Method::GET, "/api/v1/profile", None, None).await;
    assert_eq!(none.status, 401);
    assert_eq!(
        none.body,
        json!({"errors": ["You need to sign in or sign up before continuing."]})
    );

    let reset = app
        .call(
            Method::POST,
            "/api/v1/profile/reset_access_token",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(reset.status, 200);
    let fresh = reset.body["access_token"].as_str().unwrap().to_string();
    assert_ne!(fresh, token);
    assert_eq!(
        app.call(Method::GET, "/api/v1/profile", Some(&token), None)
            .await
            .status,
        401
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/profile", Some(&fresh), None)
            .await
            .status,
        200
    );

    // A platform app's token is not a user.
    let as_user = app
        .call(Method::GET, "/api/v1/profile", Some(&platform), None)
        .await;
    assert_eq!(as_user.status, 401);
}

#[tokio::test]
async fn imported_devise_bcrypt_password_is_upgraded_at_sign_in() {
    let app = TestApp::spawn().await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;
    // What a Chatwoot import leaves: Devise's bcrypt hash of "Imported1!".
    let bcrypt_hash = "$2a$04$sZZs6ipwRveNisZBV9Bxj.MbjCTpUV8.3ginvM/zNI.IvFZU7coEC";
    let db = app.db().await;
    set_hash(&db, tenant.admin.id, bcrypt_hash).await;

    assert_eq!(
        sign_in(&app, &tenant.admin.email, "wrong").await.status,
        401
    );
    let r = sign_in(&app, &tenant.admin.email, "Imported1!").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let stored = hash_of(&db, tenant.admin.id).await;
    assert!(
        stored.starts_with("$argon2id$"),
        "re-hashed with argon2, got {stored}"
    );
    assert_eq!(
        sign_in(&app, &tenant.admin.email, "Imported1!")
            .await
            .status,
        200
    );
}

async fn set_hash(db: &switchboard_store::Db, id: i64, hash: &str) {
    let mut tx = db.begin().await.unwrap();
    switchboard_store::exec!(
        tx.ex(),
        "UPDATE users SET encrypted_password = $1 WHERE id = $2",
        hash,
        id
    )
    .unwrap();
    tx.commit().await.unwrap();
}

async fn hash_of(db: &switchboard_store::Db, id: i64) -> String {
    const SQL: &str = "SELECT encrypted_password FROM users WHERE id = $1";
    match db {
        switchboard_store::Db::Sqlite { reader, .. } => {
            sqlx::query_scalar(SQL).bind(id).fetch_one(reader).await
        }
        switchboard_store::Db::Pg(pool) => sqlx::query_scalar(SQL).bind(id).fetch_one(pool).await,
    }
    .unwrap()
}

#[tokio::test]
async fn sso_login_link_signs_in_once() {
    let app = TestApp::spawn().await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;
    let r = app
        .call(
            Method::GET,
            &format!("/platform/api/v1/users/{}/login", tenant.admin.id),
            Some(&platform),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let url = url::Url::parse(r.body["url"].as_str().unwrap()).unwrap();
    assert_eq!(url.path(), "/app/login");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["email"], tenant.admin.email);
    assert_eq!(q["sso_auth_token"].len(), 64);
    let body = json!({"email": q["email"], "sso_auth_token": q["sso_auth_token"]});
    let first = app
        .call(Method::POST, "/auth/sign_in", None, Some(body.clone()))
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["data"]["id"], tenant.admin.id);
    let second = app
        .call(Method::POST, "/auth/sign_in", None, Some(body))
        .await;
    assert_eq!(second.status, 401);
}
