//! Messages beyond text: files (multipart, signed blob ids, `POST /upload`, signed URLs),
//! delivery status from API channels, retry, and the flood guard.

use serde_json::{Value, json};
use switchboard_testkit::reqwest::Method;
use switchboard_testkit::reqwest::multipart::{Form, Part};
use switchboard_testkit::{Reply, Tenant, TestApp};

/// A one-pixel PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0d, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

struct Desk {
    t: Tenant,
    /// Display ids of a conversation in an API inbox and in a website inbox.
    api: i64,
    web: i64,
}

async fn desk(app: &TestApp) -> Desk {
    let p = app.platform_token().await;
    let t = app.account_with_admin(&p, "Acme").await;
    let admin = Some(t.admin.token.as_str());
    let base = format!("/api/v1/accounts/{}", t.account_id);
    let mut ids = Vec::new();
    for channel in [
        json!({"type": "api"}),
        json!({"type": "web_widget", "website_url": "https://a.example"}),
    ] {
        let inbox = app
            .call(
                Method::POST,
                &format!("{base}/inboxes"),
                admin,
                Some(json!({"name": "In", "channel": channel})),
            )
            .await;
        assert_eq!(inbox.status, 200, "{}", inbox.text);
        let contact = app
            .call(
                Method::POST,
                &format!("{base}/contacts"),
                admin,
                Some(json!({"name": "Jo", "inbox_id": inbox.body["id"]})),
            )
            .await;
        let c = app
            .call(
                Method::POST,
                &format!("{base}/conversations"),
                admin,
                Some(json!({"contact_id": contact.body["payload"]["contact"]["id"], "inbox_id": inbox.body["id"]})),
            )
            .await;
        assert_eq!(c.status, 200, "{}", c.text);
        ids.push(c.body["id"].as_i64().unwrap());
    }
    Desk {
        t,
        api: ids[0],
        web: ids[1],
    }
}

fn messages_path(d: &Desk, conversation: i64) -> String {
    format!(
        "/api/v1/accounts/{}/conversations/{conversation}/messages",
        d.t.account_id
    )
}

async fn send_form(app: &TestApp, path: &str, token: &str, form: Form) -> Reply {
    let r = app
        .request(Method::POST, path)
        .header("api_access_token", token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    Reply::from(r).await
}

fn file(bytes: &[u8], name: &str, mime: &str) -> Part {
    Part::bytes(bytes.to_vec())
        .file_name(name.to_string())
        .mime_str(mime)
        .unwrap()
}

/// Relative path of an absolute URL the server handed out.
fn path_of(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    u.path().to_string()
}

/// Files stored under DATA_DIR/storage.
fn stored_files(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
    }
    walk(&app.storage.data_dir().join("storage"))
}

