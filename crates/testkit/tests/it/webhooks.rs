//! Account webhooks: the CRUD endpoints with Chatwoot's shapes, and deliveries to a real
//! HTTP receiver on loopback: payloads, signatures, retries, a restart with deliveries
//! pending, and the refusal of private addresses.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Process, Tenant, TestApp};

/// What the receiver got: headers and the raw body.
#[derive(Clone)]
pub(crate) struct Hit {
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

#[derive(Clone, Default)]
struct Inbox {
    hits: Arc<Mutex<Vec<Hit>>>,
    /// The status to answer with (200 unless a test makes it fail).
    status: Arc<AtomicU16>,
    /// While set, requests are recorded and then wait for `release` (a slow receiver).
    held: Arc<std::sync::atomic::AtomicBool>,
    release: Arc<tokio::sync::Notify>,
}

/// A webhook receiver on 127.0.0.1, stopped when dropped.
pub(crate) struct Receiver {
    pub(crate) url: String,
    inbox: Inbox,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(State(inbox): State<Inbox>, headers: HeaderMap, body: String) -> StatusCode {
    inbox.hits.lock().unwrap().push(Hit { headers, body });
    if inbox.held.load(Ordering::SeqCst) {
        inbox.release.notified().await;
    }
    StatusCode::from_u16(inbox.status.load(Ordering::SeqCst)).unwrap()
}

impl Receiver {
    pub(crate) async fn start() -> Receiver {
        let inbox = Inbox::default();
        inbox.status.store(200, Ordering::SeqCst);
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, inbox, task }
    }

    pub(crate) fn answer(&self, status: u16) {
        self.inbox.status.store(status, Ordering::SeqCst);
    }

    /// From now on requests are recorded and then left hanging, as a slow receiver does.
    pub(crate) fn hold(&self) {
        self.inbox.held.store(true, Ordering::SeqCst);
    }

    /// Answers the hanging requests and stops holding new ones.
    pub(crate) fn let_go(&self) {
        self.inbox.held.store(false, Ordering::SeqCst);
        self.inbox.release.notify_waiters();
    }

    pub(crate) fn hits(&self) -> Vec<Hit> {
        self.inbox.hits.lock().unwrap().clone()
    }

    /// The bodies (as JSON) of successful or failed posts for `event`.
    pub(crate) fn events(&self, event: &str) -> Vec<(Hit, Value)> {
        self.hits()
            .into_iter()
            .filter_map(|h| {
                let v: Value = serde_json::from_str(&h.body).ok()?;
                (v["event"] == event).then_some((h, v))
            })
            .collect()
    }

