//! Stored files: objects in a local directory or an S3 bucket (through `object_store`),
//! described by Active Storage blob rows, and reached by signed URLs that do not expire
//! (as Chatwoot's do: a link in a transcript must keep working).

use std::sync::Arc;

use anyhow::anyhow;
use hmac::{Hmac, KeyInit, Mac};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use switchboard_domain::{Error, Result, Timestamp};
use switchboard_store::Ex;
use switchboard_store::attachments::{self, Blob, NewBlob};

/// Where the objects live, named as Active Storage's `service_name` records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Chatwoot's Disk layout: `<root>/ab/cd/abcd…` for key `abcd…`.
    Local,
    /// The bucket holds each object under its key.
    S3,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Local => "local",
            Service::S3 => "amazon",
        }
    }
}

/// A file received from a client, before it is stored.
#[derive(Clone, Debug)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// How a stored object is handed to a browser.
pub enum Delivery {
    /// The bytes, with the headers to send them with.
    Bytes {
        bytes: Vec<u8>,
        content_type: String,
        disposition: &'static str,
    },
    /// A short-lived URL of the bucket to redirect to.
    Redirect(String),
}

#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    service: Service,
    /// S3 signs its own short-lived URLs; the local directory has none.
    signer: Option<Arc<dyn object_store::signer::Signer>>,
    key: Arc<[u8]>,
    /// `MAXIMUM_FILE_UPLOAD_SIZE`, in bytes.
    pub max_upload_bytes: usize,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Files")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

type HmacSha256 = Hmac<Sha256>;

/// 160 bits of HMAC-SHA256 in a signed id.
const MAC_BYTES: usize = 20;

impl Files {
    /// Files in a local directory.
    pub fn local(root: &std::path::Path, secret: &str, max_upload_bytes: usize) -> Result<Self> {
        std::fs::create_dir_all(root).map_err(|e| Error::Internal(e.into()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(root)
            .map_err(|e| Error::Internal(e.into()))?;
        Ok(Self::new(
            Arc::new(store),
            Service::Local,
            None,
            secret,
            max_upload_bytes,
        ))
    }

    /// Files in an S3 (or S3-compatible) bucket.
    pub fn s3(
        store: Arc<object_store::aws::AmazonS3>,
        secret: &str,
        max_upload_bytes: usize,
    ) -> Self {
        let signer: Arc<dyn object_store::signer::Signer> = store.clone();
        Self::new(store, Service::S3, Some(signer), secret, max_upload_bytes)
    }

    fn new(
        store: Arc<dyn ObjectStore>,
        service: Service,
        signer: Option<Arc<dyn object_store::signer::Signer>>,
        secret: &str,
        max_upload_bytes: usize,
    ) -> Self {
        // A key of its own, so a signed blob id can never be replayed as another token.
        let key = Sha256::digest(format!("{secret}:active_storage_blobs")).to_vec();
        Self {
            store,
            service,
            signer,
            key: key.into(),
            max_upload_bytes,
        }
    }

    fn path(&self, key: &str) -> Path {
        match self.service {
            Service::Local if key.len() > 4 => Path::from(format!(
                "{}/{}/{key}",
                key.get(0..2).unwrap_or_default(),
                key.get(2..4).unwrap_or_default()
            )),
            _ => Path::from(key),
        }
    }

    /// Stores the bytes under a new key; the caller records the blob row in its
    /// transaction (and calls `forget` if that transaction fails).
    pub async fn put(&self, upload: &Upload) -> Result<NewBlob> {
        if upload.bytes.len() > self.max_upload_bytes {
            return Err(Error::Unprocessable(format!(
                "File size is too big (maximum is {} MB)",
                self.max_upload_bytes / (1024 * 1024)
            )));
        }
        let key = crate::secrets::base36_token(28);
        self.store
            .put(&self.path(&key), upload.bytes.clone().into())
            .await
            .map_err(|e| Error::Internal(anyhow!("cannot store the file: {e}")))?;
        use base64::Engine as _;
        let checksum = base64::engine::general_purpose::STANDARD.encode(md5_digest(&upload.bytes));
        Ok(NewBlob {
            key,
            filename: sanitize_filename(&upload.filename),
            content_type: upload.content_type.clone(),
            byte_size: upload.bytes.len() as i64,
            checksum,
            service_name: self.service.name().into(),
        })
    }

    /// Deletes objects whose rows are gone (or never committed). Best effort: a leftover
    /// object costs space, never correctness.
    pub async fn forget(&self, keys: &[String]) {
        for key in keys {
            if let Err(e) = self.store.delete(&self.path(key)).await {
                tracing::warn!(key, error = %e, "could not delete a stored file");
            }
        }
    }

    /// The id a client may hand back (`attachments[]`, `blob_id`) to reuse a blob.
    pub fn signed_id(&self, blob: i64) -> String {
        use base64::Engine as _;
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(blob.to_string());
        format!("{id}--{}", self.mac(&id))
    }

    /// The blob id inside a signed id, when the signature holds.
    pub fn verify(&self, signed: &str) -> Option<i64> {
        use base64::Engine as _;
        let (id, mac) = signed.split_once("--")?;
        let tag = hex::decode(mac).ok().filter(|t| t.len() == MAC_BYTES)?;
        let mut m = self.hmac();
        m.update(id.as_bytes());
        m.verify_truncated_left(&tag).ok()?;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id)
            .ok()?;
        std::str::from_utf8(&raw).ok()?.parse().ok()
    }

    fn hmac(&self) -> HmacSha256 {
        #[allow(clippy::expect_used)]
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes a key of any length")
    }

    fn mac(&self, data: &str) -> String {
        let mut m = self.hmac();
        m.update(data.as_bytes());
        hex::encode(&m.finalize().into_bytes()[..MAC_BYTES])
    }

    /// The path (under `FRONTEND_URL`) that serves a blob, as Active Storage names it.
    pub fn url_path(&self, blob_id: i64, filename: &str) -> String {
        format!(
            "/rails/active_storage/blobs/redirect/{}/{}",
            self.signed_id(blob_id),
            url::form_urlencoded::byte_serialize(filename.as_bytes()).collect::<String>()
        )
    }

    /// What `GET` on a signed URL gives: the bytes (local) or a redirect (S3).
    pub async fn deliver(&self, ex: Ex<'_>, signed: &str) -> Result<Delivery> {
        let id = self.verify(signed).ok_or(Error::NotFound)?;
        let blob = attachments::find_blob(ex, id)
            .await?
            .ok_or(Error::NotFound)?;
        let (content_type, disposition) = delivery_headers(&blob);
        if let Some(signer) = &self.signer {
            let url = signer
                .signed_url(
                    http_get(),
                    &self.path(&blob.key),
                    std::time::Duration::from_secs(300),
                )
                .await
                .map_err(|e| Error::Internal(anyhow!("cannot sign the file URL: {e}")))?;
            return Ok(Delivery::Redirect(url.to_string()));
        }
        let got = self
            .store
            .get(&self.path(&blob.key))
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => Error::NotFound,
                e => Error::Internal(anyhow!("cannot read the file: {e}")),
            })?;
        let bytes = got
            .bytes()
            .await
            .map_err(|e| Error::Internal(anyhow!("cannot read the file: {e}")))?;
        Ok(Delivery::Bytes {
            bytes: bytes.to_vec(),
            content_type,
            disposition,
        })
    }

    /// Records an upload's blob row (the object is already stored).
    pub async fn record(&self, ex: Ex<'_>, blob: &NewBlob) -> Result<Blob> {
        Ok(attachments::insert_blob(ex, blob, Timestamp::now()).await?)
    }
}

