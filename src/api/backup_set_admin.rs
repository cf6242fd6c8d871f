//! An admin's soft delete and undelete of a backup set (`DELETE` and `POST .../undelete`
//! under `/tenants/{tenant_id}/backup-sets/{id}`). Listing and reading sets is the browsing
//! endpoints' business; these only change `deleted_at`, which is written in the
//! transaction that appends the `BackupSetDeleted` / `BackupSetRestored` event (the stored
//! name of an undelete, kept: events are history). "Restore" in the API means writing a
//! backup back into a tenant, nothing else.

use actix_web::{delete, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::context::RequestContext;
use super::error::{ApiError, Problem};
use super::extract::parse_id;
use super::state::AppState;
use super::TAG_BACKUP_SETS;
use crate::auth::{Permission, Principal};
use crate::db::CachedStatements;
use crate::domain::backup_set::{BackupSet, BackupSetCommand, BackupSetEvent, SetFacts};
use crate::store::{execute_in_transaction, upcasters};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(delete_backup_set)
        .service(undelete_backup_set);
}

/// Soft-delete a backup set (admins). Hidden from listings, can be undeleted until purged
/// (`TENANTPILOT_PURGE_AFTER_DAYS` after its deletion). Deleting a deleted set again
/// changes nothing.
#[utoipa::path(
    tag = TAG_BACKUP_SETS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("backup_set_id" = Uuid, Path, description = "The backup set's id")),
    responses(
        (status = 204, description = "Deleted (or already deleted)"),
        (status = 410, description = "`backup_set_purged`: the set was purged", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tenants/{tenant_id}/backup-sets/{backup_set_id}")]
async fn delete_backup_set(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, set_id) = set_path(&path)?;
    principal.authorize(Permission::ManageTenants, Some(tenant_id))?;
    change(&state, &context, set_id, |found| BackupSetCommand::Delete {
        tenant_id,
        found,
    })
    .await
}

/// Undelete a soft-deleted backup set (admins), whether an admin or retention deleted it.
/// A purged set cannot be undeleted. Undeleting a live set changes nothing. (This only
/// undoes a soft delete; nothing is written to the tenant.)
#[utoipa::path(
    tag = TAG_BACKUP_SETS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("backup_set_id" = Uuid, Path, description = "The backup set's id")),
    responses(
        (status = 204, description = "Undeleted (or was not deleted)"),
        (status = 410, description = "`backup_set_purged`: the set was purged", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/backup-sets/{backup_set_id}/undelete")]
async fn undelete_backup_set(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, set_id) = set_path(&path)?;
    principal.authorize(Permission::ManageTenants, Some(tenant_id))?;
    change(&state, &context, set_id, |found| {
        BackupSetCommand::Restore { tenant_id, found }
    })
    .await
}

fn set_path(path: &(String, String)) -> Result<(Uuid, Uuid), ApiError> {
    Ok((
        parse_id(&path.0, "tenant_id")?,
        parse_id(&path.1, "backup_set_id")?,
    ))
}

/// Decides on the locked row and appends, writing `deleted_at` with the event. The
/// answer needs no read model: the row is what reads show, and it committed.
async fn change(
    state: &AppState,
    context: &RequestContext,
    set_id: Uuid,
    command: impl FnOnce(Option<SetFacts>) -> BackupSetCommand,
) -> Result<HttpResponse, ApiError> {
    let at = state.clock.now();
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    let found = locked_row(&transaction, set_id).await?;
    let command = command(found);
    let tenant_id = match &command {
        BackupSetCommand::Delete { tenant_id, .. }
        | BackupSetCommand::Restore { tenant_id, .. } => *tenant_id,
        BackupSetCommand::Purge { found } => found.tenant_id,
    };
    let metadata = context.metadata(at).for_tenant(tenant_id);
    let events = execute_in_transaction::<BackupSet>(
        &transaction,
        &upcasters(),
        &set_id.to_string(),
        command,
        &(),
        &metadata,
    )
    .await?;
    for event in &events {
        let deleted_at = match event {
            BackupSetEvent::BackupSetDeleted { .. } => Some(at),
            BackupSetEvent::BackupSetRestored { .. } => None,
            BackupSetEvent::BackupSetPurged { .. } => continue,
        };
        set_deleted_at(&transaction, set_id, deleted_at).await?;
    }
    transaction.commit().await?;
    if !events.is_empty() {
        // this process's consumers pass the event at once (the audit feed, webhooks)
        state.appends.wake();
    }
    Ok(HttpResponse::NoContent().finish())
}

async fn locked_row(
    transaction: &Transaction<'_>,
    set_id: Uuid,
) -> Result<Option<SetFacts>, tokio_postgres::Error> {
    let rows = transaction
        .query_cached(
            "SELECT tenant_id, schedule_id, deleted_at FROM backup_sets WHERE id = $1 FOR UPDATE",
            &[&set_id],
        )
        .await?;
    Ok(rows.first().map(|row| SetFacts {
        tenant_id: row.get(0),
        schedule_id: row.get(1),
        deleted_at: row.get(2),
    }))
}

async fn set_deleted_at(
    transaction: &Transaction<'_>,
    set_id: Uuid,
    deleted_at: Option<DateTime<Utc>>,
) -> Result<(), tokio_postgres::Error> {
    transaction
        .execute_cached(
            "UPDATE backup_sets SET deleted_at = $2 WHERE id = $1",
            &[&set_id, &deleted_at],
        )
        .await?;
    Ok(())
}
