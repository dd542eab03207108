//! Single sign-on through a real OpenID provider on loopback (`oidc-provider`, see
//! `crates/testkit/oidc`), and trusted-proxy mode.

use serde_json::{Value, json};
use switchboard_testkit::oidc::{self, Flow, Provider};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::reqwest::header::COOKIE;
use switchboard_testkit::{Person, Reply, Tenant, TestApp};

/// An app set up for OpenID Connect with `extra` settings, its first account, and the
/// provider's port (the provider starts once the test knows its users).
async fn app_with_oidc(extra: &[(&str, &str)]) -> (TestApp, Tenant, String, u16) {
    let port = oidc::free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let mut vars = vec![
        ("OIDC_ISSUER_URL", issuer.as_str()),
        ("OIDC_CLIENT_ID", oidc::CLIENT_ID),
        ("OIDC_CLIENT_SECRET", oidc::CLIENT_SECRET),
        ("OIDC_SCOPES", "openid email profile groups"),
    ];
    vars.extend_from_slice(extra);
    let app = TestApp::spawn_with(&vars).await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;
    (app, tenant, platform, port)
}

async fn provider(app: &TestApp, port: u16, accounts: Value) -> Provider {
    Provider::start(port, &app.url("/auth/oidc/callback"), accounts).await
}

fn verified(email: &str) -> Value {
    json!({"email": email, "email_verified": true, "name": "From The Provider"})
}

/// Returns from the provider to the app's callback with the browser's state cookie.
async fn callback(
    app: &TestApp,
    url: &str,
    state_cookie: &str,
) -> switchboard_testkit::reqwest::Response {
    app.client
        .get(url)
        .header(COOKIE, format!("sb_oidc_state={state_cookie}"))
        .send()
        .await
        .unwrap()
}

/// Where a refused sign-in lands: the login page with the refusal's code, no session.
fn assert_refused(r: &switchboard_testkit::reqwest::Response, app: &TestApp, code: &str) {
    assert_eq!(r.status(), 302);
    assert_eq!(
        oidc::header(r, "location").as_deref(),
        Some(app.url(&format!("/app/login?error={code}")).as_str())
    );
    assert!(!oidc::set_cookies(r).contains_key("cw_d_session_info"));
}

/// The dashboard session handed over in `cw_d_session_info`, as devise_token_auth headers.
fn session_headers(
    r: &switchboard_testkit::reqwest::Response,
    app: &TestApp,
) -> Vec<(String, String)> {
    assert_eq!(r.status(), 302);
    assert_eq!(
        oidc::header(r, "location").as_deref(),
        Some(app.url("/app").as_str())
    );
    let raw = oidc::set_cookies(r)
        .remove("cw_d_session_info")
        .expect("the session cookie");
    let decoded: String = url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()
        .unwrap();
    let info: Value = serde_json::from_str(&decoded).unwrap();
    ["access-token", "client", "uid"]
        .iter()
        .map(|k| (k.to_string(), info[*k].as_str().unwrap().to_string()))
        .collect()
}

async fn profile(app: &TestApp, headers: &[(String, String)]) -> Reply {
    let mut req = app.request(Method::GET, "/api/v1/profile");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    Reply::from(req.send().await.unwrap()).await
}

async fn signs_in(app: &TestApp, login: &str) -> Reply {
    let Flow {
        state_cookie,
        callback: url,
    } = oidc::authorize(&app.client, &app.url(""), login).await;
    let r = callback(app, &url, &state_cookie).await;
    let headers = session_headers(&r, app);
    let p = profile(app, &headers).await;
    assert_eq!(p.status, 200, "{}", p.text);
    p
}

#[tokio::test]
async fn a_verified_user_signs_in_to_the_dashboard_session() {
    let (app, tenant, _, port) = app_with_oidc(&[]).await;
    let admin = &tenant.admin;
    let _p = provider(
        &app,
        port,
        json!({"alice": verified(&admin.email.to_uppercase())}),
    )
    .await;

    let p = signs_in(&app, "alice").await;
    assert_eq!(p.body["email"], admin.email.as_str());
    assert_eq!(p.body["id"], admin.id);
    assert_eq!(p.body["accounts"][0]["id"], tenant.account_id);
    // Each sign-in is its own device session.
    let again = signs_in(&app, "alice").await;
    assert_eq!(again.body["id"], admin.id);

    // The login page offers the button.
    let page = app.request(Method::GET, "/app/login").send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("\"OIDC_BUTTON_LABEL\":\"Sign in with SSO\""),
        "{html}"
    );
}

