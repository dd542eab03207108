//! Reporting: the `reporting_events` rows and the aggregates the reports read.
//! Aggregation happens in SQL (`COUNT`, `SUM` per time bucket or per group), so a report
//! costs a few indexed scans whatever the size of the account, never a load of rows.
//! The only dialect difference is how a timestamp becomes epoch seconds (`epoch`).

use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp};

use crate::query::{self, Arg, Query};
use crate::{Backend, Ex, StoreResult, exec, fetch, scalar};

/// One measured moment of a conversation, as Chatwoot's ReportingEvent.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub name: &'static str,
    pub value: f64,
    pub value_in_business_hours: f64,
    pub account_id: AccountId,
    pub inbox_id: i64,
    pub user_id: Option<i64>,
    pub conversation_id: i64,
    pub event_start_time: Timestamp,
    pub event_end_time: Timestamp,
}

pub async fn insert(mut ex: Ex<'_>, e: &NewEvent, now: Timestamp) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO reporting_events (name, value, value_in_business_hours, account_id, inbox_id, \
         user_id, conversation_id, event_start_time, event_end_time, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
    exec!(
        ex.re(),
        SQL,
        e.name,
        e.value,
        e.value_in_business_hours,
        e.account_id,
        e.inbox_id,
        e.user_id,
        e.conversation_id,
        e.event_start_time,
        e.event_end_time,
        now
    )?;
    Ok(())
}

/// The latest `event_end_time` among a conversation's events named `a` or `b`.
pub async fn last_end_time(
    mut ex: Ex<'_>,
    conversation: i64,
    a: &str,
    b: &str,
) -> StoreResult<Option<Timestamp>> {
    const SQL: &str = "SELECT event_end_time FROM reporting_events \
         WHERE conversation_id = $1 AND name IN ($2, $3) AND event_end_time IS NOT NULL \
         ORDER BY event_end_time DESC, id DESC LIMIT 1";
    Ok(scalar!(optional, ex.re(), SQL, conversation, a, b)?)
}

/// Chatwoot's `last_non_human_activity` in one statement: the end of the latest
/// hand-off or reopening, else of the latest bot resolution.
pub async fn last_non_human_activity(
    mut ex: Ex<'_>,
    conversation: i64,
) -> StoreResult<Option<Timestamp>> {
    const SQL: &str = "SELECT event_end_time FROM reporting_events \
         WHERE conversation_id = $1 AND event_end_time IS NOT NULL \
         AND name IN ('conversation_bot_handoff', 'conversation_opened', 'conversation_bot_resolved') \
         ORDER BY CASE WHEN name = 'conversation_bot_resolved' THEN 1 ELSE 0 END, \
         event_end_time DESC, id DESC LIMIT 1";
    Ok(scalar!(optional, ex.re(), SQL, conversation)?)
}

pub async fn exists(mut ex: Ex<'_>, conversation: i64, name: &str) -> StoreResult<bool> {
    const SQL: &str =
        "SELECT COUNT(*) FROM reporting_events WHERE conversation_id = $1 AND name = $2";
    let n: i64 = scalar!(one, ex.re(), SQL, conversation, name)?;
    Ok(n > 0)
}

/// Whether an agent (a `User`) has written an outgoing message in the conversation.
pub async fn has_human_reply(mut ex: Ex<'_>, conversation: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM messages \
         WHERE conversation_id = $1 AND message_type = 1 AND sender_type = 'User'";
    let n: i64 = scalar!(one, ex.re(), SQL, conversation)?;
    Ok(n > 0)
}

/// Whose data a report covers (Chatwoot's report `type` and `id`).
#[derive(Clone, Debug)]
pub enum Scope {
    Account,
    Inbox(i64),
    /// An agent: conversations assigned to them, messages they sent, events they caused.
    Agent(i64),
    /// A label, by title: conversations carrying it.
    Label(String),
    Team(i64),
}

