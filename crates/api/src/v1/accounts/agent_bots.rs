//! `/api/v1/accounts/:account_id/agent_bots` (Chatwoot's AgentBotsController), and an
//! inbox's bot: `GET …/inboxes/:id/agent_bot`, `POST …/inboxes/:id/set_agent_bot`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use switchboard_core::agent_bots::{self, BotDetails, BotInput};
use switchboard_core::views::agent_bot::AgentBotView;
use switchboard_domain::AccountId;

use crate::extract::{Body, CurrentUser, Id, Payload, string_or_number};
use crate::{ApiResult, AppState};

fn one(d: &BotDetails) -> Json<AgentBotView> {
    Json(AgentBotView::new(d))
}

/// Bare array, as Chatwoot's index.
pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
) -> ApiResult<Json<Vec<AgentBotView>>> {
    let list = agent_bots::list(&state.ctx, &user, account).await?;
    Ok(Json(list.iter().map(AgentBotView::new).collect()))
}

pub async fn show(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<AgentBotView>> {
    Ok(one(&agent_bots::show(&state.ctx, &user, account, id).await?))
}

#[derive(Deserialize)]
pub struct BotParams {
    name: Option<String>,
    description: Option<String>,
    outgoing_url: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    bot_type: Option<String>,
    bot_config: Option<Map<String, Value>>,
    /// Platform API only.
    account_id: Option<i64>,
}

impl Payload for BotParams {
    const ROOT: Option<&'static str> = Some("agent_bot");
}

impl BotParams {
    /// The account API ignores `account_id`, as Chatwoot's permitted params do.
    pub fn account_input(self) -> BotInput {
        BotInput {
            account_id: None,
            ..self.platform_input()
        }
    }

    /// The Platform API permits no `bot_type` or `bot_config`, as in Chatwoot.
    pub fn platform_input(self) -> BotInput {
        BotInput {
            name: self.name,
            description: self.description,
            outgoing_url: self.outgoing_url,
            bot_type: self.bot_type,
            bot_config: self.bot_config,
            account_id: self.account_id,
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(account): Id<AccountId>,
    Body(p): Body<BotParams>,
) -> ApiResult<Json<AgentBotView>> {
    Ok(one(&agent_bots::create(
        &state.ctx,
        &user,
        account,
        p.account_input(),
    )
    .await?))
}

pub async fn update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
    Body(p): Body<BotParams>,
) -> ApiResult<Json<AgentBotView>> {
    Ok(one(&agent_bots::update(
        &state.ctx,
        &user,
        account,
        id,
        p.account_input(),
    )
    .await?))
}

pub async fn destroy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<()> {
    agent_bots::destroy(&state.ctx, &user, account, id).await?;
    Ok(())
}

pub async fn avatar(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<AgentBotView>> {
    Ok(one(&agent_bots::delete_avatar(
        &state.ctx, &user, account, id,
    )
    .await?))
}

pub async fn reset_access_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, id)): Id<(AccountId, i64)>,
) -> ApiResult<Json<AgentBotView>> {
    Ok(one(&agent_bots::reset_access_token(
        &state.ctx, &user, account, id,
    )
    .await?))
}

/// `{"agent_bot": {…}}`, or `{"agent_bot": {}}` when the inbox has none.
pub async fn inbox_bot(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, inbox)): Id<(AccountId, i64)>,
) -> ApiResult<Json<Value>> {
    let bot = agent_bots::for_inbox(&state.ctx, &user, account, inbox).await?;
    let view = match &bot {
        Some(d) => json!(AgentBotView::new(d)),
        None => json!({}),
    };
    Ok(Json(json!({ "agent_bot": view })))
}

#[derive(Deserialize)]
pub struct SetBotParams {
    /// A bot id, or null (or absent) to disconnect the inbox's bot.
    #[serde(default, deserialize_with = "string_or_number")]
    agent_bot: Option<String>,
}

impl Payload for SetBotParams {}

/// Answers an empty 200, as Chatwoot's `head :ok`.
pub async fn set_inbox_bot(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id((account, inbox)): Id<(AccountId, i64)>,
    Body(p): Body<SetBotParams>,
) -> ApiResult<()> {
    let bot = match p.agent_bot.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        // Rails' `find` of something that is not an id finds nothing: 404.
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| switchboard_domain::Error::NotFound)?,
        ),
    };
    agent_bots::set_for_inbox(&state.ctx, &user, account, inbox, bot).await?;
    Ok(())
}
