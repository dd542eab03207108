//! Reports (`/api/v2/accounts/:id/reports…`, `summary_reports`, `live_reports`), for
//! administrators only (Chatwoot's ReportPolicy). Figures come from SQL aggregates per
//! time bucket (store::reporting); this module only parses the request, rolls day
//! buckets up into weeks, months and years, and shapes Chatwoot's answers.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use switchboard_domain::{AccountId, Error, Result, Timestamp};
use switchboard_store::reporting::{self, Bucket, GroupBy, Scope, Source};
use switchboard_store::users::User;
use switchboard_store::{Conn, account_users, inboxes, labels, teams, users};

use crate::Ctx;
use crate::auth::administrator;

/// More buckets than this is refused: an hourly series over ten years is no chart.
pub const MAX_BUCKETS: i64 = 10_000;
/// The channel summary's limit (Chatwoot's `date_range_too_long`: 6 months).
const CHANNEL_MAX_SECONDS: i64 = 183 * 86_400;

/// The metrics of the time series (Chatwoot's BaseReportBuilder lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    ConversationsCount,
    IncomingMessagesCount,
    OutgoingMessagesCount,
    AvgFirstResponseTime,
    AvgResolutionTime,
    ReplyTime,
    ResolutionsCount,
    BotResolutionsCount,
    BotHandoffsCount,
}

impl Metric {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "conversations_count" => Self::ConversationsCount,
            "incoming_messages_count" => Self::IncomingMessagesCount,
            "outgoing_messages_count" => Self::OutgoingMessagesCount,
            "avg_first_response_time" => Self::AvgFirstResponseTime,
            "avg_resolution_time" => Self::AvgResolutionTime,
            "reply_time" => Self::ReplyTime,
            "resolutions_count" => Self::ResolutionsCount,
            "bot_resolutions_count" => Self::BotResolutionsCount,
            "bot_handoffs_count" => Self::BotHandoffsCount,
            _ => return None,
        })
    }

    fn source(self) -> Source {
        match self {
            Self::ConversationsCount => Source::Conversations,
            Self::IncomingMessagesCount => Source::Messages(0),
            Self::OutgoingMessagesCount => Source::Messages(1),
            Self::AvgFirstResponseTime => Source::Events("first_response"),
            Self::AvgResolutionTime | Self::ResolutionsCount => {
                Source::Events("conversation_resolved")
            }
            Self::ReplyTime => Source::Events("reply_time"),
            Self::BotResolutionsCount => Source::Events("conversation_bot_resolved"),
            Self::BotHandoffsCount => Source::DistinctEvents("conversation_bot_handoff"),
        }
    }

    fn is_average(self) -> bool {
        matches!(
            self,
            Self::AvgFirstResponseTime | Self::AvgResolutionTime | Self::ReplyTime
        )
    }
}

/// `group_by`; anything else is a day, as in Chatwoot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Period {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("hour") => Self::Hour,
            Some("week") => Self::Week,
            Some("month") => Self::Month,
            Some("year") => Self::Year,
            _ => Self::Day,
        }
    }

    /// The start (local seconds) of the period holding local second `s`.
    fn start(self, s: i64) -> i64 {
        let day = s.div_euclid(86_400);
        match self {
            Self::Hour => s - s.rem_euclid(3600),
            Self::Day => day * 86_400,
            // Weeks start on Sunday (groupdate's default, which Chatwoot keeps);
            // 1970-01-01 was a Thursday.
            Self::Week => (day - (day + 4).rem_euclid(7)) * 86_400,
            Self::Month | Self::Year => {
                let (y, m, _) = civil_from_days(day);
                let m = if self == Self::Year { 1 } else { m };
                days_from_civil(y, m, 1) * 86_400
            }
        }
    }

    /// The start of the next period after the one starting at `start`.
    fn next(self, start: i64) -> i64 {
        match self {
            Self::Hour => start + 3600,
            Self::Day => start + 86_400,
            Self::Week => start + 7 * 86_400,
            Self::Month | Self::Year => {
                let (y, m, _) = civil_from_days(start.div_euclid(86_400));
                let (y, m) = match (self, m) {
                    (Self::Year, _) => (y + 1, 1),
                    (_, 12) => (y + 1, 1),
                    _ => (y, m + 1),
                };
                days_from_civil(y, m, 1) * 86_400
            }
        }
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A date range `[since, until)` in unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub since: i64,
    pub until: i64,
}

