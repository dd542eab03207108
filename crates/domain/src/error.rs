/// The domain error. The API layer turns it into Chatwoot's status codes and bodies.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 404 `{"error":"Resource could not be found"}`.
    #[error("Resource could not be found")]
    NotFound,
    /// 401: no valid credentials were presented (devise's "You need to sign in…").
    #[error("You need to sign in or sign up before continuing.")]
    Unauthenticated,
    /// 401 at sign-in: unknown email, wrong password or a spent SSO token.
    #[error("Invalid login credentials. Please try again.")]
    BadCredentials,
    /// 401 with `{"error": message}`: Chatwoot answers authorization failures with 401.
    #[error("{0}")]
    Unauthorized(String),
    /// 422 `{"message": "...", "attributes": [...]}`: a record failed validation.
    #[error("{message}")]
    Invalid {
        message: String,
        attributes: Vec<String>,
    },
    /// 422 `{"error": message}`: a request that cannot be processed as given.
    #[error("{0}")]
    Unprocessable(String),
    /// 403 `{"message": …}`: sign-up refused (invalid or already registered email).
    #[error("{0}")]
    Refused(String),
    /// 403 `{"error": …}`: an action this record does not allow (a status update
    /// outside an API inbox, say).
    #[error("{0}")]
    Forbidden(String),
    /// 402 `{"error": …}`: the account's limits (set through the Platform API) are reached.
    #[error("{0}")]
    LimitExceeded(String),
    /// 429: too many attempts.
    #[error("{0}")]
    RateLimited(String),
    /// 500: never shown to the client; logged with the request id.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Pundit's failure in Chatwoot: 401, not 403.
    pub fn forbidden() -> Self {
        Error::Unauthorized("You are not authorized to do this action".into())
    }

    /// One invalid attribute, with the message Rails' full_messages would give.
    pub fn invalid(attribute: &str, message: impl Into<String>) -> Self {
        Error::Invalid {
            message: message.into(),
            attributes: vec![attribute.to_string()],
        }
    }
}
