//! Inboxes with the website and API channels, working hours and members
//! (`/api/v1/accounts/:id/inboxes`, `inbox_members`, `assignable_agents`).
//! Administrators manage them; an agent sees the inboxes it is a member of.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use switchboard_domain::{AccountId, Error, Result, Role, Timestamp, UserId, attributes};
use switchboard_store::inboxes::{
    self, API, ApiChannel, Inbox, InboxFields, WEB_WIDGET, WebWidget, WorkingHour,
};
use switchboard_store::users::User;
use switchboard_store::{Ex, Json, Tx, accounts};

use crate::agents::{self, Agent};
use crate::auth::{administrator, membership};
pub use crate::members::MembersChange;
use crate::members::plan;
use crate::{Ctx, secrets};

/// An inbox's channel settings.
#[derive(Clone, Debug)]
pub enum Channel {
    WebWidget(WebWidget),
    Api(ApiChannel),
    /// A channel type this build does not serve (an imported Facebook inbox, say).
    Other,
}

/// Everything an inbox view shows.
#[derive(Clone, Debug)]
pub struct InboxDetails {
    pub inbox: Inbox,
    pub channel: Channel,
    pub working_hours: Vec<WorkingHour>,
}

/// The widget's feature flags, by bit, in Chatwoot's order.
pub const WIDGET_FEATURES: [(&str, i32); 4] = [
    ("attachments", 1),
    ("emoji_picker", 2),
    ("end_conversation", 4),
    ("use_inbox_avatar_for_bot", 8),
];

/// `channel_web_widgets.reply_time`.
pub const REPLY_TIMES: [&str; 3] = ["in_a_few_minutes", "in_a_few_hours", "in_a_day"];

/// `inboxes.sender_name_type`.
pub const SENDER_NAME_TYPES: [&str; 2] = ["friendly", "professional"];

/// Attaches channels and working hours to `list` with three queries, whatever its length.
async fn details(
    mut ex: Ex<'_>,
    account: AccountId,
    list: Vec<Inbox>,
) -> Result<Vec<InboxDetails>> {
    let mut widgets: HashMap<i64, WebWidget> = inboxes::widgets(ex.re(), account)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let mut apis: HashMap<i64, ApiChannel> = inboxes::api_channels(ex.re(), account)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut hours: HashMap<i64, Vec<WorkingHour>> = HashMap::new();
    for h in inboxes::working_hours(ex.re(), account).await? {
        hours
            .entry(h.inbox_id.unwrap_or_default())
            .or_default()
            .push(h);
    }
    Ok(list
        .into_iter()
        .map(|inbox| {
            let channel = match inbox.channel_type.as_deref() {
                Some(WEB_WIDGET) => widgets
                    .remove(&inbox.channel_id)
                    .map_or(Channel::Other, Channel::WebWidget),
                Some(API) => apis
                    .remove(&inbox.channel_id)
                    .map_or(Channel::Other, Channel::Api),
                _ => Channel::Other,
            };
            let working_hours = hours.remove(&inbox.id).unwrap_or_default();
            InboxDetails {
                inbox,
                channel,
                working_hours,
            }
        })
        .collect())
}