impl Range {
    /// Both ends required, as unix seconds, `since` before `until`.
    pub fn parse(since: Option<&str>, until: Option<&str>) -> Result<Self> {
        let read = |name: &str, v: Option<&str>| -> Result<i64> {
            let v = v.map(str::trim).filter(|v| !v.is_empty()).ok_or_else(|| {
                Error::Unprocessable(format!("{name} is required (unix seconds)"))
            })?;
            v.parse::<i64>()
                .ok()
                .or_else(|| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| f as i64)
                })
                // Years 0 to 9999: anything else is not a date a report can cover.
                .filter(|s| (-62_135_596_800..=253_402_300_799).contains(s))
                .ok_or_else(|| Error::Unprocessable(format!("{name} must be unix seconds")))
        };
        let since = read("since", since)?;
        let until = read("until", until)?;
        if until <= since {
            return Err(Error::Unprocessable("until must be after since".into()));
        }
        Ok(Self { since, until })
    }

    /// The period just before, of the same length (Chatwoot's `previous` summary).
    fn previous(self) -> Self {
        Self {
            since: self.since - (self.until - self.since),
            until: self.since,
        }
    }

    fn times(self) -> (Timestamp, Timestamp) {
        (
            Timestamp::from_unix_seconds(self.since),
            Timestamp::from_unix_seconds(self.until),
        )
    }
}

/// `timezone_offset` in hours (`5.5`, `-3`); none is UTC. Returned in seconds.
pub fn offset_seconds(raw: Option<&str>) -> Result<i64> {
    let Some(raw) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(0);
    };
    let hours: f64 = raw
        .parse()
        .ok()
        .filter(|h: &f64| h.is_finite() && (-14.0..=14.0).contains(h))
        .ok_or_else(|| {
            Error::Unprocessable("timezone_offset must be hours between -14 and 14".into())
        })?;
    Ok((hours * 3600.0).round() as i64)
}

/// What a report is about: `type` and `id`.
pub struct Subject<'a> {
    pub kind: Option<&'a str>,
    pub id: Option<&'a str>,
}

async fn scope(conn: &mut Conn, account: AccountId, s: &Subject<'_>) -> Result<Scope> {
    let kind = s.kind.unwrap_or("account");
    let id = || -> Result<i64> {
        s.id.and_then(|v| v.trim().parse().ok())
            .ok_or(Error::NotFound)
    };
    Ok(match kind {
        "account" => Scope::Account,
        "inbox" => Scope::Inbox(inboxes::find(conn.ex(), account, id()?).await?.id),
        "agent" => {
            let user = switchboard_domain::UserId(id()?);
            account_users::find(conn.ex(), account, user)
                .await?
                .ok_or(Error::NotFound)?;
            Scope::Agent(user.0)
        }
        "label" => {
            let label = labels::find(conn.ex(), account, id()?).await?;
            Scope::Label(label.title.unwrap_or_default())
        }
        "team" => Scope::Team(teams::find(conn.ex(), account, id()?).await?.id),
        other => {
            return Err(Error::Unprocessable(format!(
                "'{other}' is not a valid type (account, agent, inbox, label, team)"
            )));
        }
    })
}

/// A time series request (`GET /api/v2/accounts/:id/reports`).
pub struct SeriesQuery<'a> {
    pub metric: Option<&'a str>,
    pub subject: Subject<'a>,
    pub range: Range,
    pub period: Period,
    pub business_hours: bool,
    pub offset: i64,
}

