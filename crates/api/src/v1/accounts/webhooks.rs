//! `/api/v1/accounts/:account_id/webhooks` (Chatwoot's WebhooksController), plus our
//! delivery log at `…/webhooks/:id/deliveries`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use switchboard_core::views::webhook::{DeliveryView, WebhookView};
use switchboard_core::webhooks::{self, WebhookDetails, WebhookInput};
use switchboard_domain::AccountId;

use crate::extract::{Body, CurrentUser, Id, Payload};
use crate::{ApiResult, AppState};

fn view(d: &WebhookDetails) -> WebhookView {
    WebhookView::new(&d.webhook, d.inbox_name.clone())
}

fn one(d: &WebhookDetails) -> Json<Value> {
    Json(json!({ "payload": { "webhook": view(d) } }))
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
) -> ApiResult<Json<Value>> {
    let list = webhooks::list(&state.ctx, &user, account).await?;
    let views: Vec<WebhookView> = list.iter().map(view).collect();
    Ok(Json(json!({ "payload": { "webhooks": views } })))
}

#[derive(Deserialize)]
pub struct WebhookParams {
    url: Option<String>,
    name: Option<String>,
    inbox_id: Option<i64>,
    subscriptions: Option<Vec<String>>,
}

impl Payload for WebhookParams {
    const ROOT: Option<&'static str> = Some("webhook");
}

impl From<WebhookParams> for WebhookInput {
    fn from(p: WebhookParams) -> Self {
        WebhookInput {
            url: p.url,
            name: p.name,
            inbox_id: p.inbox_id,
            subscriptions: p.subscriptions,
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<WebhookParams>,
) -> ApiResult<Json<Value>> {
    Ok(one(
        &webhooks::create(&state.ctx, &user, account, p.into()).await?
    ))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<WebhookParams>,
) -> ApiResult<Json<Value>> {
    Ok(one(&webhooks::update(
        &state.ctx,
        &user,
        account,
        id,
        p.into(),
    )
    .await?))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    webhooks::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}

/// Ours: the webhook's latest deliveries, newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    let list = webhooks::deliveries(&state.ctx, &user, account, id).await?;
    let views: Vec<DeliveryView> = list.iter().map(DeliveryView::new).collect();
    Ok(Json(json!({ "payload": { "deliveries": views } })))
}