/// A blob uploaded ahead of the message that will carry it (`POST /upload`).
pub struct Uploaded {
    pub blob: Blob,
    pub signed_id: String,
    /// Absolute URL of the file.
    pub url: String,
}

/// `POST /api/v1/accounts/:id/upload`: any member of the account may upload.
pub async fn upload(
    ctx: &crate::Ctx,
    caller: &switchboard_store::users::User,
    account: switchboard_domain::AccountId,
    upload: &Upload,
) -> Result<Uploaded> {
    {
        let mut conn = ctx.db.conn().await?;
        crate::auth::membership(conn.ex(), caller, account).await?;
    }
    let new = ctx.files.put(upload).await?;
    let recorded = async {
        let mut tx = ctx.db.begin().await?;
        let blob = ctx.files.record(tx.ex(), &new).await?;
        tx.commit().await?;
        Ok::<_, Error>(blob)
    }
    .await;
    let blob = match recorded {
        Ok(b) => b,
        Err(e) => {
            ctx.files.forget(&[new.key]).await;
            return Err(e);
        }
    };
    Ok(Uploaded {
        signed_id: ctx.files.signed_id(blob.id),
        url: format!(
            "{}{}",
            ctx.settings.frontend_url.trim_end_matches('/'),
            ctx.files.url_path(blob.id, &blob.filename)
        ),
        blob,
    })
}

