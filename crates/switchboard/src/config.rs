//! Configuration from environment variables with Chatwoot's names (and a `.env` file,
//! loaded by `main`). A bad value stops start-up with one line naming the variable.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use switchboard_core::SignupMode;

#[derive(Debug, thiserror::Error)]
#[error("{var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn bad(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded default: a file under `DATA_DIR`.
    Sqlite(PathBuf),
    Postgres(Secret),
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "Sqlite({})", p.display()),
            Database::Postgres(url) => write!(f, "Postgres({})", redact_url(&url.0)),
        }
    }
}

/// A connection URL with its password replaced, for logs and messages.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("redacted"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "[unparseable url]".into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bind: IpAddr,
    pub port: u16,
    pub data_dir: PathBuf,
    pub database: Database,
    pub database_pool_size: u32,
    pub statement_timeout: Option<Duration>,
    pub redis_url: Option<Secret>,
    /// `REDIS_KEY_PREFIX`: namespaces our Redis keys and pub/sub channel, so several
    /// installations (or test runs) can share one Redis. Default `switchboard`.
    pub redis_key_prefix: String,
    /// From `SECRET_KEY_BASE`; when unset, `serve` generates one under `DATA_DIR`.
    pub secret_key_base: Option<Secret>,
    pub frontend_url: String,
    pub installation_name: String,
    /// `BRAND_NAME`, `LOGO`… (Chatwoot's branding config) and `BRAND_PRIMARY_COLOR`.
    pub brand: switchboard_core::Brand,
    pub default_locale: String,
    pub force_ssl: bool,
    pub signup: SignupMode,
    pub mailer_sender_email: Option<String>,
    /// `SMTP_*`; None (no `SMTP_ADDRESS`) writes mail under `DATA_DIR/mail` instead.
    pub smtp: Option<switchboard_core::mail::Smtp>,
    pub storage: Storage,
    /// `MAXIMUM_FILE_UPLOAD_SIZE` in megabytes (Chatwoot's default: 40).
    pub max_upload_mb: usize,
    /// `CONVERSATION_MESSAGE_PER_MINUTE_LIMIT` (Chatwoot's default: 200).
    pub message_per_minute_limit: i64,
    /// `ALLOWED_PRIVATE_ADDRESSES`: internal IPs or CIDR ranges that outbound requests
    /// (webhooks) may reach all the same; empty by default.
    pub allowed_private_addresses: Vec<switchboard_core::outbound::Cidr>,
    /// `JOB_POLL_INTERVAL`: how often an idle worker looks for due jobs (default 5s).
    pub job_poll_interval: Duration,
    /// `JOB_RETRY_BASE`: the wait before a failed job's first retry, doubled at each
    /// next one up to an hour (default 15s).
    pub job_retry_base: Duration,
    /// `JOB_LEASE`: how long a claimed job stays with its worker; a worker that dies
    /// (SIGKILL, power loss) leaves its jobs to others after this (default 120s).
    pub job_lease: Duration,
    /// `OIDC_*`, `DISABLE_PASSWORD_LOGIN`, `TRUSTED_PROXY_*`: see docs/sso.md.
    pub sign_in: switchboard_core::sso::SignInOptions,
    pub log_level: String,
    pub log_format: LogFormat,
    /// `METRICS_TOKEN`: when set, `/metrics` asks for it as a bearer token.
    pub metrics_token: Option<Secret>,
}

