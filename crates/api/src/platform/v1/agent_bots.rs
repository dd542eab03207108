//! `/platform/api/v1/agent_bots` (Chatwoot's Platform AgentBotsController): a platform
//! app's bots, system-wide or (with `account_id`) for one of its accounts.

use axum::Json;
use axum::extract::State;
use switchboard_core::agent_bots;
use switchboard_core::views::agent_bot::PlatformAgentBotView;

use crate::extract::{Body, CurrentPlatformApp, Id};
use crate::v1::BotParams;
use crate::{ApiResult, AppState};

pub async fn index(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
) -> ApiResult<Json<Vec<PlatformAgentBotView>>> {
    let list = agent_bots::platform_list(&state.ctx, &app).await?;
    Ok(Json(list.iter().map(PlatformAgentBotView::new).collect()))
}

pub async fn create(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Body(p): Body<BotParams>,
) -> ApiResult<Json<PlatformAgentBotView>> {
    let d = agent_bots::platform_create(&state.ctx, &app, p.platform_input()).await?;
    Ok(Json(PlatformAgentBotView::new(&d)))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<i64>,
) -> ApiResult<Json<PlatformAgentBotView>> {
    let d = agent_bots::platform_show(&state.ctx, &app, id).await?;
    Ok(Json(PlatformAgentBotView::new(&d)))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<i64>,
    Body(p): Body<BotParams>,
) -> ApiResult<Json<PlatformAgentBotView>> {
    let d = agent_bots::platform_update(&state.ctx, &app, id, p.platform_input()).await?;
    Ok(Json(PlatformAgentBotView::new(&d)))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<i64>,
) -> ApiResult<()> {
    agent_bots::platform_destroy(&state.ctx, &app, id).await?;
    Ok(())
}

/// Bots have no stored avatar yet: nothing to purge; the bot is shown as it is.
pub async fn avatar(
    State(state): State<AppState>,
    CurrentPlatformApp(app): CurrentPlatformApp,
    Id(id): Id<i64>,
) -> ApiResult<Json<PlatformAgentBotView>> {
    let d = agent_bots::platform_show(&state.ctx, &app, id).await?;
    Ok(Json(PlatformAgentBotView::new(&d)))
}
