use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard_core::inboxes::{self, ChannelInput, InboxDetails, InboxInput, WorkingHourInput};
use switchboard_domain::AccountId;

use crate::extract::{Body, CurrentUser, Id, Params, Payload};
use crate::{ApiResult, AppState};
use switchboard_core::views::agent::AgentView;
use switchboard_core::views::inbox::InboxView;

fn view(state: &AppState, d: &InboxDetails, admin: bool) -> InboxView {
    InboxView::new(d, admin, &state.ctx.settings.frontend_url)
}

/// `{"payload": [inbox…]}`.
pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
) -> ApiResult<Json<Value>> {
    let (list, admin) = inboxes::list(&state.ctx, &user, account).await?;
    let views: Vec<InboxView> = list.iter().map(|d| view(&state, d, admin)).collect();
    Ok(Json(json!({ "payload": views })))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<InboxView>> {
    let (d, admin) = inboxes::show(&state.ctx, &user, account, id).await?;
    Ok(Json(view(&state, &d, admin)))
}

#[derive(Deserialize)]
pub struct ChannelParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    website_url: Option<String>,
    widget_color: Option<String>,
    welcome_title: Option<String>,
    welcome_tagline: Option<String>,
    reply_time: Option<String>,
    pre_chat_form_enabled: Option<bool>,
    pre_chat_form_options: Option<Map<String, Value>>,
    continuity_via_email: Option<bool>,
    hmac_mandatory: Option<bool>,
    allowed_domains: Option<String>,
    selected_feature_flags: Option<Vec<String>>,
    webhook_url: Option<String>,
    additional_attributes: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
pub struct WorkingHourParams {
    day_of_week: i32,
    closed_all_day: Option<bool>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    open_hour: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    open_minutes: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    close_hour: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    close_minutes: Option<Option<i32>>,
    open_all_day: Option<bool>,
}

/// Chatwoot reads inbox fields at the top level, and the channel's under `channel`.
#[derive(Deserialize)]
pub struct InboxParams {
    name: Option<String>,
    greeting_enabled: Option<bool>,
    greeting_message: Option<String>,
    enable_email_collect: Option<bool>,
    csat_survey_enabled: Option<bool>,
    csat_config: Option<Map<String, Value>>,
    enable_auto_assignment: Option<bool>,
    auto_assignment_config: Option<Map<String, Value>>,
    working_hours_enabled: Option<bool>,
    out_of_office_message: Option<String>,
    timezone: Option<String>,
    allow_messages_after_resolved: Option<bool>,
    lock_to_single_conversation: Option<bool>,
    sender_name_type: Option<String>,
    business_name: Option<String>,
    channel: Option<ChannelParams>,
    working_hours: Option<Vec<WorkingHourParams>>,
}

impl Payload for InboxParams {}

impl From<InboxParams> for InboxInput {
    fn from(p: InboxParams) -> Self {
        InboxInput {
            name: p.name,
            greeting_enabled: p.greeting_enabled,
            greeting_message: p.greeting_message,
            enable_email_collect: p.enable_email_collect,
            csat_survey_enabled: p.csat_survey_enabled,
            csat_config: p.csat_config,
            enable_auto_assignment: p.enable_auto_assignment,
            auto_assignment_config: p.auto_assignment_config,
            working_hours_enabled: p.working_hours_enabled,
            out_of_office_message: p.out_of_office_message,
            timezone: p.timezone,
            allow_messages_after_resolved: p.allow_messages_after_resolved,
            lock_to_single_conversation: p.lock_to_single_conversation,
            sender_name_type: p.sender_name_type,
            business_name: p.business_name,
            channel: p.channel.map(|c| ChannelInput {
                kind: c.kind,
                website_url: c.website_url,
                widget_color: c.widget_color,
                welcome_title: c.welcome_title,
                welcome_tagline: c.welcome_tagline,
                reply_time: c.reply_time,
                pre_chat_form_enabled: c.pre_chat_form_enabled,
                pre_chat_form_options: c.pre_chat_form_options,
                continuity_via_email: c.continuity_via_email,
                hmac_mandatory: c.hmac_mandatory,
                allowed_domains: c.allowed_domains,
                selected_feature_flags: c.selected_feature_flags,
                webhook_url: c.webhook_url,
                additional_attributes: c.additional_attributes,
            }),
            working_hours: p.working_hours.map(|rows| {
                rows.into_iter()
                    .map(|r| WorkingHourInput {
                        day_of_week: r.day_of_week,
                        closed_all_day: r.closed_all_day,
                        open_hour: r.open_hour,
                        open_minutes: r.open_minutes,
                        close_hour: r.close_hour,
                        close_minutes: r.close_minutes,
                        open_all_day: r.open_all_day,
                    })
                    .collect()
            }),
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<InboxParams>,
) -> ApiResult<Json<InboxView>> {
    let d = inboxes::create(&state.ctx, &user, account, p.into()).await?;
    Ok(Json(view(&state, &d, true)))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<InboxParams>,
) -> ApiResult<Json<InboxView>> {
    let d = inboxes::update(&state.ctx, &user, account, id, p.into()).await?;
    Ok(Json(view(&state, &d, true)))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    inboxes::destroy(&state.ctx, &user, account, id).await?;
    // Chatwoot's words; here the deletion is already done.
    Ok(Json(
        json!({ "message": "Your inbox deletion request will be processed in some time." }),
    ))
}

pub async fn assignable_agents(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    let agents = inboxes::assignable_agents(&state.ctx, &user, account, &[id]).await?;
    let views: Vec<AgentView> = agents.iter().map(AgentView::new).collect();
    Ok(Json(json!({ "payload": views })))
}

#[derive(Deserialize)]
pub struct AssignableParams {
    #[serde(default)]
    inbox_ids: Vec<String>,
}

/// `GET /assignable_agents?inbox_ids[]=1&inbox_ids[]=2`.
pub async fn account_assignable_agents(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Params(q): Params<AssignableParams>,
) -> ApiResult<Json<Value>> {
    let ids: Vec<i64> = q.inbox_ids.iter().filter_map(|s| s.parse().ok()).collect();
    if ids.len() != q.inbox_ids.len() {
        return Err(switchboard_domain::Error::NotFound.into());
    }
    let agents = inboxes::assignable_agents(&state.ctx, &user, account, &ids).await?;
    let views: Vec<AgentView> = agents.iter().map(AgentView::new).collect();
    Ok(Json(json!({ "payload": views })))
}
