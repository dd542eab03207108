//! `accounts.feature_flags`: a bit set over Chatwoot's `config/features.yml`, in its
//! order (bit 0 is the first name). Rendered as `features: {name: bool}`.

use serde_json::{Map, Value};

/// Chatwoot's feature names, in bit order. Never reorder: stored values depend on it.
pub const FEATURES: [&str; 60] = [
    "inbound_emails",
    "channel_email",
    "channel_facebook",
    "channel_twitter",
    "ip_lookup",
    "disable_branding",
    "email_continuity_on_api_channel",
    "help_center",
    "agent_bots",
    "macros",
    "agent_management",
    "team_management",
    "inbox_management",
    "labels",
    "custom_attributes",
    "automations",
    "canned_responses",
    "integrations",
    "voice_recorder",
    "mobile_v2",
    "channel_website",
    "campaigns",
    "reports",
    "crm",
    "auto_resolve_conversations",
    "custom_reply_email",
    "custom_reply_domain",
    "audit_logs",
    "response_bot",
    "message_reply_to",
    "insert_article_in_reply",
    "inbox_view",
    "sla",
    "help_center_embedding_search",
    "linear_integration",
    "captain_integration",
    "custom_roles",
    "chatwoot_v4",
    "report_v4",
    "contact_chatwoot_support_team",
    "shopify_integration",
    "search_with_gin",
    "channel_instagram",
    "crm_integration",
    "channel_voice",
    "notion_integration",
    "captain_integration_v2",
    "whatsapp_embedded_signup",
    "whatsapp_campaign",
    "crm_v2",
    "assignment_v2",
    "twilio_content_templates",
    "advanced_search",
    "saml",
    "advanced_search_indexing",
    "reply_mailer_migration",
    "quoted_email_reply",
    "companies",
    "channel_tiktok",
    "csat_review_notes",
];

/// Chatwoot's `enabled: true` set for new accounts, less its cloud-only support link.
const DEFAULT_ON: &[&str] = &[
    "inbound_emails",
    "channel_email",
    "channel_facebook",
    "channel_twitter",
    "help_center",
    "agent_bots",
    "macros",
    "agent_management",
    "team_management",
    "inbox_management",
    "labels",
    "custom_attributes",
    "automations",
    "canned_responses",
    "integrations",
    "voice_recorder",
    "channel_website",
    "campaigns",
    "reports",
    "crm",
    "auto_resolve_conversations",
    "chatwoot_v4",
    "report_v4",
    "channel_instagram",
    "channel_tiktok",
];

fn bit(name: &str) -> Option<i64> {
    FEATURES.iter().position(|f| *f == name).map(|i| 1i64 << i)
}

pub fn default_flags() -> i64 {
    DEFAULT_ON
        .iter()
        .filter_map(|n| bit(n))
        .fold(0, |a, b| a | b)
}

/// `{name: bool}` for every known feature.
pub fn render(flags: i64) -> Map<String, Value> {
    FEATURES
        .iter()
        .enumerate()
        .map(|(i, name)| ((*name).to_string(), Value::Bool(flags & (1i64 << i) != 0)))
        .collect()
}

/// Applies `{name: bool}` changes; unknown names are ignored, as Chatwoot's
/// `enable_features`/`disable_features` ignore them.
pub fn apply(mut flags: i64, changes: &Map<String, Value>) -> i64 {
    for (name, on) in changes {
        let (Some(b), Some(on)) = (bit(name), truthy(on)) else {
            continue;
        };
        if on { flags |= b } else { flags &= !b }
    }
    flags
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" || s == "1" => Some(true),
        Value::String(s) if s == "false" || s == "0" => Some(false),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_changes() {
        let f = default_flags();
        let r = render(f);
        assert_eq!(r.len(), 60);
        assert_eq!(r["channel_website"], Value::Bool(true));
        assert_eq!(r["sla"], Value::Bool(false));
        let mut ch = Map::new();
        ch.insert("sla".into(), Value::Bool(true));
        ch.insert("labels".into(), Value::String("false".into()));
        ch.insert("nonsense".into(), Value::Bool(true));
        let r = render(apply(f, &ch));
        assert_eq!(r["sla"], Value::Bool(true));
        assert_eq!(r["labels"], Value::Bool(false));
    }

    #[test]
    fn the_last_feature_fits_in_the_bit_set() {
        assert_eq!(bit("csat_review_notes"), Some(1 << 59));
    }
}
