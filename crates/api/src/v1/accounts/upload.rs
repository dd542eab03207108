use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::files;
use switchboard_domain::{AccountId, Error};

use crate::extract::{CurrentUser, Id, Payload, WithFiles};
use crate::{ApiResult, AppState};

#[derive(Deserialize)]
pub struct UploadParams {
    external_url: Option<String>,
}

impl Payload for UploadParams {}

/// `POST /upload` (multipart `attachment`, or `external_url`) → `{file_url, blob_key, blob_id}`; the
/// `blob_id` is a signed id a message's `attachments[]` can carry.
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    WithFiles(p, uploads): WithFiles<UploadParams>,
) -> ApiResult<Json<Value>> {
    let file = uploads.into_iter().find(|(name, _)| name == "attachment");
    let up = match (file, p.external_url.filter(|u| !u.trim().is_empty())) {
        (Some((_, upload)), _) => files::upload(&state.ctx, &user, account, &upload).await?,
        (None, Some(url)) => files::upload_from_url(&state.ctx, &user, account, &url).await?,
        (None, None) => {
            return Err(Error::Unprocessable("No file or URL provided".into()).into());
        }
    };
    Ok(Json(json!({
        "file_url": up.url,
        "blob_key": up.blob.key,
        "blob_id": up.signed_id,
    })))
}
