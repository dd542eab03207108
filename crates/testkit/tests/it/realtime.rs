//! `/cable`: real websockets against a running server, as Chatwoot's dashboard and
//! widget open them. Protocol tests publish through the server's own bus
//! (`TestApp::publish`), where use cases publish; the last test drives the use cases.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_core::events::Broadcast;
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Tenant, TestApp};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub(crate) struct Cable {
    ws: Ws,
}

impl Cable {
    /// Connects as the ActionCable JS client does and reads the welcome.
    pub(crate) async fn open(app: &TestApp) -> Cable {
        let mut req = app.cable_url().into_client_request().unwrap();
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "actioncable-v1-json, actioncable-unsupported"
                .parse()
                .unwrap(),
        );
        let (ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
        assert_eq!(
            resp.headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("actioncable-v1-json"),
            "the JS client closes a socket whose protocol it did not ask for"
        );
        let mut c = Cable { ws };
        assert_eq!(c.frame().await, json!({"type": "welcome"}));
        c
    }

    async fn send(&mut self, v: Value) {
        self.ws.send(Message::text(v.to_string())).await.unwrap();
    }

    async fn send_raw(&mut self, m: Message) {
        let _ = self.ws.send(m).await;
    }

    /// The next frame, pings included.
    async fn frame(&mut self) -> Value {
        let m = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("the socket is open")
            .expect("a frame");
        match m {
            Message::Text(t) => serde_json::from_str(t.as_str()).unwrap(),
            other => panic!("unexpected frame {other:?}"),
        }
    }

