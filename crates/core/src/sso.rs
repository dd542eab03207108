//! Single sign-on: OpenID Connect (authorization code with PKCE) and trusted-proxy mode.
//! Both end in the dashboard's ordinary devise_token_auth session (`auth::start_session`).
//!
//! Users are matched by an email the provider (or the trusted proxy) vouches for; an
//! unverified email never signs anyone in, since anybody can put any address in their
//! profile at many providers (the account pre-takeover class in Chatwoot's advisories).

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;
use switchboard_domain::{AccountId, Error, Role, Timestamp, validation};
use switchboard_store::users::{self, User};
use switchboard_store::{accounts, sessions};

use crate::auth::{self, SessionTokens};
use crate::outbound::Cidr;
use crate::users::UserInput;
use crate::{Ctx, SecretKey, accounts as account_cases, secrets};

/// How long an authorization request may take before its callback is refused.
const SIGN_IN_LIFESPAN_SECONDS: i64 = 600;
/// How long discovered provider metadata (endpoints and signing keys) is reused.
const METADATA_TTL: Duration = Duration::from_secs(300);

/// How agents may sign in, from `OIDC_*`, `DISABLE_PASSWORD_LOGIN` and `TRUSTED_PROXY_*`.
#[derive(Clone, Debug, Default)]
pub struct SignInOptions {
    pub oidc: Option<OidcConfig>,
    /// `DISABLE_PASSWORD_LOGIN`: `POST /auth/sign_in` refuses passwords (SSO-only sites).
    pub password_disabled: bool,
    pub trusted_proxy: Option<TrustedProxy>,
}

/// Where new users go when `OIDC_AUTO_PROVISION_ACCOUNT_ID` is set.
#[derive(Clone, Copy, Debug)]
pub struct Provision {
    pub account_id: AccountId,
    pub role: Role,
}

#[derive(Clone)]
pub struct OidcConfig {
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Option<SecretKey>,
    /// `openid` is always asked for; these come on top.
    pub scopes: Vec<String>,
    pub button_label: String,
    pub provision: Option<Provision>,
    /// Lower-case domains; empty allows every domain.
    pub allowed_domains: Vec<String>,
    /// Members of this group (in `groups_claim`) are provisioned as administrators.
    pub admin_group: Option<String>,
    pub groups_claim: String,
    cache: Arc<Cache>,
}

#[derive(Default)]
struct Cache {
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
    http: OnceLock<Http>,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("provision", &self.provision)
            .field("allowed_domains", &self.allowed_domains)
            .finish_non_exhaustive()
    }
}

impl OidcConfig {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        issuer_url: String,
        client_id: String,
        client_secret: Option<SecretKey>,
        scopes: Vec<String>,
        button_label: String,
        provision: Option<Provision>,
        allowed_domains: Vec<String>,
        admin_group: Option<String>,
        groups_claim: String,
    ) -> Self {
        Self {
            issuer_url,
            client_id,
            client_secret,
            scopes,
            button_label,
            provision,
            allowed_domains: allowed_domains
                .into_iter()
                .map(|d| d.trim().trim_start_matches('@').to_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
            admin_group,
            groups_claim,
            cache: Arc::default(),
        }
    }

    fn http(&self) -> Result<&Http, Refusal> {
        if let Some(c) = self.cache.http.get() {
            return Ok(c);
        }
        // Redirects are not followed: a provider answering with one is misconfigured, and
        // following it would let a redirect steer our requests elsewhere (SSRF).
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| Refusal::Internal(anyhow::anyhow!("OIDC HTTP client: {e}").into()))?;
        Ok(self.cache.http.get_or_init(|| Http(client)))
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, Refusal> {
        let mut slot = self.cache.metadata.lock().await;
        if let Some((at, m)) = slot.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.issuer_url.clone())
            .map_err(|e| Refusal::Provider(format!("OIDC_ISSUER_URL: {e}")))?;
        let http = self.http()?;
        let m = CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|e| Refusal::Provider(format!("discovery failed: {e}")))?;
        *slot = Some((Instant::now(), m.clone()));
        Ok(m)
    }

    async fn client(&self, frontend_url: &str) -> Result<Client, Refusal> {
        let redirect = RedirectUrl::new(redirect_uri(frontend_url))
            .map_err(|e| Refusal::Provider(format!("redirect URL: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            self.metadata().await?,
            ClientId::new(self.client_id.clone()),
            self.client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.0.clone())),
        )
        .set_redirect_uri(redirect))
    }

    fn domain_allowed(&self, email: &str) -> bool {
        let domain = email.rsplit_once('@').map(|(_, d)| d.to_lowercase());
        self.allowed_domains.is_empty() || domain.is_some_and(|d| self.allowed_domains.contains(&d))
    }
}

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The callback address registered at the provider.
pub fn redirect_uri(frontend_url: &str) -> String {
    format!("{}/auth/oidc/callback", frontend_url.trim_end_matches('/'))
}