/// One point: `{value, timestamp}`, and `count` (events averaged) for averages.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Point {
    pub value: Value,
    pub timestamp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

pub async fn timeseries(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    q: SeriesQuery<'_>,
) -> Result<Vec<Point>> {
    let mut conn = ctx.db.conn().await?;
    administrator(conn.ex(), caller, account).await?;
    let metric = q.metric.and_then(Metric::parse).ok_or_else(|| {
        Error::Unprocessable(format!("Invalid metric: {}", q.metric.unwrap_or("")))
    })?;
    let scope = scope(&mut conn, account, &q.subject).await?;
    let starts = series(q.range, q.period, q.offset)?;
    // Hours are summed in SQL; every longer period from day sums.
    let size = if q.period == Period::Hour {
        3600
    } else {
        86_400
    };
    let (since, until) = q.range.times();
    let rows = reporting::buckets(
        conn.ex(),
        account,
        &scope,
        metric.source(),
        q.business_hours,
        since,
        until,
        Bucket::Every {
            offset: q.offset,
            size,
        },
    )
    .await?;
    let mut sums: BTreeMap<i64, (i64, f64)> = starts.iter().map(|s| (*s, (0, 0.0))).collect();
    for r in rows {
        let start = q.period.start(r.bucket * size);
        if let Some(slot) = sums.get_mut(&start) {
            slot.0 += r.n;
            slot.1 += r.total.unwrap_or(0.0);
        }
    }
    Ok(sums
        .into_iter()
        .map(|(start, (n, total))| {
            let timestamp = start - q.offset;
            if metric.is_average() {
                Point {
                    value: average(n, total).unwrap_or(json!(0)),
                    timestamp,
                    count: Some(n),
                }
            } else {
                Point {
                    value: json!(n),
                    timestamp,
                    count: None,
                }
            }
        })
        .collect())
}

/// The local starts of the periods that `[since, until)` touches.
fn series(range: Range, period: Period, offset: i64) -> Result<Vec<i64>> {
    let (from, to) = (range.since + offset, range.until + offset);
    // Checked before building anything: the span tells the count of hours or days.
    let rough = match period {
        Period::Hour => (to - from) / 3600,
        Period::Day => (to - from) / 86_400,
        _ => 0,
    };
    if rough > MAX_BUCKETS {
        return Err(too_many());
    }
    let mut out = Vec::new();
    let mut s = period.start(from);
    while s < to {
        out.push(s);
        if out.len() as i64 > MAX_BUCKETS {
            return Err(too_many());
        }
        s = period.next(s);
    }
    Ok(out)
}

fn too_many() -> Error {
    Error::Unprocessable(format!(
        "The range holds more than {MAX_BUCKETS} periods; choose a shorter range or a longer group_by"
    ))
}

fn average(n: i64, total: f64) -> Option<Value> {
    (n > 0).then(|| json!(total / n as f64))
}

