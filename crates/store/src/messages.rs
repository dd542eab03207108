//! Messages of conversations.

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::query::{self, Arg, Query};
use crate::{Ex, Json, StoreResult, fetch};

#[derive(Clone, Debug, FromRow)]
pub struct Message {
    pub id: i64,
    pub content: Option<String>,
    pub account_id: AccountId,
    pub inbox_id: i64,
    pub conversation_id: i64,
    pub message_type: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub private: bool,
    pub status: Option<i32>,
    pub source_id: Option<String>,
    pub content_type: i32,
    pub content_attributes: Option<Json<Value>>,
    pub sender_type: Option<String>,
    pub sender_id: Option<i64>,
    pub external_source_ids: Option<Json<Value>>,
    pub additional_attributes: Option<Json<Value>>,
    pub processed_message_content: Option<String>,
    pub sentiment: Option<Json<Value>>,
}

macro_rules! columns {
    () => {
        "id, content, account_id, inbox_id, conversation_id, message_type, created_at, updated_at, private, status, \
         source_id, content_type, content_attributes, sender_type, sender_id, external_source_ids, \
         additional_attributes, processed_message_content, sentiment"
    };
}

pub async fn insert(mut ex: Ex<'_>, m: &Message) -> StoreResult<Message> {
    const SQL: &str = concat!(
        "INSERT INTO messages (content, account_id, inbox_id, conversation_id, message_type, created_at, updated_at, \
         private, status, source_id, content_type, content_attributes, sender_type, sender_id, external_source_ids, \
         additional_attributes, processed_message_content, sentiment) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        &m.content,
        m.account_id,
        m.inbox_id,
        m.conversation_id,
        m.message_type,
        m.created_at,
        m.private,
        m.status,
        &m.source_id,
        m.content_type,
        &m.content_attributes,
        &m.sender_type,
        m.sender_id,
        &m.external_source_ids,
        &m.additional_attributes,
        &m.processed_message_content,
        &m.sentiment
    )?)
}

pub async fn save(mut ex: Ex<'_>, m: &Message, now: Timestamp) -> StoreResult<Message> {
    const SQL: &str = concat!(
        "UPDATE messages SET content = $2, status = $3, content_type = $4, content_attributes = $5, \
         processed_message_content = $6, updated_at = $7 WHERE id = $1 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        m.id,
        &m.content,
        m.status,
        m.content_type,
        &m.content_attributes,
        &m.processed_message_content,
        now
    )?)
}

pub async fn find(mut ex: Ex<'_>, conversation: i64, id: i64) -> StoreResult<Message> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM messages WHERE conversation_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, conversation, id)?)
}

/// Chatwoot's message window: the latest `limit` (newer than `after`, older than
/// `before`), returned oldest first.
pub async fn page(
    ex: Ex<'_>,
    conversation: i64,
    before: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM messages WHERE conversation_id = "
    ));
    q.bind(Arg::Int(conversation));
    if let Some(b) = before {
        q.push(" AND id < ").bind(Arg::Int(b));
    }
    if let Some(a) = after {
        // Chatwoot's window is inclusive of `after` when both ends are given.
        q.push(if before.is_some() {
            " AND id >= "
        } else {
            " AND id > "
        })
        .bind(Arg::Int(a));
    }
    // `after` alone reads forward from it; otherwise read back from the newest.
    let forward = after.is_some() && before.is_none();
    q.push(if forward {
        " ORDER BY id ASC LIMIT "
    } else {
        " ORDER BY id DESC LIMIT "
    })
    .bind(Arg::Int(limit));
    let mut rows: Vec<Message> = query::fetch_all(ex, &q).await?;
    if !forward {
        rows.reverse();
    }
    Ok(rows)
}

/// For each conversation, its newest message (`non_activity`: its newest that is not an
/// activity message), in one query.
pub async fn latest(
    ex: Ex<'_>,
    conversations: &[i64],
    non_activity: bool,
) -> StoreResult<Vec<Message>> {
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM messages WHERE id IN (SELECT MAX(id) FROM messages WHERE conversation_id IN "
    ));
    q.bind_list(conversations.iter().map(|c| Arg::Int(*c)));
    if non_activity {
        q.push(" AND message_type <> 2");
    }
    q.push(" GROUP BY conversation_id)");
    query::fetch_all(ex, &q).await
}

#[derive(Debug, FromRow)]
pub struct Unread {
    pub conversation_id: i64,
    pub unread: i64,
}