/// Reads the configuration through `get`, so tests can supply their own variables.
impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let port = match var("PORT") {
            None => 3000,
            Some(v) => v
                .parse::<u16>()
                .map_err(|_| bad("PORT", format!("'{v}' is not a port number (1-65535)")))?,
        };
        let bind = match var("BIND_ADDRESS") {
            None => IpAddr::from([0, 0, 0, 0]),
            Some(v) => v
                .parse()
                .map_err(|_| bad("BIND_ADDRESS", format!("'{v}' is not an IP address")))?,
        };
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database = database(&var, &data_dir)?;
        let database_pool_size =
            match var("DATABASE_POOL_SIZE").or_else(|| var("RAILS_MAX_THREADS")) {
                None => 10,
                Some(v) => v.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    bad(
                        "DATABASE_POOL_SIZE",
                        format!("'{v}' is not a positive number"),
                    )
                })?,
            };
        let statement_timeout = match var("POSTGRES_STATEMENT_TIMEOUT") {
            None => None,
            Some(v) => Some(duration(&v).ok_or_else(|| {
                bad(
                    "POSTGRES_STATEMENT_TIMEOUT",
                    format!("'{v}' is not a duration such as 14s, 500ms or 2m"),
                )
            })?),
        };
        let redis_url = redis_url(&var)?;
        let secret_key_base = match var("SECRET_KEY_BASE") {
            Some(v) if v.len() < 32 => {
                return Err(bad(
                    "SECRET_KEY_BASE",
                    "must be at least 32 characters (try `openssl rand -hex 64`)",
                ));
            }
            other => other.map(Secret),
        };
        let frontend_url = match var("FRONTEND_URL") {
            None => format!("http://localhost:{port}"),
            Some(v) => {
                let u = url::Url::parse(&v).map_err(|_| {
                    bad(
                        "FRONTEND_URL",
                        format!("'{v}' is not a URL such as https://chat.example.com"),
                    )
                })?;
                if !matches!(u.scheme(), "http" | "https") {
                    return Err(bad(
                        "FRONTEND_URL",
                        format!("'{v}' must start with http:// or https://"),
                    ));
                }
                v.trim_end_matches('/').to_string()
            }
        };
        let default_locale = var("DEFAULT_LOCALE").unwrap_or_else(|| "en".into());
        if switchboard_domain::Locale::parse(&default_locale).is_none() {
            return Err(bad(
                "DEFAULT_LOCALE",
                format!("'{default_locale}' is not a locale Chatwoot knows (en, pt_BR, …)"),
            ));
        }
        let signup = match var("ENABLE_ACCOUNT_SIGNUP")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("false") => SignupMode::Disabled,
            Some("true") => SignupMode::Enabled,
            Some("api_only") => SignupMode::ApiOnly,
            Some(v) => {
                return Err(bad(
                    "ENABLE_ACCOUNT_SIGNUP",
                    format!("'{v}' must be true, false or api_only"),
                ));
            }
        };
        let storage = storage(&var)?;
        let smtp = smtp(&var)?;
        let max_upload_mb = match var("MAXIMUM_FILE_UPLOAD_SIZE") {
            None => 40,
            Some(v) => v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                bad(
                    "MAXIMUM_FILE_UPLOAD_SIZE",
                    format!("'{v}' is not a positive number of megabytes"),
                )
            })?,
        };
        let message_per_minute_limit = match var("CONVERSATION_MESSAGE_PER_MINUTE_LIMIT") {
            None => 200,
            Some(v) => v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                bad(
                    "CONVERSATION_MESSAGE_PER_MINUTE_LIMIT",
                    format!("'{v}' is not a positive number"),
                )
            })?,
        };
        let allowed_private_addresses = switchboard_core::outbound::parse_list(
            &var("ALLOWED_PRIVATE_ADDRESSES").unwrap_or_default(),
        )
        .map_err(|m| bad("ALLOWED_PRIVATE_ADDRESSES", m))?;
        let positive = |name: &'static str, default: Duration| match var(name) {
            None => Ok(default),
            Some(v) => duration(&v)
                .filter(|d| !d.is_zero())
                .ok_or_else(|| bad(name, format!("'{v}' is not a duration such as 5s or 500ms"))),
        };
        let job_poll_interval = positive("JOB_POLL_INTERVAL", Duration::from_secs(5))?;
        let job_retry_base = positive("JOB_RETRY_BASE", Duration::from_secs(15))?;
        let job_lease = positive("JOB_LEASE", Duration::from_secs(120))?;
        let log_format = match var("LOG_FORMAT").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(v) => return Err(bad("LOG_FORMAT", format!("'{v}' must be text or json"))),
        };
        let log_level = var("LOG_LEVEL").unwrap_or_else(|| "info".into());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            return Err(bad(
                "LOG_LEVEL",
                format!("'{log_level}' is not a level (error, warn, info, debug, trace)"),
            ));
        }

        let sign_in = sign_in(&var)?;

        let primary_color = var("BRAND_PRIMARY_COLOR").unwrap_or_default();
        if !primary_color.is_empty() && !is_hex_colour(&primary_color) {
            return Err(bad(
                "BRAND_PRIMARY_COLOR",
                format!("'{primary_color}' is not a colour like #1f93ff"),
            ));
        }
        let brand = switchboard_core::Brand {
            brand_name: var("BRAND_NAME").unwrap_or_default(),
            brand_url: var("BRAND_URL").unwrap_or_default(),
            widget_brand_url: var("WIDGET_BRAND_URL").unwrap_or_default(),
            logo: var("LOGO").unwrap_or_default(),
            logo_dark: var("LOGO_DARK").unwrap_or_default(),
            logo_thumbnail: var("LOGO_THUMBNAIL").unwrap_or_default(),
            terms_url: var("TERMS_URL").unwrap_or_default(),
            privacy_url: var("PRIVACY_URL").unwrap_or_default(),
            primary_color,
        };

        Ok(Config {
            bind,
            port,
            data_dir,
            database,
            database_pool_size,
            statement_timeout,
            redis_url,
            redis_key_prefix: var("REDIS_KEY_PREFIX")
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "switchboard".into()),
            secret_key_base,
            frontend_url,
            installation_name: var("INSTALLATION_NAME").unwrap_or_else(|| "Switchboard".into()),
            brand,
            default_locale,
            force_ssl: boolean(&var, "FORCE_SSL")?,
            signup,
            mailer_sender_email: var("MAILER_SENDER_EMAIL"),
            smtp,
            storage,
            max_upload_mb,
            message_per_minute_limit,
            allowed_private_addresses,
            job_poll_interval,
            job_retry_base,
            job_lease,
            sign_in,
            log_level,
            log_format,
            metrics_token: var("METRICS_TOKEN").map(Secret),
        })
    }
}