/// `POST /upload {external_url}`: the server fetches the file (public addresses only,
/// unless `ALLOWED_PRIVATE_ADDRESSES` says otherwise; no redirects; at most
/// `MAXIMUM_FILE_UPLOAD_SIZE`) and stores it as an upload.
pub async fn upload_from_url(
    ctx: &crate::Ctx,
    caller: &switchboard_store::users::User,
    account: switchboard_domain::AccountId,
    raw: &str,
) -> Result<Uploaded> {
    {
        let mut conn = ctx.db.conn().await?;
        crate::auth::membership(conn.ex(), caller, account).await?;
    }
    let invalid = || Error::Unprocessable("Invalid URL provided".into());
    let url = url::Url::parse(raw.trim()).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid());
    }
    let failed = |e: String| Error::Unprocessable(format!("Failed to fetch file from URL: {e}"));
    let request = ctx
        .settings
        .outbound
        .request(
            reqwest::Method::GET,
            url.clone(),
            std::time::Duration::from_secs(20),
        )
        .await
        .map_err(failed)?;
    let mut response = request.send().await.map_err(|e| failed(e.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(response.status().to_string()));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "application/octet-stream".into());
    let limit = ctx.files.max_upload_bytes;
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failed(e.to_string()))? {
        if bytes.len() + chunk.len() > limit {
            return Err(Error::Unprocessable(format!(
                "File size is too big (maximum is {} MB)",
                limit / (1024 * 1024)
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    let filename = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .filter(|s| !s.is_empty())
        .unwrap_or("file")
        .to_owned();
    upload(
        ctx,
        caller,
        account,
        &Upload {
            filename,
            content_type,
            bytes,
        },
    )
    .await
}

/// `GET` on a file's signed URL.
pub async fn open(ctx: &crate::Ctx, signed_id: &str) -> Result<Delivery> {
    let mut conn = ctx.db.conn().await?;
    ctx.files.deliver(conn.ex(), signed_id).await
}

fn http_get() -> object_store::signer::Method {
    object_store::signer::Method::GET
}

/// Active Storage's rules: only harmless types are shown inline, and types a browser
/// would run (HTML, SVG, XML) are served as plain bytes.
fn delivery_headers(blob: &Blob) -> (String, &'static str) {
    const INLINE: &[&str] = &[
        "image/png",
        "image/gif",
        "image/jpeg",
        "image/jpg",
        "image/webp",
        "image/tiff",
        "image/bmp",
        "image/vnd.microsoft.icon",
        "application/pdf",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/webm",
        "video/mp4",
        "video/webm",
        "video/ogg",
    ];
    const BINARY: &[&str] = &[
        "text/html",
        "text/javascript",
        "image/svg+xml",
        "application/postscript",
        "application/x-shockwave-flash",
        "text/xml",
        "application/xml",
        "application/xhtml+xml",
        "application/mathml+xml",
        "text/cache-manifest",
    ];
    let ct = blob
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream")
        .to_ascii_lowercase();
    if BINARY.contains(&ct.as_str()) {
        return ("application/octet-stream".into(), "attachment");
    }
    let disposition = if INLINE.contains(&ct.as_str()) {
        "inline"
    } else {
        "attachment"
    };
    (ct, disposition)
}

/// Chatwoot's list of document types a website visitor may send, besides media.
const ACCEPTABLE_FILE_TYPES: &[&str] = &[
    "text/csv",
    "text/plain",
    "text/rtf",
    "application/json",
    "application/pdf",
    "application/zip",
    "application/x-7z-compressed",
    "application/vnd.rar",
    "application/x-tar",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/rtf",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
];

/// Whether a website visitor may send a file of this type (Chatwoot checks only there).
pub fn acceptable_for_widget(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.starts_with("image/")
        || ct.starts_with("video/")
        || ct.starts_with("audio/")
        || ACCEPTABLE_FILE_TYPES.contains(&ct.as_str())
}

/// The extension Chatwoot records: the filename's last suffix, if any.
pub fn extension(filename: &str) -> Option<String> {
    std::path::Path::new(filename)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
}

/// No directories, no control characters: the name is shown and sent back in headers.
fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(255)
        .collect();
    if clean.trim().is_empty() {
        "file".into()
    } else {
        clean
    }
}

/// Active Storage's checksum is the MD5 of the bytes (an integrity check, not security).
fn md5_digest(bytes: &[u8]) -> [u8; 16] {
    use md5::Digest as _;
    md5::Md5::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &std::path::Path) -> Files {
        Files::local(dir, "secret", 1024).unwrap()
    }

    #[test]
    fn signed_ids_round_trip_and_reject_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let f = files(dir.path());
        let s = f.signed_id(42);
        assert_eq!(f.verify(&s), Some(42));
        let (id, mac) = s.split_once("--").unwrap();
        use base64::Engine as _;
        let other = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("43");
        assert_eq!(f.verify(&format!("{other}--{mac}")), None);
        assert_eq!(f.verify(&format!("{id}--00")), None);
        assert_eq!(f.verify("garbage"), None);
        let g = Files::local(dir.path(), "another secret", 1024).unwrap();
        assert_eq!(g.verify(&s), None);
    }

    #[test]
    fn filenames_lose_directories() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\x\\a\"b.txt"), "ab.txt");
        assert_eq!(sanitize_filename(""), "file");
        assert_eq!(extension("photo.JPG").as_deref(), Some("JPG"));
        assert_eq!(extension("README"), None);
    }
}