/// What is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Conversations,
    /// Messages of one `message_type` (0 incoming, 1 outgoing).
    Messages(i32),
    /// Reporting events of one name.
    Events(&'static str),
    /// Reporting events of one name, one per conversation (bot hand-offs).
    DistinctEvents(&'static str),
}

/// How rows fall into buckets: fixed-size slices of local time, or all in one.
#[derive(Clone, Copy, Debug)]
pub enum Bucket {
    /// Local time is UTC plus `offset` seconds; buckets are `size` seconds long.
    Every {
        offset: i64,
        size: i64,
    },
    All,
}

/// One bucket: its number (local epoch seconds / size), how many rows, and the sum of
/// the value column (events only).
#[derive(Clone, Debug, FromRow)]
pub struct Row {
    pub bucket: i64,
    pub n: i64,
    pub total: Option<f64>,
}

/// The epoch-seconds expression of a timestamp column on this backend.
fn epoch(backend: Backend, pg: &'static str, sqlite: &'static str) -> &'static str {
    match backend {
        Backend::Postgres => pg,
        Backend::Sqlite => sqlite,
    }
}

/// Counts (and sums `value` or `value_in_business_hours`) of `source` for `scope` in
/// `[since, until)`, per bucket.
#[allow(clippy::too_many_arguments)]
pub async fn buckets(
    ex: Ex<'_>,
    account: AccountId,
    scope: &Scope,
    source: Source,
    business_hours: bool,
    since: Timestamp,
    until: Timestamp,
    bucket: Bucket,
) -> StoreResult<Vec<Row>> {
    let backend = ex.backend();
    let mut q = Query::new("SELECT ");
    match bucket {
        Bucket::Every { offset, size } => {
            q.push(epoch(
                backend,
                "CAST(FLOOR((EXTRACT(EPOCH FROM x.created_at) + ",
                "((x.created_at / 1000 + ",
            ));
            q.bind(Arg::Int(offset)).push(") / ").bind(Arg::Int(size));
            q.push(epoch(backend, ") AS BIGINT)", ")"));
        }
        Bucket::All => {
            q.push("CAST(0 AS BIGINT)");
        }
    }
    q.push(" AS bucket, ");
    match source {
        Source::DistinctEvents(_) => q.push("COUNT(DISTINCT x.conversation_id) AS n, "),
        _ => q.push("COUNT(*) AS n, "),
    };
    match (source, business_hours) {
        (Source::Events(_) | Source::DistinctEvents(_), false) => {
            q.push("CAST(SUM(x.value) AS DOUBLE PRECISION) AS total")
        }
        (Source::Events(_) | Source::DistinctEvents(_), true) => {
            q.push("CAST(SUM(x.value_in_business_hours) AS DOUBLE PRECISION) AS total")
        }
        _ => q.push("CAST(NULL AS DOUBLE PRECISION) AS total"),
    };
    match source {
        Source::Conversations => {
            q.push(" FROM conversations x WHERE x.account_id = ");
        }
        Source::Messages(t) => {
            q.push(" FROM messages x WHERE x.message_type = ")
                .bind(Arg::Int(t.into()))
                .push(" AND x.account_id = ");
        }
        Source::Events(name) | Source::DistinctEvents(name) => {
            q.push(" FROM reporting_events x WHERE x.name = ")
                .bind(Arg::Text(name.into()))
                .push(" AND x.account_id = ");
        }
    }
    q.bind(Arg::Int(account.0));
    q.push(" AND x.created_at >= ")
        .bind(Arg::Time(since))
        .push(" AND x.created_at < ")
        .bind(Arg::Time(until));
    scope_filter(&mut q, account, scope, source);
    q.push(" GROUP BY 1");
    query::fetch_all(ex, &q).await
}

