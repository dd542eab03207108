//! Inboxes, their channels (website widget and API), working hours and members.
//! A list of inboxes costs the same few queries whatever its length: channels and
//! working hours are read per account, not per inbox.

use serde_json::Value;
use sqlx::FromRow;
use switchboard_domain::{AccountId, Timestamp, UserId};

use crate::{Ex, Json, StoreError, StoreResult, exec, fetch, scalar};

pub const WEB_WIDGET: &str = "Channel::WebWidget";
pub const API: &str = "Channel::Api";

#[derive(Clone, Debug, FromRow)]
pub struct Inbox {
    pub id: i64,
    pub channel_id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub channel_type: Option<String>,
    pub enable_auto_assignment: Option<bool>,
    pub greeting_enabled: Option<bool>,
    pub greeting_message: Option<String>,
    pub email_address: Option<String>,
    pub working_hours_enabled: Option<bool>,
    pub out_of_office_message: Option<String>,
    pub timezone: Option<String>,
    pub enable_email_collect: Option<bool>,
    pub csat_survey_enabled: Option<bool>,
    pub allow_messages_after_resolved: Option<bool>,
    pub auto_assignment_config: Option<Json<Value>>,
    pub lock_to_single_conversation: bool,
    pub portal_id: Option<i64>,
    pub sender_name_type: i32,
    pub business_name: Option<String>,
    pub csat_config: Json<Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

macro_rules! inbox_columns {
    () => {
        "id, channel_id, account_id, name, channel_type, enable_auto_assignment, greeting_enabled, \
         greeting_message, email_address, working_hours_enabled, out_of_office_message, timezone, \
         enable_email_collect, csat_survey_enabled, allow_messages_after_resolved, auto_assignment_config, \
         lock_to_single_conversation, portal_id, sender_name_type, business_name, csat_config, created_at, updated_at"
    };
}

#[derive(Clone, Debug, FromRow)]
pub struct WebWidget {
    pub id: i64,
    pub website_url: Option<String>,
    pub account_id: Option<AccountId>,
    pub website_token: Option<String>,
    pub widget_color: Option<String>,
    pub welcome_title: Option<String>,
    pub welcome_tagline: Option<String>,
    pub feature_flags: i32,
    pub reply_time: Option<i32>,
    pub hmac_token: Option<String>,
    pub pre_chat_form_enabled: Option<bool>,
    pub pre_chat_form_options: Option<Json<Value>>,
    pub hmac_mandatory: Option<bool>,
    pub continuity_via_email: bool,
    pub allowed_domains: Option<String>,
}

macro_rules! widget_columns {
    () => {
        "id, website_url, account_id, website_token, widget_color, welcome_title, welcome_tagline, feature_flags, \
         reply_time, hmac_token, pre_chat_form_enabled, pre_chat_form_options, hmac_mandatory, continuity_via_email, \
         allowed_domains"
    };
}

#[derive(Clone, Debug, FromRow)]
pub struct ApiChannel {
    pub id: i64,
    pub account_id: AccountId,
    pub webhook_url: Option<String>,
    pub identifier: Option<String>,
    pub hmac_token: Option<String>,
    pub hmac_mandatory: Option<bool>,
    pub additional_attributes: Option<Json<Value>>,
}

macro_rules! api_columns {
    () => {
        "id, account_id, webhook_url, identifier, hmac_token, hmac_mandatory, additional_attributes"
    };
}

#[derive(Clone, Debug, FromRow)]
pub struct WorkingHour {
    pub id: i64,
    pub inbox_id: Option<i64>,
    pub day_of_week: i32,
    pub closed_all_day: Option<bool>,
    pub open_hour: Option<i32>,
    pub open_minutes: Option<i32>,
    pub close_hour: Option<i32>,
    pub close_minutes: Option<i32>,
    pub open_all_day: Option<bool>,
}

macro_rules! hours_columns {
    () => {
        "id, inbox_id, day_of_week, closed_all_day, open_hour, open_minutes, close_hour, close_minutes, open_all_day"
    };
}

/// The account's inboxes; with `member`, only those the user is a member of.
pub async fn list(
    mut ex: Ex<'_>,
    account: AccountId,
    member: Option<UserId>,
) -> StoreResult<Vec<Inbox>> {
    const ALL: &str = concat!(
        "SELECT ",
        inbox_columns!(),
        " FROM inboxes WHERE account_id = $1 ORDER BY id"
    );
    const MINE: &str = concat!(
        "SELECT ",
        inbox_columns!(),
        " FROM inboxes WHERE account_id = $1 AND id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $2) ORDER BY id"
    );
    Ok(match member {
        None => fetch!(all, ex.re(), ALL, account)?,
        Some(user) => fetch!(all, ex.re(), MINE, account, user)?,
    })
}

pub async fn find(mut ex: Ex<'_>, account: AccountId, id: i64) -> StoreResult<Inbox> {
    const SQL: &str = concat!(
        "SELECT ",
        inbox_columns!(),
        " FROM inboxes WHERE account_id = $1 AND id = $2"
    );
    Ok(fetch!(one, ex.re(), SQL, account, id)?)
}

/// The writable inbox columns.
#[derive(Clone, Debug)]
pub struct InboxFields {
    pub name: String,
    pub enable_auto_assignment: bool,
    pub greeting_enabled: bool,
    pub greeting_message: Option<String>,
    pub working_hours_enabled: bool,
    pub out_of_office_message: Option<String>,
    pub timezone: String,
    pub enable_email_collect: bool,
    pub csat_survey_enabled: bool,
    pub allow_messages_after_resolved: bool,
    pub auto_assignment_config: Value,
    pub lock_to_single_conversation: bool,
    pub portal_id: Option<i64>,
    pub sender_name_type: i32,
    pub business_name: Option<String>,
    pub csat_config: Value,
}

impl From<&Inbox> for InboxFields {
    fn from(i: &Inbox) -> Self {
        Self {
            name: i.name.clone(),
            enable_auto_assignment: i.enable_auto_assignment.unwrap_or(true),
            greeting_enabled: i.greeting_enabled.unwrap_or(false),
            greeting_message: i.greeting_message.clone(),
            working_hours_enabled: i.working_hours_enabled.unwrap_or(false),
            out_of_office_message: i.out_of_office_message.clone(),
            timezone: i.timezone.clone().unwrap_or_else(|| "UTC".into()),
            enable_email_collect: i.enable_email_collect.unwrap_or(true),
            csat_survey_enabled: i.csat_survey_enabled.unwrap_or(false),
            allow_messages_after_resolved: i.allow_messages_after_resolved.unwrap_or(true),
            auto_assignment_config: switchboard_domain::attributes::object(
                i.auto_assignment_config.as_ref().map(|j| &j.0),
            ),
            lock_to_single_conversation: i.lock_to_single_conversation,
            portal_id: i.portal_id,
            sender_name_type: i.sender_name_type,
            business_name: i.business_name.clone(),
            csat_config: switchboard_domain::attributes::object(Some(&i.csat_config.0)),
        }
    }
}

pub async fn insert(
    mut ex: Ex<'_>,
    account: AccountId,
    channel_type: &str,
    channel_id: i64,
    f: &InboxFields,
    now: Timestamp,
) -> StoreResult<Inbox> {
    const SQL: &str = concat!(
        "INSERT INTO inboxes (account_id, channel_type, channel_id, name, enable_auto_assignment, greeting_enabled, \
         greeting_message, working_hours_enabled, out_of_office_message, timezone, enable_email_collect, \
         csat_survey_enabled, allow_messages_after_resolved, auto_assignment_config, lock_to_single_conversation, \
         portal_id, sender_name_type, business_name, csat_config, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20) RETURNING ",
        inbox_columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        channel_type,
        channel_id,
        &f.name,
        f.enable_auto_assignment,
        f.greeting_enabled,
        &f.greeting_message,
        f.working_hours_enabled,
        &f.out_of_office_message,
        &f.timezone,
        f.enable_email_collect,
        f.csat_survey_enabled,
        f.allow_messages_after_resolved,
        Json(&f.auto_assignment_config),
        f.lock_to_single_conversation,
        f.portal_id,
        f.sender_name_type,
        &f.business_name,
        Json(&f.csat_config),
        now
    )?)
}