/// Chatwoot's `reports/summary` (`bot` false) and `reports/bot_summary` (`bot` true):
/// the figures of the range, and the same for the range before as `previous`.
pub async fn summary(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    subject: Subject<'_>,
    range: Range,
    business_hours: bool,
    bot: bool,
) -> Result<Value> {
    let mut conn = ctx.db.conn().await?;
    administrator(conn.ex(), caller, account).await?;
    let scope = scope(&mut conn, account, &subject).await?;
    let metrics: &[(&str, Metric)] = if bot {
        &[
            ("bot_resolutions_count", Metric::BotResolutionsCount),
            ("bot_handoffs_count", Metric::BotHandoffsCount),
        ]
    } else {
        &[
            ("conversations_count", Metric::ConversationsCount),
            ("incoming_messages_count", Metric::IncomingMessagesCount),
            ("outgoing_messages_count", Metric::OutgoingMessagesCount),
            ("avg_first_response_time", Metric::AvgFirstResponseTime),
            ("avg_resolution_time", Metric::AvgResolutionTime),
            ("resolutions_count", Metric::ResolutionsCount),
            ("reply_time", Metric::ReplyTime),
        ]
    };
    let mut current = Map::new();
    let mut previous = Map::new();
    for (out, r) in [(&mut current, range), (&mut previous, range.previous())] {
        let (since, until) = r.times();
        for (name, metric) in metrics {
            let rows = reporting::buckets(
                conn.ex(),
                account,
                &scope,
                metric.source(),
                business_hours,
                since,
                until,
                Bucket::All,
            )
            .await?;
            let (n, total) = rows
                .first()
                .map_or((0, 0.0), |r| (r.n, r.total.unwrap_or(0.0)));
            // An average of nothing is null, as ActiveRecord's `average` gives it.
            let value = if metric.is_average() {
                average(n, total).unwrap_or(Value::Null)
            } else {
                json!(n)
            };
            out.insert((*name).to_string(), value);
        }
    }
    current.insert("previous".into(), Value::Object(previous));
    Ok(Value::Object(current))
}

/// The rows of `summary_reports/agent|inbox|team|label` (Chatwoot's *SummaryBuilder).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SummaryRow {
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub conversations_count: i64,
    pub resolved_conversations_count: i64,
    pub avg_resolution_time: Value,
    pub avg_first_response_time: Value,
    pub avg_reply_time: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SummaryKind {
    Agent,
    Inbox,
    Team,
    Label,
}

/// A summary row, with what names it for the CSV downloads.
pub struct Named {
    pub row: SummaryRow,
    pub name: String,
    /// The inbox's channel (its CSV's second column).
    pub channel: Option<String>,
}

pub async fn summary_rows(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    kind: SummaryKind,
    range: Range,
    business_hours: bool,
) -> Result<Vec<Named>> {
    let mut conn = ctx.db.conn().await?;
    administrator(conn.ex(), caller, account).await?;
    let (since, until) = range.times();
    if kind == SummaryKind::Label {
        return label_rows(&mut conn, account, business_hours, since, until).await;
    }
    let group = match kind {
        SummaryKind::Agent => GroupBy::User,
        SummaryKind::Inbox => GroupBy::Inbox,
        _ => GroupBy::Team,
    };
    let counts: BTreeMap<i64, i64> =
        reporting::conversation_counts(conn.ex(), account, group, since, until)
            .await?
            .into_iter()
            .filter_map(|c| c.group_id.map(|g| (g, c.n)))
            .collect();
    let events: BTreeMap<i64, reporting::GroupRow> =
        reporting::event_groups(conn.ex(), account, group, business_hours, since, until)
            .await?
            .into_iter()
            .filter_map(|r| r.group_id.map(|g| (g, r)))
            .collect();
    // Every agent, inbox or team of the account, in id order, with or without figures.
    let subjects: Vec<(i64, String, Option<String>)> = match kind {
        SummaryKind::Agent => users::list_for_account(conn.ex(), account)
            .await?
            .into_iter()
            .map(|u| (u.id.0, u.name, None))
            .collect(),
        SummaryKind::Inbox => inboxes::list(conn.ex(), account, None)
            .await?
            .into_iter()
            .map(|i| {
                let channel = channel_name(i.channel_type.as_deref());
                (i.id, i.name, Some(channel.to_string()))
            })
            .collect(),
        _ => teams::list(conn.ex(), account)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name, None))
            .collect(),
    };
    let mut subjects = subjects;
    subjects.sort_by_key(|s| s.0);
    Ok(subjects
        .into_iter()
        .map(|(id, name, channel)| {
            let e = events.get(&id);
            let avg =
                |sum: Option<f64>, n: i64| average(n, sum.unwrap_or(0.0)).unwrap_or(Value::Null);
            Named {
                row: SummaryRow {
                    id,
                    name: None,
                    conversations_count: counts.get(&id).copied().unwrap_or(0),
                    resolved_conversations_count: e.map_or(0, |e| e.resolved_count),
                    avg_resolution_time: e
                        .map_or(Value::Null, |e| avg(e.resolution_sum, e.resolution_n)),
                    avg_first_response_time: e.map_or(Value::Null, |e| {
                        avg(e.first_response_sum, e.first_response_n)
                    }),
                    avg_reply_time: e.map_or(Value::Null, |e| avg(e.reply_sum, e.reply_n)),
                },
                name,
                channel,
            }
        })
        .collect())
}