/// Narrows `x` (conversations, messages or reporting_events) to the scope, the way
/// Chatwoot's associations do (`user.messages` are those they sent, `team.messages`
/// those of the team's conversations, and so on).
fn scope_filter(q: &mut Query, account: AccountId, scope: &Scope, source: Source) {
    let conversation_col = match source {
        Source::Conversations => " AND x.id IN ",
        _ => " AND x.conversation_id IN ",
    };
    match scope {
        Scope::Account => {}
        Scope::Inbox(id) => {
            q.push(" AND x.inbox_id = ").bind(Arg::Int(*id));
        }
        Scope::Agent(id) => {
            match source {
                Source::Conversations => q.push(" AND x.assignee_id = "),
                Source::Messages(_) => q.push(" AND x.sender_type = 'User' AND x.sender_id = "),
                _ => q.push(" AND x.user_id = "),
            };
            q.bind(Arg::Int(*id));
        }
        Scope::Team(id) => match source {
            Source::Conversations => {
                q.push(" AND x.team_id = ").bind(Arg::Int(*id));
            }
            _ => {
                q.push(conversation_col)
                    .push("(SELECT c.id FROM conversations c WHERE c.account_id = ")
                    .bind(Arg::Int(account.0))
                    .push(" AND c.team_id = ")
                    .bind(Arg::Int(*id))
                    .push(")");
            }
        },
        Scope::Label(title) => {
            q.push(conversation_col);
            tagged(q, account, title);
        }
    }
}

/// `(SELECT id of this account's conversations labelled `title`)`.
fn tagged(q: &mut Query, account: AccountId, title: &str) {
    q.push(
        "(SELECT c.id FROM conversations c JOIN taggings g ON g.taggable_id = c.id \
         AND g.taggable_type = 'Conversation' AND g.context = 'labels' \
         JOIN tags t ON t.id = g.tag_id WHERE c.account_id = ",
    )
    .bind(Arg::Int(account.0))
    .push(" AND t.name = ")
    .bind(Arg::Text(title.to_string()))
    .push(")");
}

/// Per-group figures of a summary report (Chatwoot's BaseSummaryBuilder): the group's
/// id, and per event name the count and sum of values.
#[derive(Clone, Debug, FromRow)]
pub struct GroupRow {
    pub group_id: Option<i64>,
    pub resolved_count: i64,
    pub resolution_sum: Option<f64>,
    pub resolution_n: i64,
    pub first_response_sum: Option<f64>,
    pub first_response_n: i64,
    pub reply_sum: Option<f64>,
    pub reply_n: i64,
}

/// How summary rows are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// The event's user (agent), inbox, or its conversation's team.
    User,
    Inbox,
    Team,
}

/// Reporting-event figures per group for events created in `[since, until)`.
pub async fn event_groups(
    ex: Ex<'_>,
    account: AccountId,
    group: GroupBy,
    business_hours: bool,
    since: Timestamp,
    until: Timestamp,
) -> StoreResult<Vec<GroupRow>> {
    let mut q = Query::new("SELECT ");
    q.push(match group {
        GroupBy::User => "x.user_id",
        GroupBy::Inbox => "x.inbox_id",
        GroupBy::Team => "c.team_id",
    });
    q.push(" AS group_id, ");
    push_event_sums(&mut q, business_hours);
    q.push(" FROM reporting_events x ");
    if group == GroupBy::Team {
        q.push("JOIN conversations c ON c.id = x.conversation_id ");
    }
    q.push("WHERE x.account_id = ")
        .bind(Arg::Int(account.0))
        .push(" AND x.created_at >= ")
        .bind(Arg::Time(since))
        .push(" AND x.created_at < ")
        .bind(Arg::Time(until))
        .push(" GROUP BY 1");
    query::fetch_all(ex, &q).await
}

fn push_event_sums(q: &mut Query, business_hours: bool) {
    if business_hours {
        q.push(
            "COUNT(CASE WHEN x.name = 'conversation_resolved' THEN 1 END) AS resolved_count, \
             CAST(SUM(CASE WHEN x.name = 'conversation_resolved' THEN x.value_in_business_hours END) AS DOUBLE PRECISION) AS resolution_sum, \
             COUNT(CASE WHEN x.name = 'conversation_resolved' THEN x.value_in_business_hours END) AS resolution_n, \
             CAST(SUM(CASE WHEN x.name = 'first_response' THEN x.value_in_business_hours END) AS DOUBLE PRECISION) AS first_response_sum, \
             COUNT(CASE WHEN x.name = 'first_response' THEN x.value_in_business_hours END) AS first_response_n, \
             CAST(SUM(CASE WHEN x.name = 'reply_time' THEN x.value_in_business_hours END) AS DOUBLE PRECISION) AS reply_sum, \
             COUNT(CASE WHEN x.name = 'reply_time' THEN x.value_in_business_hours END) AS reply_n",
        );
    } else {
        q.push(
            "COUNT(CASE WHEN x.name = 'conversation_resolved' THEN 1 END) AS resolved_count, \
             CAST(SUM(CASE WHEN x.name = 'conversation_resolved' THEN x.value END) AS DOUBLE PRECISION) AS resolution_sum, \
             COUNT(CASE WHEN x.name = 'conversation_resolved' THEN x.value END) AS resolution_n, \
             CAST(SUM(CASE WHEN x.name = 'first_response' THEN x.value END) AS DOUBLE PRECISION) AS first_response_sum, \
             COUNT(CASE WHEN x.name = 'first_response' THEN x.value END) AS first_response_n, \
             CAST(SUM(CASE WHEN x.name = 'reply_time' THEN x.value END) AS DOUBLE PRECISION) AS reply_sum, \
             COUNT(CASE WHEN x.name = 'reply_time' THEN x.value END) AS reply_n",
        );
    }
}

