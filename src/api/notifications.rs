//! `/api/v1/notifications`: the caller's own notifications (every role), and marking them
//! read. A principal only ever sees its own rows: another principal's notification answers
//! 404 exactly like one that does not exist.
//!
//! Marking read writes `read_at` directly, without an event: it is the reader's bookmark in
//! a message addressed to them, not a state change of a tenant, schedule, run, token or
//! webhook (README, "Notifications").

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::error::{ApiError, ErrorCode, FieldError};
use super::extract::{parse_id, ValidQuery};
use super::pagination::{invalid_cursor, DEFAULT_LIMIT, MAX_LIMIT};
use super::state::AppState;
use super::TAG_NOTIFICATIONS;
use crate::auth::{Permission, Principal};
use crate::notifications::{NotificationKind, NotificationLinks};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_notifications)
        .service(mark_all_notifications_read)
        .service(mark_notification_read);
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (opaque).
    #[param(
        pattern = r"^[ur][0-9]{1,18}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub cursor: Option<String>,
    /// `true`: unread notifications only.
    pub unread: Option<bool>,
}

/// Where a page starts: after this (read?, source position, id) in list order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    read: bool,
    position: i64,
    id: Uuid,
}

impl Cursor {
    /// `u` or `r` (the unread or read part of the list), the event's position, `_`, the id.
    /// It names the place, not the row, so a row marked read between two pages moves
    /// without shifting the next page.
    fn encode(&self) -> String {
        let part = if self.read { 'r' } else { 'u' };
        format!("{part}{}_{}", self.position, self.id)
    }

    fn decode(text: &str) -> Option<Self> {
        let read = match text.chars().next()? {
            'u' => false,
            'r' => true,
            _ => return None,
        };
        let (position, id) = text[1..].split_once('_')?;
        Some(Self {
            read,
            position: position.parse().ok().filter(|position| *position >= 0)?,
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

struct ListRequest {
    limit: i64,
    after: Option<Cursor>,
    unread_only: bool,
}

impl NotificationQuery {
    fn validate(&self) -> Result<ListRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(FieldError::new(
                "limit",
                ErrorCode::InvalidQuery,
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )));
        }
        let after = match &self.cursor {
            None => None,
            Some(text) => Some(Cursor::decode(text).ok_or_else(invalid_cursor)?),
        };
        Ok(ListRequest {
            limit,
            after,
            unread_only: self.unread.unwrap_or(false),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c7-5f6a-7b8c-9d0e-4f5a6b7c8d9e", "kind": "run_failed",
    "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
    "schedule_id": "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
    "run_id": "0192f0c3-2c3d-7e4f-9a0b-1c2d3e4f5a6b",
    "title": "Backup run failed: Nightly (Contoso)",
    "message": "The run of schedule \"Nightly\" of tenant \"Contoso\" failed: nothing was backed up. Error: auth_secret_expired (AADSTS7000222: The provided client secret keys are expired).",
    "links": {
        "tenant": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
        "schedule": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f/backup-schedules/0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
        "run": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f/backup-runs/0192f0c3-2c3d-7e4f-9a0b-1c2d3e4f5a6b"
    },
    "created_at": "2026-11-27T01:31:12Z", "read_at": null
}))]
pub struct NotificationResponse {
    pub id: Uuid,
    pub kind: NotificationKind,
    /// The tenant it is about; null for service-wide ones (`webhook_disabled`).
    pub tenant_id: Option<Uuid>,
    pub schedule_id: Option<Uuid>,
    pub run_id: Option<Uuid>,
    pub title: String,
    pub message: String,
    pub links: NotificationLinks,
    /// When the event behind it happened.
    pub created_at: DateTime<Utc>,
    /// When the caller marked it read; null while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// One page of the caller's notifications: unread first, then read, each newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{
        "id": "0192f0c7-5f6a-7b8c-9d0e-4f5a6b7c8d9e", "kind": "schedule_auto_disabled",
        "tenant_id": "0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
        "schedule_id": "0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
        "run_id": "0192f0c3-2c3d-7e4f-9a0b-1c2d3e4f5a6b",
        "title": "Schedule disabled after 5 failed runs: Nightly (Contoso)",
        "message": "The last 5 runs of schedule \"Nightly\" of tenant \"Contoso\" failed in a row, so it was disabled and claims no more slots. Fix the cause (the last run's error says what it is), then enable the schedule again.",
        "links": {
            "tenant": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f",
            "schedule": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f/backup-schedules/0192f0c2-1b2c-7d3e-8f9a-0b1c2d3e4f5a",
            "run": "/api/v1/tenants/0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f/backup-runs/0192f0c3-2c3d-7e4f-9a0b-1c2d3e4f5a6b"
        },
        "created_at": "2026-11-27T01:31:12Z", "read_at": null
    }],
    "next_cursor": "u1041_0192f0c7-5f6a-7b8c-9d0e-4f5a6b7c8d9e",
    "unread_count": 3
}))]
pub struct NotificationPage {
    pub items: Vec<NotificationResponse>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The caller's unread notifications in all (not only on this page).
    pub unread_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"marked": 3}))]
pub struct MarkedRead {
    /// How many unread notifications this request marked read (0 when there were none).
    pub marked: u64,
}