/// `TRUSTED_PROXY_AUTH_HEADER` from `TRUSTED_PROXY_IPS`.
#[derive(Clone, Debug)]
pub struct TrustedProxy {
    /// Lower-case header name, e.g. `x-forwarded-email`.
    pub header: String,
    pub ips: Vec<Cidr>,
}

impl TrustedProxy {
    /// Only a connection from the proxy itself may assert who the user is; from anywhere
    /// else the header is a forgery and is ignored.
    pub fn trusts(&self, peer: Option<IpAddr>) -> bool {
        peer.is_some_and(|ip| self.ips.iter().any(|c| c.contains(ip)))
    }
}

/// Why a single sign-on was refused. `code` goes to the login page's `?error=`.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("single sign-on is not configured")]
    NotConfigured,
    /// Missing, tampered, replayed or expired state.
    #[error("the sign-in request is unknown, already used or expired")]
    State,
    #[error("the identity provider refused or failed: {0}")]
    Provider(String),
    #[error("the identity provider did not vouch for this email address")]
    UnverifiedEmail,
    #[error("this email domain may not sign in here")]
    DomainNotAllowed,
    #[error("no user has this email address")]
    UnknownUser,
    #[error(transparent)]
    Internal(#[from] Error),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotConfigured => "sso_not_configured",
            Refusal::State => "sso_state",
            Refusal::Provider(_) => "sso_provider",
            Refusal::UnverifiedEmail => "sso_unverified_email",
            Refusal::DomainNotAllowed => "sso_domain",
            Refusal::UnknownUser => "sso_unknown_user",
            Refusal::Internal(_) => "sso_error",
        }
    }
}

impl From<switchboard_store::StoreError> for Refusal {
    fn from(e: switchboard_store::StoreError) -> Self {
        Refusal::Internal(e.into())
    }
}

fn oidc(ctx: &Ctx) -> Result<&OidcConfig, Refusal> {
    ctx.settings
        .sign_in
        .oidc
        .as_ref()
        .ok_or(Refusal::NotConfigured)
}

/// An authorization request to send the browser to, and the state to bind to it.
pub struct Started {
    pub authorize_url: String,
    pub state: String,
}

/// `GET /auth/oidc`: discovers the provider and records state, nonce and PKCE verifier.
pub async fn begin(ctx: &Ctx) -> Result<Started, Refusal> {
    let config = oidc(ctx)?;
    let client = config.client(&ctx.settings.frontend_url).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in config.scopes.iter().filter(|s| s.as_str() != "openid") {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state, nonce) = request.url();
    let now = Timestamp::now();
    let mut tx = ctx.db.begin().await?;
    sessions::insert_oidc_sign_in(
        tx.ex(),
        &secrets::digest(state.secret()),
        nonce.secret(),
        verifier.secret(),
        now.plus_seconds(SIGN_IN_LIFESPAN_SECONDS),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Started {
        authorize_url: url.to_string(),
        state: state.secret().clone(),
    })
}

/// What the provider sent back to `GET /auth/oidc/callback`.
pub struct Callback<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    /// The state kept in the browser's cookie at `begin`: a callback must come back to
    /// the browser that started it, so nobody can sign a victim into their own account
    /// by sending them a callback link (login CSRF).
    pub browser_state: Option<&'a str>,
    /// The provider's `error` parameter (the user declined, say).
    pub error: Option<&'a str>,
}