#[tokio::test]
async fn tampered_missing_and_replayed_state_are_refused() {
    let (app, tenant, _, port) = app_with_oidc(&[]).await;
    let _p = provider(&app, port, json!({"alice": verified(&tenant.admin.email)})).await;
    let flow = oidc::authorize(&app.client, &app.url(""), "alice").await;
    let state = url::Url::parse(&flow.callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();

    // Another state in the URL (and the cookie to match): unknown to the server.
    let forged = flow.callback.replace(&state, "forged-state");
    assert_refused(
        &callback(&app, &forged, "forged-state").await,
        &app,
        "sso_state",
    );
    // The right state without the browser's cookie: a callback link sent to someone else.
    let r = app.client.get(&flow.callback).send().await.unwrap();
    assert_refused(&r, &app, "sso_state");
    let r = callback(&app, &flow.callback, "another-browser").await;
    assert_refused(&r, &app, "sso_state");

    // None of that spent the genuine sign-in... which works once only.
    let r = callback(&app, &flow.callback, &flow.state_cookie).await;
    assert_eq!(
        profile(&app, &session_headers(&r, &app)).await.body["email"],
        tenant.admin.email.as_str()
    );
    let replay = callback(&app, &flow.callback, &flow.state_cookie).await;
    assert_refused(&replay, &app, "sso_state");

    // The spent code under a fresh, valid state: the provider refuses the code.
    let fresh = oidc::authorize(&app.client, &app.url(""), "alice").await;
    let fresh_state = url::Url::parse(&fresh.callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let replayed_code = flow.callback.replace(&state, &fresh_state);
    let r = callback(&app, &replayed_code, &fresh.state_cookie).await;
    assert_refused(&r, &app, "sso_provider");
}

#[tokio::test]
async fn an_expired_sign_in_is_refused() {
    let (app, tenant, _, port) = app_with_oidc(&[]).await;
    let _p = provider(&app, port, json!({"alice": verified(&tenant.admin.email)})).await;
    let flow = oidc::authorize(&app.client, &app.url(""), "alice").await;
    // Ten minutes later, in one statement: every pending sign-in expired when it began.
    const EXPIRE: &str = "UPDATE oidc_sign_ins SET expires_at = created_at";
    let db = app.db().await;
    let mut tx = db.begin().await.unwrap();
    let n = match &mut tx {
        switchboard_store::Tx::Sqlite(t) => sqlx::query(EXPIRE)
            .execute(&mut **t)
            .await
            .unwrap()
            .rows_affected(),
        switchboard_store::Tx::Pg(t) => sqlx::query(EXPIRE)
            .execute(&mut **t)
            .await
            .unwrap()
            .rows_affected(),
    };
    tx.commit().await.unwrap();
    assert_eq!(n, 1);
    let r = callback(&app, &flow.callback, &flow.state_cookie).await;
    assert_refused(&r, &app, "sso_state");
}

#[tokio::test]
async fn unverified_email_never_signs_in() {
    let (app, tenant, _, port) = app_with_oidc(&[("OIDC_AUTO_PROVISION_ACCOUNT_ID", "1")]).await;
    let _p = provider(
        &app,
        port,
        json!({
            "mallory": {"email": tenant.admin.email, "email_verified": false},
            "nobody": {"email": tenant.admin.email},
        }),
    )
    .await;
    for login in ["mallory", "nobody"] {
        let flow = oidc::authorize(&app.client, &app.url(""), login).await;
        let r = callback(&app, &flow.callback, &flow.state_cookie).await;
        assert_refused(&r, &app, "sso_unverified_email");
    }
}

async fn members(app: &TestApp, tenant: &Tenant) -> Value {
    let path = format!("/api/v1/accounts/{}/agents", tenant.account_id);
    app.call(Method::GET, &path, Some(&tenant.admin.token), None)
        .await
        .body
}

#[tokio::test]
async fn unknown_users_are_refused_without_provisioning() {
    let (app, tenant, _, port) = app_with_oidc(&[]).await;
    let _p = provider(
        &app,
        port,
        json!({"newcomer": verified("newcomer@example.com")}),
    )
    .await;
    let flow = oidc::authorize(&app.client, &app.url(""), "newcomer").await;
    let r = callback(&app, &flow.callback, &flow.state_cookie).await;
    assert_refused(&r, &app, "sso_unknown_user");
    assert_eq!(
        members(&app, &tenant).await.as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn provisioning_creates_members_of_one_account_only() {
    let port = oidc::free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[
        ("OIDC_ISSUER_URL", issuer.as_str()),
        ("OIDC_CLIENT_ID", oidc::CLIENT_ID),
        ("OIDC_CLIENT_SECRET", oidc::CLIENT_SECRET),
        ("OIDC_SCOPES", "openid email profile groups"),
        ("OIDC_AUTO_PROVISION_ACCOUNT_ID", "2"),
        ("OIDC_ALLOWED_DOMAINS", "example.com"),
        ("OIDC_ADMIN_GROUP", "switchboard-admins"),
    ])
    .await;
    let platform = app.platform_token().await;
    let other = app.account_with_admin(&platform, "Other").await;
    let target = app.account_with_admin(&platform, "Target").await;
    assert_eq!(target.account_id, 2, "the configured account");
    let _p = provider(
        &app,
        port,
        json!({
            "agent": {"email": "new.agent@example.com", "email_verified": true, "name": "New Agent"},
            "boss": {"email": "boss@EXAMPLE.com", "email_verified": true, "groups": ["staff", "switchboard-admins"]},
            "outsider": {"email": "someone@example.org", "email_verified": true},
        }),
    )
    .await;

    let agent = signs_in(&app, "agent").await;
    assert_eq!(agent.body["email"], "new.agent@example.com");
    assert_eq!(agent.body["name"], "New Agent");
    let accounts = agent.body["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["id"], 2);
    assert_eq!(accounts[0]["role"], "agent");

    let boss = signs_in(&app, "boss").await;
    assert_eq!(boss.body["email"], "boss@example.com");
    assert_eq!(
        boss.body["name"], "boss",
        "no name claim: the email's local part"
    );
    assert_eq!(boss.body["accounts"][0]["role"], "administrator");

    // A second sign-in finds the provisioned user instead of creating another.
    let again = signs_in(&app, "agent").await;
    assert_eq!(again.body["id"], agent.body["id"]);

    // Outside the allowed domains nobody signs in, and nobody is created.
    let flow = oidc::authorize(&app.client, &app.url(""), "outsider").await;
    let r = callback(&app, &flow.callback, &flow.state_cookie).await;
    assert_refused(&r, &app, "sso_domain");

    let emails = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["email"].as_str().unwrap().to_string())
            .collect()
    };
    let in_target = emails(members(&app, &target).await);
    assert_eq!(in_target.len(), 3, "{in_target:?}");
    assert!(in_target.contains(&"new.agent@example.com".to_string()));
    assert!(!in_target.contains(&"someone@example.org".to_string()));
    // The other tenant sees none of them, and they cannot reach it.
    assert_eq!(
        emails(members(&app, &other).await),
        vec![other.admin.email.clone()]
    );
    let path = format!("/api/v1/accounts/{}/agents", other.account_id);
    let mut req = app.request(Method::GET, &path);
    let flow = oidc::authorize(&app.client, &app.url(""), "boss").await;
    for (k, v) in session_headers(
        &callback(&app, &flow.callback, &flow.state_cookie).await,
        &app,
    ) {
        req = req.header(k, v);
    }
    assert_eq!(req.send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn an_unconfirmed_account_is_taken_over_by_the_verified_owner() {
    let (app, tenant, _, port) = app_with_oidc(&[]).await;
    // An invited agent who never confirmed: the account exists, unconfirmed.
    let path = format!("/api/v1/accounts/{}/agents", tenant.account_id);
    let invited = app
        .call(
            Method::POST,
            &path,
            Some(&tenant.admin.token),
            Some(json!({"name": "Invited", "email": "owner@example.com", "role": "agent"})),
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.text);
    let id = switchboard_domain::UserId(invited.body["id"].as_i64().unwrap());
    // Suppose someone else set its password first (the pre-takeover Chatwoot's
    // advisories describe): they know it, the address's owner does not.
    let db = app.db().await;
    let mut tx = db.begin().await.unwrap();
    let hash = switchboard_core::secrets::hash_password("Squatt3r!pw")
        .await
        .unwrap();
    switchboard_store::users::set_password(
        tx.ex(),
        id,
        &hash,
        switchboard_domain::Timestamp::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let squatter = || {
        app.call(
            Method::POST,
            "/auth/sign_in",
            None,
            Some(json!({"email": "owner@example.com", "password": "Squatt3r!pw"})),
        )
    };
    assert_eq!(
        squatter().await.status,
        401,
        "unconfirmed: no password sign-in yet"
    );

    let _p = provider(&app, port, json!({"owner": verified("owner@example.com")})).await;
    let p = signs_in(&app, "owner").await;
    assert_eq!(p.body["id"], id.0);
    assert_eq!(p.body["accounts"][0]["id"], tenant.account_id);
    let r = squatter().await;
    assert_eq!(
        r.status, 401,
        "the squatter's password no longer works: {}",
        r.text
    );
    assert_eq!(
        r.body["errors"][0],
        "Invalid login credentials. Please try again."
    );
}

#[tokio::test]
async fn password_sign_in_can_be_disabled() {
    let (app, tenant, _, _) = app_with_oidc(&[("DISABLE_PASSWORD_LOGIN", "true")]).await;
    let admin: &Person = &tenant.admin;
    let r = app
        .call(
            Method::POST,
            "/auth/sign_in",
            None,
            Some(json!({"email": admin.email, "password": admin.password})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.body["success"], false);
    assert!(
        r.body["errors"][0]
            .as_str()
            .unwrap()
            .contains("single sign-on")
    );
    assert!(r.header("access-token").is_none());
    let page = app.request(Method::GET, "/app/login").send().await.unwrap();
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("\"PASSWORD_LOGIN_DISABLED\":true")
    );
}

#[tokio::test]
async fn without_oidc_settings_the_routes_do_not_exist() {
    let app = TestApp::spawn().await;
    let r = app.call(Method::GET, "/auth/oidc", None, None).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = app.call(Method::GET, "/auth/proxy", None, None).await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test]
async fn an_unreachable_provider_sends_the_browser_back_with_a_reason() {
    // Nothing listens on this port.
    let issuer = format!("http://127.0.0.1:{}", oidc::free_port());
    let app = TestApp::spawn_with(&[
        ("OIDC_ISSUER_URL", issuer.as_str()),
        ("OIDC_CLIENT_ID", oidc::CLIENT_ID),
    ])
    .await;
    let r = app.client.get(app.url("/auth/oidc")).send().await.unwrap();
    assert_refused(&r, &app, "sso_provider");
    // A callback nobody started.
    let r = callback(&app, &app.url("/auth/oidc/callback?code=x&state=y"), "y").await;
    assert_refused(&r, &app, "sso_state");
}

async fn proxy_sign_in(app: &TestApp, email: &str) -> switchboard_testkit::reqwest::Response {
    app.request(Method::GET, "/auth/proxy")
        .header("X-Forwarded-Email", email)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn trusted_proxy_header_counts_from_trusted_addresses_only() {
    let trusted = TestApp::spawn_with(&[
        ("TRUSTED_PROXY_AUTH_HEADER", "X-Forwarded-Email"),
        ("TRUSTED_PROXY_IPS", "10.0.0.0/8, 127.0.0.1/32"),
    ])
    .await;
    let platform = trusted.platform_token().await;
    let tenant = trusted.account_with_admin(&platform, "Acme").await;
    let r = proxy_sign_in(&trusted, &tenant.admin.email).await;
    let p = profile(&trusted, &session_headers(&r, &trusted)).await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["id"], tenant.admin.id);
    // Unknown users are not created by a header.
    let r = proxy_sign_in(&trusted, "stranger@example.com").await;
    assert_refused(&r, &trusted, "sso_unknown_user");
    // The header is a sign-in step, not a credential on API calls.
    let r = trusted
        .request(Method::GET, "/api/v1/profile")
        .header("X-Forwarded-Email", &tenant.admin.email)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // The same header from an address outside TRUSTED_PROXY_IPS is ignored.
    let untrusted = TestApp::spawn_with(&[
        ("TRUSTED_PROXY_AUTH_HEADER", "X-Forwarded-Email"),
        ("TRUSTED_PROXY_IPS", "10.0.0.0/8"),
    ])
    .await;
    let platform = untrusted.platform_token().await;
    let tenant = untrusted.account_with_admin(&platform, "Acme").await;
    let r = proxy_sign_in(&untrusted, &tenant.admin.email).await;
    assert_refused(&r, &untrusted, "sso_not_configured");
}
