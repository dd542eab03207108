pub mod agent_bots;
pub mod agents;
pub mod automation_rules;
pub mod canned_responses;
pub mod contacts;
pub mod conversations;
pub mod custom_attribute_definitions;
pub mod inbox_members;
pub mod inboxes;
pub mod labels;
pub mod macros;
pub mod teams;
pub mod upload;
pub mod webhooks;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use switchboard_core::accounts::{self, AccountInput, Signup};
use switchboard_core::profile;
use switchboard_domain::{AccountId, Error};

use crate::auth::session_headers;
use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiError, ApiResult, AppState};
use switchboard_core::views::account::AccountView;
use switchboard_core::views::user::{DataView, SignupUserView};

#[derive(Deserialize)]
pub struct SignupParams {
    account_name: Option<String>,
    user_full_name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    locale: Option<String>,
}

impl Payload for SignupParams {}

/// `POST /api/v1/accounts`: sign-up, when `ENABLE_ACCOUNT_SIGNUP` allows it.
pub async fn create(
    State(state): State<AppState>,
    Body(p): Body<SignupParams>,
) -> ApiResult<Response> {
    let s = Signup {
        account_name: p.account_name.as_deref().unwrap_or_default(),
        user_full_name: p.user_full_name.as_deref().unwrap_or_default(),
        email: p.email.as_deref().unwrap_or_default(),
        password: p.password.as_deref(),
        locale: p.locale.as_deref(),
    };
    let (account, user, tokens) = accounts::sign_up(&state.ctx, s)
        .await
        .map_err(ApiError::rails_not_found)?;
    let profile = profile::show(&state.ctx, &user).await?;
    let body = DataView {
        data: SignupUserView::new(&profile, &account),
    };
    Ok((session_headers(&tokens, false), Json(body)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id<AccountId>,
) -> ApiResult<Json<AccountView>> {
    let account = accounts::show(&state.ctx, &user, id).await?;
    Ok(Json(
        AccountView::new(&account, state.ctx.settings.mailer_sender_email.as_deref()).for_show(),
    ))
}

/// Chatwoot reads these at the top level (no wrapping).
#[derive(Deserialize)]
pub struct UpdateParams {
    name: Option<String>,
    locale: Option<String>,
    domain: Option<String>,
    support_email: Option<String>,
    industry: Option<Value>,
    company_size: Option<Value>,
    timezone: Option<Value>,
    auto_resolve_after: Option<Value>,
    auto_resolve_message: Option<Value>,
    auto_resolve_ignore_waiting: Option<Value>,
    audio_transcriptions: Option<Value>,
    auto_resolve_label: Option<Value>,
    conversation_required_attributes: Option<Value>,
}

impl Payload for UpdateParams {}

fn collect(pairs: Vec<(&str, Option<Value>)>) -> Option<Map<String, Value>> {
    let m: Map<String, Value> = pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect();
    (!m.is_empty()).then_some(m)
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id<AccountId>,
    Body(p): Body<UpdateParams>,
) -> ApiResult<Json<AccountView>> {
    if let Some(v) = &p.auto_resolve_after
        && !(v.is_null() || v.is_i64())
    {
        return Err(Error::invalid(
            "auto_resolve_after",
            "auto_resolve_after must be an integer",
        )
        .into());
    }
    let input = AccountInput {
        name: p.name,
        locale: p.locale,
        domain: p.domain,
        support_email: p.support_email,
        merge_custom_attributes: collect(vec![
            ("industry", p.industry),
            ("company_size", p.company_size),
            ("timezone", p.timezone),
        ]),
        settings: collect(vec![
            ("auto_resolve_after", p.auto_resolve_after),
            ("auto_resolve_message", p.auto_resolve_message),
            ("auto_resolve_ignore_waiting", p.auto_resolve_ignore_waiting),
            ("audio_transcriptions", p.audio_transcriptions),
            ("auto_resolve_label", p.auto_resolve_label),
            (
                "conversation_required_attributes",
                p.conversation_required_attributes,
            ),
        ]),
        ..Default::default()
    };
    let account = accounts::update(&state.ctx, &user, id, input).await?;
    Ok(Json(AccountView::new(
        &account,
        state.ctx.settings.mailer_sender_email.as_deref(),
    )))
}
