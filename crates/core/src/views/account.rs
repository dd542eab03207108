use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_domain::{AccountStatus, Locale, features};
use switchboard_store::accounts::Account;

use super::object;

fn status(a: &Account) -> &'static str {
    AccountStatus::from_value(a.status.unwrap_or(0))
        .unwrap_or(AccountStatus::Active)
        .as_str()
}

fn locale(a: &Account) -> &'static str {
    Locale::from_value(a.locale.unwrap_or(0)).code()
}

/// Enabled features only, each `true`, in Chatwoot's order.
fn enabled_features(a: &Account) -> Map<String, Value> {
    features::render(a.feature_flags)
        .into_iter()
        .filter(|(_, on)| *on == Value::Bool(true))
        .collect()
}

/// The subscription keys Chatwoot always shows once an account has custom attributes,
/// and the dashboard's onboarding keys when they are set.
fn custom_attributes(a: &Account) -> Option<Map<String, Value>> {
    let stored = object(&a.custom_attributes);
    if stored.is_empty() {
        return None;
    }
    let mut out = Map::new();
    for key in [
        "plan_name",
        "subscribed_quantity",
        "subscription_status",
        "subscription_ends_on",
    ] {
        out.insert(key.into(), stored.get(key).cloned().unwrap_or(Value::Null));
    }
    for key in [
        "industry",
        "company_size",
        "timezone",
        "logo",
        "onboarding_step",
        "marked_for_deletion_at",
        "marked_for_deletion_reason",
    ] {
        if let Some(v) = stored.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    Some(out)
}

#[derive(Serialize)]
pub struct CacheKeys {
    pub label: String,
    pub inbox: String,
    pub team: String,
}

impl CacheKeys {
    /// Labels, inboxes and teams arrive with the shared inbox; until then nothing changes.
    pub fn unchanged() -> Self {
        let zero = || "0000000000".to_string();
        Self {
            label: zero(),
            inbox: zero(),
            team: zero(),
        }
    }
}

/// The Application API's account (`GET|PATCH /api/v1/accounts/:id`).
#[derive(Serialize)]
pub struct AccountView {
    pub settings: Map<String, Value>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_attributes: Option<Map<String, Value>>,
    pub domain: Option<String>,
    pub features: Map<String, Value>,
    pub id: i64,
    pub locale: &'static str,
    pub name: String,
    pub support_email: Option<String>,
    pub status: &'static str,
    pub cache_keys: CacheKeys,
    /// `show` only, like Chatwoot's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_chatwoot_version: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscribed_features: Option<Vec<String>>,
}

impl AccountView {
    /// `fallback_email` is the installation's sender, shown when the account has none.
    pub fn new(a: &Account, fallback_email: Option<&str>) -> Self {
        Self {
            settings: object(&a.settings),
            created_at: a.created_at.iso8601(),
            custom_attributes: custom_attributes(a),
            domain: a.domain.clone(),
            features: enabled_features(a),
            id: a.id.0,
            locale: locale(a),
            name: a.name.clone(),
            support_email: a
                .support_email
                .clone()
                .or_else(|| fallback_email.map(str::to_owned)),
            status: status(a),
            cache_keys: CacheKeys::unchanged(),
            latest_chatwoot_version: None,
            subscribed_features: None,
        }
    }

    pub fn for_show(mut self) -> Self {
        self.latest_chatwoot_version = Some(None);
        self.subscribed_features = Some(Vec::new());
        self
    }
}

/// The Platform API's account.
#[derive(Serialize)]
pub struct PlatformAccountView {
    pub id: i64,
    pub name: String,
    pub locale: &'static str,
    pub domain: Option<String>,
    pub support_email: Option<String>,
    pub features: Map<String, Value>,
    pub custom_attributes: Map<String, Value>,
    pub limits: Map<String, Value>,
    pub status: &'static str,
}

impl PlatformAccountView {
    pub fn new(a: &Account, fallback_email: Option<&str>) -> Self {
        Self {
            id: a.id.0,
            name: a.name.clone(),
            locale: locale(a),
            domain: a.domain.clone(),
            support_email: a
                .support_email
                .clone()
                .or_else(|| fallback_email.map(str::to_owned)),
            features: enabled_features(a),
            custom_attributes: object(&a.custom_attributes),
            limits: object(&a.limits),
            status: status(a),
        }
    }
}