/// Labels report zeros rather than nulls (Chatwoot's LabelSummaryBuilder).
async fn label_rows(
    conn: &mut Conn,
    account: AccountId,
    business_hours: bool,
    since: Timestamp,
    until: Timestamp,
) -> Result<Vec<Named>> {
    let list = labels::list(conn.ex(), account).await?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let counts: BTreeMap<String, i64> =
        reporting::label_conversation_counts(conn.ex(), account, since, until)
            .await?
            .into_iter()
            .map(|n| (n.title, n.n))
            .collect();
    let events: BTreeMap<String, reporting::LabelRow> =
        reporting::label_groups(conn.ex(), account, business_hours, since, until)
            .await?
            .into_iter()
            .map(|r| (r.title.clone(), r))
            .collect();
    let avg = |sum: Option<f64>, n: i64| average(n, sum.unwrap_or(0.0)).unwrap_or(json!(0));
    Ok(list
        .into_iter()
        .map(|l| {
            let title = l.title.unwrap_or_default();
            let e = events.get(&title);
            Named {
                row: SummaryRow {
                    id: l.id,
                    name: Some(title.clone()),
                    conversations_count: counts.get(&title).copied().unwrap_or(0),
                    resolved_conversations_count: e.map_or(0, |e| e.resolved_count),
                    avg_resolution_time: e
                        .map_or(json!(0), |e| avg(e.resolution_sum, e.resolution_n)),
                    avg_first_response_time: e
                        .map_or(json!(0), |e| avg(e.first_response_sum, e.first_response_n)),
                    avg_reply_time: e.map_or(json!(0), |e| avg(e.reply_sum, e.reply_n)),
                },
                name: title,
                channel: None,
            }
        })
        .collect())
}

/// Chatwoot's `Channel::*#name`.
fn channel_name(channel_type: Option<&str>) -> &'static str {
    match channel_type {
        Some("Channel::WebWidget") => "Website",
        Some("Channel::Api") => "API",
        Some("Channel::Email") => "Email",
        Some("Channel::FacebookPage") => "Facebook",
        Some("Channel::TwitterProfile") => "Twitter Profile",
        Some("Channel::TwilioSms") => "Twilio SMS",
        Some("Channel::Whatsapp") => "Whatsapp",
        Some("Channel::Sms") => "SMS",
        Some("Channel::Telegram") => "Telegram",
        Some("Channel::Line") => "LINE",
        Some("Channel::Instagram") => "Instagram",
        _ => "",
    }
}

/// `summary_reports/channel`: per channel type, conversations created in the range
/// by status. Ranges over six months are refused, as in Chatwoot.
pub async fn channel_summary(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    range: Range,
) -> Result<Value> {
    let mut conn = ctx.db.conn().await?;
    administrator(conn.ex(), caller, account).await?;
    if range.until - range.since > CHANNEL_MAX_SECONDS {
        return Err(Error::Unprocessable(
            "Date range cannot exceed 6 months".into(),
        ));
    }
    let (since, until) = range.times();
    let mut out: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for r in reporting::channel_counts(conn.ex(), account, since, until).await? {
        let slot = out.entry(r.channel_type.unwrap_or_default()).or_default();
        if let Some(s) = usize::try_from(r.status).ok().filter(|s| *s < 4) {
            slot[s] += r.n;
        }
    }
    // Status values: 0 open, 1 resolved, 2 pending, 3 snoozed.
    Ok(Value::Object(
        out.into_iter()
            .map(|(k, [open, resolved, pending, snoozed])| {
                (
                    k,
                    json!({
                        "open": open, "resolved": resolved, "pending": pending,
                        "snoozed": snoozed, "total": open + resolved + pending + snoozed
                    }),
                )
            })
            .collect(),
    ))
}