/// Per-label figures (Chatwoot's LabelSummaryBuilder): averages over events of the
/// label's conversations created in the range; resolutions by the event's date.
#[derive(Clone, Debug, FromRow)]
pub struct LabelRow {
    pub title: String,
    pub resolved_count: i64,
    pub resolution_sum: Option<f64>,
    pub resolution_n: i64,
    pub first_response_sum: Option<f64>,
    pub first_response_n: i64,
    pub reply_sum: Option<f64>,
    pub reply_n: i64,
}

const LABEL_JOIN: &str = " FROM reporting_events x JOIN conversations c ON c.id = x.conversation_id \
     JOIN taggings g ON g.taggable_id = c.id AND g.taggable_type = 'Conversation' AND g.context = 'labels' \
     JOIN tags t ON t.id = g.tag_id WHERE x.account_id = ";

pub async fn label_groups(
    mut ex: Ex<'_>,
    account: AccountId,
    business_hours: bool,
    since: Timestamp,
    until: Timestamp,
) -> StoreResult<Vec<LabelRow>> {
    // Averages: by the conversation's creation date, as Chatwoot filters them.
    let mut q = Query::new("SELECT t.name AS title, ");
    push_event_sums(&mut q, business_hours);
    q.push(LABEL_JOIN)
        .bind(Arg::Int(account.0))
        .push(" AND c.created_at >= ")
        .bind(Arg::Time(since))
        .push(" AND c.created_at < ")
        .bind(Arg::Time(until))
        .push(" GROUP BY t.name");
    let mut rows: Vec<LabelRow> = query::fetch_all(ex.re(), &q).await?;
    // Resolutions: by the event's own date.
    let mut q = Query::new("SELECT t.name AS title, COUNT(*) AS n");
    q.push(LABEL_JOIN)
        .bind(Arg::Int(account.0))
        .push(" AND x.name = 'conversation_resolved' AND x.created_at >= ")
        .bind(Arg::Time(since))
        .push(" AND x.created_at < ")
        .bind(Arg::Time(until))
        .push(" GROUP BY t.name");
    let resolved: Vec<Named> = query::fetch_all(ex, &q).await?;
    for r in &mut rows {
        r.resolved_count = 0;
    }
    for n in resolved {
        match rows.iter_mut().find(|r| r.title == n.title) {
            Some(r) => r.resolved_count = n.n,
            None => rows.push(LabelRow {
                title: n.title,
                resolved_count: n.n,
                resolution_sum: None,
                resolution_n: 0,
                first_response_sum: None,
                first_response_n: 0,
                reply_sum: None,
                reply_n: 0,
            }),
        }
    }
    Ok(rows)
}

#[derive(Clone, Debug, FromRow)]
pub struct Named {
    pub title: String,
    pub n: i64,
}