pub async fn update(
    mut ex: Ex<'_>,
    account: AccountId,
    id: i64,
    f: &InboxFields,
    now: Timestamp,
) -> StoreResult<Inbox> {
    const SQL: &str = concat!(
        "UPDATE inboxes SET name = $3, enable_auto_assignment = $4, greeting_enabled = $5, greeting_message = $6, \
         working_hours_enabled = $7, out_of_office_message = $8, timezone = $9, enable_email_collect = $10, \
         csat_survey_enabled = $11, allow_messages_after_resolved = $12, auto_assignment_config = $13, \
         lock_to_single_conversation = $14, portal_id = $15, sender_name_type = $16, business_name = $17, \
         csat_config = $18, updated_at = $19 WHERE account_id = $1 AND id = $2 RETURNING ",
        inbox_columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        account,
        id,
        &f.name,
        f.enable_auto_assignment,
        f.greeting_enabled,
        &f.greeting_message,
        f.working_hours_enabled,
        &f.out_of_office_message,
        &f.timezone,
        f.enable_email_collect,
        f.csat_survey_enabled,
        f.allow_messages_after_resolved,
        Json(&f.auto_assignment_config),
        f.lock_to_single_conversation,
        f.portal_id,
        f.sender_name_type,
        &f.business_name,
        Json(&f.csat_config),
        now
    )?)
}