/// `#rgb` or `#rrggbb`: the colour goes into the dashboard's CSS, so nothing else may pass.
fn is_hex_colour(v: &str) -> bool {
    v.strip_prefix('#')
        .is_some_and(|h| (h.len() == 3 || h.len() == 6) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where uploaded files go: `ACTIVE_STORAGE_SERVICE` and Chatwoot's variables for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// Under `DATA_DIR/storage`.
    Local,
    S3(S3),
}

#[derive(Clone, PartialEq, Eq)]
pub struct S3 {
    pub bucket: String,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// For S3-compatible services (MinIO, Spaces…).
    pub endpoint: Option<String>,
    pub force_path_style: bool,
}

impl fmt::Debug for S3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

fn storage(var: &impl Fn(&str) -> Option<String>) -> Result<Storage, ConfigError> {
    let service = var("ACTIVE_STORAGE_SERVICE").unwrap_or_else(|| "local".into());
    let required = |name: &'static str| {
        var(name).ok_or_else(|| {
            bad(
                name,
                format!("is required when ACTIVE_STORAGE_SERVICE={service}"),
            )
        })
    };
    match service.as_str() {
        "local" => Ok(Storage::Local),
        "amazon" => Ok(Storage::S3(S3 {
            bucket: required("S3_BUCKET_NAME")?,
            region: required("AWS_REGION")?,
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
            endpoint: None,
            force_path_style: false,
        })),
        "s3_compatible" => Ok(Storage::S3(S3 {
            bucket: required("STORAGE_BUCKET_NAME")?,
            region: var("STORAGE_REGION").unwrap_or_else(|| "us-east-1".into()),
            access_key_id: var("STORAGE_ACCESS_KEY_ID"),
            secret_access_key: var("STORAGE_SECRET_ACCESS_KEY"),
            endpoint: Some(required("STORAGE_ENDPOINT")?),
            force_path_style: boolean(var, "STORAGE_FORCE_PATH_STYLE")?,
        })),
        other => Err(bad(
            "ACTIVE_STORAGE_SERVICE",
            format!("'{other}' is not supported: use local, amazon or s3_compatible"),
        )),
    }
}