    /// The next frame that is not a ping, within 10 s.
    async fn next(&mut self) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let f = tokio::time::timeout_at(deadline, self.frame())
                .await
                .expect("a frame other than a ping within 10 s");
            if f["type"] != "ping" {
                return f;
            }
        }
    }

    /// The next broadcast message (presence updates and pings skipped).
    pub(crate) async fn event(&mut self) -> Value {
        loop {
            let f = self.next().await;
            if f["message"]["event"] != "presence.update" {
                return f;
            }
        }
    }

    async fn subscribe(&mut self, identifier: &Value) -> Value {
        let id = identifier.to_string();
        self.send(json!({"command": "subscribe", "identifier": id}))
            .await;
        self.next().await
    }

    /// Subscribes and expects the confirmation and the first presence update.
    pub(crate) async fn join(&mut self, identifier: &Value) -> Value {
        let id = identifier.to_string();
        assert_eq!(
            self.subscribe(identifier).await,
            json!({"identifier": id, "type": "confirm_subscription"})
        );
        let presence = self.next().await;
        assert_eq!(presence["identifier"], id);
        assert_eq!(presence["message"]["event"], "presence.update");
        presence["message"]["data"].clone()
    }

    /// Whether the server closes the socket within 5 s (frames before that are skipped).
    async fn is_closed(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

pub(crate) struct Agent {
    pub(crate) id: i64,
    pub(crate) pubsub_token: String,
}

pub(crate) async fn pubsub_token(app: &TestApp, token: &str) -> String {
    let r = app
        .call(Method::GET, "/api/v1/profile", Some(token), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["pubsub_token"].as_str().unwrap().to_string()
}

pub(crate) async fn admin_of(app: &TestApp, t: &Tenant) -> Agent {
    Agent {
        id: t.admin.id,
        pubsub_token: pubsub_token(app, &t.admin.token).await,
    }
}

async fn agent_in(app: &TestApp, platform: &str, t: &Tenant) -> Agent {
    let p = app.user_in(platform, t.account_id, "agent").await;
    Agent {
        id: p.id,
        pubsub_token: pubsub_token(app, &p.token).await,
    }
}

/// A contact made through the Client API: (contact id, contact-inbox pubsub_token).
pub(crate) async fn contact_in(app: &TestApp, t: &Tenant) -> (i64, String) {
    let inbox = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/inboxes", t.account_id),
            Some(&t.admin.token),
            Some(json!({"name": "API", "channel": {"type": "api"}})),
        )
        .await;
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    let ident = inbox.body["inbox_identifier"].as_str().unwrap();
    let c = app
        .call(
            Method::POST,
            &format!("/public/api/v1/inboxes/{ident}/contacts"),
            None,
            Some(json!({"name": "Jo"})),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    (
        c.body["id"].as_i64().unwrap(),
        c.body["pubsub_token"].as_str().unwrap().to_string(),
    )
}

pub(crate) fn agent_identifier(a: &Agent, account_id: i64) -> Value {
    json!({"channel": "RoomChannel", "pubsub_token": a.pubsub_token, "account_id": account_id, "user_id": a.id})
}

pub(crate) fn contact_identifier(token: &str) -> Value {
    json!({"channel": "RoomChannel", "pubsub_token": token})
}

fn broadcast(account_id: i64, event: &str, streams: &[&str], except: Option<&str>) -> Broadcast {
    Broadcast {
        account_id,
        event: event.into(),
        data: json!({"account_id": account_id, "name": event}),
        streams: streams.iter().map(|s| s.to_string()).collect(),
        except: except.map(str::to_string),
    }
}

fn account_stream(id: i64) -> String {
    Broadcast::account_stream(id)
}

#[tokio::test]
async fn an_agent_subscribes_gets_presence_and_pings() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let a = admin_of(&app, &t).await;
    let mut c = Cable::open(&app).await;
    let presence = c.join(&agent_identifier(&a, t.account_id)).await;
    assert_eq!(presence["account_id"], t.account_id);
    // Chatwoot keys users by id as a string, with their availability.
    assert_eq!(presence["users"], json!({a.id.to_string(): "online"}));
    assert_eq!(presence["contacts"], json!({}));

    let ping = c.frame().await;
    assert_eq!(ping["type"], "ping");
    assert!(ping["message"].as_u64().unwrap() > 1_700_000_000);

    // update_presence answers with a fresh presence update.
    let id = agent_identifier(&a, t.account_id).to_string();
    c.send(
        json!({"command": "message", "identifier": id, "data": "{\"action\":\"update_presence\"}"}),
    )
    .await;
    let f = c.next().await;
    assert_eq!(f["message"]["event"], "presence.update");
    assert_eq!(f["message"]["data"]["users"][a.id.to_string()], "online");
}

#[tokio::test]
async fn subscriptions_that_match_no_one_are_rejected() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let other = app.account_with_admin(&p, "Other").await;
    let a = admin_of(&app, &t).await;
    let (_, contact_token) = contact_in(&app, &t).await;
    let mut c = Cable::open(&app).await;

    let wrong = [
        // A made-up token.
        json!({"channel": "RoomChannel", "pubsub_token": "nope", "account_id": t.account_id, "user_id": a.id}),
        // The right token with another user's id.
        json!({"channel": "RoomChannel", "pubsub_token": a.pubsub_token, "account_id": t.account_id, "user_id": other.admin.id}),
        // An account the user does not belong to.
        agent_identifier(&a, other.account_id),
        // A contact's token presented as an agent's.
        json!({"channel": "RoomChannel", "pubsub_token": contact_token, "account_id": t.account_id, "user_id": a.id}),
        // An agent's token presented as a contact's.
        contact_identifier(&a.pubsub_token),
        // Not RoomChannel, or not a channel identifier at all.
        json!({"channel": "AppearanceChannel", "pubsub_token": a.pubsub_token}),
        json!({"channel": "RoomChannel"}),
        json!(["RoomChannel"]),
    ];
    for id in &wrong {
        let f = c.subscribe(id).await;
        assert_eq!(
            f,
            json!({"identifier": id.to_string(), "type": "reject_subscription"}),
            "{id}"
        );
    }
    // The socket is still usable after rejections.
    c.join(&contact_identifier(&contact_token)).await;
}

