//! Liveness and readiness probes. They take no parameters: a query string is refused (400),
//! as unknown parameters are everywhere else.

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiError, Problem};
use super::extract::ValidQuery;
use super::state::AppState;
use super::TAG_HEALTH;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    #[schema(example = "ok")]
    pub status: String,
}

/// The probes' (empty) query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParameters {}

/// Liveness: the process is up and serving HTTP.
#[utoipa::path(
    tag = TAG_HEALTH,
    responses(
        (status = 200, description = "Alive", body = HealthStatus),
        (status = 400, description = "`invalid_query`: the probe takes no query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/healthz")]
pub async fn healthz(query: ValidQuery<NoParameters>) -> Result<HttpResponse, ApiError> {
    query.into_inner()?;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ok".to_owned(),
    }))
}

/// Readiness: the database answers within two seconds.
#[utoipa::path(
    tag = TAG_HEALTH,
    responses(
        (status = 200, description = "Ready", body = HealthStatus),
        (status = 400, description = "`invalid_query`: the probe takes no query parameters", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`: the database does not answer", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u32, description = "Seconds to wait before probing again"))),
    )
)]
#[get("/readyz")]
pub async fn readyz(
    state: web::Data<AppState>,
    query: ValidQuery<NoParameters>,
) -> Result<HttpResponse, ApiError> {
    query.into_inner()?;
    let check = async {
        let client = state.pool.get().await?;
        client.execute("SELECT 1", &[]).await?;
        Ok::<_, ApiError>(())
    };
    match tokio::time::timeout(Duration::from_secs(2), check).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(HealthStatus {
            status: "ready".to_owned(),
        })),
        Ok(Err(error)) => Err(ApiError::Unavailable(error.to_string())),
        Err(_) => Err(ApiError::Unavailable("database check timed out".to_owned())),
    }
}
