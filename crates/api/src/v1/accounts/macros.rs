//! `/api/v1/accounts/:account_id/macros` (Chatwoot's MacrosController): every answer but
//! `destroy` and `execute` wraps the macro in `payload`; validation failures are
//! `{"error": {"actions": ["…"]}}`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::macros::{self, MacroDetails, MacroInput};
use switchboard_core::views::automation::MacroView;
use switchboard_domain::{AccountId, Error};

use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiError, ApiResult, AppState};

#[derive(Deserialize)]
pub struct MacroParams {
    name: Option<String>,
    visibility: Option<String>,
    actions: Option<Value>,
}

impl Payload for MacroParams {
    const ROOT: Option<&'static str> = Some("macro");
}

impl From<MacroParams> for MacroInput {
    fn from(p: MacroParams) -> Self {
        MacroInput {
            name: p.name,
            visibility: p.visibility,
            actions: p.actions,
        }
    }
}

fn payload(d: &MacroDetails) -> Json<Value> {
    Json(json!({ "payload": MacroView::new(d) }))
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
) -> ApiResult<Json<Value>> {
    let list = macros::list(&state.ctx, &user, account).await?;
    let views: Vec<MacroView> = list.iter().map(MacroView::new).collect();
    Ok(Json(json!({ "payload": views })))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    Ok(payload(
        &macros::show(&state.ctx, &user, account, id).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<MacroParams>,
) -> ApiResult<Json<Value>> {
    let d = macros::create(&state.ctx, &user, account, p.into())
        .await
        .map_err(ApiError::record_errors)?;
    Ok(payload(&d))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<MacroParams>,
) -> ApiResult<Json<Value>> {
    let d = macros::update(&state.ctx, &user, account, id, p.into())
        .await
        .map_err(ApiError::record_errors)?;
    Ok(payload(&d))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    macros::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct ExecuteParams {
    conversation_ids: Option<Vec<Value>>,
}

impl Payload for ExecuteParams {
    const ROOT: Option<&'static str> = Some("macro");
}

pub async fn execute(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<ExecuteParams>,
) -> ApiResult<()> {
    let ids = p
        .conversation_ids
        .unwrap_or_default()
        .iter()
        .map(|v| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(|| {
            Error::invalid(
                "conversation_ids",
                "Conversation ids should be a list of conversation ids",
            )
        })?;
    macros::execute(&state.ctx, &user, account, id, &ids).await?;
    Ok(())
}