/// Deletes the inbox and its channel row (the channel is polymorphic, so no cascade).
pub async fn delete(mut ex: Ex<'_>, inbox: &Inbox) -> StoreResult<()> {
    const INBOX: &str = "DELETE FROM inboxes WHERE account_id = $1 AND id = $2";
    const WIDGET: &str = "DELETE FROM channel_web_widgets WHERE id = $1";
    const API_CHANNEL: &str = "DELETE FROM channel_api WHERE id = $1";
    if exec!(ex.re(), INBOX, inbox.account_id, inbox.id)? == 0 {
        return Err(StoreError::NotFound);
    }
    match inbox.channel_type.as_deref() {
        Some(WEB_WIDGET) => exec!(ex.re(), WIDGET, inbox.channel_id)?,
        Some(API) => exec!(ex.re(), API_CHANNEL, inbox.channel_id)?,
        _ => 0,
    };
    Ok(())
}

pub async fn widgets(mut ex: Ex<'_>, account: AccountId) -> StoreResult<Vec<WebWidget>> {
    const SQL: &str = concat!(
        "SELECT ",
        widget_columns!(),
        " FROM channel_web_widgets WHERE account_id = $1"
    );
    Ok(fetch!(all, ex.re(), SQL, account)?)
}

pub async fn api_channels(mut ex: Ex<'_>, account: AccountId) -> StoreResult<Vec<ApiChannel>> {
    const SQL: &str = concat!(
        "SELECT ",
        api_columns!(),
        " FROM channel_api WHERE account_id = $1"
    );
    Ok(fetch!(all, ex.re(), SQL, account)?)
}

pub async fn find_api_channel_by_identifier(
    mut ex: Ex<'_>,
    identifier: &str,
) -> StoreResult<Option<ApiChannel>> {
    const SQL: &str = concat!(
        "SELECT ",
        api_columns!(),
        " FROM channel_api WHERE identifier = $1"
    );
    Ok(fetch!(optional, ex.re(), SQL, identifier)?)
}

pub async fn find_widget_by_token(
    mut ex: Ex<'_>,
    website_token: &str,
) -> StoreResult<Option<WebWidget>> {
    const SQL: &str = concat!(
        "SELECT ",
        widget_columns!(),
        " FROM channel_web_widgets WHERE website_token = $1"
    );
    Ok(fetch!(optional, ex.re(), SQL, website_token)?)
}

pub async fn insert_widget(
    mut ex: Ex<'_>,
    w: &WebWidget,
    now: Timestamp,
) -> StoreResult<WebWidget> {
    const SQL: &str = concat!(
        "INSERT INTO channel_web_widgets (website_url, account_id, website_token, widget_color, welcome_title, \
         welcome_tagline, feature_flags, reply_time, hmac_token, pre_chat_form_enabled, pre_chat_form_options, \
         hmac_mandatory, continuity_via_email, allowed_domains, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING ",
        widget_columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        &w.website_url,
        w.account_id,
        &w.website_token,
        &w.widget_color,
        &w.welcome_title,
        &w.welcome_tagline,
        w.feature_flags,
        w.reply_time,
        &w.hmac_token,
        w.pre_chat_form_enabled,
        &w.pre_chat_form_options,
        w.hmac_mandatory,
        w.continuity_via_email,
        &w.allowed_domains,
        now
    )?)
}

/// Saves the widget's settings; its tokens never change.
pub async fn update_widget(
    mut ex: Ex<'_>,
    w: &WebWidget,
    now: Timestamp,
) -> StoreResult<WebWidget> {
    const SQL: &str = concat!(
        "UPDATE channel_web_widgets SET website_url = $2, widget_color = $3, welcome_title = $4, welcome_tagline = $5, \
         feature_flags = $6, reply_time = $7, pre_chat_form_enabled = $8, pre_chat_form_options = $9, \
         hmac_mandatory = $10, continuity_via_email = $11, allowed_domains = $12, updated_at = $13 \
         WHERE id = $1 RETURNING ",
        widget_columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        w.id,
        &w.website_url,
        &w.widget_color,
        &w.welcome_title,
        &w.welcome_tagline,
        w.feature_flags,
        w.reply_time,
        w.pre_chat_form_enabled,
        &w.pre_chat_form_options,
        w.hmac_mandatory,
        w.continuity_via_email,
        &w.allowed_domains,
        now
    )?)
}

