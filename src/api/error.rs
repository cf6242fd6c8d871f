//! One error body for the whole API: RFC 9457 `application/problem+json` with a stable
//! `code`. 5xx bodies say nothing about the cause; the cause is logged once, here.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The problem document every error answers with.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://tenantpilot.dev/problems/invalid_timezone",
    "title": "The request is not valid",
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
    pub title: String,
    pub status: u16,
    /// Stable, machine-readable error code; branch on this, not on the text.
    pub code: String,
    pub detail: String,
    /// One entry per invalid field (validation errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"field": "cadence.times", "code": "invalid_cadence", "message": "time 02:30 is listed twice"}))]
pub struct FieldError {
    /// Path of the field in the request, e.g. `cadence.times[1]`, or a parameter name.
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
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
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("the resource is at version {current}; If-Match named another")]
    PreconditionFailed { current: u64 },
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn validation(field: &str, code: &str, message: impl ToString) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn code(&self) -> &str {
        match self {
            Self::Validation(errors) if errors.len() == 1 => &errors[0].code,
            Self::Validation(_) => "validation_failed",
            Self::MalformedJson(_) => "malformed_json",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::BadRequest(error) => &error.code,
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::RouteNotFound => "route_not_found",
            Self::Conflict { code, .. } => code,
            Self::PreconditionFailed { .. } => "version_mismatch",
            Self::Unavailable(_) => "service_unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Validation(_) => "The request is not valid",
            Self::MalformedJson(_) => "The body is not valid JSON",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::PayloadTooLarge(_) => "The body is too large",
            Self::BadRequest(_) => "Bad request",
            Self::Unauthenticated(_) => "Unauthenticated",
            Self::Forbidden(_) => "Forbidden",
            Self::NotFound(_) | Self::RouteNotFound => "Not found",
            Self::Conflict { .. } => "Conflict",
            Self::PreconditionFailed { .. } => "Precondition failed",
            Self::Unavailable(_) => "Service unavailable",
            Self::Internal(_) => "Internal server error",
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
        Problem {
            problem_type: format!("https://tenantpilot.dev/problems/{}", self.code()),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            code: self.code().to_owned(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MalformedJson(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::RouteNotFound => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
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
        if let Self::Unauthenticated(failure) = self {
            let challenge = match failure {
                crate::auth::AuthFailure::Missing => "Bearer realm=\"tenantpilot\"",
                _ => "Bearer realm=\"tenantpilot\", error=\"invalid_token\"",
            };
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Self::Unavailable(_) = self {
            // what is missing (a free connection, the database) is usually back within a second
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        if let Self::PreconditionFailed { current } = self {
            response.insert_header((header::ETAG, format!("\"{current}\"")));
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