#[tokio::test]
async fn events_reach_their_streams_and_no_one_else() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let other = app.account_with_admin(&p, "Other").await;
    let admin = admin_of(&app, &t).await;
    let agent = agent_in(&app, &p, &t).await;
    let outsider = admin_of(&app, &other).await;
    let (contact_id, contact_token) = contact_in(&app, &t).await;

    let mut s_admin = Cable::open(&app).await;
    let mut s_agent = Cable::open(&app).await;
    let mut s_outsider = Cable::open(&app).await;
    let mut s_contact = Cable::open(&app).await;
    let contact_presence = s_contact.join(&contact_identifier(&contact_token)).await;
    // Contacts see agents, not other contacts.
    assert!(contact_presence.get("contacts").is_none());
    let admin_presence = s_admin.join(&agent_identifier(&admin, t.account_id)).await;
    assert_eq!(
        admin_presence["contacts"],
        json!({contact_id.to_string(): "online"})
    );
    s_agent.join(&agent_identifier(&agent, t.account_id)).await;
    s_outsider
        .join(&agent_identifier(&outsider, other.account_id))
        .await;

    let acct = account_stream(t.account_id);
    // To the admin and the contact by token (message.created).
    app.publish(broadcast(
        t.account_id,
        "message.created",
        &[&admin.pubsub_token, &contact_token],
        None,
    ));
    // To every agent of the account (contact.created).
    app.publish(broadcast(t.account_id, "contact.created", &[&acct], None));
    // Typing: everyone listed but the typer.
    app.publish(broadcast(
        t.account_id,
        "conversation.typing_on",
        &[&admin.pubsub_token, &agent.pubsub_token, &contact_token],
        Some(&admin.pubsub_token),
    ));
    // Listed twice (token and account): one frame.
    app.publish(broadcast(
        t.account_id,
        "assignee.changed",
        &[&admin.pubsub_token, &acct],
        None,
    ));
    // The other account's agents only.
    app.publish(broadcast(
        other.account_id,
        "contact.created",
        &[&account_stream(other.account_id)],
        None,
    ));
    // A marker for all, so "nothing else arrived" is checked by order, not by waiting.
    app.publish(broadcast(
        t.account_id,
        "marker",
        &[&admin.pubsub_token, &agent.pubsub_token, &contact_token],
        None,
    ));
    app.publish(broadcast(
        other.account_id,
        "marker",
        &[&outsider.pubsub_token],
        None,
    ));

    async fn events(c: &mut Cable) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        loop {
            let f = c.event().await;
            let m = &f["message"];
            out.push((
                m["event"].as_str().unwrap().to_string(),
                m["seq"].as_u64().unwrap(),
            ));
            if m["event"] == "marker" {
                return out;
            }
        }
    }
    let admin_ev = events(&mut s_admin).await;
    let names = |v: &[(String, u64)]| v.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&admin_ev),
        [
            "message.created",
            "contact.created",
            "assignee.changed",
            "marker"
        ]
    );
    // The sequence is per account and rises with every event of the account.
    assert_eq!(
        admin_ev.iter().map(|e| e.1).collect::<Vec<_>>(),
        [1, 2, 4, 5]
    );
    assert_eq!(
        names(&events(&mut s_agent).await),
        [
            "contact.created",
            "conversation.typing_on",
            "assignee.changed",
            "marker"
        ]
    );
    assert_eq!(
        names(&events(&mut s_contact).await),
        ["message.created", "conversation.typing_on", "marker"]
    );
    let out = events(&mut s_outsider).await;
    assert_eq!(names(&out), ["contact.created", "marker"]);
    assert_eq!(out.iter().map(|e| e.1).collect::<Vec<_>>(), [1, 2]);

    // The frame as the dashboard reads it.
    app.publish(broadcast(
        t.account_id,
        "conversation.created",
        &[&contact_token],
        None,
    ));
    let f = s_contact.event().await;
    assert_eq!(
        f,
        json!({
            "identifier": contact_identifier(&contact_token).to_string(),
            "message": {
                "event": "conversation.created",
                "data": {"account_id": t.account_id, "name": "conversation.created"},
                "seq": 6
            }
        })
    );

    // After unsubscribing, nothing more arrives; the socket still answers.
    let id = agent_identifier(&agent, t.account_id).to_string();
    s_agent
        .send(json!({"command": "unsubscribe", "identifier": id}))
        .await;
    s_agent.join(&contact_identifier(&contact_token)).await;
    app.publish(broadcast(t.account_id, "contact.updated", &[&acct], None));
    app.publish(broadcast(t.account_id, "marker", &[&contact_token], None));
    assert_eq!(s_agent.event().await["message"]["event"], "marker");
}

