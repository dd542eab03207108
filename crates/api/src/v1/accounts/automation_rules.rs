//! `/api/v1/accounts/:account_id/automation_rules` (Chatwoot's AutomationRulesController):
//! administrators only. Index, show, update and clone wrap the rule in `payload`; create
//! does not. Validation failures are `{"error": {"conditions": ["…"]}}`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::automation::{self, RuleInput};
use switchboard_core::views::automation::AutomationRuleView;
use switchboard_domain::AccountId;

use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiError, ApiResult, AppState};

#[derive(Deserialize)]
pub struct RuleParams {
    name: Option<String>,
    description: Option<String>,
    event_name: Option<String>,
    active: Option<bool>,
    conditions: Option<Value>,
    actions: Option<Value>,
}

impl Payload for RuleParams {
    const ROOT: Option<&'static str> = Some("automation_rule");
}

impl From<RuleParams> for RuleInput {
    fn from(p: RuleParams) -> Self {
        RuleInput {
            name: p.name,
            description: p.description,
            event_name: p.event_name,
            active: p.active,
            conditions: p.conditions,
            actions: p.actions,
        }
    }
}

fn payload(r: &switchboard_store::automation_rules::AutomationRule) -> Json<Value> {
    Json(json!({ "payload": AutomationRuleView::new(r) }))
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
) -> ApiResult<Json<Value>> {
    let list = automation::list(&state.ctx, &user, account).await?;
    let views: Vec<AutomationRuleView> = list.iter().map(AutomationRuleView::new).collect();
    Ok(Json(json!({ "payload": views })))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    Ok(payload(
        &automation::show(&state.ctx, &user, account, id).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<RuleParams>,
) -> ApiResult<Json<AutomationRuleView>> {
    let r = automation::create(&state.ctx, &user, account, p.into())
        .await
        .map_err(ApiError::record_errors)?;
    Ok(Json(AutomationRuleView::new(&r)))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<RuleParams>,
) -> ApiResult<Json<Value>> {
    let r = automation::update(&state.ctx, &user, account, id, p.into())
        .await
        .map_err(ApiError::record_errors)?;
    Ok(payload(&r))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    automation::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}

pub async fn clone(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    Ok(payload(
        &automation::clone(&state.ctx, &user, account, id).await?,
    ))
}