/// `live_reports/conversation_metrics`: open, unattended, unassigned and pending now,
/// for the account or one team.
pub async fn live(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    team: Option<&str>,
) -> Result<Value> {
    let mut conn = ctx.db.conn().await?;
    administrator(conn.ex(), caller, account).await?;
    let team = live_team(&mut conn, account, team).await?;
    let l = reporting::live(conn.ex(), account, team, None)
        .await?
        .into_iter()
        .next()
        .unwrap_or_default();
    Ok(json!({
        "open": l.open, "unattended": l.unattended, "unassigned": l.unassigned, "pending": l.pending
    }))
}

async fn live_team(conn: &mut Conn, account: AccountId, team: Option<&str>) -> Result<Option<i64>> {
    match team.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => {
            let id = t.parse().map_err(|_| Error::NotFound)?;
            Ok(Some(teams::find(conn.ex(), account, id).await?.id))
        }
    }
}

/// `live_reports/grouped_conversation_metrics`: open conversations per team or assignee.
pub async fn live_grouped(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    team: Option<&str>,
    group_by: Option<&str>,
) -> Result<Value> {
    let mut conn = ctx.db.conn().await?;
    administrator(conn.ex(), caller, account).await?;
    let (group, key) = match group_by {
        Some("team_id") => (GroupBy::Team, "team_id"),
        Some("assignee_id") => (GroupBy::User, "assignee_id"),
        _ => return Err(Error::Unprocessable("invalid group_by".into())),
    };
    let team = live_team(&mut conn, account, team).await?;
    let rows = reporting::live(conn.ex(), account, team, Some(group)).await?;
    Ok(Value::Array(
        rows.into_iter()
            .map(|l| {
                json!({
                    "open": l.open, "unattended": l.unattended, "unassigned": l.unassigned,
                    key: l.group_id,
                })
            })
            .collect(),
    ))
}

/// `reports/conversation_traffic`: conversations per hour of each of the `days` days
/// before today (in the offset's time), as rows for the CSV heatmap.
pub async fn traffic(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    offset: i64,
    days: Option<&str>,
) -> Result<Vec<Vec<String>>> {
    let days: i64 = match days.map(str::trim).filter(|d| !d.is_empty()) {
        None => 6,
        Some(d) => d
            .parse()
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| Error::Unprocessable("days_before must be 1 to 366".into()))?,
    };
    let today = Period::Day.start(Timestamp::now().unix_seconds() + offset) - offset;
    let range = Range {
        since: today - days * 86_400,
        until: today,
    };
    let points = timeseries(
        ctx,
        caller,
        account,
        SeriesQuery {
            metric: Some("conversations_count"),
            subject: Subject {
                kind: Some("account"),
                id: None,
            },
            range,
            period: Period::Hour,
            business_hours: false,
            offset,
        },
    )
    .await?;
    let mut dates: Vec<String> = Vec::new();
    let mut grid: BTreeMap<i64, BTreeMap<String, String>> = BTreeMap::new();
    for p in points {
        let local = p.timestamp + offset;
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        let date = format!("{y:04}-{m:02}-{d:02}");
        if !dates.contains(&date) {
            dates.push(date.clone());
        }
        grid.entry(local.rem_euclid(86_400) / 3600)
            .or_default()
            .insert(date, p.value.to_string());
    }
    let mut rows = vec![
        std::iter::once("Start of the hour".to_string())
            .chain(dates.iter().cloned())
            .collect::<Vec<_>>(),
    ];
    for (hour, values) in grid {
        let mut row = vec![format!("{hour:02}:00")];
        row.extend(
            dates
                .iter()
                .map(|d| values.get(d).cloned().unwrap_or_default()),
        );
        rows.push(row);
    }
    Ok(rows)
}