/// Conversations created in the range per label title.
pub async fn label_conversation_counts(
    ex: Ex<'_>,
    account: AccountId,
    since: Timestamp,
    until: Timestamp,
) -> StoreResult<Vec<Named>> {
    let mut q = Query::new(
        "SELECT t.name AS title, COUNT(*) AS n FROM taggings g \
         JOIN conversations c ON c.id = g.taggable_id JOIN tags t ON t.id = g.tag_id \
         WHERE g.taggable_type = 'Conversation' AND g.context = 'labels' AND c.account_id = ",
    );
    q.bind(Arg::Int(account.0))
        .push(" AND c.created_at >= ")
        .bind(Arg::Time(since))
        .push(" AND c.created_at < ")
        .bind(Arg::Time(until))
        .push(" GROUP BY t.name");
    query::fetch_all(ex, &q).await
}

#[derive(Clone, Debug, FromRow)]
pub struct Counted {
    pub group_id: Option<i64>,
    pub n: i64,
}

/// Conversations created in the range, per assignee, inbox or team.
pub async fn conversation_counts(
    ex: Ex<'_>,
    account: AccountId,
    group: GroupBy,
    since: Timestamp,
    until: Timestamp,
) -> StoreResult<Vec<Counted>> {
    let mut q = Query::new("SELECT ");
    q.push(match group {
        GroupBy::User => "assignee_id",
        GroupBy::Inbox => "inbox_id",
        GroupBy::Team => "team_id",
    });
    q.push(" AS group_id, COUNT(*) AS n FROM conversations WHERE account_id = ")
        .bind(Arg::Int(account.0))
        .push(" AND created_at >= ")
        .bind(Arg::Time(since))
        .push(" AND created_at < ")
        .bind(Arg::Time(until))
        .push(" GROUP BY 1");
    query::fetch_all(ex, &q).await
}

#[derive(Clone, Debug, FromRow)]
pub struct ChannelRow {
    pub channel_type: Option<String>,
    pub status: i32,
    pub n: i64,
}

/// Conversations created in the range per channel type and status.
pub async fn channel_counts(
    mut ex: Ex<'_>,
    account: AccountId,
    since: Timestamp,
    until: Timestamp,
) -> StoreResult<Vec<ChannelRow>> {
    const SQL: &str = "SELECT i.channel_type, c.status, COUNT(*) AS n FROM conversations c \
         JOIN inboxes i ON i.id = c.inbox_id \
         WHERE c.account_id = $1 AND c.created_at >= $2 AND c.created_at < $3 \
         GROUP BY i.channel_type, c.status ORDER BY i.channel_type, c.status";
    Ok(fetch!(all, ex.re(), SQL, account, since, until)?)
}

/// Live figures of conversations as they are now (Chatwoot's live reports).
#[derive(Clone, Debug, Default, FromRow)]
pub struct Live {
    pub group_id: Option<i64>,
    pub open: i64,
    pub unattended: i64,
    pub unassigned: i64,
    pub pending: i64,
}

/// `open` counts status 0; `unattended` is open with no first reply or a customer
/// waiting; `unassigned` open with no assignee; `pending` status 2. Grouped by
/// `group` (None: one row), optionally for one team only.
pub async fn live(
    ex: Ex<'_>,
    account: AccountId,
    team: Option<i64>,
    group: Option<GroupBy>,
) -> StoreResult<Vec<Live>> {
    let mut q = Query::new("SELECT ");
    q.push(match group {
        Some(GroupBy::User) => "assignee_id",
        Some(GroupBy::Team) => "team_id",
        Some(GroupBy::Inbox) => "inbox_id",
        None => "CAST(NULL AS BIGINT)",
    });
    q.push(
        " AS group_id, \
         COUNT(CASE WHEN status = 0 THEN 1 END) AS open, \
         COUNT(CASE WHEN status = 0 AND (first_reply_created_at IS NULL OR waiting_since IS NOT NULL) THEN 1 END) AS unattended, \
         COUNT(CASE WHEN status = 0 AND assignee_id IS NULL THEN 1 END) AS unassigned, \
         COUNT(CASE WHEN status = 2 THEN 1 END) AS pending \
         FROM conversations WHERE account_id = ",
    )
    .bind(Arg::Int(account.0));
    if let Some(t) = team {
        q.push(" AND team_id = ").bind(Arg::Int(t));
    }
    if group.is_some() {
        q.push(" AND status = 0 GROUP BY 1 ORDER BY 1");
    }
    query::fetch_all(ex, &q).await
}