#[tokio::test]
async fn a_reconnecting_client_catches_up_or_is_told_to_resync() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let a = admin_of(&app, &t).await;
    let acct = account_stream(t.account_id);
    // A watcher sees every event, so the test knows when they are all stored.
    let mut watcher = Cable::open(&app).await;
    watcher.join(&agent_identifier(&a, t.account_id)).await;
    for i in 1..=5 {
        app.publish(broadcast(t.account_id, &format!("e{i}"), &[&acct], None));
    }
    for _ in 1..=5 {
        watcher.event().await;
    }

    let mut c = Cable::open(&app).await;
    let mut id = agent_identifier(&a, t.account_id);
    id["since"] = json!(2);
    c.join(&id).await;
    for (seq, name) in [(3, "e3"), (4, "e4"), (5, "e5")] {
        let f = c.event().await;
        assert_eq!(f["identifier"], id.to_string());
        assert_eq!(f["message"]["seq"], seq);
        assert_eq!(f["message"]["event"], name);
    }
    // Live events follow without a repeat.
    app.publish(broadcast(t.account_id, "e6", &[&acct], None));
    let f = c.event().await;
    assert_eq!(
        (f["message"]["seq"].as_u64(), f["message"]["event"].as_str()),
        (Some(6), Some("e6"))
    );

    // Nothing missed: nothing replayed.
    let mut c2 = Cable::open(&app).await;
    id["since"] = json!(6);
    c2.join(&id).await;
    app.publish(broadcast(t.account_id, "e7", &[&acct], None));
    assert_eq!(c2.event().await["message"]["seq"], 7);

    // A sequence this server never issued (from before a reset): resync.
    let mut c3 = Cable::open(&app).await;
    id["since"] = json!(1000);
    c3.join(&id).await;
    let f = c3.event().await;
    assert_eq!(f["message"]["event"], "resync");
    assert_eq!(f["message"]["data"]["account_id"], t.account_id);

    // A gap older than the buffer: resync.
    let n = switchboard_realtime_capacity() + 10;
    for i in 0..n {
        app.publish(broadcast(t.account_id, &format!("bulk{i}"), &[&acct], None));
        if i % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let last = loop {
        let f = watcher.event().await;
        if f["message"]["event"] == format!("bulk{}", n - 1) {
            break f["message"]["seq"].as_u64().unwrap();
        }
    };
    let mut c4 = Cable::open(&app).await;
    id["since"] = json!(3);
    c4.join(&id).await;
    assert_eq!(c4.event().await["message"]["event"], "resync");
    // A recent position still replays.
    let mut c5 = Cable::open(&app).await;
    id["since"] = json!(last - 1);
    c5.join(&id).await;
    assert_eq!(c5.event().await["message"]["seq"], last);
}

fn switchboard_realtime_capacity() -> usize {
    switchboard_realtime::REPLAY_CAPACITY
}

