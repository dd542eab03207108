use switchboard_testkit::TestApp;
use switchboard_testkit::reqwest::Method;

#[tokio::test]
async fn api_reports_chatwoot_version_and_services() {
    let app = TestApp::spawn().await;
    let r = app.call(Method::GET, "/api", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["version"], "4.10.0");
    assert_eq!(r.body["data_services"], "ok");
    assert_eq!(r.body["queue_services"], "ok");
    let ts = r.body["timestamp"].as_str().unwrap();
    // Chatwoot's format: "YYYY-MM-DD HH:MM:SS", no zone.
    assert_eq!(ts.len(), 19, "{ts}");
    assert_eq!(&ts[10..11], " ");
}

#[tokio::test]
async fn liveness_and_readiness() {
    let app = TestApp::spawn().await;
    let live = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(live.status, 200);
    assert_eq!(live.body["status"], "ok");
    let ready = app.call(Method::GET, "/health/ready", None, None).await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.body["database"], "ok");
    if std::env::var("TEST_REDIS_URL").is_ok_and(|v| !v.is_empty()) {
        assert_eq!(ready.body["redis"], "ok");
    }
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = TestApp::spawn().await;
    let r = app.call(Method::GET, "/api", None, None).await;
    let id = r.header("x-request-id").unwrap();
    assert_eq!(id.len(), 36, "{id}");
}

#[tokio::test]
async fn unknown_routes_are_json_404s() {
    let app = TestApp::spawn().await;
    let r = app.call(Method::GET, "/no/such/route", None, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        serde_json::json!({"status": 404, "error": "Not Found"})
    );
}
