//! Extractors: request bodies read the way Rails reads them, and the caller resolved
//! from Chatwoot's credentials. Every rejection is a 4xx with a JSON body.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use switchboard_core::auth::{self, TokenOwner};
use switchboard_core::files::Upload;
use switchboard_domain::Error;
use switchboard_store::platform_apps::PlatformApp;
use switchboard_store::users::User;

use crate::AppState;
use crate::error::ApiError;

/// The largest JSON or form body we read (file uploads have their own limit).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A request payload. Rails' `wrap_parameters` lets Chatwoot clients send either
/// `{"agent": {...}}` or the same fields at the top level; `ROOT` names that key.
pub trait Payload: DeserializeOwned {
    const ROOT: Option<&'static str> = None;
}

/// A body parsed from JSON, a form, or multipart/form-data into `T`. Files in a
/// multipart body are refused here: routes that take files use `WithFiles`.
pub struct Body<T>(pub T);

impl<T: Payload, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (value, files) = read_body(req, state, false).await?;
        debug_assert!(files.is_empty());
        fields::<T>(value).map(Body)
    }
}

/// A body with its uploaded files (`attachments[]`, `attachment`, `import_file`…), in
/// the order they came, each with its field name.
pub struct WithFiles<T>(pub T, pub Vec<(String, Upload)>);

impl<T: Payload, S: Send + Sync> FromRequest<S> for WithFiles<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (value, files) = read_body(req, state, true).await?;
        Ok(WithFiles(fields::<T>(value)?, files))
    }
}

/// Unwraps the Rails root key, then deserializes.
fn fields<T: Payload>(mut value: Value) -> Result<T, ApiError> {
    if let (Some(root), Value::Object(map)) = (T::ROOT, &mut value)
        && let Some(Value::Object(inner)) = map.get(root).cloned()
    {
        // Wrapped fields win; unwrapped ones stay visible, as in Rails' params.
        map.remove(root);
        map.extend(inner);
    }
    deserialize(value)
}

fn media_type(req: &Request) -> String {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

fn too_large_or_bad(status: axum::http::StatusCode, text: String) -> ApiError {
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadRequest(text)
    }
}

async fn read_body<S: Send + Sync>(
    req: Request,
    state: &S,
    files_allowed: bool,
) -> Result<(Value, Vec<(String, Upload)>), ApiError> {
    let content_type = media_type(&req);
    if content_type == "multipart/form-data" {
        return read_multipart(req, state, files_allowed).await;
    }
    let bytes = Bytes::from_request(req, state)
        .await
        .map_err(|r| too_large_or_bad(r.status(), r.body_text()))?;
    Ok((parse(&content_type, &bytes)?, Vec::new()))
}

/// Text fields nest as in a form; file fields become uploads.
async fn read_multipart<S: Send + Sync>(
    req: Request,
    state: &S,
    files_allowed: bool,
) -> Result<(Value, Vec<(String, Upload)>), ApiError> {
    let mut multipart = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|r| too_large_or_bad(r.status(), r.body_text()))?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    let malformed = |e: axum::extract::multipart::MultipartError| {
        too_large_or_bad(
            e.status(),
            format!("Malformed multipart body: {}", e.body_text()),
        )
    };
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(filename) => {
                if !files_allowed {
                    return Err(ApiError::BadRequest(format!(
                        "This endpoint takes no files (field '{name}')"
                    )));
                }
                let content_type = field
                    .content_type()
                    .filter(|c| !c.is_empty())
                    .unwrap_or("application/octet-stream")
                    .to_ascii_lowercase();
                let bytes = field.bytes().await.map_err(malformed)?;
                files.push((
                    name,
                    Upload {
                        filename,
                        content_type,
                        bytes: bytes.to_vec(),
                    },
                ));
            }
            None => {
                let text = field.text().await.map_err(malformed)?;
                pairs.push((name, text));
            }
        }
    }
    Ok((nest(pairs), files))
}

fn parse(content_type: &str, bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let is_json = content_type.is_empty()
        || content_type == "application/json"
        || content_type.ends_with("+json");
    if is_json {
        return serde_json::from_slice(bytes)
            .map_err(|e| ApiError::BadRequest(format!("Malformed JSON in the request body: {e}")));
    }
    if content_type == "application/x-www-form-urlencoded" {
        // `curl -d '{...}'` sends JSON labelled as a form; read it as the JSON it is.
        if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
            return Ok(v);
        }
        return Ok(form_to_json(bytes));
    }
    Err(ApiError::UnsupportedMediaType(format!(
        "Unsupported content type '{content_type}': send application/json"
    )))
}