#[tokio::test]
async fn bad_input_closes_only_the_offending_socket() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let a = admin_of(&app, &t).await;
    let acct = account_stream(t.account_id);
    let mut good = Cable::open(&app).await;
    good.join(&agent_identifier(&a, t.account_id)).await;

    // Malformed JSON, unknown commands, binary frames, actions on no subscription.
    let mut c = Cable::open(&app).await;
    c.send_raw(Message::text("{not json")).await;
    c.send(json!({"command": "launch", "identifier": "{}"}))
        .await;
    c.send_raw(Message::binary(vec![1u8, 2, 3])).await;
    c.send(json!({"command": "message", "identifier": "{}", "data": "{\"action\":\"update_presence\"}"}))
        .await;
    c.send(json!({"command": "message"})).await;
    let f = c.next().await;
    assert_eq!(
        f,
        json!({"type": "disconnect", "reason": "invalid_request", "reconnect": false})
    );
    assert!(c.is_closed().await);

    // An oversized frame.
    let mut big = Cable::open(&app).await;
    let huge = "x".repeat(switchboard_realtime::MAX_FRAME + 1);
    big.send(json!({"command": "subscribe", "identifier": huge}))
        .await;
    assert!(big.is_closed().await);

    // A flood of subscribe requests (all rejected ones, cheap for the client).
    let mut flood = Cable::open(&app).await;
    for i in 0..=switchboard_realtime::MAX_SUBSCRIBES_PER_MINUTE {
        let id = json!({"channel": "RoomChannel", "pubsub_token": format!("guess{i}")});
        flood
            .send(json!({"command": "subscribe", "identifier": id.to_string()}))
            .await;
    }
    assert!(flood.is_closed().await);

    // The well-behaved socket never noticed.
    app.publish(broadcast(t.account_id, "still.here", &[&acct], None));
    assert_eq!(good.event().await["message"]["event"], "still.here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_is_told_to_resync_and_does_not_hold_up_others() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let a = admin_of(&app, &t).await;
    let acct = account_stream(t.account_id);
    let mut fast = Cable::open(&app).await;
    fast.join(&agent_identifier(&a, t.account_id)).await;
    let mut slow = Cable::open(&app).await;
    slow.join(&agent_identifier(&a, t.account_id)).await;

    // Far more than the socket queue and the kernel's buffers hold, while `slow` reads
    // nothing and `fast` reads as it comes.
    let n: i64 = 1200;
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while seen.len() < n as usize {
            let f = fast.event().await;
            assert_eq!(f["message"]["event"], "bulk", "{f}");
            seen.push(f["message"]["data"]["i"].as_i64().unwrap());
        }
        seen
    });
    let pad = "x".repeat(32 * 1024);
    for i in 0..n {
        let mut b = broadcast(t.account_id, "bulk", &[&acct], None);
        b.data = json!({"i": i, "pad": pad});
        app.publish(b);
        if i % 20 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    assert_eq!(reader.await.unwrap(), (0..n).collect::<Vec<_>>());

    let mut got = 0;
    loop {
        let f = slow.event().await;
        if f["message"]["event"] == "resync" {
            break;
        }
        got += 1;
        assert!(got < n, "the slow reader got everything and no resync");
    }
}