async fn one(ex: Ex<'_>, inbox: Inbox) -> Result<InboxDetails> {
    let account = inbox.account_id;
    details(ex, account, vec![inbox])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

fn is_admin(role: Option<i32>) -> bool {
    role == Some(Role::Administrator.value())
}

/// The inboxes the caller may see, and whether the caller is an administrator (who also
/// sees the channels' HMAC tokens).
pub async fn list(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
) -> Result<(Vec<InboxDetails>, bool)> {
    let mut conn = ctx.db.conn().await?;
    let member = membership(conn.ex(), caller, account).await?;
    let admin = is_admin(member.role);
    let list = inboxes::list(conn.ex(), account, (!admin).then_some(caller.id)).await?;
    Ok((details(conn.ex(), account, list).await?, admin))
}

/// An inbox the caller may see: administrators see all, agents those they are members of.
async fn visible(tx: &mut Tx, caller: &User, account: AccountId, id: i64) -> Result<(Inbox, bool)> {
    let member = membership(tx.ex(), caller, account).await?;
    let inbox = inboxes::find(tx.ex(), account, id).await?;
    let admin = is_admin(member.role);
    if !admin && !inboxes::is_member(tx.ex(), id, caller.id).await? {
        return Err(Error::forbidden());
    }
    Ok((inbox, admin))
}

pub async fn show(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
) -> Result<(InboxDetails, bool)> {
    let mut tx = ctx.db.begin().await?;
    let (inbox, admin) = visible(&mut tx, caller, account, id).await?;
    let d = one(tx.ex(), inbox).await?;
    tx.commit().await?;
    Ok((d, admin))
}

/// The channel part of a create or update request.
#[derive(Default)]
pub struct ChannelInput {
    pub kind: Option<String>,
    pub website_url: Option<String>,
    pub widget_color: Option<String>,
    pub welcome_title: Option<String>,
    pub welcome_tagline: Option<String>,
    pub reply_time: Option<String>,
    pub pre_chat_form_enabled: Option<bool>,
    pub pre_chat_form_options: Option<Map<String, Value>>,
    pub continuity_via_email: Option<bool>,
    pub hmac_mandatory: Option<bool>,
    pub allowed_domains: Option<String>,
    pub selected_feature_flags: Option<Vec<String>>,
    pub webhook_url: Option<String>,
    pub additional_attributes: Option<Map<String, Value>>,
}

/// One row of a working-hours update, matched by `day_of_week`.
#[derive(Default)]
pub struct WorkingHourInput {
    pub day_of_week: i32,
    pub closed_all_day: Option<bool>,
    pub open_hour: Option<Option<i32>>,
    pub open_minutes: Option<Option<i32>>,
    pub close_hour: Option<Option<i32>>,
    pub close_minutes: Option<Option<i32>>,
    pub open_all_day: Option<bool>,
}

#[derive(Default)]
pub struct InboxInput {
    pub name: Option<String>,
    pub greeting_enabled: Option<bool>,
    pub greeting_message: Option<String>,
    pub enable_email_collect: Option<bool>,
    pub csat_survey_enabled: Option<bool>,
    pub csat_config: Option<Map<String, Value>>,
    pub enable_auto_assignment: Option<bool>,
    pub auto_assignment_config: Option<Map<String, Value>>,
    pub working_hours_enabled: Option<bool>,
    pub out_of_office_message: Option<String>,
    pub timezone: Option<String>,
    pub allow_messages_after_resolved: Option<bool>,
    pub lock_to_single_conversation: Option<bool>,
    pub sender_name_type: Option<String>,
    pub business_name: Option<String>,
    pub channel: Option<ChannelInput>,
    pub working_hours: Option<Vec<WorkingHourInput>>,
}

fn long_text(attribute: &str, label: &str, v: String) -> Result<String> {
    if v.chars().count() > 10_000 {
        Err(Error::invalid(
            attribute,
            format!("{label} is too long (maximum is 10000 characters)"),
        ))
    } else {
        Ok(v)
    }
}

/// An IANA zone name such as `America/Sao_Paulo` or `UTC`. Without a zone database we
/// check the shape only; the dashboard offers the list.
fn timezone(raw: &str) -> Result<String> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        });
    if ok {
        Ok(raw.to_string())
    } else {
        Err(Error::invalid(
            "timezone",
            "Timezone is not included in the list",
        ))
    }
}

fn apply_inbox(f: &mut InboxFields, input: &mut InboxInput, updating: bool) -> Result<()> {
    if let Some(name) = input.name.take() {
        f.name = switchboard_domain::validation::name("name", &name, 255)?;
    }
    macro_rules! set {
        ($($field:ident),*) => {$( if let Some(v) = input.$field.take() { f.$field = v; } )*};
    }
    set!(
        greeting_enabled,
        enable_email_collect,
        csat_survey_enabled,
        enable_auto_assignment,
        working_hours_enabled,
        allow_messages_after_resolved,
        lock_to_single_conversation
    );
    if let Some(m) = input.greeting_message.take() {
        f.greeting_message = Some(long_text("greeting_message", "Greeting message", m)?);
    }
    if let Some(m) = input.out_of_office_message.take() {
        f.out_of_office_message = Some(long_text(
            "out_of_office_message",
            "Out of office message",
            m,
        )?);
    }
    if let Some(tz) = input.timezone.take() {
        f.timezone = timezone(&tz)?;
    }
    if let Some(b) = input.business_name.take() {
        f.business_name = Some(b).filter(|b| !b.is_empty());
    }
    if let Some(t) = input.sender_name_type.take() {
        f.sender_name_type = SENDER_NAME_TYPES
            .iter()
            .position(|n| *n == t)
            .ok_or_else(|| {
                Error::invalid(
                    "sender_name_type",
                    format!("'{t}' is not a valid sender_name_type"),
                )
            })? as i32;
    }
    if let Some(config) = input.auto_assignment_config.take() {
        if let Some(limit) = config.get("max_assignment_limit")
            && !limit.is_null()
            && !limit.as_f64().is_some_and(|n| n > 0.0)
        {
            return Err(Error::invalid(
                "auto_assignment_config",
                "Max assignment limit must be greater than 0",
            ));
        }
        f.auto_assignment_config = Value::Object(config);
    }
    if let Some(config) = input.csat_config.take() {
        f.csat_config = if updating {
            csat_with_defaults(config)
        } else {
            Value::Object(config)
        };
    }
    Ok(())
}