/// `GET /auth/oidc/callback`: checks state, exchanges the code (with the PKCE verifier),
/// verifies the ID token (signature, issuer, audience, expiry, nonce) and signs the user in.
pub async fn finish(
    ctx: &Ctx,
    cb: Callback<'_>,
    ip: Option<&str>,
) -> Result<(User, SessionTokens), Refusal> {
    let config = oidc(ctx)?;
    let state = cb.state.filter(|s| !s.is_empty()).ok_or(Refusal::State)?;
    if cb.browser_state != Some(state) {
        return Err(Refusal::State);
    }
    // Consumed before anything else, so the state is spent even when the rest fails.
    let pending = {
        let mut tx = ctx.db.begin().await?;
        let row = sessions::take_oidc_sign_in(tx.ex(), &secrets::digest(state)).await?;
        tx.commit().await?;
        row.ok_or(Refusal::State)?
    };
    if pending.expires_at <= Timestamp::now() {
        return Err(Refusal::State);
    }
    if let Some(error) = cb.error {
        return Err(Refusal::Provider(format!("authorization error: {error}")));
    }
    let code = cb
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Refusal::Provider("no authorization code".into()))?;

    let client = config.client(&ctx.settings.frontend_url).await?;
    let http = config.http()?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| Refusal::Provider(format!("no token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
        .request_async(http)
        .await
        .map_err(|e| Refusal::Provider(format!("code exchange failed: {e}")))?;
    let id_token = token
        .id_token()
        .ok_or_else(|| Refusal::Provider("no ID token in the token response".into()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
        .map_err(|e| Refusal::Provider(format!("ID token rejected: {e}")))?;

    let (mut email, mut verified) = (
        claims.email().map(|e| e.as_str().to_owned()),
        claims.email_verified(),
    );
    // Some providers keep the email for the userinfo endpoint only.
    if email.is_none() {
        let info: openidconnect::core::CoreUserInfoClaims = client
            .user_info(token.access_token().clone(), Some(claims.subject().clone()))
            .map_err(|e| Refusal::Provider(format!("no userinfo endpoint: {e}")))?
            .request_async(http)
            .await
            .map_err(|e| Refusal::Provider(format!("userinfo failed: {e}")))?;
        email = info.email().map(|e| e.as_str().to_owned());
        verified = info.email_verified();
    }
    let email = email.ok_or(Refusal::UnverifiedEmail)?;
    if verified != Some(true) {
        return Err(Refusal::UnverifiedEmail);
    }
    if !config.domain_allowed(&email) {
        return Err(Refusal::DomainNotAllowed);
    }
    // The token's signature was checked above; its payload is read again only for the
    // claims the library does not model (the groups claim).
    let raw = jwt_payload(&id_token.to_string());
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_owned())
        .or_else(|| claims.preferred_username().map(|u| u.as_str().to_owned()));
    let provision = config.provision.map(|p| {
        let admin = config.admin_group.as_deref().is_some_and(|group| {
            raw.get(&config.groups_claim)
                .is_some_and(|groups| claim_contains(groups, group))
        });
        Provision {
            role: if admin { Role::Administrator } else { p.role },
            ..p
        }
    });
    sign_in_vouched(ctx, &email, name.as_deref(), provision, ip).await
}

/// Trusted-proxy mode: the proxy at `peer` says the user is `email`.
pub async fn sign_in_from_proxy(
    ctx: &Ctx,
    peer: Option<IpAddr>,
    email: Option<&str>,
) -> Result<(User, SessionTokens), Refusal> {
    let proxy = ctx
        .settings
        .sign_in
        .trusted_proxy
        .as_ref()
        .ok_or(Refusal::NotConfigured)?;
    if !proxy.trusts(peer) {
        return Err(Refusal::NotConfigured);
    }
    let email = email
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or(Refusal::UnknownUser)?;
    let ip = peer.map(|p| p.to_string());
    sign_in_vouched(ctx, email, None, None, ip.as_deref()).await
}

/// Signs in (or provisions) the user whose email someone we trust has verified.
async fn sign_in_vouched(
    ctx: &Ctx,
    email: &str,
    name: Option<&str>,
    provision: Option<Provision>,
    ip: Option<&str>,
) -> Result<(User, SessionTokens), Refusal> {
    let now = Timestamp::now();
    let mut tx = ctx.db.begin().await?;
    let user = match users::find_by_email(tx.ex(), email).await? {
        Some(user) => {
            if user.confirmed_at.is_none() {
                // An account nobody confirmed may have been registered by someone else
                // with this address: its password is not the owner's, so it is replaced
                // by one nobody knows, and the verified owner takes the account over.
                let hash = secrets::hash_password(&secrets::url_safe_token(32)).await?;
                users::set_password(tx.ex(), user.id, &hash, now).await?;
                sessions::delete_for_user(tx.ex(), user.id).await?;
                users::confirm(tx.ex(), user.id, now).await?;
            }
            user
        }
        None => {
            let Some(p) = provision else {
                return Err(Refusal::UnknownUser);
            };
            accounts::find(tx.ex(), p.account_id).await.map_err(|_| {
                Refusal::Internal(
                    anyhow::anyhow!(
                        "OIDC_AUTO_PROVISION_ACCOUNT_ID {} names no account",
                        p.account_id.0
                    )
                    .into(),
                )
            })?;
            let email = validation::email(email)?;
            let fallback = email.split('@').next().unwrap_or_default().to_owned();
            let name = name.filter(|n| !n.trim().is_empty()).unwrap_or(&fallback);
            let user = crate::users::create(
                tx.ex(),
                UserInput {
                    name,
                    email: &email,
                    password: None,
                    display_name: None,
                    custom_attributes: None,
                    confirmed: true,
                    super_admin: false,
                },
                now,
            )
            .await?;
            account_cases::add_member(tx.ex(), p.account_id, &user, p.role, None, now).await?;
            user
        }
    };
    users::record_sign_in(tx.ex(), user.id, ip, now).await?;
    let tokens = auth::start_session(tx.ex(), &user, now).await?;
    tx.commit().await?;
    let user = users::find(ctx.db.conn().await?.ex(), user.id).await?;
    Ok((user, tokens))
}

/// A group claim is a list of names (Keycloak, Pocket ID) or, at some providers, one name.
fn claim_contains(claim: &Value, group: &str) -> bool {
    match claim {
        Value::Array(items) => items.iter().any(|v| v.as_str() == Some(group)),
        Value::String(s) => s == group,
        _ => false,
    }
}

fn jwt_payload(jwt: &str) -> Value {
    jwt.split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// openidconnect's HTTP calls, through the reqwest the workspace already has.
struct Http(reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send + 'c>,
    >;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

async fn send(
    http: &reqwest::Client,
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    let request =
        reqwest::Request::try_from(request).map_err(|e| HttpError(format!("request: {e}")))?;
    let response = http
        .execute(request)
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    let mut out = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        out = out.header(name, value);
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    out.body(body.to_vec())
        .map_err(|e| HttpError(format!("response: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_matched_whole_and_case_blind() {
        let c = OidcConfig::new(
            "https://id.example.com".into(),
            "c".into(),
            None,
            vec![],
            String::new(),
            None,
            vec!["Example.com".into(), "@corp.org".into()],
            None,
            "groups".into(),
        );
        assert!(c.domain_allowed("a@EXAMPLE.com"));
        assert!(c.domain_allowed("b@corp.org"));
        assert!(!c.domain_allowed("a@evil-example.com"));
        assert!(!c.domain_allowed("a@example.com.evil.org"));
        assert!(!c.domain_allowed("no-at-sign"));
    }

    #[test]
    fn groups_claim_as_list_or_single_name() {
        assert!(claim_contains(
            &serde_json::json!(["a", "admins"]),
            "admins"
        ));
        assert!(claim_contains(&serde_json::json!("admins"), "admins"));
        assert!(!claim_contains(
            &serde_json::json!(["administrators"]),
            "admins"
        ));
        assert!(!claim_contains(
            &serde_json::json!({"admins": true}),
            "admins"
        ));
    }
}
