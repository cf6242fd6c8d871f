//! Per-request context: the request id (echoed as `X-Request-Id`, recorded as the events'
//! correlation id, carried by the request's tracing span) and the acting caller.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use futures_util::future::{ready, Ready};
use tracing::Instrument;
use uuid::Uuid;

use super::error::ApiError;
use crate::store::EventMetadata;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Who is calling: the token's id and name once authentication identifies it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub name: Option<String>,
}

impl Actor {
    pub fn anonymous() -> Self {
        Self {
            id: "anonymous".to_owned(),
            name: None,
        }
    }
}

/// A caller-supplied id is kept when it is short, printable ASCII; otherwise a new one is
/// made, so logs and events never carry arbitrary client bytes.
fn request_id_of(request: &ServiceRequest) -> String {
    request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::now_v7().to_string())
}

pub async fn request_context(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id_of(&request);
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request.id = %id,
        http.method = %request.method(),
        http.path = %request.path(),
    );
    let started = Instant::now();
    let mut response = next.call(request).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    span.in_scope(|| {
        tracing::info!(
            http.status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request finished"
        )
    });
    Ok(response)
}

/// The request id and actor of the current request, for event metadata.
pub struct RequestContext {
    pub request_id: String,
    pub actor: Actor,
}

impl RequestContext {
    pub fn metadata(&self, at: DateTime<Utc>) -> EventMetadata {
        EventMetadata {
            actor: self.actor.id.clone(),
            actor_name: self.actor.name.clone(),
            correlation_id: self.request_id.clone(),
            causation_id: None,
            tenant_id: None,
            occurred_at: at,
        }
    }
}

impl FromRequest for RequestContext {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let extensions = request.extensions();
        let request_id = extensions
            .get::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_else(|| Uuid::now_v7().to_string());
        let actor = extensions
            .get::<Actor>()
            .cloned()
            .unwrap_or_else(Actor::anonymous);
        ready(Ok(Self { request_id, actor }))
    }
}