/// Chatwoot fills these in whenever an inbox's survey settings are updated.
fn csat_with_defaults(mut config: Map<String, Value>) -> Value {
    let defaults = [
        ("display_type", json!("emoji")),
        ("message", json!("")),
        (
            "survey_rules",
            json!({"operator": "contains", "values": []}),
        ),
        ("button_text", json!("Please rate us")),
        ("language", json!("en")),
    ];
    for (k, v) in defaults {
        config.entry(k).or_insert(v);
    }
    Value::Object(config)
}

/// The pre-chat form Chatwoot shows when an inbox has not configured one.
pub fn default_pre_chat_options() -> Value {
    json!({
        "pre_chat_message": "Share your queries or comments here.",
        "pre_chat_fields": [
            {"field_type": "standard", "label": "Email Id", "name": "emailAddress", "type": "email", "required": true, "enabled": false},
            {"field_type": "standard", "label": "Full name", "name": "fullName", "type": "text", "required": false, "enabled": false},
            {"field_type": "standard", "label": "Phone number", "name": "phoneNumber", "type": "text", "required": false, "enabled": false}
        ]
    })
}

fn apply_widget(w: &mut WebWidget, c: ChannelInput) -> Result<()> {
    if let Some(url) = c.website_url {
        w.website_url = Some(url);
    }
    if w.website_url.as_deref().is_none_or(|u| u.trim().is_empty()) {
        return Err(Error::invalid("website_url", "Website url can't be blank"));
    }
    if let Some(color) = c.widget_color {
        if color.trim().is_empty() {
            return Err(Error::invalid(
                "widget_color",
                "Widget color can't be blank",
            ));
        }
        w.widget_color = Some(color);
    }
    if let Some(t) = c.welcome_title {
        w.welcome_title = Some(t);
    }
    if let Some(t) = c.welcome_tagline {
        w.welcome_tagline = Some(t);
    }
    if let Some(r) = c.reply_time {
        w.reply_time = Some(REPLY_TIMES.iter().position(|n| *n == r).ok_or_else(|| {
            Error::invalid("reply_time", format!("'{r}' is not a valid reply_time"))
        })? as i32);
    }
    if let Some(b) = c.pre_chat_form_enabled {
        w.pre_chat_form_enabled = Some(b);
    }
    if let Some(o) = c.pre_chat_form_options {
        w.pre_chat_form_options = Some(Json(Value::Object(o)));
    }
    if let Some(b) = c.continuity_via_email {
        w.continuity_via_email = b;
    }
    if let Some(b) = c.hmac_mandatory {
        w.hmac_mandatory = Some(b);
    }
    if let Some(d) = c.allowed_domains {
        w.allowed_domains = Some(d);
    }
    if let Some(flags) = c.selected_feature_flags {
        let mut bits = 0;
        for name in flags {
            let (_, bit) = WIDGET_FEATURES
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| {
                    Error::invalid(
                        "selected_feature_flags",
                        format!("'{name}' is not a widget feature"),
                    )
                })?;
            bits |= bit;
        }
        w.feature_flags = bits;
    }
    Ok(())
}

