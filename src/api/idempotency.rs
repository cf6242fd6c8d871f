//! `Idempotency-Key` on writes: the first response to a key is stored and replayed for a
//! retry of the same request by the same caller for 24 hours, so a client that lost a
//! response can safely send the request again. A key reused for a different request is
//! refused (422); a retry while the first request is still running gets 409. Server
//! errors are not stored: the client may retry them for real.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::error::{ApiError, ErrorCode, FieldError};
use super::extract::BODY_LIMIT;
use super::AppState;
use crate::auth::Principal;
use crate::db::CachedStatements;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";
/// Response headers worth replaying; the rest (date, request id) belong to the retry.
const KEPT_HEADERS: [&str; 3] = ["content-type", "location", "etag"];

pub async fn idempotent_writes(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // a method the path does not have is answered 405 (`api/methods.rs`), never replayed
    let is_write = matches!(
        *request.method(),
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    ) && super::methods::is_routed(request.path(), request.method().as_str());
    let key = request.headers().get(IDEMPOTENCY_KEY).cloned();
    let (Some(key), true) = (key, is_write) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let principal = request.extensions().get::<Principal>().cloned();
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let (Some(principal), Some(state)) = (principal, state) else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let key = match valid_key(&key) {
        Ok(key) => key,
        Err(error) => return Ok(request.error_response(error)),
    };
    let body = match read_body(&mut request).await {
        Ok(body) => body,
        Err(error) => return Ok(request.error_response(error)),
    };
    let fingerprint = fingerprint(&request, &body);
    request.set_payload(Payload::from(body));
    match claim(&state, &principal.token_id, &key, &fingerprint).await {
        Ok(Claim::First) => {}
        Ok(Claim::Replay(response)) => return Ok(request.into_response(response)),
        Err(error) => return Ok(request.error_response(error)),
    }
    let response = match next.call(request).await {
        Ok(response) => response,
        Err(error) => {
            forget(&state, &principal.token_id, &key).await;
            return Err(error);
        }
    };
    let (request, response) = response.into_parts();
    let status = response.status();
    let headers = kept_headers(response.headers());
    let (response, body) = response.into_parts();
    let body = to_bytes(body).await.unwrap_or_default();
    if status.is_server_error() {
        forget(&state, &principal.token_id, &key).await;
    } else {
        remember(&state, &principal.token_id, &key, status, &headers, &body).await;
    }
    Ok(ServiceResponse::new(
        request,
        response.set_body(BoxBody::new(body)),
    ))
}

fn valid_key(value: &HeaderValue) -> Result<String, ApiError> {
    value
        .to_str()
        .ok()
        .filter(|key| (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::BadRequest(FieldError::new(
                "Idempotency-Key",
                ErrorCode::InvalidIdempotencyKey,
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            ))
        })
}

async fn read_body(request: &mut ServiceRequest) -> Result<Bytes, ApiError> {
    let mut payload = request.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| ApiError::MalformedJson(error.to_string()))?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(ApiError::PayloadTooLarge(BODY_LIMIT));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn fingerprint(request: &ServiceRequest, body: &[u8]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(request.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(request.uri().to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hasher.finalize().to_vec()
}

enum Claim {
    First,
    Replay(HttpResponse),
}

async fn claim(
    state: &AppState,
    principal: &str,
    key: &str,
    fingerprint: &[u8],
) -> Result<Claim, ApiError> {
    let client = state.pool.get().await?;
    // a key is remembered for a day; after that it starts afresh
    client
        .execute_cached(
            "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2
               AND created_at < now() - interval '24 hours'",
            &[&principal, &key],
        )
        .await?;
    let inserted = client
        .execute_cached(
            "INSERT INTO idempotency_keys (principal, key, request_hash) VALUES ($1, $2, $3)
             ON CONFLICT (principal, key) DO NOTHING",
            &[&principal, &key, &fingerprint],
        )
        .await?;
    if inserted == 1 {
        return Ok(Claim::First);
    }
    let row = client
        .query_one_cached(
            "SELECT request_hash, status, response_headers, response_body FROM idempotency_keys
             WHERE principal = $1 AND key = $2",
            &[&principal, &key],
        )
        .await?;
    if row.get::<_, Vec<u8>>(0) != fingerprint {
        return Err(ApiError::Conflict {
            code: ErrorCode::IdempotencyKeyReused,
            detail: "this Idempotency-Key was used for a different request".to_owned(),
        });
    }
    let Some(status) = row.get::<_, Option<i16>>(1) else {
        return Err(ApiError::Conflict {
            code: ErrorCode::IdempotencyKeyInProgress,
            detail: "a request with this Idempotency-Key is still being handled; retry shortly"
                .to_owned(),
        });
    };
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if let Some(headers) = row.get::<_, Option<serde_json::Value>>(2) {
        for (name, value) in headers.as_object().into_iter().flatten() {
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::from_bytes(name.as_bytes()),
                value.as_str().map(HeaderValue::from_str),
            ) {
                response.insert_header((name, value));
            }
        }
    }
    response.insert_header((
        HeaderName::from_static(REPLAYED),
        HeaderValue::from_static("true"),
    ));
    let body: Vec<u8> = row.get::<_, Option<Vec<u8>>>(3).unwrap_or_default();
    Ok(Claim::Replay(response.body(body)))
}

fn kept_headers(headers: &HeaderMap) -> serde_json::Value {
    let kept: serde_json::Map<String, serde_json::Value> = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), serde_json::Value::from(value)))
        })
        .collect();
    serde_json::Value::Object(kept)
}

async fn remember(
    state: &AppState,
    principal: &str,
    key: &str,
    status: StatusCode,
    headers: &serde_json::Value,
    body: &[u8],
) {
    let stored = async {
        state
            .pool
            .get()
            .await?
            .execute_cached(
                "UPDATE idempotency_keys SET status = $3, response_headers = $4, response_body = $5
                 WHERE principal = $1 AND key = $2",
                &[&principal, &key, &(status.as_u16() as i16), headers, &body],
            )
            .await?;
        Ok::<_, ApiError>(())
    };
    if let Err(error) = stored.await {
        tracing::warn!(%error, "an idempotent response could not be stored; a retry will be refused as in progress");
    }
}

async fn forget(state: &AppState, principal: &str, key: &str) {
    let removed = async {
        state
            .pool
            .get()
            .await?
            .execute_cached(
                "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2",
                &[&principal, &key],
            )
            .await?;
        Ok::<_, ApiError>(())
    };
    if let Err(error) = removed.await {
        tracing::warn!(%error, "an idempotency key of a failed request could not be released");
    }
}