fn boolean(var: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<bool, ConfigError> {
    match var(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("false" | "0" | "no" | "off") => Ok(false),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some(v) => Err(bad(name, format!("'{v}' must be true or false"))),
    }
}

/// Chatwoot's `SMTP_*` variables. An empty `SMTP_ADDRESS` means no relay (Chatwoot then
/// uses sendmail; we write the mail to a file and the log).
fn smtp(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Option<switchboard_core::mail::Smtp>, ConfigError> {
    use switchboard_core::mail::{Authentication, Security, Smtp};
    let Some(address) = var("SMTP_ADDRESS") else {
        return Ok(None);
    };
    let tls = boolean(var, "SMTP_TLS")? || boolean(var, "SMTP_SSL")?;
    let port = match var("SMTP_PORT") {
        None if tls => 465,
        None => 587,
        Some(v) => v
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("SMTP_PORT", format!("'{v}' is not a port number")))?,
    };
    let starttls = match var("SMTP_ENABLE_STARTTLS_AUTO") {
        None => true,
        Some(_) => boolean(var, "SMTP_ENABLE_STARTTLS_AUTO")?,
    };
    let security = match (tls, starttls) {
        (true, _) => Security::Tls,
        (false, true) => Security::StartTlsWhenOffered,
        (false, false) => Security::None,
    };
    let authentication = match var("SMTP_AUTHENTICATION")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        None => Authentication::Any,
        Some("plain") => Authentication::Plain,
        Some("login") => Authentication::Login,
        Some("none") => Authentication::None,
        Some(v) => {
            return Err(bad(
                "SMTP_AUTHENTICATION",
                format!("'{v}' must be plain, login or none (cram_md5 is not supported)"),
            ));
        }
    };
    let verify_certificates = match var("SMTP_OPENSSL_VERIFY_MODE")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("peer" | "client_once" | "fail_if_no_peer_cert") => true,
        Some("none") => false,
        Some(v) => {
            return Err(bad(
                "SMTP_OPENSSL_VERIFY_MODE",
                format!("'{v}' must be peer or none"),
            ));
        }
    };
    let seconds = |name: &'static str| match var(name) {
        None => Ok(None),
        Some(v) => duration(&v)
            .filter(|d| !d.is_zero())
            .map(Some)
            .ok_or_else(|| bad(name, format!("'{v}' is not a number of seconds"))),
    };
    let timeout = [seconds("SMTP_OPEN_TIMEOUT")?, seconds("SMTP_READ_TIMEOUT")?]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(Duration::from_secs(30));
    Ok(Some(Smtp {
        address,
        port,
        domain: var("SMTP_DOMAIN"),
        username: var("SMTP_USERNAME"),
        password: var("SMTP_PASSWORD").map(switchboard_core::SecretKey),
        authentication,
        security,
        verify_certificates,
        timeout,
    }))
}