/// Chatwoot's Reports::TimeFormatPresenter: the two largest units, or `N/A`.
pub fn readable(seconds: &Value) -> String {
    let Some(s) = seconds.as_f64().map(|f| f as i64).filter(|s| *s != 0) else {
        return "N/A".into();
    };
    let (days, rest) = (s / 86_400, s % 86_400);
    let (hours, rest) = (rest / 3600, rest % 3600);
    let (minutes, secs) = (rest / 60, rest % 60);
    let parts: Vec<String> = [
        (days, "day"),
        (hours, "hour"),
        (minutes, "minute"),
        (secs, "second"),
    ]
    .into_iter()
    .filter(|(v, _)| *v != 0)
    .map(|(v, unit)| format!("{v} {unit}{}", if v == 1 { "" } else { "s" }))
    .take(2)
    .collect();
    parts.join(" ")
}

/// The CSV downloads' first line: `Reporting period 2024-01-01 to 2024-01-31` (UTC dates).
pub fn period_line(range: Range) -> String {
    let date = |s: i64| {
        let (y, m, d) = civil_from_days(s.div_euclid(86_400));
        format!("{y:04}-{m:02}-{d:02}")
    };
    format!(
        "Reporting period {} to {}",
        date(range.since),
        date(range.until)
    )
}

/// Which CSV download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Download {
    Agents,
    Inboxes,
    Labels,
    Teams,
    Conversations,
}

/// A CSV download's rows (without the period line): its header, then one row each.
pub async fn download(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    which: Download,
    range: Range,
    business_hours: bool,
) -> Result<Vec<Vec<String>>> {
    let kind = match which {
        Download::Agents => SummaryKind::Agent,
        Download::Inboxes => SummaryKind::Inbox,
        Download::Labels => SummaryKind::Label,
        Download::Teams => SummaryKind::Team,
        Download::Conversations => {
            let s = summary(
                ctx,
                caller,
                account,
                Subject {
                    kind: Some("account"),
                    id: None,
                },
                range,
                business_hours,
                false,
            )
            .await?;
            let n = |k: &str| s.get(k).map(Value::to_string).unwrap_or_default();
            let t = |k: &str| readable(s.get(k).unwrap_or(&Value::Null));
            return Ok(vec![
                [
                    "Conversations",
                    "Messages received",
                    "Messages sent",
                    "Avg first response time",
                    "Avg resolution time",
                    "Resolution count",
                    "Avg customer waiting time",
                ]
                .map(String::from)
                .to_vec(),
                vec![
                    n("conversations_count"),
                    n("incoming_messages_count"),
                    n("outgoing_messages_count"),
                    t("avg_first_response_time"),
                    t("avg_resolution_time"),
                    n("resolutions_count"),
                    t("reply_time"),
                ],
            ]);
        }
    };
    let rows = summary_rows(ctx, caller, account, kind, range, business_hours).await?;
    let header: &[&str] = match which {
        Download::Agents => &[
            "Agent name",
            "Assigned conversations",
            "Avg first response time",
            "Avg resolution time",
            "Avg customer waiting time",
            "Resolution Count",
        ],
        Download::Inboxes => &[
            "Inbox name",
            "Inbox type",
            "No. of conversations",
            "Avg first response time",
            "Avg resolution time",
        ],
        Download::Labels => &[
            "Label",
            "No. of conversations",
            "Avg first response time",
            "Avg resolution time",
            "Avg reply time",
            "Resolution Count",
        ],
        _ => &[
            "Team name",
            "Conversations count",
            "Avg first response time",
            "Avg resolution time",
            "Avg customer waiting time",
            "Resolution Count",
        ],
    };
    let mut out = vec![header.iter().map(|h| (*h).to_string()).collect::<Vec<_>>()];
    for n in rows {
        let mut row = vec![n.name];
        if let Some(channel) = n.channel {
            row.push(channel);
        }
        // Chatwoot's rows carry all five figures, even where the header names fewer.
        row.extend([
            n.row.conversations_count.to_string(),
            readable(&n.row.avg_first_response_time),
            readable(&n.row.avg_resolution_time),
            readable(&n.row.avg_reply_time),
            n.row.resolved_conversations_count.to_string(),
        ]);
        out.push(row);
    }
    Ok(out)
}