#[tokio::test]
async fn health_reports_the_realtime_bus() {
    let app = TestApp::spawn().await;
    let r = app.call(Method::GET, "/health/ready", None, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    if app.storage.redis_url().is_some() {
        assert_eq!(r.body["redis"], "ok");
    }
}

/// Two web processes sharing PostgreSQL and Redis: an event published on one reaches a
/// socket connected to the other, and catch-up works from either.
#[tokio::test]
async fn two_servers_share_events_through_redis() {
    if std::env::var("TEST_REDIS_URL").map_or(true, |v| v.is_empty()) {
        return;
    }
    let one = TestApp::spawn().await;
    let two = TestApp::start_on(one.storage.clone()).await;
    let p = one.platform_token().await;
    let t = one.account_with_admin(&p, "Acme").await;
    let a = admin_of(&one, &t).await;
    let (_, contact_token) = contact_in(&one, &t).await;
    let acct = account_stream(t.account_id);

    let mut on_two = Cable::open(&two).await;
    on_two.join(&agent_identifier(&a, t.account_id)).await;
    let mut contact_on_one = Cable::open(&one).await;
    contact_on_one
        .join(&contact_identifier(&contact_token))
        .await;

    one.publish(broadcast(t.account_id, "from.one", &[&acct], None));
    let f = on_two.event().await;
    assert_eq!(
        (f["message"]["event"].as_str(), f["message"]["seq"].as_u64()),
        (Some("from.one"), Some(1))
    );
    two.publish(broadcast(t.account_id, "from.two", &[&contact_token], None));
    let f = contact_on_one.event().await;
    assert_eq!(
        (f["message"]["event"].as_str(), f["message"]["seq"].as_u64()),
        (Some("from.two"), Some(2))
    );

    // Presence is shared: the contact on one shows for the agent on two.
    let id = agent_identifier(&a, t.account_id).to_string();
    on_two
        .send(json!({"command": "message", "identifier": id, "data": "{\"action\":\"update_presence\"}"}))
        .await;
    let f = on_two.next().await;
    assert_eq!(f["message"]["event"], "presence.update");
    assert_eq!(
        f["message"]["data"]["contacts"].as_object().unwrap().len(),
        1
    );

    // Catch-up on two of events published on one while away.
    drop(on_two);
    one.publish(broadcast(t.account_id, "while.away", &[&acct], None));
    one.publish(broadcast(t.account_id, "marker", &[&contact_token], None));
    assert_eq!(contact_on_one.event().await["message"]["event"], "marker");
    let mut back = Cable::open(&two).await;
    let mut id = agent_identifier(&a, t.account_id);
    id["since"] = json!(2);
    back.join(&id).await;
    let f = back.event().await;
    assert_eq!(
        (f["message"]["event"].as_str(), f["message"]["seq"].as_u64()),
        (Some("while.away"), Some(3))
    );

    let r = two.call(Method::GET, "/health/ready", None, None).await;
    assert_eq!(r.body["redis"], "ok");
}

/// A TCP proxy in front of Redis that the test can cut, to take Redis away from one
/// server without touching the others that share it.
struct Proxy {
    addr: std::net::SocketAddr,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    conns: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let conns = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (d, c) = (down.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if d.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // refused: dropped at once
                }
                let upstream = upstream.clone();
                c.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut up) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
                    }
                }));
            }
        });
        Proxy { addr, down, conns }
    }

    /// Redis goes away: open connections are cut and new ones dropped.
    fn cut(&self) {
        self.down.store(true, std::sync::atomic::Ordering::SeqCst);
        for h in self.conns.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Redis goes away under a running server: the server stays up, reports it in
/// /health/ready, reconnects and resubscribes, and the socket gets what was published
/// meanwhile.
#[tokio::test]
async fn a_redis_outage_is_survived_without_losing_events() {
    let Some(redis_url) = std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        return;
    };
    let u = url::Url::parse(&redis_url).unwrap();
    let upstream = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap_or(6379));
    let proxy = Proxy::start(upstream).await;
    let mut through = u.clone();
    through.set_host(Some("127.0.0.1")).unwrap();
    through.set_port(Some(proxy.addr.port())).unwrap();
    let app = TestApp::spawn_with(&[("REDIS_URL", through.as_str())]).await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let a = admin_of(&app, &t).await;
    let acct = account_stream(t.account_id);
    let mut c = Cable::open(&app).await;
    c.join(&agent_identifier(&a, t.account_id)).await;
    app.publish(broadcast(t.account_id, "before", &[&acct], None));
    assert_eq!(c.event().await["message"]["seq"], 1);

    proxy.cut();
    // Published while Redis is away: the server keeps it and retries.
    app.publish(broadcast(t.account_id, "during", &[&acct], None));
    let mut reported = false;
    for _ in 0..100 {
        let r = app.call(Method::GET, "/health/ready", None, None).await;
        if r.status == 503 {
            assert_eq!(r.body["redis"], "failing");
            reported = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reported, "/health/ready never reported the outage");

    proxy.restore();
    let f = c.event().await;
    assert_eq!(
        (f["message"]["event"].as_str(), f["message"]["seq"].as_u64()),
        (Some("during"), Some(2))
    );
    app.publish(broadcast(t.account_id, "after", &[&acct], None));
    assert_eq!(c.event().await["message"]["seq"], 3);
    let mut ok = false;
    for _ in 0..100 {
        if app
            .call(Method::GET, "/health/ready", None, None)
            .await
            .status
            == 200
        {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ok, "/health/ready did not recover");
}

/// A server that stops tells its sockets to reconnect (elsewhere) and closes them.
#[tokio::test]
async fn a_stopping_server_tells_sockets_to_reconnect() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let a = admin_of(&app, &t).await;
    let mut c = Cable::open(&app).await;
    c.join(&agent_identifier(&a, t.account_id)).await;
    let stopped = tokio::spawn(app.stop());
    assert_eq!(
        c.next().await,
        json!({"type": "disconnect", "reason": "server_restart", "reconnect": true})
    );
    assert!(c.is_closed().await);
    stopped.await.unwrap();
}