/// Single sign-on: OpenID Connect when `OIDC_ISSUER_URL` is set, trusted-proxy mode when
/// `TRUSTED_PROXY_AUTH_HEADER` is, and whether passwords still work.
fn sign_in(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<switchboard_core::sso::SignInOptions, ConfigError> {
    use switchboard_core::sso::{OidcConfig, Provision, SignInOptions, TrustedProxy};
    let oidc = match var("OIDC_ISSUER_URL") {
        None => None,
        Some(issuer) => {
            let u = url::Url::parse(&issuer).map_err(|_| {
                bad(
                    "OIDC_ISSUER_URL",
                    format!("'{issuer}' is not a URL such as https://id.example.com"),
                )
            })?;
            if !matches!(u.scheme(), "http" | "https") {
                return Err(bad(
                    "OIDC_ISSUER_URL",
                    "must start with https:// (or http://)",
                ));
            }
            let client_id = var("OIDC_CLIENT_ID")
                .ok_or_else(|| bad("OIDC_CLIENT_ID", "is required with OIDC_ISSUER_URL"))?;
            let scopes = var("OIDC_SCOPES")
                .unwrap_or_else(|| "openid email profile".into())
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let provision = match var("OIDC_AUTO_PROVISION_ACCOUNT_ID") {
                None => None,
                Some(v) => {
                    let id = v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        bad(
                            "OIDC_AUTO_PROVISION_ACCOUNT_ID",
                            format!("'{v}' is not an account id"),
                        )
                    })?;
                    let role = match var("OIDC_AUTO_PROVISION_ROLE") {
                        None => switchboard_domain::Role::Agent,
                        Some(r) => switchboard_domain::Role::parse(&r.to_ascii_lowercase())
                            .ok_or_else(|| {
                                bad(
                                    "OIDC_AUTO_PROVISION_ROLE",
                                    format!("'{r}' must be agent or administrator"),
                                )
                            })?,
                    };
                    Some(Provision {
                        account_id: switchboard_domain::AccountId(id),
                        role,
                    })
                }
            };
            let allowed_domains = var("OIDC_ALLOWED_DOMAINS")
                .unwrap_or_default()
                .split([',', ' '])
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect();
            Some(OidcConfig::new(
                // Kept exactly as given: ID tokens must name this issuer character for
                // character, and some providers' issuers end with a slash.
                issuer,
                client_id,
                var("OIDC_CLIENT_SECRET").map(switchboard_core::SecretKey),
                scopes,
                var("OIDC_BUTTON_LABEL").unwrap_or_else(|| "Sign in with SSO".into()),
                provision,
                allowed_domains,
                var("OIDC_ADMIN_GROUP"),
                var("OIDC_GROUPS_CLAIM").unwrap_or_else(|| "groups".into()),
            ))
        }
    };
    let trusted_proxy = match var("TRUSTED_PROXY_AUTH_HEADER") {
        None => None,
        Some(header) => {
            if !valid_header_name(&header) {
                return Err(bad(
                    "TRUSTED_PROXY_AUTH_HEADER",
                    format!("'{header}' is not a header name"),
                ));
            }
            let ips = switchboard_core::outbound::parse_list(
                &var("TRUSTED_PROXY_IPS").unwrap_or_default(),
            )
            .map_err(|m| bad("TRUSTED_PROXY_IPS", m))?;
            // Without addresses the header would be trusted from nobody: say so at start.
            if ips.is_empty() {
                return Err(bad(
                    "TRUSTED_PROXY_IPS",
                    "is required with TRUSTED_PROXY_AUTH_HEADER (the proxy's addresses or CIDR ranges)",
                ));
            }
            Some(TrustedProxy {
                header: header.to_ascii_lowercase(),
                ips,
            })
        }
    };
    let password_disabled = boolean(var, "DISABLE_PASSWORD_LOGIN")?;
    if password_disabled && oidc.is_none() && trusted_proxy.is_none() {
        return Err(bad(
            "DISABLE_PASSWORD_LOGIN",
            "would leave no way to sign in: set OIDC_ISSUER_URL or TRUSTED_PROXY_AUTH_HEADER too",
        ));
    }
    Ok(SignInOptions {
        oidc,
        password_disabled,
        trusted_proxy,
    })
}

