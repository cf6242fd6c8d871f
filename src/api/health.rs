//! Liveness and readiness probes.

use std::time::Duration;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiError;
use super::state::AppState;
use super::TAG_HEALTH;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process is up and serving HTTP.
#[utoipa::path(tag = TAG_HEALTH, responses((status = 200, description = "Alive", body = HealthStatus)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".to_owned(),
    })
}

/// Readiness: the database answers within two seconds.
#[utoipa::path(
    tag = TAG_HEALTH,
    responses((status = 200, description = "Ready", body = HealthStatus))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
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