impl Cable {
    /// No broadcast (presence and pings aside) arrives within `ms`.
    async fn is_quiet(&mut self, ms: u64) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return true,
                Ok(Some(Ok(Message::Text(t)))) => {
                    let f: Value = serde_json::from_str(t.as_str()).unwrap();
                    if f["type"] != "ping" && f["message"]["event"] != "presence.update" {
                        return false;
                    }
                }
                Ok(_) => return false,
            }
        }
    }

    /// The next broadcast's event name and data.
    async fn named(&mut self) -> (String, Value) {
        let f = self.event().await;
        (
            f["message"]["event"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            f["message"]["data"].clone(),
        )
    }
}

/// What the use cases publish, end to end: a contact writes through the Client API, an
/// agent answers and adds a private note; each socket gets what Chatwoot would send it.
#[tokio::test]
async fn changes_reach_the_right_sockets_live() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let admin = admin_of(&app, &t).await;
    let member = agent_in(&app, &p, &t).await;
    let outsider = agent_in(&app, &p, &t).await;
    let inbox = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/inboxes", t.account_id),
            Some(&t.admin.token),
            Some(json!({"name": "API", "channel": {"type": "api"}})),
        )
        .await;
    app.call(
        Method::POST,
        &format!("/api/v1/accounts/{}/inbox_members", t.account_id),
        Some(&t.admin.token),
        Some(json!({"inbox_id": inbox.body["id"], "user_ids": [member.id]})),
    )
    .await;
    let ident = inbox.body["inbox_identifier"].as_str().unwrap().to_string();
    let base = format!("/public/api/v1/inboxes/{ident}");
    let c = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            None,
            Some(json!({"name": "Jo"})),
        )
        .await;
    let source = c.body["source_id"].as_str().unwrap().to_string();
    let contact_token = c.body["pubsub_token"].as_str().unwrap().to_string();

    let mut admin_ws = Cable::open(&app).await;
    admin_ws.join(&agent_identifier(&admin, t.account_id)).await;
    let mut member_ws = Cable::open(&app).await;
    member_ws
        .join(&agent_identifier(&member, t.account_id))
        .await;
    let mut outsider_ws = Cable::open(&app).await;
    outsider_ws
        .join(&agent_identifier(&outsider, t.account_id))
        .await;
    let mut contact_ws = Cable::open(&app).await;
    contact_ws.join(&contact_identifier(&contact_token)).await;

    // The contact opens a conversation and writes.
    let conv = app
        .call(
            Method::POST,
            &format!("{base}/contacts/{source}/conversations"),
            None,
            None,
        )
        .await;
    let display = conv.body["id"].as_i64().unwrap();
    app.call(
        Method::POST,
        &format!("{base}/contacts/{source}/conversations/{display}/messages"),
        None,
        Some(json!({"content": "Is my order shipped?"})),
    )
    .await;
    for ws in [&mut admin_ws, &mut member_ws] {
        let (event, data) = ws.named().await;
        assert_eq!(event, "conversation.created");
        assert_eq!(data["id"], display);
        assert_eq!(data["account_id"], t.account_id);
        let (event, data) = ws.named().await;
        assert_eq!(event, "message.created");
        assert_eq!(data["content"], "Is my order shipped?");
        assert_eq!(data["message_type"], 0);
        assert_eq!(data["conversation_id"], display);
        assert_eq!(data["sender"]["type"], "contact");
    }
    let (event, _) = contact_ws.named().await;
    assert_eq!(event, "conversation.created");
    let (event, data) = contact_ws.named().await;
    assert_eq!(event, "message.created");
    assert_eq!(data["content"], "Is my order shipped?");

    // A private note reaches the agents only; the reply reaches the contact too.
    let messages = format!(
        "/api/v1/accounts/{}/conversations/{display}/messages",
        t.account_id
    );
    app.call(
        Method::POST,
        &messages,
        Some(&t.admin.token),
        Some(json!({"content": "check the warehouse", "private": true})),
    )
    .await;
    app.call(
        Method::POST,
        &messages,
        Some(&t.admin.token),
        Some(json!({"content": "Yes, it left today"})),
    )
    .await;
    for ws in [&mut admin_ws, &mut member_ws] {
        let (_, note) = ws.named().await;
        assert_eq!(note["private"], true);
        let (_, reply) = ws.named().await;
        assert_eq!(reply["content"], "Yes, it left today");
        assert_eq!(reply["message_type"], 1);
        assert_eq!(reply["sender"]["type"], "user");
        // The first public reply is announced to the agents.
        let (event, first) = ws.named().await;
        assert_eq!(event, "first.reply.created");
        assert_eq!(first["id"], reply["id"]);
    }
    let (event, reply) = contact_ws.named().await;
    assert_eq!(event, "message.created");
    assert_eq!(
        reply["content"], "Yes, it left today",
        "the private note never reaches the contact"
    );

    // Resolving: a status change (with its activity message) for agents and contact.
    app.call(
        Method::POST,
        &format!(
            "/api/v1/accounts/{}/conversations/{display}/toggle_status",
            t.account_id
        ),
        Some(&t.admin.token),
        Some(json!({"status": "resolved"})),
    )
    .await;
    for ws in [&mut admin_ws, &mut member_ws] {
        let (event, activity) = ws.named().await;
        assert_eq!(event, "message.created");
        assert_eq!(activity["message_type"], 2);
        let (event, data) = ws.named().await;
        assert_eq!(event, "conversation.status_changed");
        assert_eq!(data["status"], "resolved");
    }
    let (event, data) = contact_ws.named().await;
    assert_eq!(event, "conversation.status_changed", "{data}");

    // The contact types: the agents see it, the contact does not get its own.
    app.call(
        Method::POST,
        &format!("{base}/contacts/{source}/conversations/{display}/toggle_typing"),
        None,
        Some(json!({"typing_status": "on"})),
    )
    .await;
    let (event, data) = member_ws.named().await;
    assert_eq!(event, "conversation.typing_on");
    assert_eq!(data["user"]["type"], "contact");
    assert_eq!(data["is_private"], false);

    // An agent outside the inbox saw none of it, and the contact none of the rest.
    assert!(outsider_ws.is_quiet(500).await);
    assert!(contact_ws.is_quiet(300).await);
}