/// A header name as HTTP allows it (token characters only).
fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `DATABASE_URL` wins; then Chatwoot's `POSTGRES_*`; else SQLite under `DATA_DIR`.
fn database(
    var: &impl Fn(&str) -> Option<String>,
    data_dir: &std::path::Path,
) -> Result<Database, ConfigError> {
    if let Some(url) = var("DATABASE_URL") {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            url::Url::parse(&url)
                .map_err(|_| bad("DATABASE_URL", "is not a valid postgres:// URL"))?;
            return Ok(Database::Postgres(Secret(url)));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(bad(
                    "DATABASE_URL",
                    "a sqlite: URL needs a file path, e.g. sqlite://data/switchboard.db",
                ));
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        return Err(bad(
            "DATABASE_URL",
            "must start with postgres://, postgresql:// or sqlite:",
        ));
    }
    if let Some(host) = var("POSTGRES_HOST") {
        let mut u = url::Url::parse("postgres://localhost")
            .map_err(|_| bad("POSTGRES_HOST", "internal URL error"))?;
        u.set_host(Some(&host))
            .map_err(|_| bad("POSTGRES_HOST", format!("'{host}' is not a host name")))?;
        let port = match var("POSTGRES_PORT") {
            None => 5432,
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| bad("POSTGRES_PORT", format!("'{p}' is not a port number")))?,
        };
        let _ = u.set_port(Some(port));
        let _ = u.set_username(&var("POSTGRES_USERNAME").unwrap_or_else(|| "postgres".into()));
        if let Some(pw) = var("POSTGRES_PASSWORD") {
            let _ = u.set_password(Some(&pw));
        }
        u.set_path(&var("POSTGRES_DATABASE").unwrap_or_else(|| "chatwoot_production".into()));
        return Ok(Database::Postgres(Secret(u.to_string())));
    }
    Ok(Database::Sqlite(data_dir.join("switchboard.db")))
}

/// `REDIS_URL`, with Chatwoot's separate `REDIS_PASSWORD` folded in when the URL has none.
fn redis_url(var: &impl Fn(&str) -> Option<String>) -> Result<Option<Secret>, ConfigError> {
    let Some(raw) = var("REDIS_URL") else {
        return Ok(None);
    };
    let mut u = url::Url::parse(&raw)
        .map_err(|_| bad("REDIS_URL", "is not a URL such as redis://127.0.0.1:6379"))?;
    if !matches!(u.scheme(), "redis" | "rediss") {
        return Err(bad("REDIS_URL", "must start with redis:// or rediss://"));
    }
    if let (None, Some(pw)) = (u.password(), var("REDIS_PASSWORD")) {
        let _ = u.set_password(Some(&pw));
    }
    Ok(Some(Secret(u.to_string())))
}

