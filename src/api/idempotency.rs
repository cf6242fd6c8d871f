//! `Idempotency-Key` on writes: the first response to a key is stored and replayed for a
//! retry of the same request by the same caller for 24 hours, so a client that lost a
//! response can safely send the request again. A key reused for a different request is
//! refused (422); a retry while the first request is still running gets 409, until that
//! claim is two minutes old (its request died with its process) and the retry takes it over.
//!
//! Only a 503 is forgotten: it is answered before anything is written (no connection, no
//! database), so the retry runs for real. Every other answer, a 500 whose write may or may
//! not have committed included, is kept, so a retry never executes a write twice.
//! Stored bodies are sealed with the secret key (an issued token's value is in one), bound
//! to the caller and key: nothing in the table is readable without the key.

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
use crate::secrets::Sealed;

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";
/// Response headers worth replaying; the rest (date, request id) belong to the retry.
const KEPT_HEADERS: [&str; 3] = ["content-type", "location", "etag"];
/// A claim whose request has not answered after this long is taken to have died with it.
const STALE_CLAIM_SECONDS: f64 = 120.0;

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
    let body = match to_bytes(body).await {
        Ok(body) => body,
        Err(_) => {
            // the handler's body failed while streaming: the client sees a broken answer
            // and the key stays claimed until it goes stale
            tracing::warn!("a response body could not be read for the idempotency store");
            Bytes::new()
        }
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
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
    // a claim whose request never finished (its process crashed, or its handler panicked)
    // is taken over once it is older than any request can run
    let taken_over = client
        .execute_cached(
            "UPDATE idempotency_keys SET request_hash = $3, created_at = now()
             WHERE principal = $1 AND key = $2 AND status IS NULL
               AND created_at < now() - make_interval(secs => $4)",
            &[&principal, &key, &fingerprint, &STALE_CLAIM_SECONDS],
        )
        .await?;
    if taken_over == 1 {
        return Ok(Claim::First);
    }
    let row = client
        .query_one_cached(
            "SELECT request_hash, status, response_headers, response_body, response_nonce,
                    response_key
             FROM idempotency_keys WHERE principal = $1 AND key = $2",
            &[&principal, &key],
        )
        .await?;
    drop(client);
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
    let sealed = Sealed {
        ciphertext: row.get::<_, Option<Vec<u8>>>(3).unwrap_or_default(),
        nonce: row.get::<_, Option<Vec<u8>>>(4).unwrap_or_default(),
        key_fingerprint: row.get::<_, Option<String>>(5).unwrap_or_default(),
    };
    let body = state
        .secrets
        .open_bytes(&associated_data(principal, key), &sealed)
        .map_err(|error| {
            tracing::warn!(%error, "a stored idempotent response cannot be opened");
            ApiError::Conflict {
                code: ErrorCode::IdempotentResponseUnavailable,
                detail: "this Idempotency-Key was used, but its stored answer cannot be \
                         opened (the secret key changed); use a new key"
                    .to_owned(),
            }
        })?;
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
    Ok(Claim::Replay(response.body(body)))
}

/// What a stored response is bound to: it opens only for the same caller and key.
fn associated_data(principal: &str, key: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(principal.len() + key.len() + 1);
    aad.extend_from_slice(principal.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key.as_bytes());
    aad
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
    let sealed = state
        .secrets
        .seal_bytes(&associated_data(principal, key), body);
    let stored = async {
        state
            .pool
            .get()
            .await?
            .execute_cached(
                "UPDATE idempotency_keys SET status = $3, response_headers = $4,
                        response_body = $5, response_nonce = $6, response_key = $7
                 WHERE principal = $1 AND key = $2",
                &[
                    &principal,
                    &key,
                    &(status.as_u16() as i16),
                    headers,
                    &sealed.ciphertext,
                    &sealed.nonce,
                    &sealed.key_fingerprint,
                ],
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
