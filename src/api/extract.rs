//! Request extractors that turn every kind of bad input into a problem document naming the
//! field: JSON bodies, query strings, path ids and `If-Match`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use uuid::Uuid;

use super::error::{ApiError, ErrorCode, FieldError};

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body parsed with the failing field's path reported (`cadence.times[1]`). A bad
/// body is reported by `into_inner`, which handlers call after authorization: a caller
/// without the right learns that (403), not what was wrong with the body.
pub struct ValidJson<T>(Result<T, ApiError>);

impl<T> ValidJson<T> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json(request);
        let declared_length = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            Ok(ValidJson(
                read_json(is_json, declared_length, &mut payload).await,
            ))
        })
    }
}

async fn read_json<T: DeserializeOwned>(
    is_json: bool,
    declared_length: Option<usize>,
    payload: &mut Payload,
) -> Result<T, ApiError> {
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    if declared_length.is_some_and(|length| length > BODY_LIMIT) {
        return Err(ApiError::PayloadTooLarge(BODY_LIMIT));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| ApiError::MalformedJson(error.to_string()))?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(ApiError::PayloadTooLarge(BODY_LIMIT));
        }
        body.extend_from_slice(&chunk);
    }
    parse_json(&body)
}

fn is_json(request: &HttpRequest) -> bool {
    match request.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    }
}

/// Parses JSON, classifying failures: broken syntax is 400 `malformed_json`; a well-formed
/// body with a wrong, missing or unknown field is 422 with that field named.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Every request body is an object; serde would otherwise read an array positionally.
    if body.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Ok(_) => Err(ApiError::validation(
                "body",
                ErrorCode::InvalidType,
                "the body must be a JSON object",
            )),
            Err(error) => Err(ApiError::MalformedJson(strip_position(&error.to_string()))),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                ApiError::Validation(vec![field_error(&path, &inner.to_string())])
            }
            _ => ApiError::MalformedJson(strip_position(&inner.to_string())),
        }
    })?;
    deserializer
        .end()
        .map_err(|error| ApiError::MalformedJson(strip_position(&error.to_string())))?;
    Ok(value)
}

/// serde_json appends " at line L column C"; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

fn field_error(path: &str, message: &str) -> FieldError {
    let message = strip_position(message);
    let named = message
        .split('`')
        .nth(1)
        .filter(|_| message.starts_with("unknown field") || message.starts_with("missing field"));
    let field = match (path, named) {
        (".", Some(name)) => name.to_owned(),
        (path, Some(name)) if !path.ends_with(name) => format!("{path}.{name}"),
        (".", None) => "body".to_owned(),
        (path, _) => path.to_owned(),
    };
    let code = if message.starts_with("unknown field") {
        ErrorCode::UnknownField
    } else if message.starts_with("missing field") {
        ErrorCode::MissingField
    } else if message.starts_with("invalid type") {
        ErrorCode::InvalidType
    } else {
        ErrorCode::InvalidValue
    };
    FieldError::new(field, code, message)
}

/// A query string parsed with the failing parameter named; like `ValidJson`, reported by
/// `into_inner` after authorization.
pub struct ValidQuery<T>(Result<T, ApiError>);

impl<T> ValidQuery<T> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let query = request.query_string();
        // Control characters have no place in a query value (and PostgreSQL refuses NUL):
        // refused here, for every operation, as the documented patterns say.
        if let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
            .find(|(_, value)| value.chars().any(char::is_control))
        {
            return ready(Ok(ValidQuery(Err(ApiError::BadRequest(FieldError::new(
                name.into_owned(),
                ErrorCode::InvalidQuery,
                "query values may not contain control characters",
            ))))));
        }
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        ready(Ok(ValidQuery(
            serde_path_to_error::deserialize(deserializer).map_err(|error| {
                let path = error.path().to_string();
                let message = error.into_inner().to_string();
                let mut field = field_error(&path, &message);
                if field.field == "body" {
                    field.field = "query".to_owned();
                }
                field.code = ErrorCode::InvalidQuery;
                ApiError::BadRequest(field)
            }),
        )))
    }
}

/// A path id that must be a UUID; anything else is 400 naming the parameter.
pub fn parse_id(raw: &str, field: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| {
        ApiError::BadRequest(FieldError::new(
            field,
            ErrorCode::InvalidId,
            format!("{field} must be a UUID, got {raw:?}"),
        ))
    })
}

/// The aggregate version named by `If-Match` (`"3"`, or the bare version `3`), or none for
/// absent or `*`.
pub struct IfMatch(pub Option<u64>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let Some(value) = request.headers().get(header::IF_MATCH) else {
            return ready(Ok(IfMatch(None)));
        };
        let parsed = value.to_str().ok().map(str::trim).and_then(|text| {
            if text == "*" {
                return Some(None);
            }
            let unquoted = match text.strip_prefix('"') {
                Some(quoted) => quoted.strip_suffix('"')?,
                None => text,
            };
            if !(1..=19).contains(&unquoted.len()) || !unquoted.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            unquoted.parse::<u64>().ok().map(Some)
        });
        ready(match parsed {
            Some(version) => Ok(IfMatch(version)),
            None => Err(ApiError::BadRequest(FieldError::new(
                "If-Match",
                ErrorCode::InvalidIfMatch,
                "If-Match must be the ETag of the resource, e.g. \"3\"",
            ))),
        })
    }
}

/// An optional integer field that, as JSON Schema's `integer` does, also takes a number with
/// a zero fraction (`7.0`); `null` is absent. Use with `#[serde(default, deserialize_with)]`.
pub fn optional_integer<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    use serde::de::Error;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(integer) = number.as_i64() {
        return Ok(Some(integer));
    }
    match number.as_f64() {
        Some(float) if float.fract() == 0.0 && float.abs() < 9.0e15 => Ok(Some(float as i64)),
        _ => Err(D::Error::custom(format!(
            "invalid value: {number}, expected an integer"
        ))),
    }
}
