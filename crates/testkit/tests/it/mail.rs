//! Account mails: password reset, agent invitation and confirmation, end to end. Without
//! a relay the mail lands in `DATA_DIR/mail`; with `TEST_SMTP_SERVER` (a Python with
//! aiosmtpd, which `.ci/run` installs) it goes through a real SMTP server on loopback,
//! including one that is down when the mail is first tried.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mail_parser::MessageParser;
use serde_json::json;
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::{Reply, TestApp};

/// A mail as a client reads it.
#[derive(Debug)]
struct Received {
    from: String,
    to: String,
    subject: String,
    text: String,
    html: String,
}

fn parse(raw: &[u8]) -> Received {
    let m = MessageParser::default().parse(raw).expect("a MIME message");
    let addr = |a: Option<&mail_parser::Address>| {
        a.and_then(|a| a.first())
            .map(|a| {
                format!(
                    "{} <{}>",
                    a.name().unwrap_or_default(),
                    a.address().unwrap_or_default()
                )
            })
            .unwrap_or_default()
    };
    Received {
        from: addr(m.from()),
        to: addr(m.to()),
        subject: m.subject().unwrap_or_default().to_owned(),
        text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: m.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
    }
}

/// Waits for the `n`th mail (in file-name order) to appear in `dir`: up to a minute,
/// since a mail that met a relay still down waits for its retry (the backoff doubles,
/// so on a loaded machine the next try may be ten seconds away).
async fn nth_mail(dir: &Path, n: usize) -> Received {
    for _ in 0..1200 {
        if let Ok(entries) = std::fs::read_dir(dir) {
            let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            files.sort();
            if let Some(f) = files.get(n) {
                return parse(&std::fs::read(f).unwrap());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let m = parse(&std::fs::read(e.path()).unwrap());
                    format!("{} / {}", m.to, m.subject)
                })
                .collect()
        })
        .unwrap_or_default();
    panic!("no mail number {n} in {}; there: {seen:?}", dir.display());
}