#[tokio::test]
async fn multipart_attachments_are_stored_listed_and_served() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let token = d.t.admin.token.clone();
    let form = Form::new()
        .text("content", "Here you go")
        .text("private", "false")
        .text("echo_id", "e-1")
        .part("attachments[]", file(PNG, "dot.png", "image/png"))
        .part(
            "attachments[]",
            file(b"hello, world", "notes.txt", "text/plain"),
        );
    let r = send_form(&app, &messages_path(&d, d.api), &token, form).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["content"], "Here you go");
    assert_eq!(r.body["private"], false);
    assert_eq!(r.body["echo_id"], "e-1");
    let files = r.body["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["file_type"], "image");
    assert_eq!(files[0]["extension"], "png");
    assert_eq!(files[0]["file_size"], PNG.len());
    assert_eq!(files[0]["message_id"], r.body["id"]);
    assert_eq!(files[0]["account_id"], d.t.account_id);
    assert_eq!(files[0]["thumb_url"], files[0]["data_url"]);
    assert_eq!(files[1]["file_type"], "file");
    assert_eq!(files[1]["thumb_url"], "");
    let url = files[0]["data_url"].as_str().unwrap();
    assert!(
        url.starts_with(&app.url("/rails/active_storage/blobs/redirect/")),
        "{url}"
    );

    // The signed URL needs no session, and serves the bytes with safe headers.
    let got = app
        .request(Method::GET, &path_of(url))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.headers()["content-disposition"], "inline");
    assert_eq!(got.headers()["x-content-type-options"], "nosniff");
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);
    let text_url = path_of(files[1]["data_url"].as_str().unwrap());
    let got = app.request(Method::GET, &text_url).send().await.unwrap();
    assert_eq!(got.headers()["content-disposition"], "attachment");
    assert_eq!(got.text().await.unwrap(), "hello, world");

    // A forged signature names nothing.
    let forged = text_url.replacen("--", "--00", 1);
    let r = app.call(Method::GET, &forged, None, None).await;
    assert_eq!(r.status, 404, "{}", r.text);

    // The message list and the conversation's attachments show them.
    let list = app
        .call(Method::GET, &messages_path(&d, d.api), Some(&token), None)
        .await;
    let last = list.body["payload"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["attachments"].as_array().unwrap().len(), 2);
    let all = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/accounts/{}/conversations/{}/attachments",
                d.t.account_id, d.api
            ),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["meta"]["total_count"], 2);
    let first = &all.body["payload"][0];
    assert_eq!(first["sender"]["type"], "user");
    assert_eq!(first["message_id"], r_id(&last));
    assert!(first["created_at"].as_i64().unwrap() > 0);
    // The conversation's last message carries them too.
    let conv = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/accounts/{}/conversations/{}",
                d.t.account_id, d.api
            ),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        conv.body["messages"][0]["attachments"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{}",
        conv.text
    );

    // Deleting the message removes the files.
    let del = app
        .call(
            Method::DELETE,
            &format!("{}/{}", messages_path(&d, d.api), r_id(&last)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(del.status, 200, "{}", del.text);
    assert!(del.body.get("attachments").is_none(), "{}", del.text);
    let r = app.call(Method::GET, &path_of(url), None, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(stored_files(&app), 0);
}

fn r_id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

#[tokio::test]
async fn uploads_are_attached_by_signed_blob_id() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let token = d.t.admin.token.clone();
    let upload = format!("/api/v1/accounts/{}/upload", d.t.account_id);
    let r = send_form(
        &app,
        &upload,
        &token,
        Form::new().part("attachment", file(PNG, "a.png", "image/png")),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let blob_id = r.body["blob_id"].as_str().unwrap().to_string();
    let got = app
        .request(Method::GET, &path_of(r.body["file_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);

    let m = app
        .call(
            Method::POST,
            &messages_path(&d, d.api),
            Some(&token),
            Some(json!({"content": "see", "attachments": [blob_id]})),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    assert_eq!(m.body["attachments"][0]["file_type"], "image");

    // A blob id that is not ours, or not a blob id: 422, and no message.
    let before = app
        .call(Method::GET, &messages_path(&d, d.api), Some(&token), None)
        .await;
    for bad in [json!([format!("{blob_id}0")]), json!(["nope"]), json!([42])] {
        let m = app
            .call(
                Method::POST,
                &messages_path(&d, d.api),
                Some(&token),
                Some(json!({"content": "x", "attachments": bad})),
            )
            .await;
        assert_eq!(m.status, 422, "{}", m.text);
        assert!(m.body["error"].is_string(), "{}", m.text);
    }
    let after = app
        .call(Method::GET, &messages_path(&d, d.api), Some(&token), None)
        .await;
    assert_eq!(before.body["payload"], after.body["payload"]);

    // Nothing to upload: Chatwoot's 422; no account membership: no upload.
    let r = send_form(&app, &upload, &token, Form::new().text("x", "y")).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"], "No file or URL provided");
    let p = app.platform_token().await;
    let other = app.account_with_admin(&p, "Other").await;
    let r = send_form(
        &app,
        &upload,
        &other.admin.token,
        Form::new().part("attachment", file(PNG, "a.png", "image/png")),
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn bad_files_are_refused_and_nothing_is_kept() {
    let app = TestApp::spawn_with(&[("MAXIMUM_FILE_UPLOAD_SIZE", "1")]).await;
    let d = desk(&app).await;
    let token = d.t.admin.token.clone();

    // Sixteen files: over Chatwoot's fifteen.
    let mut form = Form::new().text("content", "many");
    for i in 0..16 {
        form = form.part(
            "attachments[]",
            file(b"x", &format!("{i}.txt"), "text/plain"),
        );
    }
    let r = send_form(&app, &messages_path(&d, d.api), &token, form).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.body["error"],
        "Validation failed: Attachments exceeded maximum allowed"
    );

    // A website visitor's inbox takes media and documents, not programs.
    let form = Form::new().part(
        "attachments[]",
        file(b"MZ", "setup.exe", "application/x-msdownload"),
    );
    let r = send_form(&app, &messages_path(&d, d.web), &token, form).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.body["error"],
        "Validation failed: File type not supported"
    );
    // The API inbox takes any type.
    let form = Form::new().part(
        "attachments[]",
        file(b"MZ", "setup.exe", "application/x-msdownload"),
    );
    let r = send_form(&app, &messages_path(&d, d.api), &token, form).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Over MAXIMUM_FILE_UPLOAD_SIZE (1 MB here): a 422, or a 413 past the body limit.
    let big = vec![b'a'; 1024 * 1024 + 10];
    let form = Form::new().part("attachments[]", file(&big, "big.txt", "text/plain"));
    let r = send_form(&app, &messages_path(&d, d.api), &token, form).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.body["error"].as_str().unwrap().contains("too big"),
        "{}",
        r.text
    );
    let huge = vec![b'a'; 3 * 1024 * 1024];
    let form = Form::new().part("attachments[]", file(&huge, "huge.txt", "text/plain"));
    let r = send_form(&app, &messages_path(&d, d.api), &token, form).await;
    assert_eq!(r.status, 413, "{}", r.text);
    assert!(r.body.is_object(), "{}", r.text);

    // A body that says multipart and is not.
    let r = app
        .request(Method::POST, &messages_path(&d, d.api))
        .header("api_access_token", &token)
        .header("content-type", "multipart/form-data; boundary=xyz")
        .body("--xyz\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nhalf")
        .send()
        .await
        .unwrap();
    let r = Reply::from(r).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        r.body["error"].is_string() || r.body["message"].is_string(),
        "{}",
        r.text
    );

    // Only the one accepted message's file is on disk.
    assert_eq!(stored_files(&app), 1);
}

#[tokio::test]
async fn api_channels_report_delivery_status() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let token = d.t.admin.token.clone();
    let send = |c: i64| {
        let app = &app;
        let path = messages_path(&d, c);
        let token = token.clone();
        async move {
            let r = app
                .call(
                    Method::POST,
                    &path,
                    Some(&token),
                    Some(json!({"content": "hi"})),
                )
                .await;
            // The hottest write stays lean: no full conversation load behind it. One of
            // them asks whether the account has webhooks to enqueue for (the outbox),
            // one whether it has automation rules for `message_created`. An agent's
            // first reply also reads the conversation's hand-offs and writes its
            // `first_response` reporting event.
            let statements: usize = r.header("x-db-queries").unwrap().parse().unwrap();
            assert!(statements <= 15, "{statements} statements for a message");
            r.body
        }
    };
    let m = send(d.api).await;
    let path = format!("{}/{}", messages_path(&d, d.api), r_id(&m));
    let patch = |body: Value| app.call(Method::PATCH, &path, Some(&token), Some(body));

    let r = patch(json!({"status": "failed", "external_error": "Recipient blocked"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "failed");
    assert_eq!(
        r.body["content_attributes"]["external_error"],
        "Recipient blocked"
    );
    let r = patch(json!({"status": "read"})).await;
    assert_eq!(r.body["status"], "read");
    assert!(r.body["content_attributes"].get("external_error").is_none());
    // No step back from read to delivered, and an unknown status changes nothing.
    let r = patch(json!({"status": "delivered"})).await;
    assert_eq!(r.body["status"], "read");
    let r = patch(json!({"status": "teleported"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "read");

    // Retry puts it back to sent, with the error cleared.
    patch(json!({"status": "failed", "external_error": "x"})).await;
    let r = app
        .call(Method::POST, &format!("{path}/retry"), Some(&token), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "sent");
    assert_eq!(r.body["content_attributes"], json!({}));

    // Other inboxes: 403, as Chatwoot answers.
    let w = send(d.web).await;
    let r = app
        .call(
            Method::PATCH,
            &format!("{}/{}", messages_path(&d, d.web), r_id(&w)),
            Some(&token),
            Some(json!({"status": "read"})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        r.body["error"],
        "Message status update is only allowed for API inboxes"
    );

    // Another account's admin: not found, and nothing changed.
    let p = app.platform_token().await;
    let other = app.account_with_admin(&p, "Other").await;
    let r = app
        .call(
            Method::PATCH,
            &path,
            Some(&other.admin.token),
            Some(json!({"status": "failed"})),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let r = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/accounts/{}/conversations/{}/attachments",
                d.t.account_id, d.api
            ),
            Some(&other.admin.token),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn a_conversation_takes_a_limited_number_of_messages_a_minute() {
    let app = TestApp::spawn_with(&[("CONVERSATION_MESSAGE_PER_MINUTE_LIMIT", "3")]).await;
    let d = desk(&app).await;
    let token = d.t.admin.token.clone();
    for i in 0..3 {
        let r = app
            .call(
                Method::POST,
                &messages_path(&d, d.api),
                Some(&token),
                Some(json!({"content": format!("m{i}")})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = app
        .call(
            Method::POST,
            &messages_path(&d, d.api),
            Some(&token),
            Some(json!({"content": "one too many"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"], "Validation failed: Too many messages");
    // Another conversation is not held back.
    let r = app
        .call(
            Method::POST,
            &messages_path(&d, d.web),
            Some(&token),
            Some(json!({"content": "elsewhere"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// With `ACTIVE_STORAGE_SERVICE=s3_compatible`, files go to the bucket and their URLs
/// redirect to presigned bucket URLs. Runs against a real S3 server (moto) when
/// `TEST_S3_SERVER` names its executable (`.ci/run` installs it).
#[tokio::test]
async fn files_go_to_an_s3_compatible_bucket() {
    let Ok(server) = std::env::var("TEST_S3_SERVER") else {
        eprintln!("TEST_S3_SERVER is not set: skipping the S3 test");
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s3 = std::process::Command::new(server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _s3 = Kill(s3);
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = switchboard_testkit::client();
    let mut made = false;
    for _ in 0..200 {
        if let Ok(r) = client.put(format!("{endpoint}/switchboard")).send().await
            && r.status().is_success()
        {
            made = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(made, "the S3 server did not start");

    let app = TestApp::spawn_with(&[
        ("ACTIVE_STORAGE_SERVICE", "s3_compatible"),
        ("STORAGE_ENDPOINT", &endpoint),
        ("STORAGE_BUCKET_NAME", "switchboard"),
        ("STORAGE_ACCESS_KEY_ID", "test"),
        ("STORAGE_SECRET_ACCESS_KEY", "test"),
        ("STORAGE_REGION", "us-east-1"),
        ("STORAGE_FORCE_PATH_STYLE", "true"),
    ])
    .await;
    let d = desk(&app).await;
    let token = d.t.admin.token.clone();
    let form = Form::new().part("attachments[]", file(PNG, "dot.png", "image/png"));
    let r = send_form(&app, &messages_path(&d, d.api), &token, form).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let url = r.body["attachments"][0]["data_url"].as_str().unwrap();
    // Nothing is written locally.
    assert_eq!(stored_files(&app), 0);
    let got = app
        .request(Method::GET, &path_of(url))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 307);
    let bucket_url = got.headers()["location"].to_str().unwrap().to_string();
    assert!(bucket_url.starts_with(&endpoint), "{bucket_url}");
    assert!(bucket_url.contains("X-Amz-Signature"), "{bucket_url}");
    let bytes = client.get(&bucket_url).send().await.unwrap();
    assert_eq!(bytes.status(), 200);
    assert_eq!(bytes.bytes().await.unwrap().as_ref(), PNG);

    // Deleting the message deletes the object.
    let m = r.body["id"].as_i64().unwrap();
    let del = app
        .call(
            Method::DELETE,
            &format!("{}/{m}", messages_path(&d, d.api)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(del.status, 200);
    let gone = client.get(&bucket_url).send().await.unwrap();
    assert_eq!(gone.status(), 404);
}

/// A file server on loopback: `/dot.png` is the PNG, anything else a 404.
async fn file_server() -> String {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/files/dot.png",
        get(|| async { ([("content-type", "image/png")], PNG.to_vec()) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn uploads_from_a_url_reach_only_allowed_addresses() {
    let files = file_server().await;
    let app = TestApp::spawn_with(&[("ALLOWED_PRIVATE_ADDRESSES", "127.0.0.1")]).await;
    let d = desk(&app).await;
    let upload = format!("/api/v1/accounts/{}/upload", d.t.account_id);
    let token = Some(d.t.admin.token.as_str());
    let r = app
        .call(
            Method::POST,
            &upload,
            token,
            Some(json!({"external_url": format!("{files}/files/dot.png")})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let got = app
        .request(Method::GET, &path_of(r.body["file_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);
    assert!(r.body["file_url"].as_str().unwrap().ends_with("/dot.png"));

    for (url, error) in [
        (format!("{files}/missing"), "Failed to fetch file from URL"),
        ("file:///etc/passwd".to_string(), "Invalid URL provided"),
        ("not a url".to_string(), "Invalid URL provided"),
    ] {
        let r = app
            .call(
                Method::POST,
                &upload,
                token,
                Some(json!({"external_url": url})),
            )
            .await;
        assert_eq!(r.status, 422, "{url}: {}", r.text);
        assert!(
            r.body["error"].as_str().unwrap().starts_with(error),
            "{}",
            r.text
        );
    }

    // Without the operator's allowance, loopback (and other internal addresses) are refused.
    let strict = TestApp::spawn().await;
    let d = desk(&strict).await;
    let r = strict
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/upload", d.t.account_id),
            Some(&d.t.admin.token),
            Some(json!({"external_url": format!("{files}/files/dot.png")})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("private address"), "{}", r.text);
}