    /// Waits until `event` arrived `n` times.
    pub(crate) async fn wait_for(&self, event: &str, n: usize) -> Vec<(Hit, Value)> {
        for _ in 0..400 {
            let got = self.events(event);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "{event} did not arrive {n} times; got {:?}",
            self.hits().iter().map(|h| &h.body).collect::<Vec<_>>()
        );
    }
}

pub(crate) fn verify(hit: &Hit, secret: &str) {
    let header = |n: &str| hit.headers.get(n).unwrap().to_str().unwrap().to_string();
    let timestamp = header("x-switchboard-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", hit.body).as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(header("x-switchboard-signature"), expected);
    assert_eq!(header("content-type"), "application/json");
    assert!(!header("x-switchboard-delivery").is_empty());
    let age = time_now() - timestamp.parse::<i64>().unwrap();
    assert!((0..120).contains(&age), "timestamp {timestamp}");
}

fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

const ALL: [&str; 7] = [
    "conversation_created",
    "conversation_status_changed",
    "conversation_updated",
    "contact_created",
    "contact_updated",
    "message_created",
    "message_updated",
];

async fn tenant(app: &TestApp) -> Tenant {
    let p = app.platform_token().await;
    app.account_with_admin(&p, "Acme").await
}

fn base(t: &Tenant) -> String {
    format!("/api/v1/accounts/{}", t.account_id)
}

/// Creates a webhook; returns its id and secret.
pub(crate) async fn hook(app: &TestApp, t: &Tenant, url: &str, events: &[&str]) -> (i64, String) {
    let r = app
        .call(
            Method::POST,
            &format!("{}/webhooks", base(t)),
            Some(&t.admin.token),
            Some(json!({"webhook": {"url": url, "name": "Receiver", "subscriptions": events}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let w = &r.body["payload"]["webhook"];
    (
        w["id"].as_i64().unwrap(),
        w["secret"].as_str().unwrap().to_string(),
    )
}

/// An API inbox (with `webhook_url` when given), a contact in it and a conversation;
/// returns (inbox id, contact id, conversation display id).
async fn conversation(app: &TestApp, t: &Tenant, webhook_url: Option<&str>) -> (i64, i64, i64) {
    let admin = Some(t.admin.token.as_str());
    let mut channel = json!({"type": "api"});
    if let Some(u) = webhook_url {
        channel["webhook_url"] = json!(u);
    }
    let inbox = app
        .call(
            Method::POST,
            &format!("{}/inboxes", base(t)),
            admin,
            Some(json!({"name": "Api", "channel": channel})),
        )
        .await;
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    let inbox_id = inbox.body["id"].as_i64().unwrap();
    let contact = app
        .call(
            Method::POST,
            &format!("{}/contacts", base(t)),
            admin,
            Some(json!({"name": "Jo", "email": "jo@example.com", "inbox_id": inbox_id})),
        )
        .await;
    assert_eq!(contact.status, 200, "{}", contact.text);
    let contact_id = contact.body["payload"]["contact"]["id"].as_i64().unwrap();
    let c = app
        .call(
            Method::POST,
            &format!("{}/conversations", base(t)),
            admin,
            Some(json!({"contact_id": contact_id, "inbox_id": inbox_id})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    (inbox_id, contact_id, c.body["id"].as_i64().unwrap())
}

async fn say(app: &TestApp, t: &Tenant, display_id: i64, content: &str) -> Value {
    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/messages", base(t)),
            Some(&t.admin.token),
            Some(json!({"content": content})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn deliveries(app: &TestApp, t: &Tenant, id: i64) -> Vec<Value> {
    let r = app
        .call(
            Method::GET,
            &format!("{}/webhooks/{id}/deliveries", base(t)),
            Some(&t.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["payload"]["deliveries"].as_array().unwrap().clone()
}

/// Waits until a delivery of `event` satisfies `ok`.
async fn wait_delivery(
    app: &TestApp,
    t: &Tenant,
    id: i64,
    event: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Vec::new();
    for _ in 0..400 {
        last = deliveries(app, t, id).await;
        if let Some(d) = last.iter().find(|d| d["event"] == event && ok(d)) {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no matching {event} delivery: {last:?}");
}

pub(crate) const LOOPBACK: (&str, &str) = ("ALLOWED_PRIVATE_ADDRESSES", "127.0.0.1");
pub(crate) const FAST_RETRY: (&str, &str) = ("JOB_RETRY_BASE", "50ms");

#[tokio::test]
async fn webhooks_are_managed_by_administrators_with_chatwoot_shapes() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let path = format!("{}/webhooks", base(&t));
    let admin = Some(t.admin.token.as_str());

    let r = app
        .call(
            Method::POST,
            &path,
            admin,
            Some(json!({"url": "https://example.com/hook", "subscriptions": ["message_created"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let w = r.body["payload"]["webhook"].clone();
    let id = w["id"].as_i64().unwrap();
    assert_eq!(w["url"], "https://example.com/hook");
    assert_eq!(w["account_id"], t.account_id);
    assert_eq!(w["subscriptions"], json!(["message_created"]));
    assert!(w.get("inbox").is_none());
    assert_eq!(w["secret"].as_str().unwrap().len(), 64);

    let list = app.call(Method::GET, &path, admin, None).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["payload"]["webhooks"][0]["id"], id);
    assert_eq!(
        list.body["payload"]["webhooks"].as_array().unwrap().len(),
        1
    );

    let r = app
        .call(
            Method::PATCH,
            &format!("{path}/{id}"),
            admin,
            Some(json!({"webhook": {"subscriptions": ["contact_created", "conversation_created"], "name": "CRM"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let w = &r.body["payload"]["webhook"];
    assert_eq!(
        w["subscriptions"],
        json!(["contact_created", "conversation_created"])
    );
    assert_eq!(w["name"], "CRM");
    assert_eq!(w["url"], "https://example.com/hook");

    // Bad input: a URL that is not http(s), an unknown or empty event list, a duplicate.
    for body in [
        json!({"url": "ftp://example.com/x", "subscriptions": ["message_created"]}),
        json!({"url": "not a url", "subscriptions": ["message_created"]}),
        json!({"url": "https://example.com/2", "subscriptions": ["message_exploded"]}),
        json!({"url": "https://example.com/2", "subscriptions": []}),
        json!({"url": "https://example.com/hook", "subscriptions": ["message_created"]}),
    ] {
        let r = app
            .call(Method::POST, &path, admin, Some(body.clone()))
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.body["attributes"].is_array(), "{}", r.text);
    }

    // Agents may not see or change webhooks (401 as in Chatwoot).
    let agent = app.user_in(&p, t.account_id, "agent").await;
    let r = app.call(Method::GET, &path, Some(&agent.token), None).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let r = app
        .call(
            Method::POST,
            &path,
            Some(&agent.token),
            Some(json!({"url": "https://example.com/a", "subscriptions": ["message_created"]})),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);

    // Another account's webhook is not found through this account.
    let other = app.account_with_admin(&p, "Other").await;
    let (theirs, _) = hook(
        &app,
        &other,
        "https://example.com/theirs",
        &["message_created"],
    )
    .await;
    for method in [Method::PATCH, Method::DELETE] {
        let r = app
            .call(
                method,
                &format!("{path}/{theirs}"),
                admin,
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.text);
    }
    let r = app
        .call(
            Method::GET,
            &format!("{path}/{theirs}/deliveries"),
            admin,
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);

    let r = app
        .call(Method::DELETE, &format!("{path}/{id}"), admin, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = app.call(Method::GET, &path, admin, None).await;
    assert_eq!(list.body["payload"]["webhooks"], json!([]));
}

#[tokio::test]
async fn changes_are_delivered_signed_with_chatwoot_payloads() {
    let rx = Receiver::start().await;
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let t = tenant(&app).await;
    let (id, secret) = hook(&app, &t, &rx.url, &ALL).await;
    let (inbox, contact, display_id) = conversation(&app, &t, None).await;

    let (hit, c) = rx.wait_for("contact_created", 1).await.remove(0);
    verify(&hit, &secret);
    assert_eq!(c["id"], contact);
    assert_eq!(c["name"], "Jo");
    assert_eq!(c["email"], "jo@example.com");
    assert_eq!(c["account"], json!({"id": t.account_id, "name": "Acme"}));
    for k in [
        "additional_attributes",
        "custom_attributes",
        "avatar",
        "thumbnail",
        "identifier",
        "phone_number",
        "blocked",
    ] {
        assert!(c.get(k).is_some(), "contact payload lacks {k}: {c}");
    }

    let (hit, conv) = rx.wait_for("conversation_created", 1).await.remove(0);
    verify(&hit, &secret);
    assert_eq!(conv["id"], display_id);
    assert_eq!(conv["inbox_id"], inbox);
    assert_eq!(conv["status"], "open");
    assert_eq!(conv["channel"], "Channel::Api");
    assert_eq!(conv["meta"]["sender"]["id"], contact);
    assert_eq!(conv["contact_inbox"]["inbox_id"], inbox);
    assert!(conv["messages"].is_array());
    assert!(conv["updated_at"].is_f64(), "{conv}");

    let sent = say(&app, &t, display_id, "Hello from the desk").await;
    let (hit, m) = rx.wait_for("message_created", 1).await.remove(0);
    verify(&hit, &secret);
    assert_eq!(m["id"], sent["id"]);
    assert_eq!(m["content"], "Hello from the desk");
    assert_eq!(m["message_type"], "outgoing");
    assert_eq!(m["content_type"], "text");
    assert_eq!(m["private"], false);
    assert!(m["created_at"].as_str().unwrap().ends_with('Z'), "{m}");
    assert_eq!(m["account"], json!({"id": t.account_id, "name": "Acme"}));
    assert_eq!(m["inbox"], json!({"id": inbox, "name": "Api"}));
    assert_eq!(m["conversation"]["id"], display_id);
    assert_eq!(m["sender"]["type"], "user");
    assert_eq!(m["sender"]["id"], t.admin.id);
    assert_eq!(m["sender"]["email"], t.admin.email.as_str());

    let r = app
        .call(
            Method::POST,
            &format!("{}/conversations/{display_id}/toggle_status", base(&t)),
            Some(&t.admin.token),
            Some(json!({"status": "resolved"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (hit, s) = rx
        .wait_for("conversation_status_changed", 1)
        .await
        .remove(0);
    verify(&hit, &secret);
    assert_eq!(s["status"], "resolved");
    assert_eq!(
        s["changed_attributes"],
        json!([{"status": {"previous_value": "open", "current_value": "resolved"}}])
    );

    let r = app
        .call(
            Method::PATCH,
            &format!("{}/contacts/{contact}", base(&t)),
            Some(&t.admin.token),
            Some(json!({"name": "Joanna"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, u) = rx.wait_for("contact_updated", 1).await.remove(0);
    assert_eq!(u["name"], "Joanna");
    assert_eq!(
        u["changed_attributes"],
        json!([{"name": {"previous_value": "Jo", "current_value": "Joanna"}}])
    );

    // The delivery log: every event delivered once, with the receiver's answer.
    let d = wait_delivery(&app, &t, id, "message_created", |d| {
        d["status"] == "delivered"
    })
    .await;
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["response_code"], 200);
    assert_eq!(d["last_error"], Value::Null);
    let delivery_header = rx.events("message_created")[0]
        .0
        .headers
        .get("x-switchboard-delivery")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(d["uuid"], delivery_header.as_str());
}

#[tokio::test]
async fn only_subscribed_events_are_sent_and_the_api_inbox_url_gets_its_inbox_events() {
    let account_rx = Receiver::start().await;
    let inbox_rx = Receiver::start().await;
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let t = tenant(&app).await;
    hook(&app, &t, &account_rx.url, &["message_created"]).await;
    let (_, _, display_id) = conversation(&app, &t, Some(&inbox_rx.url)).await;
    say(&app, &t, display_id, "one").await;
    account_rx.wait_for("message_created", 1).await;
    inbox_rx.wait_for("message_created", 1).await;
    inbox_rx.wait_for("conversation_created", 1).await;
    // Give stray deliveries a moment to show up before asserting they did not.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(account_rx.events("conversation_created").is_empty());
    assert!(account_rx.events("contact_created").is_empty());
    // The inbox URL is not an account webhook: no contact events.
    assert!(inbox_rx.events("contact_created").is_empty());
}

#[tokio::test]
async fn a_failing_receiver_is_retried_until_it_recovers() {
    let rx = Receiver::start().await;
    rx.answer(500);
    let app = TestApp::spawn_with(&[LOOPBACK, FAST_RETRY]).await;
    let t = tenant(&app).await;
    let (id, secret) = hook(&app, &t, &rx.url, &["message_created"]).await;
    let (_, _, display_id) = conversation(&app, &t, None).await;
    say(&app, &t, display_id, "are you there?").await;

    let failed = wait_delivery(&app, &t, id, "message_created", |d| {
        d["status"] == "retrying" && d["attempts"].as_i64() >= Some(2)
    })
    .await;
    assert_eq!(failed["response_code"], 500);
    assert!(failed["last_error"].as_str().unwrap().contains("500"));

    rx.answer(200);
    let ok = wait_delivery(&app, &t, id, "message_created", |d| {
        d["status"] == "delivered"
    })
    .await;
    assert!(ok["attempts"].as_i64().unwrap() >= 3, "{ok}");
    assert_eq!(ok["response_code"], 200);
    let hits = rx.events("message_created");
    assert!(hits.len() >= 3);
    // Every attempt carries the same delivery id and body, freshly signed.
    for (hit, _) in &hits {
        verify(hit, &secret);
        assert_eq!(hit.body, hits[0].0.body);
        assert_eq!(
            hit.headers.get("x-switchboard-delivery"),
            hits[0].0.headers.get("x-switchboard-delivery")
        );
    }
}

#[tokio::test]
async fn pending_deliveries_survive_a_restart() {
    let rx = Receiver::start().await;
    rx.answer(503);
    let app = TestApp::spawn_with(&[LOOPBACK, ("JOB_RETRY_BASE", "300ms")]).await;
    let t = tenant(&app).await;
    let (id, _) = hook(&app, &t, &rx.url, &["message_created"]).await;
    let (_, _, display_id) = conversation(&app, &t, None).await;
    let sent = say(&app, &t, display_id, "keep me").await;
    wait_delivery(&app, &t, id, "message_created", |d| {
        d["status"] == "retrying"
    })
    .await;

    let app = app.restart().await;
    rx.answer(200);
    let ok = wait_delivery(&app, &t, id, "message_created", |d| {
        d["status"] == "delivered"
    })
    .await;
    assert_eq!(ok["response_code"], 200);
    let (_, body) = rx.events("message_created").into_iter().last().unwrap();
    assert_eq!(body["id"], sent["id"]);
    assert_eq!(deliveries(&app, &t, id).await.len(), 1);
}

/// The real binary killed with SIGKILL while its deliveries hang at the receiver: the
/// jobs keep their leases, and once those run out the restarted binary delivers every
/// event, each with the delivery id it had before.
#[tokio::test]
async fn deliveries_survive_kill_9_mid_delivery() {
    let rx = Receiver::start().await;
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let t = tenant(&app).await;
    let (id, _) = hook(&app, &t, &rx.url, &["message_created"]).await;
    let (_, _, display_id) = conversation(&app, &t, None).await;
    let storage = app.stop().await;

    let env = [
        LOOPBACK,
        ("JOB_LEASE", "2s"),
        ("JOB_POLL_INTERVAL", "200ms"),
    ];
    let server = Process::start(&storage, "serve", &env).await;
    let client = switchboard_testkit::client();
    let post = |p: &Process, content: String| {
        client
            .post(p.url(&format!("{}/conversations/{display_id}/messages", base(&t))))
            .header("api_access_token", &t.admin.token)
            .json(&json!({ "content": content }))
            .send()
    };
    rx.hold();
    let mut sent = Vec::new();
    for n in 0..3 {
        let r = post(&server, format!("before the kill {n}")).await.unwrap();
        assert_eq!(r.status(), 200);
        sent.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    // Every delivery is in flight, hanging at the receiver, when the process dies.
    let in_flight = rx.wait_for("message_created", 3).await;
    server.kill9();
    rx.let_go();

    let server = Process::start(&storage, "serve", &env).await;
    let r = post(&server, "after the restart".into()).await.unwrap();
    assert_eq!(r.status(), 200);
    sent.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());

    let delivered = |d: &Value| d["status"] == "delivered";
    let mut all = Vec::new();
    for _ in 0..400 {
        all = client
            .get(server.url(&format!("{}/webhooks/{id}/deliveries", base(&t))))
            .header("api_access_token", &t.admin.token)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["payload"]["deliveries"]
            .as_array()
            .unwrap()
            .clone();
        if all.len() == 4 && all.iter().all(delivered) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(all.len(), 4, "{all:?}");
    assert!(all.iter().all(delivered), "{all:?}");
    let got = rx.events("message_created");
    for message in &sent {
        assert!(
            got.iter().any(|(_, b)| b["id"] == *message),
            "message {message} was never delivered"
        );
    }
    // A repeat carries the delivery id of the attempt that was cut off, so the receiver
    // can drop the duplicate.
    for (hit, body) in &in_flight {
        let again: Vec<_> = got
            .iter()
            .filter(|(_, b)| b["id"] == body["id"])
            .map(|(h, _)| h.headers.get("x-switchboard-delivery").cloned())
            .collect();
        assert!(again.len() >= 2, "{body} was not delivered again");
        assert!(
            again
                .iter()
                .all(|d| *d == hit.headers.get("x-switchboard-delivery").cloned())
        );
    }
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let rx = Receiver::start().await;
    let app = TestApp::spawn().await;
    let t = tenant(&app).await;
    let (id, _) = hook(&app, &t, &rx.url, &["message_created"]).await;
    let (_, _, display_id) = conversation(&app, &t, None).await;
    say(&app, &t, display_id, "psst").await;
    let d = wait_delivery(&app, &t, id, "message_created", |d| {
        !d["last_error"].is_null()
    })
    .await;
    assert!(
        d["last_error"]
            .as_str()
            .unwrap()
            .contains("ALLOWED_PRIVATE_ADDRESSES"),
        "{d}"
    );
    assert_eq!(d["response_code"], Value::Null);
    assert!(rx.hits().is_empty());
}

/// The queue underneath: a job that keeps failing is retried and then kept as dead; a job
/// whose worker vanished (its lease ran out) is claimed again; release gives a job back
/// without spending an attempt.
#[tokio::test]
async fn the_queue_retries_buries_and_reclaims() {
    use switchboard_domain::Timestamp;
    use switchboard_store::jobs;

    let app = TestApp::spawn_with(&[FAST_RETRY]).await;
    let db = app.db().await;
    let mut tx = db.begin().await.unwrap();
    jobs::enqueue(tx.ex(), "no_such_kind", &json!({}), 2, Timestamp::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut rows = Vec::new();
    for _ in 0..400 {
        let mut conn = db.conn().await.unwrap();
        rows = jobs::list(conn.ex(), "no_such_kind").await.unwrap();
        if rows.first().is_some_and(|j| j.status == jobs::DEAD) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].status, jobs::DEAD, "{rows:?}");
    assert_eq!(rows[0].attempts, 2);
    assert!(
        rows[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("unknown job kind")
    );

    // Due in an hour, so the server's own worker leaves it alone; we claim it as a worker
    // that then dies.
    let later = Timestamp::now().plus_seconds(3600);
    let mut tx = db.begin().await.unwrap();
    let id = jobs::enqueue(tx.ex(), "lease_test", &json!({"n": 1}), 5, later)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let first = jobs::claim(&db, "gone", 10, later, later.plus_seconds(60))
        .await
        .unwrap();
    assert_eq!(first.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(first[0].payload.0, json!({"n": 1}));
    // While the lease holds, nobody else gets it.
    let none = jobs::claim(
        &db,
        "other",
        10,
        later.plus_seconds(30),
        later.plus_seconds(90),
    )
    .await
    .unwrap();
    assert!(none.iter().all(|j| j.id != id));
    // Once it has run out, another worker does, and the attempt counts.
    let again = jobs::claim(
        &db,
        "other",
        10,
        later.plus_seconds(61),
        later.plus_seconds(120),
    )
    .await
    .unwrap();
    assert_eq!(
        again.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
        vec![(id, 2)]
    );
    let mut tx = db.begin().await.unwrap();
    assert_eq!(jobs::release(tx.ex(), "other").await.unwrap(), 1);
    tx.commit().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    let row = jobs::list(conn.ex(), "lease_test").await.unwrap().remove(0);
    assert_eq!((row.status, row.attempts), (jobs::QUEUED, 1));
}

/// A contact writing through the Client API: incoming messages carry the contact as
/// sender; an agent's delivery-status update on the API inbox is a `message_updated`.
#[tokio::test]
async fn client_api_messages_are_incoming_with_the_contact_as_sender() {
    let rx = Receiver::start().await;
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let t = tenant(&app).await;
    let mut events = ALL.to_vec();
    events.extend(["conversation_typing_on", "conversation_typing_off"]);
    hook(&app, &t, &rx.url, &events).await;
    let inbox = app
        .call(
            Method::POST,
            &format!("{}/inboxes", base(&t)),
            Some(&t.admin.token),
            Some(json!({"name": "Api", "channel": {"type": "api"}})),
        )
        .await;
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    let public = format!(
        "/public/api/v1/inboxes/{}",
        inbox.body["inbox_identifier"].as_str().unwrap()
    );
    let c = app
        .call(
            Method::POST,
            &format!("{public}/contacts"),
            None,
            Some(json!({"name": "Vi", "email": "vi@example.com"})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    let source = c.body["source_id"].as_str().unwrap().to_string();
    let (_, made) = rx.wait_for("contact_created", 1).await.remove(0);
    assert_eq!(made["email"], "vi@example.com");

    let conv = app
        .call(
            Method::POST,
            &format!("{public}/contacts/{source}/conversations"),
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(conv.status, 200, "{}", conv.text);
    let display_id = conv.body["id"].as_i64().unwrap();
    let (_, created) = rx.wait_for("conversation_created", 1).await.remove(0);
    assert_eq!(created["id"], display_id);
    assert_eq!(created["contact_inbox"]["source_id"], source.as_str());

    let m = app
        .call(
            Method::POST,
            &format!("{public}/contacts/{source}/conversations/{display_id}/messages"),
            None,
            Some(json!({"content": "help"})),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    let (_, got) = rx.wait_for("message_created", 1).await.remove(0);
    assert_eq!(got["message_type"], "incoming");
    assert_eq!(got["content"], "help");
    assert_eq!(got["sender"]["email"], "vi@example.com");
    assert_eq!(got["sender"]["account"]["id"], t.account_id);
    assert!(got["sender"].get("type").is_none(), "{}", got["sender"]);

    let r = app
        .call(
            Method::PATCH,
            &format!(
                "{}/conversations/{display_id}/messages/{}",
                base(&t),
                got["id"]
            ),
            Some(&t.admin.token),
            Some(json!({"status": "read"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, updated) = rx.wait_for("message_updated", 1).await.remove(0);
    assert_eq!(updated["id"], got["id"]);

    // Typing: the contact's, then an agent's private one.
    let r = app
        .call(
            Method::POST,
            &format!("{public}/contacts/{source}/conversations/{display_id}/toggle_typing"),
            None,
            Some(json!({"typing_status": "on"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, typing) = rx.wait_for("conversation_typing_on", 1).await.remove(0);
    assert_eq!(typing["user"]["email"], "vi@example.com");
    assert_eq!(typing["conversation"]["id"], display_id);
    assert_eq!(typing["is_private"], false);
    let r = app
        .call(
            Method::POST,
            &format!(
                "{}/conversations/{display_id}/toggle_typing_status",
                base(&t)
            ),
            Some(&t.admin.token),
            Some(json!({"typing_status": "off", "is_private": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, off) = rx.wait_for("conversation_typing_off", 1).await.remove(0);
    assert_eq!(off["user"]["type"], "user");
    assert_eq!(off["user"]["id"], t.admin.id);
    assert_eq!(off["is_private"], true);
}

/// One receiver that hangs does not hold up deliveries to another.
#[tokio::test]
async fn a_slow_receiver_does_not_hold_up_the_others() {
    let slow = Receiver::start().await;
    slow.inbox.held.store(true, Ordering::SeqCst);
    let fast = Receiver::start().await;
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let t = tenant(&app).await;
    hook(&app, &t, &slow.url, &["message_created"]).await;
    let (_, _, display_id) = conversation(&app, &t, None).await;
    say(&app, &t, display_id, "first").await;
    slow.wait_for("message_created", 1).await;
    // The slow receiver now holds its request open; a later event still reaches the
    // fast one, through a webhook made afterwards.
    hook(&app, &t, &fast.url, &["message_created"]).await;
    say(&app, &t, display_id, "second").await;
    let (_, got) = fast.wait_for("message_created", 1).await.remove(0);
    assert_eq!(got["content"], "second");
    // Both reach the slow one too, in their own time.
    assert_eq!(slow.wait_for("message_created", 2).await.len(), 2);
    slow.inbox.held.store(false, Ordering::SeqCst);
    slow.inbox.release.notify_waiters();
}

#[tokio::test]
async fn webwidget_triggered_when_a_visitor_opens_the_widget() {
    let receiver = Receiver::start().await;
    let app = TestApp::spawn_with(&[LOOPBACK]).await;
    let t = tenant(&app).await;
    let (_, secret) = hook(&app, &t, &receiver.url, &["webwidget_triggered"]).await;
    let inbox = app
        .call(
            Method::POST,
            &format!("{}/inboxes", base(&t)),
            Some(&t.admin.token),
            Some(json!({"name": "Shop", "channel": {"type": "web_widget", "website_url": "https://shop.example"}})),
        )
        .await;
    let site = inbox.body["website_token"].as_str().unwrap().to_string();
    let config = app
        .call(
            Method::POST,
            &format!("/api/v1/widget/config?website_token={site}"),
            None,
            None,
        )
        .await;
    let token = config.body["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    let event = |name: &str| {
        app.request(
            Method::POST,
            &format!("/api/v1/widget/events?website_token={site}&locale=pt_BR"),
        )
        .header("X-Auth-Token", &token)
        .header("Accept-Language", "pt-BR,pt;q=0.9")
        .header(
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        )
        .json(&json!({"name": name, "event_info": {"referer": "https://shop.example/cart"}}))
        .send()
    };
    // Other names are accepted and send nothing.
    assert_eq!(event("something.else").await.unwrap().status(), 204);
    assert_eq!(event("webwidget.triggered").await.unwrap().status(), 204);
    let got = receiver.wait_for("webwidget_triggered", 1).await;
    assert_eq!(receiver.hits().len(), 1);
    let (hit, body) = &got[0];
    verify(hit, &secret);
    assert_eq!(body["contact"]["id"], config.body["contact"]["id"]);
    assert_eq!(
        body["inbox"],
        json!({"id": inbox.body["id"], "name": "Shop"})
    );
    assert_eq!(body["account"]["id"], t.account_id);
    assert!(body["current_conversation"].is_null());
    assert_eq!(body["source_id"].as_str().unwrap().len(), 36);
    let info = &body["event_info"];
    assert_eq!(info["referer"], "https://shop.example/cart");
    assert_eq!(info["widget_language"], "pt_BR");
    assert_eq!(info["browser_language"], "pt-BR");
    assert_eq!(info["browser"]["browser_name"], "Chrome");
    assert_eq!(info["browser"]["browser_version"], "131.0.0.0");
    assert_eq!(info["browser"]["platform_name"], "Linux");
    // A forged token is nobody: 404, and no webhook.
    let forged = app
        .request(
            Method::POST,
            &format!("/api/v1/widget/events?website_token={site}"),
        )
        .header("X-Auth-Token", "a.b.c")
        .json(&json!({"name": "webwidget.triggered"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.events("webwidget_triggered").len(), 1);
}
