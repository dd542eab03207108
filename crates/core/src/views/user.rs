use crate::profile::Profile;
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_domain::{AccountStatus, Availability, Locale, Role};
use switchboard_store::account_users::{AccountUser, Membership};
use switchboard_store::accounts::Account;
use switchboard_store::users::User;

use super::{non_empty, object};

/// `availability_status`: with `auto_offline` an agent shows offline unless connected
/// (`au.online`, marked from presence by the use case); without it, the chosen availability.
pub fn availability_status(au: &AccountUser) -> &'static str {
    crate::presence::status(au).as_str()
}

pub fn availability(v: i32) -> &'static str {
    Availability::from_value(v)
        .unwrap_or(Availability::Online)
        .as_str()
}

pub fn role(v: Option<i32>) -> &'static str {
    Role::from_value(v.unwrap_or(0))
        .unwrap_or(Role::Agent)
        .as_str()
}

pub fn available_name(u: &User) -> String {
    u.display_name
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| u.name.clone())
}

/// The membership Chatwoot calls the user's active one: most recently active first.
fn active(memberships: &[Membership]) -> Option<&AccountUser> {
    memberships
        .iter()
        .map(|m| &m.account_user)
        .max_by_key(|au| {
            (
                au.active_at.is_some(),
                au.active_at,
                std::cmp::Reverse(au.id),
            )
        })
}

/// One entry of the user's `accounts`.
#[derive(Serialize)]
pub struct UserAccount {
    pub id: i64,
    pub name: String,
    pub status: &'static str,
    pub active_at: Option<String>,
    pub role: &'static str,
    pub permissions: Vec<&'static str>,
    pub availability: &'static str,
    pub availability_status: &'static str,
    pub auto_offline: bool,
    pub custom_role_id: Option<i64>,
    pub custom_role: Option<Value>,
}

/// The user JSON of sign-in, token validation and the profile.
#[derive(Serialize)]
pub struct UserView {
    pub access_token: String,
    pub account_id: Option<i64>,
    pub available_name: String,
    pub avatar_url: String,
    pub confirmed: bool,
    pub display_name: Option<String>,
    pub message_signature: Option<String>,
    pub email: String,
    pub id: i64,
    pub inviter_id: Option<i64>,
    pub name: String,
    pub provider: String,
    pub pubsub_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_attributes: Option<Map<String, Value>>,
    pub role: Option<&'static str>,
    pub ui_settings: Map<String, Value>,
    pub uid: String,
    #[serde(rename = "type")]
    pub user_type: Option<String>,
    pub accounts: Vec<UserAccount>,
    /// Only in `validate_token`, as its last key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

impl UserView {
    pub fn new(p: &Profile) -> Self {
        let u = &p.user;
        let active = active(&p.memberships);
        Self {
            access_token: p.access_token.clone(),
            account_id: active.map(|au| au.account_id.0),
            available_name: available_name(u),
            avatar_url: String::new(),
            confirmed: u.confirmed_at.is_some(),
            display_name: u.display_name.clone(),
            message_signature: u.message_signature.clone(),
            email: u.email.clone().unwrap_or_default(),
            id: u.id.0,
            inviter_id: active.and_then(|au| au.inviter_id).map(|i| i.0),
            name: u.name.clone(),
            provider: u.provider.clone(),
            pubsub_token: u.pubsub_token.clone().unwrap_or_default(),
            custom_attributes: non_empty(object(&u.custom_attributes)),
            role: active.map(|au| role(au.role)),
            ui_settings: object(&u.ui_settings),
            uid: u.uid.clone(),
            user_type: u.user_type.clone(),
            accounts: p
                .memberships
                .iter()
                .map(|m| {
                    let au = &m.account_user;
                    UserAccount {
                        id: au.account_id.0,
                        name: m.account_name.clone(),
                        status: AccountStatus::from_value(m.account_status.unwrap_or(0))
                            .unwrap_or(AccountStatus::Active)
                            .as_str(),
                        active_at: au.active_at.map(|t| t.iso8601()),
                        role: role(au.role),
                        permissions: vec![role(au.role)],
                        availability: availability(au.availability),
                        availability_status: availability_status(au),
                        auto_offline: au.auto_offline,
                        custom_role_id: None,
                        custom_role: None,
                    }
                })
                .collect(),
            created_at: None,
        }
    }