/// Reads `a=1&user[name]=x` into `{"a":"1","user":{"name":"x"}}` (Rails' nesting, one level).
fn form_to_json(bytes: &[u8]) -> Value {
    nest(
        url::form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

/// Rails' parameter nesting (one level): `user[name]` is a key of `user`, `ids[]` a list.
fn nest(pairs: Vec<(String, String)>) -> Value {
    let mut root = Map::new();
    for (key, value) in pairs {
        let value = Value::String(value);
        match key
            .split_once('[')
            .and_then(|(outer, rest)| rest.strip_suffix(']').map(|inner| (outer, inner)))
        {
            Some((outer, inner)) if !inner.is_empty() => {
                let entry = root
                    .entry(outer.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = entry {
                    m.insert(inner.to_owned(), value);
                }
            }
            Some((outer, _)) => {
                let entry = root
                    .entry(outer.to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = entry {
                    a.push(value);
                }
            }
            None => {
                root.insert(key, value);
            }
        }
    }
    Value::Object(root)
}

/// Deserializes, naming the offending field in the 422.
pub fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = path.split('.').next().unwrap_or_default().to_owned();
        let message = if path == "." {
            format!("Invalid request body: {}", e.inner())
        } else {
            format!("{path} is invalid: {}", e.inner())
        };
        ApiError::Domain(Error::Invalid {
            message,
            attributes: vec![field],
        })
    })
}

/// Query-string parameters, with a 422 naming the field when one does not parse.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let value = form_to_json(query.as_bytes());
        deserialize(value).map(Params)
    }
}

/// A path id. Anything that is not an id cannot name a record: 404, as Rails' `find` does.
pub struct Id<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Id<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Id(p.0))
            .map_err(|_| ApiError::Domain(Error::NotFound))
    }
}

fn header<'a>(parts: &'a Parts, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| parts.headers.get(*n))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// `api_access_token`, also as `api-access-token` since proxies such as nginx drop
/// header names with underscores by default.
pub fn access_token(parts: &Parts) -> Option<&str> {
    header(parts, &["api_access_token", "api-access-token"])
}

/// devise_token_auth's credentials, from headers or (as the gem allows) the query string.
pub struct DeviseCredentials {
    pub access_token: String,
    pub client: String,
    pub uid: String,
}

pub fn devise_credentials(parts: &Parts) -> Option<DeviseCredentials> {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let get = |name: &str| {
        header(parts, &[name]).map(str::to_owned).or_else(|| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    };
    let bearer = bearer_credentials(parts);
    let from_bearer = |key: &str| {
        bearer
            .as_ref()
            .and_then(|b| b.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Some(DeviseCredentials {
        access_token: get("access-token").or_else(|| from_bearer("access-token"))?,
        // devise_token_auth falls back to the "default" client.
        client: get("client")
            .or_else(|| from_bearer("client"))
            .unwrap_or_else(|| "default".into()),
        uid: get("uid").or_else(|| from_bearer("uid"))?,
    })
}

/// devise_token_auth's `Authorization: Bearer <base64 of {"access-token","client","uid"}>`.
fn bearer_credentials(parts: &Parts) -> Option<Value> {
    use base64::Engine;
    let value = header(parts, &["authorization"])?;
    let encoded = value.split_whitespace().last()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The peer's address, when the server was started with connect info.
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientIp(addr.map(|c| c.0.ip().to_string())))
    }
}

/// The signed-in user of the Application API: an `api_access_token` (which wins when
/// present, as in Chatwoot) or a dashboard session.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = access_token(parts) {
            return match auth::authenticate_access_token(&state.ctx, token).await? {
                TokenOwner::User(user) => Ok(CurrentUser(*user)),
                TokenOwner::AgentBot(_) => Err(Error::Unauthorized(
                    "Access to this endpoint is not authorized for bots".into(),
                )
                .into()),
                TokenOwner::PlatformApp(_) => {
                    Err(Error::Unauthorized("Invalid Access Token".into()).into())
                }
            };
        }
        let creds = devise_credentials(parts).ok_or(Error::Unauthenticated)?;
        let user =
            auth::authenticate_session(&state.ctx, &creds.uid, &creds.client, &creds.access_token)
                .await?;
        Ok(CurrentUser(user))
    }
}