/// `14s`, `500ms`, `2m`, or a bare number of seconds.
fn duration(v: &str) -> Option<Duration> {
    let (num, unit) = v
        .find(|c: char| !c.is_ascii_digit())
        .map_or((v, "s"), |i| v.split_at(i));
    let n: u64 = num.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" | "min" => Some(Duration::from_secs(n * 60)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let c = load(&[]).map_err(|e| e.to_string());
        let c = c.as_ref().ok();
        assert_eq!(c.map(|c| c.port), Some(3000));
        assert_eq!(
            c.map(|c| &c.database),
            Some(&Database::Sqlite(PathBuf::from("./data/switchboard.db")))
        );
        assert_eq!(c.map(|c| c.signup), Some(SignupMode::Disabled));
        assert_eq!(
            c.map(|c| c.frontend_url.as_str()),
            Some("http://localhost:3000")
        );
    }

    #[test]
    fn postgres_from_chatwoot_variables() {
        let c = load(&[
            ("POSTGRES_HOST", "db"),
            ("POSTGRES_PASSWORD", "s3cret"),
            ("POSTGRES_DATABASE", "cw"),
        ]);
        let Ok(Config {
            database: Database::Postgres(url),
            ..
        }) = c
        else {
            panic!("expected postgres")
        };
        assert_eq!(url.0, "postgres://postgres:s3cret@db:5432/cw");
        assert!(!format!("{:?}", Database::Postgres(url)).contains("s3cret"));
    }

    #[test]
    fn redis_password_is_folded_in() {
        let c = load(&[
            ("REDIS_URL", "redis://cache:6379"),
            ("REDIS_PASSWORD", "pw"),
        ]);
        assert_eq!(
            c.ok().and_then(|c| c.redis_url).map(|s| s.0),
            Some("redis://:pw@cache:6379".into())
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (k, v) in [
            ("PORT", "abc"),
            ("ENABLE_ACCOUNT_SIGNUP", "maybe"),
            ("DATABASE_URL", "mysql://x"),
            ("FORCE_SSL", "perhaps"),
            ("LOG_FORMAT", "xml"),
            ("SECRET_KEY_BASE", "short"),
            ("DEFAULT_LOCALE", "xx"),
            ("ALLOWED_PRIVATE_ADDRESSES", "127.0.0.1,localhost"),
            ("ALLOWED_PRIVATE_ADDRESSES", "10.0.0.0/40"),
            ("JOB_POLL_INTERVAL", "0s"),
            ("JOB_RETRY_BASE", "soon"),
            ("BRAND_PRIMARY_COLOR", "red;}body{display:none"),
            ("BRAND_PRIMARY_COLOR", "#12345"),
            ("OIDC_ISSUER_URL", "not a url"),
            ("TRUSTED_PROXY_AUTH_HEADER", "X Forwarded Email"),
            ("DISABLE_PASSWORD_LOGIN", "true"),
        ] {
            let e = load(&[(k, v)])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.starts_with(&format!("{k}: ")), "{k}={v} gave {e:?}");
        }
    }

    #[test]
    fn sign_in_options() {
        let c = load(&[
            ("OIDC_ISSUER_URL", "https://id.example.com/"),
            ("OIDC_CLIENT_ID", "switchboard"),
            ("OIDC_AUTO_PROVISION_ACCOUNT_ID", "3"),
            ("OIDC_AUTO_PROVISION_ROLE", "Administrator"),
            ("OIDC_ALLOWED_DOMAINS", "example.com, corp.org"),
            ("TRUSTED_PROXY_AUTH_HEADER", "X-Forwarded-Email"),
            ("TRUSTED_PROXY_IPS", "10.0.0.0/8"),
            ("DISABLE_PASSWORD_LOGIN", "true"),
        ])
        .map_err(|e| e.to_string());
        let s = c.as_ref().map(|c| &c.sign_in).ok();
        let oidc = s.and_then(|s| s.oidc.as_ref());
        assert_eq!(
            oidc.map(|o| o.issuer_url.as_str()),
            Some("https://id.example.com/")
        );
        assert_eq!(
            oidc.map(|o| o.scopes.join(" ")).as_deref(),
            Some("openid email profile")
        );
        assert_eq!(
            oidc.and_then(|o| o.provision)
                .map(|p| (p.account_id.0, p.role)),
            Some((3, switchboard_domain::Role::Administrator))
        );
        assert_eq!(
            oidc.map(|o| o.allowed_domains.clone()),
            Some(vec!["example.com".to_string(), "corp.org".to_string()])
        );
        assert_eq!(
            s.and_then(|s| s.trusted_proxy.as_ref())
                .map(|p| p.header.as_str()),
            Some("x-forwarded-email")
        );
        assert_eq!(s.map(|s| s.password_disabled), Some(true));
        for bad in [
            vec![("OIDC_ISSUER_URL", "https://id.example.com")],
            vec![("TRUSTED_PROXY_AUTH_HEADER", "X-Forwarded-Email")],
        ] {
            assert!(load(&bad).is_err(), "{bad:?} should be refused");
        }
    }
}
