//! Automation rules and macros, as Chatwoot's jbuilder views render them.

use serde::Serialize;
use serde_json::Value;
use switchboard_store::automation_rules::AutomationRule;

use super::agent::AgentView;
use crate::macros::MacroDetails;

/// `automation_rules/partials/_automation_rule.json.jbuilder` (rules have no files here).
#[derive(Serialize)]
pub struct AutomationRuleView {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub event_name: String,
    pub conditions: Value,
    pub actions: Value,
    pub created_on: i64,
    pub active: bool,
}

impl AutomationRuleView {
    pub fn new(r: &AutomationRule) -> Self {
        Self {
            id: r.id,
            account_id: r.account_id.0,
            name: r.name.clone(),
            description: r.description.clone(),
            event_name: r.event_name.clone(),
            conditions: r.conditions.0.clone(),
            actions: r.actions.0.clone(),
            created_on: r.created_at.unix_seconds(),
            active: r.active,
        }
    }
}

/// `api/v1/models/_macro.json.jbuilder`: `created_by` and `updated_by` only when those
/// users are still agents of the account.
#[derive(Serialize)]
pub struct MacroView {
    pub id: i64,
    pub name: String,
    pub visibility: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<AgentView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<AgentView>,
    pub account_id: i64,
    pub actions: Value,
}

impl MacroView {
    pub fn new(d: &MacroDetails) -> Self {
        let m = &d.record;
        Self {
            id: m.id,
            name: m.name.clone(),
            visibility: if m.is_global() { "global" } else { "personal" },
            created_by: d.created_by.as_ref().map(AgentView::new),
            updated_by: d.updated_by.as_ref().map(AgentView::new),
            account_id: m.account_id.0,
            actions: m.actions.0.clone(),
        }
    }
}
