//! The widget's bootstrap: what `POST /api/v1/widget/config` answers and what the `/widget`
//! page hands its app, one rendering for both, as Chatwoot's `widget/configs` and
//! `widgets/show` views carry the same settings.

use serde_json::{Value, json};

use crate::Ctx;
use crate::widget::Config;

/// Chatwoot's widget `feature_flags` bits and their names in `enabled_features`.
const FEATURES: [(i32, &str); 3] = [
    (1, "attachments"),
    (2, "emoji_picker"),
    (4, "end_conversation"),
];

pub fn config(ctx: &Ctx, c: &Config) -> Value {
    let (w, inbox) = (&c.visitor.site.widget, &c.visitor.site.inbox);
    let features: Vec<&str> = FEATURES
        .iter()
        .filter(|(bit, _)| w.feature_flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    let hours: Vec<Value> = c
        .working_hours
        .iter()
        .map(|h| json!(super::inbox::WorkingHourView::new(h)))
        .collect();
    let contact = &c.visitor.contact;
    let reply_time = ["in_a_few_minutes", "in_a_few_hours", "in_a_day"]
        .get(w.reply_time.unwrap_or(0) as usize)
        .copied();
    json!({
        "website_channel_config": {
            "allow_messages_after_resolved": inbox.allow_messages_after_resolved.unwrap_or(true),
            "api_host": ctx.settings.frontend_url,
            "auth_token": c.token,
            "avatar_url": "",
            "csat_survey_enabled": inbox.csat_survey_enabled.unwrap_or(false),
            "disable_branding": false,
            "enabled_features": features,
            "enabled_languages": [{"name": "English (en)", "iso_639_1_code": "en"}, {"name": "Português Brasileiro (pt-BR)", "iso_639_1_code": "pt_BR"}],
            "locale": c.locale,
            "out_of_office_message": inbox.out_of_office_message,
            "portal": null,
            "pre_chat_form_enabled": w.pre_chat_form_enabled.unwrap_or(false),
            "pre_chat_form_options": crate::inboxes::pre_chat_options(w),
            "reply_time": reply_time,
            "timezone": inbox.timezone,
            "website_name": inbox.name,
            "website_token": w.website_token,
            "welcome_tagline": w.welcome_tagline,
            "welcome_title": w.welcome_title,
            "widget_color": w.widget_color,
            "working_hours": hours,
            "working_hours_enabled": inbox.working_hours_enabled.unwrap_or(false),
        },
        "contact": {
            "email": contact.email, "id": contact.id, "identifier": contact.identifier,
            "name": contact.name, "phone_number": contact.phone_number,
            "pubsub_token": c.visitor.contact_inbox.pubsub_token,
        },
        "global_config": {
            "INSTALLATION_NAME": ctx.settings.installation_name,
            "BRAND_NAME": ctx.settings.installation_name,
            "MAXIMUM_FILE_UPLOAD_SIZE": ctx.files.max_upload_bytes / (1024 * 1024),
        },
    })
}