fn apply_api(c: &mut ApiChannel, input: ChannelInput) -> Result<()> {
    if let Some(url) = input.webhook_url {
        let url = url.trim().to_string();
        if url.len() > 2048 {
            return Err(Error::invalid(
                "webhook_url",
                "Webhook url is too long (maximum is 2048 characters)",
            ));
        }
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::invalid("webhook_url", "Webhook url is invalid"));
        }
        c.webhook_url = Some(url).filter(|u| !u.is_empty());
    }
    if let Some(b) = input.hmac_mandatory {
        c.hmac_mandatory = Some(b);
    }
    if let Some(extra) = input.additional_attributes {
        if let Some(window) = extra.get("agent_reply_time_window")
            && !window.as_f64().is_some_and(|n| n > 0.0)
        {
            return Err(Error::invalid(
                "additional_attributes",
                "Agent reply time window agent_reply_time_window must be greater than 0",
            ));
        }
        c.additional_attributes = Some(Json(Value::Object(extra)));
    }
    Ok(())
}

fn default_hours(inbox: i64) -> Vec<WorkingHour> {
    (0..7)
        .map(|day| {
            let weekend = day == 0 || day == 6;
            WorkingHour {
                id: 0,
                inbox_id: Some(inbox),
                day_of_week: day,
                closed_all_day: Some(weekend),
                open_hour: (!weekend).then_some(9),
                open_minutes: (!weekend).then_some(0),
                close_hour: (!weekend).then_some(17),
                close_minutes: (!weekend).then_some(0),
                open_all_day: Some(false),
            }
        })
        .collect()
}

/// Chatwoot's checks on a working-hours row. Unlike Chatwoot, which drops an invalid row
/// and still answers 200, we refuse the whole update so nothing is half-saved.
fn check_hours(h: &mut WorkingHour) -> Result<()> {
    let invalid = |m: &str| Error::invalid("working_hours", m.to_string());
    if h.open_all_day == Some(true) && h.closed_all_day == Some(true) {
        return Err(invalid(
            "open_all_day and closed_all_day cannot both be true",
        ));
    }
    if h.open_all_day == Some(true) {
        (h.open_hour, h.open_minutes, h.close_hour, h.close_minutes) =
            (Some(0), Some(0), Some(23), Some(59));
    }
    if h.closed_all_day == Some(true) {
        return Ok(());
    }
    let (Some(oh), Some(om), Some(ch), Some(cm)) =
        (h.open_hour, h.open_minutes, h.close_hour, h.close_minutes)
    else {
        return Err(invalid(
            "Opening and closing times are required on open days",
        ));
    };
    if ![oh, ch].iter().all(|x| (0..=23).contains(x))
        || ![om, cm].iter().all(|x| (0..=59).contains(x))
    {
        return Err(invalid("Hours must be 0-23 and minutes 0-59"));
    }
    if (ch, cm) <= (oh, om) {
        return Err(Error::invalid(
            "close_hour",
            "Closing time cannot be before opening time",
        ));
    }
    Ok(())
}

async fn check_inbox_limit(tx: &mut Tx, account: AccountId) -> Result<()> {
    let a = accounts::find(tx.ex(), account).await?;
    let limit = a
        .limits
        .as_ref()
        .and_then(|Json(l)| l.get("inboxes"))
        .and_then(Value::as_i64);
    if let Some(limit) = limit {
        let count = inboxes::list(tx.ex(), account, None).await?.len() as i64;
        if count >= limit {
            return Err(Error::LimitExceeded(
                "Account limit exceeded. Upgrade to a higher plan".into(),
            ));
        }
    }
    Ok(())
}

