//! How a committed write is answered. A write that committed is never reported as failed:
//! once the read models show it, the handler answers with the resource as any later read
//! will see it; when they do not show it in time (consumers behind or down), or reading it
//! back fails, the answer is `202 Accepted` with where to find it.

use std::future::Future;

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiError;
use super::state::AppState;

/// The one value of `WriteAccepted::status`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Accepted {
    Accepted,
}

/// A write that committed but is not visible in reads yet.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "status": "accepted",
    "detail": "the change is recorded; it will show in reads shortly",
    "location": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
    "version": 2
}))]
pub struct WriteAccepted {
    /// Always `accepted` (tells this body from the resource's own).
    pub status: Accepted,
    pub detail: &'static str,
    /// Where the written resource can be read.
    pub location: String,
    /// The resource's version after the write, when it still exists.
    pub version: Option<u64>,
}

impl WriteAccepted {
    pub fn new(location: String, version: Option<u64>) -> Self {
        Self {
            status: Accepted::Accepted,
            detail: "the change is recorded; it will show in reads shortly",
            location,
            version,
        }
    }

    pub fn response(self) -> HttpResponse {
        HttpResponse::Accepted()
            .insert_header((header::LOCATION, self.location.clone()))
            .json(self)
    }
}

/// Answers a committed write: `respond(read)` once the read models show it, otherwise
/// `accepted`. `read` is only started after the wait.
pub async fn answer_committed<T, R>(
    state: &AppState,
    read: R,
    respond: impl FnOnce(T) -> HttpResponse,
    accepted: WriteAccepted,
) -> HttpResponse
where
    R: Future<Output = Result<T, ApiError>>,
{
    if state.committed_is_visible().await {
        match read.await {
            Ok(value) => return respond(value),
            Err(error) => {
                tracing::warn!(%error, "a committed write could not be read back; answering 202")
            }
        }
    } else {
        tracing::warn!(
            location = %accepted.location,
            "the read models did not show a committed write in time; answering 202"
        );
    }
    accepted.response()
}