pub async fn insert_api_channel(
    mut ex: Ex<'_>,
    c: &ApiChannel,
    now: Timestamp,
) -> StoreResult<ApiChannel> {
    const SQL: &str = concat!(
        "INSERT INTO channel_api (account_id, webhook_url, identifier, hmac_token, hmac_mandatory, \
         additional_attributes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ",
        api_columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        c.account_id,
        &c.webhook_url,
        &c.identifier,
        &c.hmac_token,
        c.hmac_mandatory,
        &c.additional_attributes,
        now
    )?)
}

pub async fn update_api_channel(
    mut ex: Ex<'_>,
    c: &ApiChannel,
    now: Timestamp,
) -> StoreResult<ApiChannel> {
    const SQL: &str = concat!(
        "UPDATE channel_api SET webhook_url = $2, hmac_mandatory = $3, additional_attributes = $4, updated_at = $5 \
         WHERE id = $1 RETURNING ",
        api_columns!()
    );
    Ok(fetch!(
        one,
        ex.re(),
        SQL,
        c.id,
        &c.webhook_url,
        c.hmac_mandatory,
        &c.additional_attributes,
        now
    )?)
}

pub async fn working_hours(mut ex: Ex<'_>, account: AccountId) -> StoreResult<Vec<WorkingHour>> {
    const SQL: &str = concat!(
        "SELECT ",
        hours_columns!(),
        " FROM working_hours WHERE account_id = $1 ORDER BY inbox_id, day_of_week"
    );
    Ok(fetch!(all, ex.re(), SQL, account)?)
}

pub async fn insert_working_hour(
    mut ex: Ex<'_>,
    account: AccountId,
    h: &WorkingHour,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO working_hours (inbox_id, account_id, day_of_week, closed_all_day, open_hour, \
         open_minutes, close_hour, close_minutes, open_all_day, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
    exec!(
        ex.re(),
        SQL,
        h.inbox_id,
        account,
        h.day_of_week,
        h.closed_all_day,
        h.open_hour,
        h.open_minutes,
        h.close_hour,
        h.close_minutes,
        h.open_all_day,
        now
    )?;
    Ok(())
}

pub async fn update_working_hour(
    mut ex: Ex<'_>,
    h: &WorkingHour,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE working_hours SET closed_all_day = $2, open_hour = $3, open_minutes = $4, \
         close_hour = $5, close_minutes = $6, open_all_day = $7, updated_at = $8 WHERE id = $1";
    exec!(
        ex.re(),
        SQL,
        h.id,
        h.closed_all_day,
        h.open_hour,
        h.open_minutes,
        h.close_hour,
        h.close_minutes,
        h.open_all_day,
        now
    )?;
    Ok(())
}

pub async fn member_ids(mut ex: Ex<'_>, inbox: i64) -> StoreResult<Vec<UserId>> {
    const SQL: &str = "SELECT user_id FROM inbox_members WHERE inbox_id = $1 ORDER BY id";
    Ok(scalar!(all, ex.re(), SQL, inbox)?)
}

pub async fn is_member(mut ex: Ex<'_>, inbox: i64, user: UserId) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM inbox_members WHERE inbox_id = $1 AND user_id = $2";
    let n: i64 = scalar!(one, ex.re(), SQL, inbox, user)?;
    Ok(n > 0)
}

pub async fn add_member(
    mut ex: Ex<'_>,
    inbox: i64,
    user: UserId,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO inbox_members (user_id, inbox_id, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (inbox_id, user_id) DO NOTHING";
    exec!(ex.re(), SQL, user, inbox, now)?;
    Ok(())
}

pub async fn remove_member(mut ex: Ex<'_>, inbox: i64, user: UserId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM inbox_members WHERE inbox_id = $1 AND user_id = $2";
    exec!(ex.re(), SQL, inbox, user)?;
    Ok(())
}

/// The inbox of a channel (a website widget's, say).
pub async fn find_by_channel(
    mut ex: Ex<'_>,
    channel_type: &str,
    channel_id: i64,
) -> StoreResult<Option<Inbox>> {
    const SQL: &str = concat!(
        "SELECT ",
        inbox_columns!(),
        " FROM inboxes WHERE channel_type = $1 AND channel_id = $2"
    );
    Ok(fetch!(optional, ex.re(), SQL, channel_type, channel_id)?)
}
