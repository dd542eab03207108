//! The dashboard page: every `/app` path answers with the app, carrying the installation's
//! brand (Chatwoot's `window.globalConfig`) safely escaped.

use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

#[tokio::test]
async fn every_app_path_serves_the_app_with_the_brand() {
    let app = TestApp::spawn_with(&[
        (
            "INSTALLATION_NAME",
            "Acme </script><script>alert(1)</script>",
        ),
        ("LOGO", "https://cdn.example.com/acme.svg"),
        ("BRAND_PRIMARY_COLOR", "#aa3300"),
        ("DEFAULT_LOCALE", "pt_BR"),
    ])
    .await;
    for path in ["/app", "/app/login", "/app/accounts/1/conversations/7"] {
        let page = app.call(Method::GET, path, None, None).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        assert_eq!(page.header("cache-control"), Some("no-cache"));
        assert!(
            page.text.contains("<div id=\"app\"></div>"),
            "{}",
            page.text
        );
        assert!(
            page.text.contains("/assets/dashboard/"),
            "the page names the app's chunks"
        );
    }
    let page = app.call(Method::GET, "/app", None, None).await;
    // The name cannot end the script or the title early.
    assert_eq!(page.text.matches("</script>").count(), 2, "{}", page.text);
    assert!(
        page.text
            .contains("<title>Acme &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>")
    );
    assert!(page.text.contains(
        r#""INSTALLATION_NAME":"Acme \u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e""#
    ));
    assert!(
        page.text
            .contains(r#""LOGO":"https://cdn.example.com/acme.svg""#)
    );
    assert!(page.text.contains(r##""BRAND_PRIMARY_COLOR":"#aa3300""##));
    assert!(page.text.contains(r#""selectedLocale":"pt_BR""#));
    assert!(!page.text.contains("Switchboard"), "{}", page.text);

    // Outside /app, unknown paths are still 404s.
    let other = app.call(Method::GET, "/application", None, None).await;
    assert_eq!(other.status, 404);
}

#[tokio::test]
async fn the_home_page_leads_to_the_dashboard_once_onboarded() {
    let app = TestApp::spawn().await;
    let home = app.call(Method::GET, "/", None, None).await;
    assert_eq!(home.header("location"), Some("/installation/onboarding"));
    let p = app.platform_token().await;
    app.account_with_admin(&p, "Acme").await;
    let home = app.call(Method::GET, "/", None, None).await;
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), Some("/app"));
}