pub async fn create(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    mut input: InboxInput,
) -> Result<InboxDetails> {
    let channel = input.channel.take().ok_or_else(|| {
        Error::Unprocessable("param is missing or the value is empty: channel".into())
    })?;
    let mut fields = InboxFields {
        name: String::new(),
        enable_auto_assignment: true,
        greeting_enabled: false,
        greeting_message: None,
        working_hours_enabled: false,
        out_of_office_message: None,
        timezone: "UTC".into(),
        enable_email_collect: true,
        csat_survey_enabled: false,
        allow_messages_after_resolved: true,
        auto_assignment_config: Value::Object(Map::new()),
        lock_to_single_conversation: false,
        portal_id: None,
        sender_name_type: 0,
        business_name: None,
        csat_config: Value::Object(Map::new()),
    };
    if input.name.is_none() {
        return Err(Error::invalid("name", "Name can't be blank"));
    }
    apply_inbox(&mut fields, &mut input, false)?;

    let mut tx = ctx.db.begin().await?;
    check_inbox_limit(&mut tx, account).await?;
    administrator(tx.ex(), caller, account).await?;
    let now = Timestamp::now();
    let (channel_type, channel_id) = match channel.kind.as_deref() {
        Some("web_widget") => {
            let mut w = WebWidget {
                id: 0,
                website_url: None,
                account_id: Some(account),
                website_token: Some(secrets::secure_token()),
                widget_color: Some("#1f93ff".into()),
                welcome_title: None,
                welcome_tagline: None,
                feature_flags: 7,
                reply_time: Some(0),
                hmac_token: Some(secrets::secure_token()),
                pre_chat_form_enabled: Some(false),
                pre_chat_form_options: Some(Json(default_pre_chat_options())),
                hmac_mandatory: Some(false),
                continuity_via_email: true,
                allowed_domains: Some(String::new()),
            };
            apply_widget(&mut w, channel)?;
            (
                WEB_WIDGET,
                inboxes::insert_widget(tx.ex(), &w, now).await?.id,
            )
        }
        Some("api") => {
            let mut c = ApiChannel {
                id: 0,
                account_id: account,
                webhook_url: None,
                identifier: Some(secrets::secure_token()),
                hmac_token: Some(secrets::secure_token()),
                hmac_mandatory: Some(false),
                additional_attributes: Some(Json(Value::Object(Map::new()))),
            };
            apply_api(&mut c, channel)?;
            (API, inboxes::insert_api_channel(tx.ex(), &c, now).await?.id)
        }
        Some(other @ ("email" | "line" | "telegram" | "whatsapp" | "sms" | "voice")) => {
            return Err(Error::invalid(
                "channel",
                format!("Channel type '{other}' is not supported yet"),
            ));
        }
        _ => return Err(Error::invalid("channel", "Channel must exist")),
    };
    let inbox = inboxes::insert(tx.ex(), account, channel_type, channel_id, &fields, now).await?;
    for h in default_hours(inbox.id) {
        inboxes::insert_working_hour(tx.ex(), account, &h, now).await?;
    }
    let d = one(tx.ex(), inbox).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn update(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    id: i64,
    mut input: InboxInput,
) -> Result<InboxDetails> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let inbox = inboxes::find(tx.ex(), account, id).await?;
    let current = one(tx.ex(), inbox.clone()).await?;
    let mut fields = InboxFields::from(&inbox);
    apply_inbox(&mut fields, &mut input, true)?;
    let now = Timestamp::now();
    if let Some(channel) = input.channel.take() {
        // The channel type never changes; a `type` sent on update is ignored.
        match current.channel {
            Channel::WebWidget(mut w) => {
                apply_widget(&mut w, channel)?;
                inboxes::update_widget(tx.ex(), &w, now).await?;
            }
            Channel::Api(mut c) => {
                apply_api(&mut c, channel)?;
                inboxes::update_api_channel(tx.ex(), &c, now).await?;
            }
            Channel::Other => {}
        }
    }
    if let Some(rows) = input.working_hours.take() {
        for row in rows {
            let mut h = current
                .working_hours
                .iter()
                .find(|h| h.day_of_week == row.day_of_week)
                .cloned()
                .ok_or_else(|| {
                    Error::invalid(
                        "working_hours",
                        format!("day_of_week {} is not 0-6", row.day_of_week),
                    )
                })?;
            h.closed_all_day = row.closed_all_day.or(h.closed_all_day);
            h.open_all_day = row.open_all_day.or(h.open_all_day);
            h.open_hour = row.open_hour.unwrap_or(h.open_hour);
            h.open_minutes = row.open_minutes.unwrap_or(h.open_minutes);
            h.close_hour = row.close_hour.unwrap_or(h.close_hour);
            h.close_minutes = row.close_minutes.unwrap_or(h.close_minutes);
            check_hours(&mut h)?;
            inboxes::update_working_hour(tx.ex(), &h, now).await?;
        }
    }
    let inbox = inboxes::update(tx.ex(), account, id, &fields, now).await?;
    let d = one(tx.ex(), inbox).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn destroy(ctx: &Ctx, caller: &User, account: AccountId, id: i64) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    let inbox = inboxes::find(tx.ex(), account, id).await?;
    inboxes::delete(tx.ex(), &inbox).await?;
    tx.commit().await?;
    Ok(())
}

/// The inbox's members as agents; administrators or members may look.
pub async fn members(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    inbox: i64,
) -> Result<Vec<Agent>> {
    let mut tx = ctx.db.begin().await?;
    visible(&mut tx, caller, account, inbox).await?;
    let ids = inboxes::member_ids(tx.ex(), inbox).await?;
    tx.commit().await?;
    let all = agents::list(ctx, caller, account).await?;
    Ok(ids
        .iter()
        .filter_map(|id| all.iter().find(|a| a.user.id == *id).cloned())
        .collect())
}

