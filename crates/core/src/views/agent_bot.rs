//! Agent bots: `api/v1/models/_agent_bot` (through AgentBotPresenter) and the Platform
//! API's `platform/api/v1/models/_agent_bot`.

use serde::Serialize;
use serde_json::Value;

use super::object;
use crate::agent_bots::BotDetails;

#[derive(Serialize)]
pub struct AgentBotView {
    pub id: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    pub thumbnail: String,
    /// Hidden for system bots, as in Chatwoot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outgoing_url: Option<Option<String>>,
    pub bot_type: &'static str,
    pub bot_config: Value,
    pub account_id: Option<i64>,
    /// Only for the account that owns the bot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    pub system_bot: bool,
}

impl AgentBotView {
    pub fn new(d: &BotDetails) -> Self {
        let b = &d.bot;
        Self {
            id: b.id,
            name: b.name.clone(),
            description: b.description.clone(),
            // Bots have no stored avatar yet (Chatwoot's avatar_url is "" without one).
            thumbnail: String::new(),
            outgoing_url: (!b.system_bot()).then(|| b.outgoing_url.clone()),
            bot_type: "webhook",
            bot_config: Value::Object(object(&b.bot_config)),
            account_id: b.account_id.map(|a| a.0),
            access_token: d.access_token.clone(),
            system_bot: b.system_bot(),
        }
    }
}

/// The Platform API's shape. Chatwoot renders the bot's name as its `outgoing_url` there
/// (a slip in its view); we render the URL.
#[derive(Serialize)]
pub struct PlatformAgentBotView {
    pub id: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    pub outgoing_url: Option<String>,
    pub account_id: Option<i64>,
    pub access_token: Option<String>,
}

impl PlatformAgentBotView {
    pub fn new(d: &BotDetails) -> Self {
        let b = &d.bot;
        Self {
            id: b.id,
            name: b.name.clone(),
            description: b.description.clone(),
            outgoing_url: b.outgoing_url.clone(),
            account_id: b.account_id.map(|a| a.0),
            access_token: d.access_token.clone(),
        }
    }
}
