use crate::inboxes::{
    Channel, InboxDetails, REPLY_TIMES, SENDER_NAME_TYPES, WIDGET_FEATURES, pre_chat_options,
};
use serde::Serialize;
use serde_json::{Map, Value};
use switchboard_domain::attributes;
use switchboard_store::inboxes::WorkingHour;

#[derive(Serialize)]
pub struct WorkingHourView {
    pub day_of_week: i32,
    pub closed_all_day: bool,
    pub open_hour: Option<i32>,
    pub open_minutes: Option<i32>,
    pub close_hour: Option<i32>,
    pub close_minutes: Option<i32>,
    pub open_all_day: bool,
}

impl WorkingHourView {
    pub fn new(h: &WorkingHour) -> Self {
        Self {
            day_of_week: h.day_of_week,
            closed_all_day: h.closed_all_day.unwrap_or(false),
            open_hour: h.open_hour,
            open_minutes: h.open_minutes,
            close_hour: h.close_hour,
            close_minutes: h.close_minutes,
            open_all_day: h.open_all_day.unwrap_or(false),
        }
    }
}

/// Chatwoot's inbox JSON. The website keys appear on every inbox (null where they do not
/// apply); `hmac_token` appears for administrators only, in the widget's or the API
/// channel's place.
#[derive(Serialize)]
pub struct InboxView {
    pub id: i64,
    pub avatar_url: String,
    pub channel_id: i64,
    pub name: String,
    pub channel_type: Option<String>,
    pub greeting_enabled: bool,
    pub greeting_message: Option<String>,
    pub working_hours_enabled: bool,
    pub enable_email_collect: bool,
    pub csat_survey_enabled: bool,
    pub csat_config: Value,
    pub enable_auto_assignment: bool,
    pub auto_assignment_config: Value,
    pub out_of_office_message: Option<String>,
    pub working_hours: Vec<WorkingHourView>,
    pub timezone: String,
    pub callback_webhook_url: Option<String>,
    pub allow_messages_after_resolved: bool,
    pub lock_to_single_conversation: bool,
    pub sender_name_type: &'static str,
    pub business_name: Option<String>,
    pub allowed_domains: Option<String>,
    pub widget_color: Option<String>,
    pub website_url: Option<String>,
    pub hmac_mandatory: Option<bool>,
    pub welcome_title: Option<String>,
    pub welcome_tagline: Option<String>,
    pub web_widget_script: Option<String>,
    pub website_token: Option<String>,
    pub selected_feature_flags: Option<Vec<&'static str>>,
    pub reply_time: Option<&'static str>,
    #[serde(rename = "hmac_token", skip_serializing_if = "Option::is_none")]
    pub widget_hmac_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_chat_form_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_chat_form_options: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuity_via_email: Option<bool>,
    pub messaging_service_sid: Option<String>,
    pub phone_number: Option<String>,
    #[serde(rename = "hmac_token", skip_serializing_if = "Option::is_none")]
    pub api_hmac_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbox_identifier: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_attributes: Option<Value>,
    pub provider: Option<String>,
}

/// The snippet a site owner pastes, exactly as Chatwoot prints it.
pub fn web_widget_script(frontend_url: &str, token: &str) -> String {
    format!(
        "\n    <script>\n      (function(d,t) {{\n        var BASE_URL=\"{frontend_url}\";\n        \
         var g=d.createElement(t),s=d.getElementsByTagName(t)[0];\n        g.src=BASE_URL+\"/packs/js/sdk.js\";\n        \
         g.async = true;\n        s.parentNode.insertBefore(g,s);\n        g.onload=function(){{\n          \
         window.chatwootSDK.run({{\n            websiteToken: '{token}',\n            baseUrl: BASE_URL\n          \
         }})\n        }}\n      }})(document,\"script\");\n    </script>\n    "
    )
}

