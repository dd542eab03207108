use serde::Serialize;
use switchboard_store::canned_responses::CannedResponse;

/// The raw record, as Chatwoot renders it (ISO timestamps).
#[derive(Serialize)]
pub struct CannedResponseView {
    pub id: i64,
    pub account_id: i64,
    pub short_code: Option<String>,
    pub content: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl CannedResponseView {
    pub fn new(c: &CannedResponse) -> Self {
        Self {
            id: c.id,
            account_id: c.account_id.0,
            short_code: c.short_code.clone(),
            content: c.content.clone(),
            created_at: c.created_at.iso8601(),
            updated_at: c.updated_at.iso8601(),
        }
    }
}
