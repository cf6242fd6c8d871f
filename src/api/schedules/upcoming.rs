//! `GET .../backup-schedules/{id}/upcoming`: the next slots, computed by the same function
//! the dispatcher uses.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{find_schedule, schedule_path};
use crate::api::error::{ApiError, ErrorCode, FieldError};
use crate::api::extract::ValidQuery;
use crate::api::state::AppState;
use crate::api::TAG_SCHEDULES;
use crate::auth::{Permission, Principal};
use crate::domain::cadence::Cadence;
use crate::domain::timezone::Timezone;

const MAX_COUNT: i64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UpcomingQuery {
    /// Slots strictly after this instant (RFC 3339); default now.
    #[param(value_type = Option<String>, format = DateTime, example = "2027-03-27T00:00:00Z")]
    pub after: Option<String>,
    /// How many slots, 1 to 100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub count: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"scheduled_for": "2027-03-28T01:30:00Z", "local_time": "2027-03-28T03:30:00+02:00"}))]
pub struct UpcomingSlot {
    /// The slot as a UTC instant: what the dispatcher claims.
    pub scheduled_for: DateTime<Utc>,
    /// The same instant in the schedule's timezone, with its offset.
    #[schema(example = "2027-03-27T02:30:00+01:00")]
    pub local_time: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [
    {"scheduled_for": "2027-03-27T01:30:00Z", "local_time": "2027-03-27T02:30:00+01:00"},
    {"scheduled_for": "2027-03-28T01:30:00Z", "local_time": "2027-03-28T03:30:00+02:00"}
]}))]
pub struct UpcomingSlots {
    pub items: Vec<UpcomingSlot>,
}

fn query_error(field: &str, message: impl ToString) -> ApiError {
    ApiError::BadRequest(FieldError::new(field, ErrorCode::InvalidQuery, message))
}

/// Preview a schedule's next slots (daylight saving applied), whether or not it is enabled.
#[utoipa::path(
    tag = TAG_SCHEDULES,
    params(("tenant_id" = uuid::Uuid, Path, description = "The tenant's id"),
           ("schedule_id" = uuid::Uuid, Path, description = "The schedule's id"), UpcomingQuery),
    responses((status = 200, description = "The next slots, increasing", body = UpcomingSlots))
)]
#[get("/tenants/{tenant_id}/backup-schedules/{schedule_id}/upcoming")]
pub async fn upcoming_slots(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<UpcomingQuery>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, schedule_id) = schedule_path(&path)?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let query = query.into_inner()?;
    let after = match &query.after {
        None => state.clock.now(),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|_| {
                query_error(
                    "after",
                    format!("after must be an RFC 3339 instant, got {text:?}"),
                )
            })?
            .with_timezone(&Utc),
    };
    let count = query.count.unwrap_or(10);
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(query_error(
            "count",
            format!("count must be between 1 and {MAX_COUNT}"),
        ));
    }
    let schedule = find_schedule(&state, tenant_id, schedule_id).await?;
    let cadence: Cadence = serde_json::from_value(schedule.cadence)
        .map_err(|error| ApiError::Internal(format!("stored cadence unreadable: {error}")))?;
    let timezone: Timezone = schedule
        .timezone
        .parse()
        .map_err(|error| ApiError::Internal(format!("stored timezone unreadable: {error}")))?;
    let items = cadence
        .upcoming(timezone.tz(), after, count as usize)
        .into_iter()
        .map(|slot| UpcomingSlot {
            scheduled_for: slot,
            local_time: slot
                .with_timezone(&timezone.tz())
                .to_rfc3339_opts(SecondsFormat::Secs, true),
        })
        .collect();
    Ok(HttpResponse::Ok().json(UpcomingSlots { items }))
}