impl InboxView {
    pub fn new(d: &InboxDetails, admin: bool, frontend_url: &str) -> Self {
        let i = &d.inbox;
        let mut v = Self {
            id: i.id,
            avatar_url: String::new(),
            channel_id: i.channel_id,
            name: i.name.clone(),
            channel_type: i.channel_type.clone(),
            greeting_enabled: i.greeting_enabled.unwrap_or(false),
            greeting_message: i.greeting_message.clone(),
            working_hours_enabled: i.working_hours_enabled.unwrap_or(false),
            enable_email_collect: i.enable_email_collect.unwrap_or(true),
            csat_survey_enabled: i.csat_survey_enabled.unwrap_or(false),
            csat_config: attributes::object(Some(&i.csat_config.0)),
            enable_auto_assignment: i.enable_auto_assignment.unwrap_or(true),
            auto_assignment_config: attributes::object(
                i.auto_assignment_config.as_ref().map(|j| &j.0),
            ),
            out_of_office_message: i.out_of_office_message.clone(),
            working_hours: d.working_hours.iter().map(WorkingHourView::new).collect(),
            timezone: i.timezone.clone().unwrap_or_else(|| "UTC".into()),
            callback_webhook_url: None,
            allow_messages_after_resolved: i.allow_messages_after_resolved.unwrap_or(true),
            lock_to_single_conversation: i.lock_to_single_conversation,
            sender_name_type: SENDER_NAME_TYPES
                .get(i.sender_name_type as usize)
                .copied()
                .unwrap_or("friendly"),
            business_name: i.business_name.clone(),
            allowed_domains: None,
            widget_color: None,
            website_url: None,
            hmac_mandatory: None,
            welcome_title: None,
            welcome_tagline: None,
            web_widget_script: None,
            website_token: None,
            selected_feature_flags: None,
            reply_time: None,
            widget_hmac_token: None,
            pre_chat_form_enabled: None,
            pre_chat_form_options: None,
            continuity_via_email: None,
            messaging_service_sid: None,
            phone_number: None,
            api_hmac_token: None,
            webhook_url: None,
            inbox_identifier: None,
            additional_attributes: None,
            provider: None,
        };
        match &d.channel {
            Channel::WebWidget(w) => {
                let token = w.website_token.clone().unwrap_or_default();
                v.allowed_domains = Some(w.allowed_domains.clone().unwrap_or_default());
                v.widget_color = w.widget_color.clone();
                v.website_url = w.website_url.clone();
                v.hmac_mandatory = Some(w.hmac_mandatory.unwrap_or(false));
                v.welcome_title = w.welcome_title.clone();
                v.welcome_tagline = w.welcome_tagline.clone();
                v.web_widget_script = Some(web_widget_script(frontend_url, &token));
                v.website_token = Some(token);
                v.selected_feature_flags = Some(
                    WIDGET_FEATURES
                        .iter()
                        .filter(|(_, bit)| w.feature_flags & bit != 0)
                        .map(|(n, _)| *n)
                        .collect(),
                );
                v.reply_time = Some(
                    REPLY_TIMES
                        .get(w.reply_time.unwrap_or(0) as usize)
                        .copied()
                        .unwrap_or(REPLY_TIMES[0]),
                );
                v.widget_hmac_token = admin.then(|| w.hmac_token.clone().unwrap_or_default());
                v.pre_chat_form_enabled = Some(w.pre_chat_form_enabled.unwrap_or(false));
                v.pre_chat_form_options = Some(pre_chat_options(w));
                v.continuity_via_email = Some(w.continuity_via_email);
            }
            Channel::Api(c) => {
                v.hmac_mandatory = Some(c.hmac_mandatory.unwrap_or(false));
                v.api_hmac_token = admin.then(|| c.hmac_token.clone().unwrap_or_default());
                v.webhook_url = Some(c.webhook_url.clone());
                v.inbox_identifier = Some(c.identifier.clone());
                v.additional_attributes = Some(Value::Object(match &c.additional_attributes {
                    Some(j) => attributes::object(Some(&j.0))
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                    None => Map::new(),
                }));
            }
            Channel::Other => {}
        }
        v
    }
}
