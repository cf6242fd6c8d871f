//! `/api/v1/tenants/{tenant_id}/backup-sets`: browsing a tenant's immutable backup sets, their
//! items with content, the differences between two sets, and a zip export; and a policy's
//! versions across sets (`/policies/{policy_id}/versions`).
//! Soft-deleted sets are for admins only: everyone else gets 404, as for a missing set.

mod completeness;
mod diff;
mod export;
mod history;
mod items;
pub mod model;

/// A restore's planned changes and remaining differences have the diff's shape.
pub(crate) use diff::ContentChange;

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use self::model::{find_set, is_admin, BackupSetResponse, SetStatus, SET_COLUMNS};
use super::error::ApiError;
use super::extract::{parse_id, ValidQuery};
use super::pagination::{Page, PageQuery};
use super::state::AppState;
use super::tenants::find_tenant;
use super::TAG_BACKUP_SETS;
use crate::auth::{Permission, Principal};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_backup_sets)
        .service(get_backup_set)
        .service(items::list_backup_items)
        .service(items::get_backup_item)
        .service(diff::diff_backup_sets)
        .service(export::export_backup_set)
        .service(history::list_policy_versions)
        .service(history::diff_policy_versions);
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BackupSetQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<Uuid>)]
    pub cursor: Option<String>,
    /// Only sets of this schedule.
    pub schedule_id: Option<Uuid>,
    /// Only sets with this status.
    #[param(inline)]
    pub status: Option<SetStatus>,
    /// Only sets created at or after this time.
    pub created_from: Option<DateTime<Utc>>,
    /// Only sets created before this time.
    pub created_to: Option<DateTime<Utc>>,
    /// Include soft-deleted sets (admins only; others get 403). Default false.
    pub include_deleted: Option<bool>,
}

/// List a tenant's backup sets, oldest first (by id, i.e. creation order).
#[utoipa::path(
    tag = TAG_BACKUP_SETS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"), BackupSetQuery),
    responses((status = 200, description = "One page of backup sets", body = Page<BackupSetResponse>))
)]
#[get("/tenants/{tenant_id}/backup-sets")]
async fn list_backup_sets(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<String>,
    query: ValidQuery<BackupSetQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let query = query.into_inner()?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    }
    .validate()?;
    let include_deleted = query.include_deleted.unwrap_or(false);
    if include_deleted && !is_admin(&principal) {
        return Err(ApiError::Forbidden(
            "only admins may list deleted backup sets".to_owned(),
        ));
    }
    // created_from after created_to is a valid, empty range (the schema cannot forbid it)
    find_tenant(&state, tenant_id).await?;
    let status = query.status.map(|status| match status {
        SetStatus::Completed => "completed",
        SetStatus::Partial => "partial",
    });
    let sql = format!(
        "SELECT {SET_COLUMNS} FROM backup_sets
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2)
           AND ($3::uuid IS NULL OR schedule_id = $3)
           AND ($4::text IS NULL OR status = $4)
           AND ($5::timestamptz IS NULL OR created_at >= $5)
           AND ($6::timestamptz IS NULL OR created_at < $6)
           AND ($7 OR deleted_at IS NULL)
         ORDER BY id LIMIT $8"
    );
    let rows = state
        .pool
        .get()
        .await?
        .query(
            &sql,
            &[
                &tenant_id,
                &page.after,
                &query.schedule_id,
                &status,
                &query.created_from,
                &query.created_to,
                &include_deleted,
                &(page.limit + 1),
            ],
        )
        .await?;
    let sets = rows.iter().map(BackupSetResponse::from_row).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(sets, page, |set: &BackupSetResponse| {
            set.id
        })),
    )
}

/// Get one backup set: its counts per type, run, schedule, status and tree hash, and per
/// type how completely it was captured.
#[utoipa::path(
    tag = TAG_BACKUP_SETS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("backup_set_id" = Uuid, Path, description = "The backup set's id")),
    responses((status = 200, description = "The backup set", body = BackupSetResponse))
)]
#[get("/tenants/{tenant_id}/backup-sets/{backup_set_id}")]
async fn get_backup_set(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let set_id = parse_id(&path.1, "backup_set_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let mut set = find_set(&state, &principal, tenant_id, set_id).await?;
    set.completeness = Some(completeness::of_run(&state, set.run_id).await?);
    Ok(HttpResponse::Ok().json(set))
}
