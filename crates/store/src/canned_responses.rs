use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::{Ex, StoreError, StoreResult, exec, fetch};

#[derive(Clone, Debug, FromRow)]
pub struct CannedResponse {
    pub id: i64,
    pub account_id: AccountId,
    pub short_code: Option<String>,
    pub content: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, account_id, short_code, content, created_at, updated_at"
    };
}

/// All of the account's responses, or those whose short code or content contains
/// `search` (case-insensitively), ranked as Chatwoot ranks them: short codes that start
/// with it, then short codes that contain it, then contents.
pub async fn list(
    mut ex: Ex<'_>,
    account: AccountId,
    search: Option<&str>,
) -> StoreResult<Vec<CannedResponse>> {
    const ALL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM canned_responses WHERE account_id = $1 ORDER BY id"
    );
    const SEARCH: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM canned_responses WHERE account_id = $1 \
         AND (LOWER(short_code) LIKE $2 ESCAPE '\\' OR LOWER(content) LIKE $2 ESCAPE '\\') \
         ORDER BY CASE WHEN LOWER(short_code) LIKE $3 ESCAPE '\\' THEN 0 \
         WHEN LOWER(short_code) LIKE $2 ESCAPE '\\' THEN 1 ELSE 2 END, id"
    );
    Ok(match search.map(str::trim).filter(|s| !s.is_empty()) {
        None => fetch!(all, ex.re(), ALL, account)?,
        Some(s) => {
            let anywhere = crate::like_pattern(s);
            let prefix = anywhere[1..].to_string();
            fetch!(all, ex.re(), SEARCH, account, anywhere, prefix)?
        }
    })
}

pub async fn find(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<CannedResponse> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM canned_responses WHERE account_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, id)?)
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    short_code: &str,
    content: &str,
    now: Timestamp,
) -> StoreResult<CannedResponse> {
    const SQL: &str = concat!(
        "INSERT INTO canned_responses (account_id, short_code, content, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        short_code,
        content,
        now
    )?)
}

pub async fn update(
    mut ex: Ex<'_>,
    c: &CannedResponse,
    now: Timestamp,
) -> StoreResult<CannedResponse> {
    const SQL: &str = concat!(
        "UPDATE canned_responses SET short_code = $3, content = $4, updated_at = $5 \
         WHERE account_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        c.account_id,
        c.id,
        &c.short_code,
        &c.content,
        now
    )?)
}

pub async fn delete(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM canned_responses WHERE account_id = $1 AND id = $2";
    if exec!(ex.re(), SQL, account, id)? == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