const COLUMNS: &str = "id, kind, tenant_id, schedule_id, run_id, title, message, links, \
     created_at, read_at, source_position";

fn from_row(row: &Row) -> Result<(NotificationResponse, i64), ApiError> {
    let kind: &str = row.get(1);
    let kind = NotificationKind::parse(kind)
        .ok_or_else(|| ApiError::Internal(format!("stored notification kind {kind:?}")))?;
    let links = serde_json::from_value(row.get(7))
        .map_err(|error| ApiError::Internal(format!("stored notification links: {error}")))?;
    Ok((
        NotificationResponse {
            id: row.get(0),
            kind,
            tenant_id: row.get(2),
            schedule_id: row.get(3),
            run_id: row.get(4),
            title: row.get(5),
            message: row.get(6),
            links,
            created_at: row.get(8),
            read_at: row.get(9),
        },
        row.get(10),
    ))
}

/// List the caller's notifications.
///
/// Every role reads its own (a token's, or the bootstrap admin's). Unread first, then read;
/// within each, newest first (in the order their events happened). `unread_count` counts
/// every unread notification of the caller.
#[utoipa::path(
    tag = TAG_NOTIFICATIONS,
    params(NotificationQuery),
    responses((status = 200, description = "One page of the caller's notifications", body = NotificationPage))
)]
#[get("/notifications")]
async fn list_notifications(
    state: web::Data<AppState>,
    principal: Principal,
    query: ValidQuery<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::OwnNotifications, None)?;
    let request = query.into_inner()?.validate()?;
    let client = state.pool.get().await?;
    let after = request.after;
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications
         WHERE principal = $1
           AND (NOT $2 OR read_at IS NULL)
           AND ($3::boolean IS NULL
                OR (read_at IS NOT NULL) > $3
                OR ((read_at IS NOT NULL) = $3 AND (source_position, id) < ($4, $5)))
         ORDER BY (read_at IS NOT NULL), source_position DESC, id DESC
         LIMIT $6"
    );
    let rows = client
        .query(
            &sql,
            &[
                &principal.token_id,
                &request.unread_only,
                &after.map(|cursor| cursor.read),
                &after.map(|cursor| cursor.position),
                &after.map(|cursor| cursor.id),
                &(request.limit + 1),
            ],
        )
        .await?;
    let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if items.len() as i64 > request.limit {
        items.truncate(request.limit as usize);
        items.last().map(|(item, position)| {
            Cursor {
                read: item.read_at.is_some(),
                position: *position,
                id: item.id,
            }
            .encode()
        })
    } else {
        None
    };
    let unread_count: i64 = client
        .query_one(
            "SELECT count(*) FROM notifications WHERE principal = $1 AND read_at IS NULL",
            &[&principal.token_id],
        )
        .await?
        .get(0);
    Ok(HttpResponse::Ok().json(NotificationPage {
        items: items.into_iter().map(|(item, _)| item).collect(),
        next_cursor,
        unread_count,
    }))
}

/// Mark one of the caller's notifications read.
///
/// Marking a read notification again keeps its first `read_at`. Another principal's
/// notification answers 404, as one that does not exist.
#[utoipa::path(
    tag = TAG_NOTIFICATIONS,
    params(("notification_id" = Uuid, Path, description = "The notification's id")),
    responses((status = 200, description = "The notification, read", body = NotificationResponse))
)]
#[post("/notifications/{notification_id}/read")]
async fn mark_notification_read(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::OwnNotifications, None)?;
    let id = parse_id(&path, "notification_id")?;
    let now = state.clock.now();
    let client = state.pool.get().await?;
    let sql = format!(
        "UPDATE notifications SET read_at = coalesce(read_at, $3)
         WHERE id = $1 AND principal = $2 RETURNING {COLUMNS}"
    );
    let row = client
        .query_opt(&sql, &[&id, &principal.token_id, &now])
        .await?
        .ok_or(ApiError::NotFound("notification"))?;
    let (notification, _) = from_row(&row)?;
    Ok(HttpResponse::Ok().json(notification))
}

/// Mark all of the caller's notifications read.
///
/// Marks every notification of the caller that is unread when the request runs; answers
/// how many that were.
#[utoipa::path(
    tag = TAG_NOTIFICATIONS,
    responses((status = 200, description = "How many were marked read", body = MarkedRead))
)]
#[post("/notifications/read-all")]
async fn mark_all_notifications_read(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::OwnNotifications, None)?;
    let now = state.clock.now();
    let client = state.pool.get().await?;
    let marked = client
        .execute(
            "UPDATE notifications SET read_at = $2 WHERE principal = $1 AND read_at IS NULL",
            &[&principal.token_id, &now],
        )
        .await?;
    Ok(HttpResponse::Ok().json(MarkedRead { marked }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let cursor = Cursor {
            read: true,
            position: 1041,
            id: Uuid::from_u128(5),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        let unread = Cursor {
            read: false,
            ..cursor
        };
        assert!(unread.encode().starts_with("u1041_"));
        for bad in [
            "",
            "x1_00000000-0000-0000-0000-000000000005",
            "u-1_00000000-0000-0000-0000-000000000005",
            "u1_nope",
            "u1",
            "ué_x",
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad:?}");
        }
    }
}
