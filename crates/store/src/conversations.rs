//! Conversations and their messages. A list page costs a fixed number of queries: the
//! page, the counts, and one query per related table for the whole page.

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp, UserId, Uuid};

use crate::query::{self, Arg, Query};
use crate::{Ex, Json, StoreError, StoreResult, exec, fetch, scalar};

#[derive(Clone, Debug, FromRow)]
pub struct Conversation {
    pub id: i64,
    pub account_id: AccountId,
    pub inbox_id: i64,
    pub status: i32,
    pub assignee_id: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub contact_id: Option<i64>,
    pub display_id: i64,
    pub contact_last_seen_at: Option<Timestamp>,
    pub agent_last_seen_at: Option<Timestamp>,
    pub additional_attributes: Option<Json<Value>>,
    pub contact_inbox_id: Option<i64>,
    pub uuid: Uuid,
    pub identifier: Option<String>,
    pub last_activity_at: Timestamp,
    pub team_id: Option<i64>,
    pub campaign_id: Option<i64>,
    pub snoozed_until: Option<Timestamp>,
    pub custom_attributes: Option<Json<Value>>,
    pub assignee_last_seen_at: Option<Timestamp>,
    pub first_reply_created_at: Option<Timestamp>,
    pub priority: Option<i32>,
    pub sla_policy_id: Option<i64>,
    pub waiting_since: Option<Timestamp>,
    pub cached_label_list: Option<String>,
    pub assignee_agent_bot_id: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, account_id, inbox_id, status, assignee_id, created_at, updated_at, contact_id, display_id, \
         contact_last_seen_at, agent_last_seen_at, additional_attributes, contact_inbox_id, uuid, identifier, \
         last_activity_at, team_id, campaign_id, snoozed_until, custom_attributes, assignee_last_seen_at, \
         first_reply_created_at, priority, sla_policy_id, waiting_since, cached_label_list, assignee_agent_bot_id"
    };
}

/// Takes the account's next display id (Chatwoot numbers conversations per account).
pub async fn next_display_id(mut ex: Ex<'_>, account: AccountId) -> StoreResult<i64> {
    const SQL: &str = "UPDATE accounts SET last_display_id = last_display_id + 1 WHERE id = $1 RETURNING last_display_id";
    Ok(scalar!(one, ex.re(), SQL, account)?)
}

pub async fn insert(mut ex: Ex<'_>, c: &Conversation) -> StoreResult<Conversation> {
    const SQL: &str = concat!(
        "INSERT INTO conversations (account_id, inbox_id, status, assignee_id, created_at, updated_at, contact_id, \
         display_id, additional_attributes, contact_inbox_id, uuid, last_activity_at, team_id, snoozed_until, \
         custom_attributes, priority, waiting_since, cached_label_list) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $5, $11, $12, $13, $14, $15, $16) RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        c.account_id,
        c.inbox_id,
        c.status,
        c.assignee_id,
        c.created_at,
        c.contact_id,
        c.display_id,
        &c.additional_attributes,
        c.contact_inbox_id,
        c.uuid,
        c.team_id,
        c.snoozed_until,
        &c.custom_attributes,
        c.priority,
        c.waiting_since,
        &c.cached_label_list
    )?)
}

/// Saves every mutable column of `c`.
pub async fn save(mut ex: Ex<'_>, c: &Conversation, now: Timestamp) -> StoreResult<Conversation> {
    const SQL: &str = concat!(
        "UPDATE conversations SET status = $3, assignee_id = $4, updated_at = $5, contact_last_seen_at = $6, \
         agent_last_seen_at = $7, additional_attributes = $8, last_activity_at = $9, team_id = $10, \
         snoozed_until = $11, custom_attributes = $12, assignee_last_seen_at = $13, first_reply_created_at = $14, \
         priority = $15, waiting_since = $16, cached_label_list = $17, assignee_agent_bot_id = $18 \
         WHERE account_id = $1 AND id = $2 RETURNING ",
        columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        c.account_id,
        c.id,
        c.status,
        c.assignee_id,
        now,
        c.contact_last_seen_at,
        c.agent_last_seen_at,
        &c.additional_attributes,
        c.last_activity_at,
        c.team_id,
        c.snoozed_until,
        &c.custom_attributes,
        c.assignee_last_seen_at,
        c.first_reply_created_at,
        c.priority,
        c.waiting_since,
        &c.cached_label_list,
        c.assignee_agent_bot_id
    )?)
}

