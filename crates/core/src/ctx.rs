use std::sync::Arc;

use switchboard_store::Db;

/// Whether `POST /api/v1/accounts` is open (Chatwoot's `ENABLE_ACCOUNT_SIGNUP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignupMode {
    Disabled,
    Enabled,
    /// Open through the API but not offered in the dashboard.
    ApiOnly,
}

/// What the use cases need to know of the installation.
#[derive(Clone, Debug)]
pub struct Settings {
    pub installation_name: String,
    /// The operator's brand (Chatwoot's installation config), shown by the dashboard.
    pub brand: Brand,
    /// Base of every link we hand out (SSO login links, mails, the widget script).
    pub frontend_url: String,
    pub default_locale: String,
    pub signup: SignupMode,
    /// `MAILER_SENDER_EMAIL`: also shown as an account's support email when it has none.
    pub mailer_sender_email: Option<String>,
    /// `CONVERSATION_MESSAGE_PER_MINUTE_LIMIT`: more messages than this in a minute in
    /// one conversation are refused (Chatwoot's guard against loops).
    pub message_per_minute_limit: i64,
    /// `SECRET_KEY_BASE`: signs the widget's visitor tokens exactly as Chatwoot does, so
    /// visitors keep their conversations across a migration.
    pub secret_key_base: SecretKey,
    /// Which internal addresses outbound requests may reach (`ALLOWED_PRIVATE_ADDRESSES`).
    pub outbound: crate::outbound::Policy,
    /// Single sign-on and whether passwords are accepted.
    pub sign_in: crate::sso::SignInOptions,
}

/// Chatwoot's branding installation config (`LOGO`, `LOGO_DARK`, `LOGO_THUMBNAIL`,
/// `BRAND_NAME`, `BRAND_URL`, `WIDGET_BRAND_URL`, `TERMS_URL`, `PRIVACY_URL`) plus our
/// `BRAND_PRIMARY_COLOR`. Empty values mean "not set": the apps then show no logo or link
/// rather than ours, so an operator's brand is never mixed with Switchboard's.
#[derive(Clone, Debug, Default)]
pub struct Brand {
    pub brand_name: String,
    pub brand_url: String,
    pub widget_brand_url: String,
    pub logo: String,
    pub logo_dark: String,
    pub logo_thumbnail: String,
    pub terms_url: String,
    pub privacy_url: String,
    /// A CSS hex colour (`#1f93ff`), already checked at start-up.
    pub primary_color: String,
}

/// A secret that never shows in logs or `Debug` output.
#[derive(Clone)]
pub struct SecretKey(pub String);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Everything a use case works with. Cheap to clone.
#[derive(Clone)]
pub struct Ctx {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub files: crate::files::Files,
    /// Live events for `/cable` (in-process, or Redis between processes).
    pub events: crate::events::Bus,
    /// Outgoing mail (SMTP, or a folder when no relay is configured).
    pub mailer: crate::mail::Mailer,
    /// Who is online now (the `/cable` sockets' presence).
    pub presence: crate::presence::Port,
    /// This server's Prometheus metrics.
    pub metrics: crate::metrics::Metrics,
}