#[tokio::test]
async fn a_merge_tells_the_agents_which_conversations_changed_contact() {
    let app = TestApp::spawn().await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let admin = admin_of(&app, &t).await;
    let base = format!("/api/v1/accounts/{}", t.account_id);
    let token = Some(t.admin.token.as_str());
    let inbox = app
        .call(
            Method::POST,
            &format!("{base}/inboxes"),
            token,
            Some(json!({"name": "API", "channel": {"type": "api"}})),
        )
        .await;
    let inbox = inbox.body["id"].as_i64().unwrap();
    let contact = |name: &'static str| {
        let app = &app;
        let base = base.clone();
        async move {
            let r = app
                .call(
                    Method::POST,
                    &format!("{base}/contacts"),
                    token,
                    Some(json!({"name": name, "inbox_id": inbox})),
                )
                .await;
            r.body["payload"]["contact"]["id"].as_i64().unwrap()
        }
    };
    let keep = contact("Jo Doe").await;
    let dup = contact("J. Doe").await;
    let conv = app
        .call(
            Method::POST,
            &format!("{base}/conversations"),
            token,
            Some(json!({"contact_id": dup, "inbox_id": inbox})),
        )
        .await;
    let display = conv.body["id"].as_i64().unwrap();

    let mut ws = Cable::open(&app).await;
    ws.join(&agent_identifier(&admin, t.account_id)).await;
    let merged = app
        .call(
            Method::POST,
            &format!("{base}/actions/contact_merge"),
            token,
            Some(json!({"base_contact_id": keep, "mergee_contact_id": dup})),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.text);

    let mut seen = Vec::new();
    for _ in 0..2 {
        let (event, data) = ws.named().await;
        if event == "conversation.contact_changed" {
            assert_eq!(data["id"], display);
            assert_eq!(data["meta"]["sender"]["id"], keep);
        }
        seen.push(event);
    }
    seen.sort();
    assert_eq!(seen, ["contact.merged", "conversation.contact_changed"]);
}
