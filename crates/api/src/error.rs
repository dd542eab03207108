//! The one place where errors become HTTP responses, with Chatwoot's status codes and
//! bodies. Internal causes are logged (with the request id, from the span) and never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use switchboard_domain::Error;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] Error),
    /// 400: the body is not what its content type says (malformed JSON).
    #[error("{0}")]
    BadRequest(String),
    /// 413: the body is larger than we accept.
    #[error("Request body is too large")]
    PayloadTooLarge,
    /// 415: a body in a format we do not read.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422 `{"error":"param is missing or the value is empty: x"}` (Rails' ParameterMissing).
    #[error("param is missing or the value is empty: {0}")]
    MissingParam(&'static str),
    /// Rails' own fallback answer `{"status": 404, "error": "Not Found"}`, which Chatwoot
    /// gives for unknown routes, the Platform API's unknown ids and malformed JSON.
    #[error("{0}")]
    Rails(StatusCode),
    /// Other fixed answers with Chatwoot's `{"error": …}` body.
    #[error("{1}")]
    Status(StatusCode, String),
    /// 422 with a record's errors by attribute, `{"error": {"actions": ["…"]}}`, as
    /// Chatwoot's `render_could_not_create_error(record.errors.messages)` answers.
    #[error("{0}")]
    RecordInvalid(serde_json::Value),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<switchboard_store::StoreError> for ApiError {
    fn from(e: switchboard_store::StoreError) -> Self {
        ApiError::Domain(e.into())
    }
}

impl ApiError {
    /// A validation failure as the record's errors by attribute (Chatwoot's automation
    /// rules and macros controllers).
    pub fn record_errors(e: Error) -> Self {
        match e {
            Error::Invalid {
                message,
                attributes,
            } => {
                let key = attributes.first().cloned().unwrap_or_else(|| "base".into());
                ApiError::RecordInvalid(json!({ key: [message] }))
            }
            other => ApiError::Domain(other),
        }
    }

    /// Where Chatwoot lets Rails answer a missing record (the Platform API), the body
    /// is Rails' `{"status":404,"error":"Not Found"}`.
    pub fn rails_not_found(e: Error) -> Self {
        match e {
            Error::NotFound => ApiError::Rails(StatusCode::NOT_FOUND),
            other => ApiError::Domain(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::Domain(e) => match e {
                Error::NotFound => (StatusCode::NOT_FOUND, json!({ "error": e.to_string() })),
                Error::Unauthenticated => (
                    StatusCode::UNAUTHORIZED,
                    json!({ "errors": [e.to_string()] }),
                ),
                Error::BadCredentials => (
                    StatusCode::UNAUTHORIZED,
                    json!({ "success": false, "errors": [e.to_string()] }),
                ),
                Error::Unauthorized(m) => (StatusCode::UNAUTHORIZED, json!({ "error": m })),
                Error::Invalid {
                    message,
                    attributes,
                } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({ "message": message, "attributes": attributes }),
                ),
                Error::Unprocessable(m) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, json!({ "error": m }))
                }
                Error::RateLimited(m) => (StatusCode::TOO_MANY_REQUESTS, json!({ "error": m })),
                Error::Refused(m) => (StatusCode::FORBIDDEN, json!({ "message": m })),
                Error::Forbidden(m) => (StatusCode::FORBIDDEN, json!({ "error": m })),
                Error::LimitExceeded(m) => (StatusCode::PAYMENT_REQUIRED, json!({ "error": m })),
                Error::Internal(cause) => {
                    tracing::error!(error = ?cause, "internal error");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        json!({ "error": "Internal server error" }),
                    )
                }
            },
            ApiError::BadRequest(m) => (
                StatusCode::BAD_REQUEST,
                json!({ "status": 400, "error": "Bad Request", "message": m }),
            ),
            ApiError::Rails(code) => (
                *code,
                json!({ "status": code.as_u16(), "error": code.canonical_reason().unwrap_or_default() }),
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({ "error": self.to_string() }),
            ),
            ApiError::UnsupportedMediaType(m) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, json!({ "error": m }))
            }
            ApiError::MissingParam(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "error": self.to_string() }),
            ),
            ApiError::Status(code, m) => (*code, json!({ "error": m })),
            ApiError::RecordInvalid(errors) => {
                (StatusCode::UNPROCESSABLE_ENTITY, json!({ "error": errors }))
            }
        };
        (status, axum::Json(body)).into_response()
    }
}