/// Waits for a mail to `to` among those in `dir` (a Maildir's file names do not sort
/// in arrival order, so this one looks at them all).
async fn mail_to(dir: &Path, to: &str) -> Received {
    for _ in 0..1200 {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let m = parse(&std::fs::read(e.path()).unwrap());
                if m.to.contains(to) {
                    return m;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to} in {}", dir.display());
}

/// The token a mail's link carries.
fn token_in(text: &str, param: &str) -> String {
    let start = text
        .find(&format!("{param}="))
        .expect("a link with a token")
        + param.len()
        + 1;
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Reply {
    app.call(
        Method::POST,
        "/auth/sign_in",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_mailed_link() {
    let app = TestApp::spawn_with(&[("INSTALLATION_NAME", "Acme Help")]).await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;
    let me = &tenant.admin;
    let outbox = app.storage.data_dir().join("mail");

    let unknown = app
        .call(
            Method::POST,
            "/auth/password",
            None,
            Some(json!({"email": "nobody@example.com"})),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    assert!(unknown.body["message"].is_string());

    let asked = app
        .call(
            Method::POST,
            "/auth/password",
            None,
            Some(json!({"email": me.email.to_uppercase()})),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.text);

    let mail = nth_mail(&outbox, 0).await;
    assert_eq!(mail.to, format!(" <{}>", me.email));
    assert!(mail.from.starts_with("Acme Help <"), "{}", mail.from);
    assert_eq!(mail.subject, "Reset password instructions");
    assert!(
        mail.text
            .contains("/app/auth/password/edit?reset_password_token=")
    );
    assert!(mail.html.contains("Change my password"));
    assert!(!mail.html.contains("Switchboard") && !mail.text.contains("Switchboard"));
    let token = token_in(&mail.text, "reset_password_token");

    // A session from before the reset ends with it.
    let before = sign_in(&app, &me.email, &me.password).await;
    assert_eq!(before.status, 200);
    let old_client = before.headers["client"].to_str().unwrap().to_owned();
    let old_token = before.headers["access-token"].to_str().unwrap().to_owned();

    let weak = app
        .call(
            Method::PUT,
            "/auth/password",
            None,
            Some(json!({"reset_password_token": token, "password": "short", "password_confirmation": "short"})),
        )
        .await;
    assert_eq!(weak.status, 422, "{}", weak.text);
    let mismatch = app
        .call(
            Method::PUT,
            "/auth/password",
            None,
            Some(json!({"reset_password_token": token, "password": "N3w-Passw0rd!", "password_confirmation": "other"})),
        )
        .await;
    assert_eq!(mismatch.status, 422, "{}", mismatch.text);

    let done = app
        .call(
            Method::PUT,
            "/auth/password",
            None,
            Some(json!({"reset_password_token": token, "password": "N3w-Passw0rd!", "password_confirmation": "N3w-Passw0rd!"})),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["data"]["email"], me.email.as_str());
    assert!(done.headers.contains_key("access-token"));

    let validate = app
        .request(Method::GET, "/auth/validate_token")
        .header("access-token", old_token)
        .header("client", old_client)
        .header("uid", me.email.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(validate.status(), 401, "the old session ended");
    assert_eq!(sign_in(&app, &me.email, &me.password).await.status, 401);
    assert_eq!(sign_in(&app, &me.email, "N3w-Passw0rd!").await.status, 200);

    // The token works once.
    let again = app
        .call(
            Method::PUT,
            "/auth/password",
            None,
            Some(json!({"reset_password_token": token, "password": "An0ther-Pass!", "password_confirmation": "An0ther-Pass!"})),
        )
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(
        again.body,
        json!({"message": "Invalid token", "redirect_url": "/"})
    );
    let forged = app
        .call(
            Method::PATCH,
            "/auth/password",
            None,
            Some(json!({"reset_password_token": "forged", "password": "An0ther-Pass!"})),
        )
        .await;
    assert_eq!(forged.status, 422);
    let garbage = app
        .request(Method::PUT, "/auth/password")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(garbage.status().is_client_error());
}

#[tokio::test]
async fn an_invited_agent_chooses_a_password_from_the_mail_in_the_account_language() {
    let app = TestApp::spawn_with(&[("DEFAULT_LOCALE", "pt_BR")]).await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Loja Azul").await;
    let outbox = app.storage.data_dir().join("mail");

    let created = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/agents", tenant.account_id),
            Some(&tenant.admin.token),
            Some(json!({"name": "Bia", "email": "bia@example.com", "role": "agent"})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    // Not confirmed yet: no password of theirs works.
    assert_eq!(
        sign_in(&app, "bia@example.com", "whatever1A!").await.status,
        401
    );

    let mail = nth_mail(&outbox, 0).await;
    assert_eq!(mail.to, " <bia@example.com>");
    assert!(mail.subject.contains("Loja Azul"), "{}", mail.subject);
    assert!(mail.text.contains("Olá, Bia"), "{}", mail.text);
    assert!(mail.text.contains("convidou você"), "{}", mail.text);
    let token = token_in(&mail.text, "reset_password_token");

    let set = app
        .call(
            Method::PUT,
            "/auth/password",
            None,
            Some(json!({"reset_password_token": token, "password": "B1a-Passw0rd!", "password_confirmation": "B1a-Passw0rd!"})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let signed = sign_in(&app, "bia@example.com", "B1a-Passw0rd!").await;
    assert_eq!(signed.status, 200, "{}", signed.text);
    assert_eq!(signed.body["data"]["accounts"][0]["id"], tenant.account_id);
}

#[tokio::test]
async fn confirmation_tokens_confirm_once() {
    let app = TestApp::spawn().await;
    let bad = app
        .call(
            Method::POST,
            "/auth/confirmation",
            None,
            Some(json!({"confirmation_token": "nope"})),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["message"], "Invalid token");
}

/// aiosmtpd on `port`, storing what it receives as a Maildir under `dir`.
struct SmtpServer {
    child: Child,
    maildir: PathBuf,
}

impl SmtpServer {
    fn start(python: &str, port: u16, dir: &Path) -> SmtpServer {
        let maildir = dir.join("maildir");
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        SmtpServer { child, maildir }
    }

    async fn wait_listening(port: u16) {
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn mail_goes_through_a_real_smtp_relay_and_waits_for_one_that_is_down() {
    let Ok(python) = std::env::var("TEST_SMTP_SERVER") else {
        eprintln!("TEST_SMTP_SERVER is not set: skipping the SMTP relay test");
        return;
    };
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let port_s = port.to_string();
    let app = TestApp::spawn_with(&[
        ("SMTP_ADDRESS", "127.0.0.1"),
        ("SMTP_PORT", &port_s),
        ("SMTP_DOMAIN", "mail.acme.test"),
        ("SMTP_ENABLE_STARTTLS_AUTO", "false"),
        ("MAILER_SENDER_EMAIL", "Acme Support <support@acme.test>"),
        ("JOB_RETRY_BASE", "200ms"),
        ("JOB_POLL_INTERVAL", "100ms"),
    ])
    .await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;

    // The relay is down: the request still succeeds, and the mail waits in its job.
    let asked = app
        .call(
            Method::POST,
            "/auth/password",
            None,
            Some(json!({"email": tenant.admin.email})),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.text);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !dir.path().join("maildir").join("new").exists()
            || std::fs::read_dir(dir.path().join("maildir").join("new"))
                .unwrap()
                .next()
                .is_none()
    );

    let server = SmtpServer::start(&python, port, dir.path());
    SmtpServer::wait_listening(port).await;
    let mail = mail_to(&server.maildir.join("new"), &tenant.admin.email).await;
    assert_eq!(mail.from, "Acme Support <support@acme.test>");
    assert_eq!(mail.to, format!(" <{}>", tenant.admin.email));
    assert_eq!(mail.subject, "Reset password instructions");
    assert!(mail.text.contains("reset_password_token="));

    // And with the relay up, the next mail goes at once.
    let invited = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/agents", tenant.account_id),
            Some(&tenant.admin.token),
            Some(json!({"name": "Cy", "email": "cy@example.com"})),
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.text);
    let m = mail_to(&server.maildir.join("new"), "cy@example.com").await;
    assert!(m.subject.contains("Acme"), "{}", m.subject);
}

#[tokio::test]
async fn the_mailed_link_opens_a_page_that_sets_the_password() {
    let app = TestApp::spawn().await;
    let platform = app.platform_token().await;
    let tenant = app.account_with_admin(&platform, "Acme").await;
    let outbox = app.storage.data_dir().join("mail");
    app.call(
        Method::POST,
        &format!("/api/v1/accounts/{}/agents", tenant.account_id),
        Some(&tenant.admin.token),
        Some(json!({"name": "Dee <b>", "email": "dee@example.com"})),
    )
    .await;
    let mail = nth_mail(&outbox, 0).await;
    // The name is text in the HTML body, never markup.
    assert!(mail.html.contains("Dee &lt;b&gt;") || mail.html.contains("Dee &#60;b&#62;"));
    let token = token_in(&mail.text, "reset_password_token");

    let page = app
        .request(
            Method::GET,
            &format!("/app/auth/password/edit?reset_password_token={token}"),
        )
        .header("accept-language", "pt-BR,pt;q=0.9,en;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Escolha a sua senha"), "{html}");
    assert!(html.contains(&format!("value=\"{token}\"")));

    let form = [
        ("reset_password_token", token.as_str()),
        ("password", "D33-Passw0rd!"),
        ("password_confirmation", "D33-Passw0rd!x"),
    ];
    let mismatch = app
        .request(Method::POST, "/app/auth/password/edit")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), 422);
    assert!(mismatch.text().await.unwrap().contains("not the same"));

    let form = [
        ("reset_password_token", token.as_str()),
        ("password", "D33-Passw0rd!"),
        ("password_confirmation", "D33-Passw0rd!"),
    ];
    let set = app
        .request(Method::POST, "/app/auth/password/edit")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    assert!(set.text().await.unwrap().contains("Your password is set"));
    assert_eq!(
        sign_in(&app, "dee@example.com", "D33-Passw0rd!")
            .await
            .status,
        200
    );

    // The link is spent.
    let reuse = app
        .request(Method::POST, "/app/auth/password/edit")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(reuse.status(), 422);
    let garbage = app
        .request(Method::POST, "/app/auth/password/edit")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 422);
}

#[tokio::test]
async fn a_transcript_mails_the_public_messages_only_to_agents_who_see_the_conversation() {
    let app = TestApp::spawn_with(&[("INSTALLATION_NAME", "Acme Help")]).await;
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let outsider = app.user_in(&p, t.account_id, "agent").await;
    let other = app.account_with_admin(&p, "Other").await;
    let admin = Some(t.admin.token.as_str());
    let base = format!("/api/v1/accounts/{}", t.account_id);
    let inbox = app
        .call(
            Method::POST,
            &format!("{base}/inboxes"),
            admin,
            Some(json!({"name": "API", "channel": {"type": "api"}})),
        )
        .await;
    let inbox = inbox.body["id"].as_i64().unwrap();
    let contact = app
        .call(
            Method::POST,
            &format!("{base}/contacts"),
            admin,
            Some(json!({"name": "Jo <script>", "inbox_id": inbox})),
        )
        .await;
    let c = app
        .call(
            Method::POST,
            &format!("{base}/conversations"),
            admin,
            Some(
                json!({"contact_id": contact.body["payload"]["contact"]["id"], "inbox_id": inbox}),
            ),
        )
        .await;
    let conv = format!("{base}/conversations/{}", c.body["id"]);
    for (content, kind, private) in [
        ("Hello, my order is late", "incoming", false),
        ("internal: check the warehouse", "outgoing", true),
        ("Sorry! It ships <b>today</b>.", "outgoing", false),
    ] {
        let r = app
            .call(
                Method::POST,
                &format!("{conv}/messages"),
                admin,
                Some(json!({"content": content, "message_type": kind, "private": private})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    let missing = app
        .call(
            Method::POST,
            &format!("{conv}/transcript"),
            admin,
            Some(json!({})),
        )
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body, json!({"error": "email param missing"}));
    let bad = app
        .call(
            Method::POST,
            &format!("{conv}/transcript"),
            admin,
            Some(json!({"email": "not an address"})),
        )
        .await;
    assert_eq!(bad.status, 422);
    let denied = app
        .call(
            Method::POST,
            &format!("{conv}/transcript"),
            Some(&outsider.token),
            Some(json!({"email": "x@example.com"})),
        )
        .await;
    assert_eq!(denied.status, 401, "{}", denied.text);
    let foreign = app
        .call(
            Method::POST,
            &format!("{conv}/transcript"),
            Some(&other.admin.token),
            Some(json!({"email": "x@example.com"})),
        )
        .await;
    assert_eq!(foreign.status, 401, "{}", foreign.text);

    let sent = app
        .call(
            Method::POST,
            &format!("{conv}/transcript"),
            admin,
            Some(json!({"email": "jo@example.com"})),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    let mail = nth_mail(&app.storage.data_dir().join("mail"), 0).await;
    assert_eq!(mail.to, " <jo@example.com>");
    assert_eq!(
        mail.subject,
        format!("[#{}] Conversation Transcript", c.body["id"])
    );
    assert!(mail.text.contains("Hello, my order is late"));
    assert!(mail.text.contains("It ships <b>today</b>"));
    assert!(!mail.text.contains("warehouse"), "private notes stay out");
    assert!(
        mail.html.contains("It ships &lt;b&gt;today&lt;/b&gt;")
            || mail.html.contains("&#60;b&#62;")
    );
    assert!(!mail.html.contains("<script>"));
    assert!(mail.html.contains("Acme Help"));
}
