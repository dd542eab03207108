use crate::agents::Agent;
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_store::account_users::AccountUser;

use super::user::{availability, availability_status, available_name, role};
use super::{non_empty, object};

/// An agent of the current account.
#[derive(Serialize)]
pub struct AgentView {
    pub id: i64,
    pub account_id: i64,
    pub availability_status: &'static str,
    pub auto_offline: bool,
    pub confirmed: bool,
    pub email: String,
    pub provider: String,
    pub available_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_attributes: Option<Map<String, Value>>,
    pub name: String,
    pub role: &'static str,
    pub thumbnail: String,
    pub custom_role_id: Option<i64>,
}

impl AgentView {
    pub fn new(a: &Agent) -> Self {
        let (u, au) = (&a.user, &a.account_user);
        Self {
            id: u.id.0,
            account_id: au.account_id.0,
            availability_status: availability_status(au),
            auto_offline: au.auto_offline,
            confirmed: u.confirmed_at.is_some(),
            email: u.email.clone().unwrap_or_default(),
            provider: u.provider.clone(),
            available_name: available_name(u),
            custom_attributes: non_empty(object(&u.custom_attributes)),
            name: u.name.clone(),
            role: role(au.role),
            thumbnail: String::new(),
            custom_role_id: None,
        }
    }
}

/// A raw `account_users` row, as the Platform API renders it.
#[derive(Serialize)]
pub struct AccountUserView {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub role: &'static str,
    pub inviter_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub active_at: Option<String>,
    pub availability: &'static str,
    pub auto_offline: bool,
    pub custom_role_id: Option<i64>,
    pub agent_capacity_policy_id: Option<i64>,
}

impl AccountUserView {
    pub fn new(au: &AccountUser) -> Self {
        Self {
            id: au.id.0,
            account_id: au.account_id.0,
            user_id: au.user_id.0,
            role: role(au.role),
            inviter_id: au.inviter_id.map(|i| i.0),
            created_at: au.created_at.iso8601(),
            updated_at: au.updated_at.iso8601(),
            active_at: au.active_at.map(|t| t.iso8601()),
            availability: availability(au.availability),
            auto_offline: au.auto_offline,
            custom_role_id: None,
            agent_capacity_policy_id: None,
        }
    }
}