    pub fn with_created_at(mut self, u: &User) -> Self {
        self.created_at = Some(u.created_at.iso8601());
        self
    }
}

/// `{"data": user}`: the body of sign-in.
#[derive(Serialize)]
pub struct DataView<T> {
    pub data: T,
}

/// An entry of the Platform API user's `accounts`.
#[derive(Serialize)]
pub struct PlatformUserAccount {
    pub id: i64,
    pub name: String,
    pub active_at: Option<String>,
    pub role: &'static str,
}

/// The Platform API's user JSON (it carries the user's access token).
#[derive(Serialize)]
pub struct PlatformUserView {
    pub access_token: String,
    pub account_id: Option<i64>,
    pub available_name: String,
    pub avatar_url: String,
    pub confirmed: bool,
    pub display_name: Option<String>,
    pub message_signature: Option<String>,
    pub email: String,
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub pubsub_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_attributes: Option<Map<String, Value>>,
    pub role: Option<&'static str>,
    pub ui_settings: Map<String, Value>,
    pub uid: String,
    pub accounts: Vec<PlatformUserAccount>,
}

impl PlatformUserView {
    pub fn new(p: &Profile) -> Self {
        let full = UserView::new(p);
        Self {
            access_token: full.access_token,
            account_id: full.account_id,
            available_name: full.available_name,
            avatar_url: full.avatar_url,
            confirmed: full.confirmed,
            display_name: full.display_name,
            message_signature: full.message_signature,
            email: full.email,
            id: full.id,
            name: full.name,
            provider: full.provider,
            pubsub_token: full.pubsub_token,
            custom_attributes: full.custom_attributes,
            role: full.role,
            ui_settings: full.ui_settings,
            uid: full.uid,
            accounts: full
                .accounts
                .into_iter()
                .map(|a| PlatformUserAccount {
                    id: a.id,
                    name: a.name,
                    active_at: a.active_at,
                    role: a.role,
                })
                .collect(),
        }
    }
}

/// An entry of the sign-up user's `accounts`.
#[derive(Serialize)]
pub struct SignupAccount {
    pub id: i64,
    pub name: String,
    pub active_at: Option<String>,
    pub role: &'static str,
    pub locale: &'static str,
}

/// The body of `POST /api/v1/accounts` (Chatwoot's accounts/create view).
#[derive(Serialize)]
pub struct SignupUserView {
    pub id: i64,
    pub provider: String,
    pub uid: String,
    pub name: String,
    pub display_name: Option<String>,
    pub email: String,
    pub account_id: i64,
    pub created_at: String,
    pub pubsub_token: String,
    pub role: &'static str,
    pub inviter_id: Option<i64>,
    pub confirmed: bool,
    pub avatar_url: String,
    pub access_token: String,
    pub accounts: Vec<SignupAccount>,
}

impl SignupUserView {
    /// A new sign-up belongs to exactly the account it created.
    pub fn new(p: &Profile, account: &Account) -> Self {
        let u = &p.user;
        let account_id = account.id.0;
        Self {
            id: u.id.0,
            provider: u.provider.clone(),
            uid: u.uid.clone(),
            name: u.name.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone().unwrap_or_default(),
            account_id,
            created_at: u.created_at.iso8601(),
            pubsub_token: u.pubsub_token.clone().unwrap_or_default(),
            role: Role::Administrator.as_str(),
            inviter_id: None,
            confirmed: u.confirmed_at.is_some(),
            avatar_url: String::new(),
            access_token: p.access_token.clone(),
            accounts: vec![SignupAccount {
                id: account_id,
                name: account.name.clone(),
                active_at: None,
                role: Role::Administrator.as_str(),
                locale: Locale::from_value(account.locale.unwrap_or(0)).code(),
            }],
        }
    }
}