pub async fn find_by_display_id(
    mut ex: Ex<'_>,
    account: AccountId,
    display_id: i64,
) -> StoreResult<Conversation> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE account_id = $1 AND display_id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, display_id)?)
}

/// The latest conversation of a contact inbox (for `lock_to_single_conversation`).
pub async fn latest_for_contact_inbox(
    mut ex: Ex<'_>,
    contact_inbox: i64,
) -> StoreResult<Option<Conversation>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE contact_inbox_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1"
    );
    Ok(fetch!(optional, ex.re(), SQL, contact_inbox)?)
}

pub async fn delete(mut ex: Ex<'_>, c: &Conversation) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM conversations WHERE account_id = $1 AND id = $2";
    if exec!(ex.re(), SQL, c.account_id, c.id)? == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Which conversations a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only these inboxes (an agent's); None: every inbox of the account.
    pub inboxes: Option<Vec<i64>>,
    pub status: Option<i32>,
    pub team_id: Option<i64>,
    pub labels: Vec<String>,
    pub source_id: Option<String>,
    pub updated_since: Option<Timestamp>,
}

/// The assignee part, applied after the counts, as in Chatwoot's ConversationFinder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignee {
    All,
    Me(UserId),
    Unassigned,
    Assigned,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    LastActivityDesc,
    LastActivityAsc,
    CreatedDesc,
    CreatedAsc,
    PriorityDesc,
    PriorityAsc,
    WaitingSinceDesc,
    WaitingSinceAsc,
}

impl Sort {
    pub fn parse(s: &str) -> Self {
        match s {
            "last_activity_at_asc" => Self::LastActivityAsc,
            "created_at_desc" | "sort_on_created_at" => Self::CreatedDesc,
            "created_at_asc" => Self::CreatedAsc,
            "priority_desc" | "sort_on_priority" => Self::PriorityDesc,
            "priority_asc" => Self::PriorityAsc,
            "waiting_since_desc" => Self::WaitingSinceDesc,
            "waiting_since_asc" | "sort_on_waiting_since" => Self::WaitingSinceAsc,
            _ => Self::LastActivityDesc,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Self::LastActivityDesc => "last_activity_at DESC, id DESC",
            Self::LastActivityAsc => "last_activity_at ASC, id ASC",
            Self::CreatedDesc => "created_at DESC, id DESC",
            Self::CreatedAsc => "created_at ASC, id ASC",
            Self::PriorityDesc => "priority DESC NULLS LAST, last_activity_at DESC, id DESC",
            Self::PriorityAsc => "priority ASC NULLS LAST, last_activity_at DESC, id DESC",
            Self::WaitingSinceDesc => "waiting_since DESC NULLS LAST, created_at ASC, id ASC",
            Self::WaitingSinceAsc => "waiting_since ASC NULLS LAST, created_at ASC, id ASC",
        }
    }
}

