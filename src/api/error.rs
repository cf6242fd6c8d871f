//! One error body for the whole API: RFC 9457 `application/problem+json` with a stable
//! `code`. 5xx bodies say nothing about the cause; the cause is logged once, here.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use super::error_codes::ErrorCode;

/// The problem document every error answers with.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://tenantpilot.dev/problems/invalid_timezone",
    "title": "Invalid timezone",
    "status": 422,
    "code": "invalid_timezone",
    "detail": "\"Mars/Base\" is not an IANA timezone name (for example Europe/Berlin)",
    "errors": [{"field": "timezone", "code": "invalid_timezone",
                "message": "\"Mars/Base\" is not an IANA timezone name (for example Europe/Berlin)"}]
}))]
pub struct Problem {
    /// A URI naming the problem type: `https://tenantpilot.dev/problems/{code}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The same for every problem with this `code`.
    pub title: String,
    /// The HTTP status code of the response.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    pub code: ErrorCode,
    pub detail: String,
    /// One entry per invalid field (field errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"field": "cadence.times", "code": "invalid_cadence", "message": "time 02:30 is listed twice"}))]
pub struct FieldError {
    /// Path of the field in the request, e.g. `cadence.times[1]`, or a parameter name.
    pub field: String,
    pub code: ErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: ErrorCode, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Field errors: one names its code; several of one code keep it; mixed ones are
    /// `validation_failed`. The status is the code's.
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the body must be application/json")]
    UnsupportedMediaType,
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{}", .0.message)]
    BadRequest(FieldError),
    #[error("{0}")]
    Unauthenticated(crate::auth::AuthFailure),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no such route")]
    RouteNotFound,
    #[error("{method} is not allowed here; allowed: {}", allowed.join(", "))]
    MethodNotAllowed {
        method: String,
        allowed: Vec<&'static str>,
    },
    #[error("{detail}")]
    Conflict { code: ErrorCode, detail: String },
    #[error("the resource is at version {current}; If-Match named another")]
    PreconditionFailed { current: u64 },
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

impl ApiError {
    pub fn validation(field: &str, code: ErrorCode, message: impl ToString) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation(errors) => match errors.split_first() {
                Some((first, rest)) if rest.iter().all(|error| error.code == first.code) => {
                    first.code
                }
                _ => ErrorCode::ValidationFailed,
            },
            Self::MalformedJson(_) => ErrorCode::MalformedJson,
            Self::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::BadRequest(error) => error.code,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::RouteNotFound => ErrorCode::RouteNotFound,
            Self::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            Self::Conflict { code, .. } => *code,
            Self::PreconditionFailed { .. } => ErrorCode::VersionMismatch,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn problem(&self) -> Problem {
        let detail = match self {
            Self::Validation(errors) if errors.len() == 1 => errors[0].message.clone(),
            Self::BadRequest(error) => error.message.clone(),
            other => other.to_string(),
        };
        let errors = match self {
            Self::Validation(errors) => errors.clone(),
            Self::BadRequest(error) => vec![error.clone()],
            _ => Vec::new(),
        };
        let code = self.code();
        Problem {
            problem_type: code.type_uri(),
            title: code.title().to_owned(),
            status: code.status(),
            code,
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error.cause = %cause, "request failed"),
            Self::Unavailable(cause) => {
                tracing::warn!(error.cause = %cause, "dependency unavailable")
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            Self::Unauthenticated(failure) => {
                let challenge = match failure {
                    crate::auth::AuthFailure::Missing => "Bearer realm=\"tenantpilot\"",
                    _ => "Bearer realm=\"tenantpilot\", error=\"invalid_token\"",
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            Self::PreconditionFailed { current } => {
                response.insert_header((header::ETAG, format!("\"{current}\"")));
            }
            Self::MethodNotAllowed { allowed, .. } => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(error: tokio_postgres::Error) -> Self {
        match error.as_db_error() {
            // the driver's Display says only "db error"; the log needs what the server said
            Some(db) => Self::Internal(format!(
                "database refused a statement: {} (SQLSTATE {})",
                db.message(),
                db.code().code()
            )),
            None => Self::Unavailable(error.to_string()),
        }
    }
}

impl From<crate::projections::ConsumerError> for ApiError {
    fn from(error: crate::projections::ConsumerError) -> Self {
        Self::Internal(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unavailable_database_answers_503_with_retry_after() {
        let response = ApiError::Unavailable("pool exhausted".to_owned()).error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
    }

    #[test]
    fn a_problem_takes_code_status_and_title_from_the_table() {
        let problem = ApiError::Conflict {
            code: ErrorCode::RunAlreadyActive,
            detail: "busy".to_owned(),
        }
        .problem();
        assert_eq!(problem.code, ErrorCode::RunAlreadyActive);
        assert_eq!(problem.status, 409);
        assert_eq!(problem.title, ErrorCode::RunAlreadyActive.title());
        assert_eq!(
            problem.problem_type,
            "https://tenantpilot.dev/problems/run_already_active"
        );
        let several = ApiError::Validation(vec![
            FieldError::new("tenant_ids[0]", ErrorCode::UnknownTenant, "no tenant"),
            FieldError::new("tenant_ids[1]", ErrorCode::UnknownTenant, "no tenant"),
        ]);
        assert_eq!(several.code(), ErrorCode::UnknownTenant);
        assert_eq!(several.status_code(), StatusCode::NOT_FOUND);
        let mixed = ApiError::Validation(vec![
            FieldError::new("name", ErrorCode::InvalidName, "blank"),
            FieldError::new("timezone", ErrorCode::InvalidTimezone, "no"),
        ]);
        assert_eq!(mixed.code(), ErrorCode::ValidationFailed);
        assert_eq!(mixed.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