/// The caller of the few endpoints Chatwoot opens to agent bots (its
/// `BOT_ACCESSIBLE_ENDPOINTS`): a user as `CurrentUser` reads one, or an agent bot by
/// its `api_access_token` (the bot's id; core checks what it may reach).
pub enum Caller {
    User(Box<User>),
    Bot(i64),
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = access_token(parts) {
            // One lookup of the token, whoever owns it.
            return match auth::authenticate_access_token(&state.ctx, token).await? {
                TokenOwner::User(user) => Ok(Caller::User(user)),
                TokenOwner::AgentBot(id) => Ok(Caller::Bot(id)),
                TokenOwner::PlatformApp(_) => {
                    Err(Error::Unauthorized("Invalid Access Token".into()).into())
                }
            };
        }
        CurrentUser::from_request_parts(parts, state)
            .await
            .map(|CurrentUser(u)| Caller::User(Box::new(u)))
    }
}

/// The platform app calling the Platform API.
pub struct CurrentPlatformApp(pub PlatformApp);

impl FromRequestParts<AppState> for CurrentPlatformApp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Chatwoot's PlatformController answers every credential problem the same way.
        let invalid = || ApiError::from(Error::Unauthorized("Invalid access_token".into()));
        let token = access_token(parts).ok_or_else(invalid)?;
        match auth::authenticate_access_token(&state.ctx, token).await {
            Ok(TokenOwner::PlatformApp(app)) => Ok(CurrentPlatformApp(app)),
            Ok(_) | Err(Error::Unauthorized(_)) => Err(invalid()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Reads a JSON string or number as text (Rails enums accept either).
pub fn string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    use serde::Deserialize;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a string or a number, got {other}"
        ))),
    }
}

/// Tells a key sent as `null` (`Some(None)`) from a key not sent (`None`).
pub fn present<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    serde::Deserialize::deserialize(d).map(Some)
}

/// A boolean as JSON or as Rails casts form values (`"true"`, `"1"`, `"false"`, `"0"`).
pub fn boolean<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    use serde::Deserialize;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) => match s.as_str() {
            "true" | "1" | "t" | "on" => Ok(Some(true)),
            "false" | "0" | "f" | "off" | "" => Ok(Some(false)),
            other => Err(serde::de::Error::custom(format!(
                "'{other}' is not a boolean"
            ))),
        },
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(other) => Err(serde::de::Error::custom(format!(
            "{other} is not a boolean"
        ))),
    }
}

/// The body of Chatwoot's filter endpoints: `{"payload": [conditions], "page": n}`.
#[derive(serde::Deserialize)]
pub struct FilterBody {
    pub payload: Option<Vec<FilterCondition>>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub page: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct FilterCondition {
    #[serde(default)]
    pub attribute_key: String,
    #[serde(default)]
    pub filter_operator: String,
    #[serde(default)]
    pub values: Vec<Value>,
    pub query_operator: Option<String>,
}

impl Payload for FilterBody {}

impl FilterCondition {
    pub fn raw(&self) -> switchboard_core::filters::RawCondition {
        switchboard_core::filters::RawCondition {
            attribute_key: self.attribute_key.clone(),
            filter_operator: self.filter_operator.clone(),
            values: self.values.clone(),
            query_operator: self.query_operator.clone(),
        }
    }
}

impl FilterBody {
    pub fn conditions(&self) -> Result<Vec<switchboard_core::filters::RawCondition>, ApiError> {
        let payload = self
            .payload
            .as_ref()
            .ok_or(ApiError::MissingParam("payload"))?;
        Ok(payload.iter().map(FilterCondition::raw).collect())
    }

    pub fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse().ok())
            .filter(|p: &i64| *p > 0)
            .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_nest_one_level() {
        let v = form_to_json(b"a=1&user%5Bname%5D=Ann&ids[]=1&ids[]=2");
        assert_eq!(
            v,
            serde_json::json!({"a": "1", "user": {"name": "Ann"}, "ids": ["1", "2"]})
        );
    }

    #[test]
    fn json_parse_errors_are_bad_requests() {
        assert!(matches!(
            parse("application/json", b"{nope"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse("text/plain", b"hello"),
            Err(ApiError::UnsupportedMediaType(_))
        ));
        assert_eq!(
            parse("application/json", b"  ").ok(),
            Some(Value::Object(Map::new()))
        );
    }
}