/// Lines of CSV, each cell guarded as Chatwoot's CSVSafe guards them: text that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'`.
pub fn csv(lines: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for line in lines {
        let safe = line.iter().map(|cell| {
            let risky =
                cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err();
            if risky {
                format!("'{cell}")
            } else {
                cell.clone()
            }
        });
        // Writing to memory cannot fail; a failure would only lose this line.
        let _ = w.write_record(safe);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for d in [-1000, 0, 19_723, 20_000, 2_932_896] {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), d);
        }
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }

    #[test]
    fn periods_start_where_groupdate_starts_them() {
        // 2024-01-03 (a Wednesday) 15:20 UTC.
        let s = 1_704_295_200;
        assert_eq!(Period::Hour.start(s), 1_704_294_000);
        assert_eq!(Period::Day.start(s), 1_704_240_000);
        // The Sunday before: 2023-12-31.
        assert_eq!(Period::Week.start(s), 1_703_980_800);
        assert_eq!(Period::Month.start(s), 1_704_067_200);
        assert_eq!(Period::Year.start(s), 1_704_067_200);
        // February of a leap year has 29 days.
        let feb = days_from_civil(2024, 2, 1) * 86_400;
        assert_eq!(
            Period::Month.next(feb),
            days_from_civil(2024, 3, 1) * 86_400
        );
        assert_eq!(Period::Year.next(feb), days_from_civil(2025, 1, 1) * 86_400);
    }

    #[test]
    fn ranges_and_offsets_are_checked() {
        assert!(Range::parse(Some("10"), Some("5")).is_err());
        assert!(Range::parse(None, Some("5")).is_err());
        assert!(Range::parse(Some("x"), Some("5")).is_err());
        assert_eq!(
            Range::parse(Some("10"), Some("20")).ok(),
            Some(Range {
                since: 10,
                until: 20
            })
        );
        assert_eq!(offset_seconds(Some("5.5")).ok(), Some(19_800));
        assert_eq!(offset_seconds(None).ok(), Some(0));
        assert!(offset_seconds(Some("99")).is_err());
        // An hourly series over ten years is refused before anything is built.
        let r = Range {
            since: 0,
            until: 3650 * 86_400,
        };
        assert!(series(r, Period::Hour, 0).is_err());
        assert_eq!(series(r, Period::Year, 0).map(|v| v.len()).ok(), Some(10));
    }

    #[test]
    fn csv_cells_cannot_become_formulas() {
        let text = csv(&[vec!["=SUM(A1)".into(), "a,b".into(), "-3".into()]]);
        assert_eq!(text, "'=SUM(A1),\"a,b\",-3\n");
    }

    #[test]
    fn readable_times_match_chatwoot() {
        assert_eq!(readable(&Value::Null), "N/A");
        assert_eq!(readable(&json!(0)), "N/A");
        assert_eq!(readable(&json!(61.0)), "1 minute 1 second");
        assert_eq!(readable(&json!(90_061.0)), "1 day 1 hour");
        assert_eq!(readable(&json!(7200)), "2 hours");
    }
}