/// Incoming messages each conversation's agents have not seen, in one query.
pub async fn unread_counts(ex: Ex<'_>, conversations: &[i64]) -> StoreResult<Vec<Unread>> {
    let mut q = Query::new(
        "SELECT m.conversation_id, COUNT(*) AS unread FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.message_type = 0 AND (c.agent_last_seen_at IS NULL OR m.created_at > c.agent_last_seen_at) \
         AND m.conversation_id IN ",
    );
    q.bind_list(conversations.iter().map(|c| Arg::Int(*c)))
        .push(" GROUP BY m.conversation_id");
    query::fetch_all(ex, &q).await
}

/// What a contact sees: no private notes or activity, the latest `limit` (before
/// `before`), oldest first.
pub async fn page_public(
    ex: Ex<'_>,
    conversation: i64,
    before: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM messages WHERE private = FALSE AND message_type <> 2 AND conversation_id = "
    ));
    q.bind(Arg::Int(conversation));
    if let Some(b) = before {
        q.push(" AND id < ").bind(Arg::Int(b));
    }
    q.push(" ORDER BY id DESC LIMIT ").bind(Arg::Int(limit));
    let mut rows: Vec<Message> = query::fetch_all(ex, &q).await?;
    rows.reverse();
    Ok(rows)
}

/// The incoming and outgoing messages of `conversations` containing the pattern.
pub async fn matching(
    ex: Ex<'_>,
    conversations: &[i64],
    pattern: &str,
) -> StoreResult<Vec<Message>> {
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM messages WHERE conversation_id IN "
    ));
    q.bind_list(conversations.iter().map(|c| Arg::Int(*c)));
    q.push(" AND message_type IN (0, 1) AND LOWER(content) LIKE ")
        .bind(Arg::Text(pattern.to_string()));
    q.push(" ESCAPE '\\' ORDER BY id");
    query::fetch_all(ex, &q).await
}

/// How many messages a conversation got since `since` (Chatwoot's flood guard).
pub async fn count_since(mut ex: Ex<'_>, conversation: i64, since: Timestamp) -> StoreResult<i64> {
    Ok(crate::scalar!(
        one,
        ex.re(),
        "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND created_at >= $2",
        conversation,
        since
    )?)
}

/// Messages of one conversation by id (the senders of an attachments page, say).
pub async fn by_ids(ex: Ex<'_>, conversation: i64, ids: &[i64]) -> StoreResult<Vec<Message>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM messages WHERE conversation_id = "
    ));
    q.bind(Arg::Int(conversation)).push(" AND id IN ");
    q.bind_list(ids.iter().map(|i| Arg::Int(*i)));
    query::fetch_all(ex, &q).await
}

/// Sets a message's delivery status (and its `external_error`, kept in content_attributes).
pub async fn set_status(
    mut ex: Ex<'_>,
    id: i64,
    status: i32,
    content_attributes: &Option<Json<Value>>,
    now: Timestamp,
) -> StoreResult<Message> {
    const SQL: &str = concat!(
        "UPDATE messages SET status = $2, content_attributes = $3, updated_at = $4 WHERE id = $1 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        id,
        status,
        content_attributes,
        now
    )?)
}

/// When the conversation's latest incoming message arrived.
pub async fn last_incoming_at(mut ex: Ex<'_>, conversation: i64) -> StoreResult<Option<Timestamp>> {
    Ok(crate::scalar!(
        optional,
        ex.re(),
        "SELECT created_at FROM messages WHERE conversation_id = $1 AND message_type = 0 \
         ORDER BY id DESC LIMIT 1",
        conversation
    )?)
}

#[derive(Debug, FromRow)]
pub struct LastIncoming {
    pub conversation_id: i64,
    pub at: Timestamp,
}

/// For each of these conversations that has one, when its latest incoming message came.
pub async fn last_incoming_many(
    ex: Ex<'_>,
    conversations: &[i64],
) -> StoreResult<Vec<LastIncoming>> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::new(
        "SELECT conversation_id, MAX(created_at) AS at FROM messages WHERE message_type = 0 AND conversation_id IN ",
    );
    q.bind_list(conversations.iter().map(|c| Arg::Int(*c)))
        .push(" GROUP BY conversation_id");
    query::fetch_all(ex, &q).await
}

/// The messages of a conversation that a transcript shows (Chatwoot's `chat` scope: not
/// activity messages, not private notes), oldest first, at most `limit`.
pub async fn transcript(
    mut ex: Ex<'_>,
    conversation: i64,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM messages WHERE conversation_id = $1 AND message_type <> 2 AND private = FALSE \
         ORDER BY id ASC LIMIT $2"
    );
    Ok(fetch!(all, ex.re(), SQL, conversation, limit)?)
}
