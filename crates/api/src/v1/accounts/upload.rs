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

/// `POST /upload` (multipart `attachment`) → `{file_url, blob_key, blob_id}`; the
/// `blob_id` is a signed id a message's `attachments[]` can carry.
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    WithFiles(p, uploads): WithFiles<UploadParams>,
) -> ApiResult<Json<Value>> {
    let file = uploads.into_iter().find(|(name, _)| name == "attachment");
    let Some((_, upload)) = file else {
        let message = if p.external_url.is_some_and(|u| !u.trim().is_empty()) {
            // Fetching a URL on the server needs the outbound-request guard that comes
            // with webhooks; until then only files are taken.
            "Uploading from external_url is not supported yet: send the file as `attachment`"
        } else {
            "No file or URL provided"
        };
        return Err(Error::Unprocessable(message.into()).into());
    };
    let up = files::upload(&state.ctx, &user, account, &upload).await?;
    Ok(Json(json!({
        "file_url": up.url,
        "blob_key": up.blob.key,
        "blob_id": up.signed_id,
    })))
}