fn where_clause(q: &mut Query, account: AccountId, f: &Filter) {
    q.bind(Arg::Int(account.0));
    if let Some(inboxes) = &f.inboxes {
        q.push(" AND inbox_id IN ")
            .bind_list(inboxes.iter().map(|i| Arg::Int(*i)));
    }
    if let Some(s) = f.status {
        q.push(" AND status = ").bind(Arg::Int(i64::from(s)));
    }
    if let Some(t) = f.team_id {
        q.push(" AND team_id = ").bind(Arg::Int(t));
    }
    if !f.labels.is_empty() {
        q.push(
            " AND id IN (SELECT g.taggable_id FROM taggings g JOIN tags t ON t.id = g.tag_id \
             WHERE g.taggable_type = 'Conversation' AND g.context = 'labels' AND LOWER(t.name) IN ",
        );
        q.bind_list(f.labels.iter().map(|l| Arg::Text(l.to_lowercase())));
        q.push(")");
    }
    if let Some(s) = &f.source_id {
        q.push(" AND contact_inbox_id IN (SELECT id FROM contact_inboxes WHERE source_id = ")
            .bind(Arg::Text(s.clone()))
            .push(")");
    }
    if let Some(t) = f.updated_since {
        q.push(" AND updated_at > ").bind(Arg::Time(t));
    }
}

/// Chatwoot's four counts, taken before the assignee filter.
#[derive(Clone, Copy, Debug, Default, FromRow)]
pub struct Counts {
    pub mine: i64,
    pub unassigned: i64,
    #[sqlx(rename = "total")]
    pub all: i64,
}

/// The start of Chatwoot's counts query (mine, unassigned, all); the caller appends the
/// account id and its conditions.
fn counts_query(me: UserId) -> Query {
    let mut q = Query::new("SELECT COALESCE(SUM(CASE WHEN assignee_id = ");
    q.bind(Arg::Int(me.0));
    q.push(
        " THEN 1 ELSE 0 END), 0) AS mine, COALESCE(SUM(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END), 0) AS unassigned, \
         COUNT(*) AS total FROM conversations WHERE account_id = ",
    );
    q
}

pub async fn counts(ex: Ex<'_>, account: AccountId, f: &Filter, me: UserId) -> StoreResult<Counts> {
    let mut q = counts_query(me);
    where_clause(&mut q, account, f);
    Ok(query::fetch_all::<Counts>(ex, &q)
        .await?
        .pop()
        .unwrap_or_default())
}

/// One page (or, with `limit` None, every row) of the filtered conversations.
pub async fn list(
    ex: Ex<'_>,
    account: AccountId,
    f: &Filter,
    assignee: Assignee,
    sort: Sort,
    limit: Option<(i64, i64)>,
) -> StoreResult<Vec<Conversation>> {
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE account_id = "
    ));
    where_clause(&mut q, account, f);
    match assignee {
        Assignee::All => {}
        Assignee::Me(me) => {
            q.push(" AND assignee_id = ").bind(Arg::Int(me.0));
        }
        Assignee::Unassigned => {
            q.push(" AND assignee_id IS NULL");
        }
        Assignee::Assigned => {
            q.push(" AND assignee_id IS NOT NULL");
        }
    }
    q.push(" ORDER BY ").push(sort.sql());
    if let Some((per_page, page)) = limit {
        q.push(" LIMIT ")
            .bind(Arg::Int(per_page))
            .push(" OFFSET ")
            .bind(Arg::Int((page - 1).max(0) * per_page));
    }
    query::fetch_all(ex, &q).await
}

/// A contact's conversations in the account, oldest first.
pub async fn for_contact(
    mut ex: Ex<'_>,
    account: AccountId,
    contact: i64,
) -> StoreResult<Vec<Conversation>> {
    const SQL: &str = concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE account_id = $1 AND contact_id = $2 ORDER BY id"
    );
    Ok(fetch!(all, ex.re(), SQL, account, contact)?)
}

/// Conversations of `account` by id (any order).
pub async fn by_ids(ex: Ex<'_>, account: AccountId, ids: &[i64]) -> StoreResult<Vec<Conversation>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE account_id = "
    ));
    q.bind(Arg::Int(account.0)).push(" AND id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(Arg::Int(*id));
    }
    q.push(") ORDER BY id");
    query::fetch_all(ex, &q).await
}