/// Administrators add, replace or remove members. Every id must be an agent of the
/// account (Chatwoot accepts any user id; we keep other tenants' users out).
pub async fn change_members(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    inbox: i64,
    user_ids: &[UserId],
    change: MembersChange,
) -> Result<Vec<Agent>> {
    let all = agents::list(ctx, caller, account).await?;
    if change != MembersChange::Remove
        && user_ids
            .iter()
            .any(|id| !all.iter().any(|a| a.user.id == *id))
    {
        return Err(Error::invalid("user", "User must exist"));
    }
    let mut tx = ctx.db.begin().await?;
    administrator(tx.ex(), caller, account).await?;
    inboxes::find(tx.ex(), account, inbox).await?;
    let before = inboxes::member_ids(tx.ex(), inbox).await?;
    let now = Timestamp::now();
    let (add, remove) = plan(&before, user_ids, change);
    for id in add {
        inboxes::add_member(tx.ex(), inbox, id, now).await?;
    }
    for id in remove {
        inboxes::remove_member(tx.ex(), inbox, id).await?;
    }
    let after = inboxes::member_ids(tx.ex(), inbox).await?;
    tx.commit().await?;
    Ok(after
        .iter()
        .filter_map(|id| all.iter().find(|a| a.user.id == *id).cloned())
        .collect())
}

/// Who can be assigned conversations of all of `inbox_ids`: members of every one of
/// them, then the account's administrators.
pub async fn assignable_agents(
    ctx: &Ctx,
    caller: &User,
    account: AccountId,
    inbox_ids: &[i64],
) -> Result<Vec<Agent>> {
    if inbox_ids.is_empty() {
        return Err(Error::NotFound);
    }
    let mut tx = ctx.db.begin().await?;
    let mut common: Option<Vec<UserId>> = None;
    for id in inbox_ids {
        visible(&mut tx, caller, account, *id).await?;
        let members = inboxes::member_ids(tx.ex(), *id).await?;
        common = Some(match common {
            None => members,
            Some(c) => c.into_iter().filter(|u| members.contains(u)).collect(),
        });
    }
    tx.commit().await?;
    let all = agents::list(ctx, caller, account).await?;
    let mut out: Vec<Agent> = common
        .unwrap_or_default()
        .iter()
        .filter_map(|id| all.iter().find(|a| a.user.id == *id).cloned())
        .collect();
    for a in all.iter().filter(|a| is_admin(a.account_user.role)) {
        if !out.iter().any(|o| o.user.id == a.user.id) {
            out.push(a.clone());
        }
    }
    Ok(out)
}

/// Merges into a widget's stored pre-chat options the defaults it lacks (Chatwoot fills
/// `pre_chat_fields` whenever they are missing).
pub fn pre_chat_options(w: &WebWidget) -> Value {
    let stored = attributes::object(w.pre_chat_form_options.as_ref().map(|j| &j.0));
    if stored.get("pre_chat_fields").is_some() {
        return stored;
    }
    let mut merged = default_pre_chat_options();
    if let (Value::Object(m), Value::Object(s)) = (&mut merged, stored) {
        m.extend(s);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_hours_rules() {
        let mut ok = default_hours(1)[1].clone();
        assert!(check_hours(&mut ok).is_ok());
        let mut backwards = WorkingHour {
            close_hour: Some(8),
            ..ok.clone()
        };
        assert!(check_hours(&mut backwards).is_err());
        let mut both = WorkingHour {
            open_all_day: Some(true),
            closed_all_day: Some(true),
            ..ok.clone()
        };
        assert!(check_hours(&mut both).is_err());
        let mut all_day = WorkingHour {
            open_all_day: Some(true),
            ..ok
        };
        assert!(check_hours(&mut all_day).is_ok());
        assert_eq!(
            (all_day.close_hour, all_day.close_minutes),
            (Some(23), Some(59))
        );
    }

    #[test]
    fn timezones_are_zone_shaped() {
        assert!(timezone("America/Sao_Paulo").is_ok());
        assert!(timezone("UTC").is_ok());
        assert!(timezone("Etc/GMT+3").is_ok());
        assert!(timezone("not a zone").is_err());
        assert!(timezone("../etc/passwd").is_err());
    }
}