/// Conversations matching filter conditions: Chatwoot's three counts and one page,
/// newest activity first.
pub async fn filter(
    mut ex: Ex<'_>,
    account: AccountId,
    inboxes: Option<&[i64]>,
    conditions: &[crate::filter::Condition],
    me: UserId,
    page: i64,
    per_page: i64,
) -> StoreResult<(Counts, Vec<Conversation>)> {
    let base = |q: &mut Query| {
        q.bind(Arg::Int(account.0));
        if let Some(inboxes) = inboxes {
            q.push(" AND inbox_id IN ")
                .bind_list(inboxes.iter().map(|i| Arg::Int(*i)));
        }
        crate::filter::push(q, conditions);
    };
    let mut c = counts_query(me);
    base(&mut c);
    let counts = query::fetch_all::<Counts>(ex.re(), &c)
        .await?
        .pop()
        .unwrap_or_default();
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE account_id = "
    ));
    base(&mut q);
    q.push(" ORDER BY last_activity_at DESC, id DESC LIMIT ")
        .bind(Arg::Int(per_page))
        .push(" OFFSET ")
        .bind(Arg::Int((page - 1).max(0) * per_page));
    Ok((counts, query::fetch_all(ex.re(), &q).await?))
}
/// Conversations with an incoming or outgoing message containing the pattern (a
/// `like_pattern`): Chatwoot's three counts and one page, newest activity first.
pub async fn search(
    mut ex: Ex<'_>,
    account: AccountId,
    inboxes: Option<&[i64]>,
    pattern: &str,
    me: UserId,
    page: i64,
    per_page: i64,
) -> StoreResult<(Counts, Vec<Conversation>)> {
    let base = |q: &mut Query| {
        q.bind(Arg::Int(account.0));
        if let Some(inboxes) = inboxes {
            q.push(" AND inbox_id IN ")
                .bind_list(inboxes.iter().map(|i| Arg::Int(*i)));
        }
        q.push(" AND id IN (SELECT conversation_id FROM messages WHERE account_id = ")
            .bind(Arg::Int(account.0));
        q.push(" AND message_type IN (0, 1) AND LOWER(content) LIKE ")
            .bind(Arg::Text(pattern.to_string()));
        q.push(" ESCAPE '\\')");
    };
    let mut c = counts_query(me);
    base(&mut c);
    let counts = query::fetch_all::<Counts>(ex.re(), &c)
        .await?
        .pop()
        .unwrap_or_default();
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE account_id = "
    ));
    base(&mut q);
    q.push(" ORDER BY last_activity_at DESC, id DESC LIMIT ")
        .bind(Arg::Int(per_page))
        .push(" OFFSET ")
        .bind(Arg::Int((page - 1).max(0) * per_page));
    Ok((counts, query::fetch_all(ex.re(), &q).await?))
}

/// A contact's latest conversations, within `inboxes` when given.
pub async fn latest_for_contact(
    ex: Ex<'_>,
    account: AccountId,
    contact: i64,
    inboxes: Option<&[i64]>,
    limit: i64,
) -> StoreResult<Vec<Conversation>> {
    let mut q = Query::new(concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE account_id = "
    ));
    q.bind(Arg::Int(account.0))
        .push(" AND contact_id = ")
        .bind(Arg::Int(contact));
    if let Some(inboxes) = inboxes {
        q.push(" AND inbox_id IN ")
            .bind_list(inboxes.iter().map(|i| Arg::Int(*i)));
    }
    q.push(" ORDER BY last_activity_at DESC, id DESC LIMIT ")
        .bind(Arg::Int(limit));
    query::fetch_all(ex, &q).await
}

/// Rewrites a conversation's `cached_label_list` (after its labels changed elsewhere).
pub async fn set_cached_labels(
    mut ex: Ex<'_>,
    id: i64,
    list: &str,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE conversations SET cached_label_list = $2, updated_at = $3 WHERE id = $1";
    exec!(ex.re(), SQL, id, list, now)?;
    Ok(())
}
