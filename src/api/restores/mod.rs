//! Restores under `/tenants/{tenant_id}/restores`: plan (a dry run against the live
//! target), approve, apply (a worker writes), and read their progress and verification.

pub mod model;

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use uuid::Uuid;

use super::context::RequestContext;
use super::error::{ApiError, ErrorCode, FieldError, Problem};
use super::extract::{parse_id, ValidJson, ValidQuery};
use super::pagination::{invalid_cursor, Page, PageQuery};
use super::state::AppState;
use super::TAG_RESTORES;
use crate::auth::{Permission, Principal};
use crate::domain::restore::{
    PlanRestore, PlannedItem, RestoreCommand, RestoreError, RestoreSelection,
};
use crate::restore::planner::{make_plan, stale_items, PlanError, PlanInput};
use crate::restore::rows::execute;
use crate::store::CommandError;
use model::{
    PlanRestoreRequest, RestoreItemQuery, RestoreItemResponse, RestoreResponse, ITEM_COLUMNS,
    RESTORE_COLUMNS,
};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(plan_restore)
        .service(list_restores)
        .service(get_restore)
        .service(list_restore_items)
        .service(get_restore_item)
        .service(approve_restore)
        .service(apply_restore);
}

fn restore_path(path: &(String, String)) -> Result<(Uuid, Uuid), ApiError> {
    Ok((
        parse_id(&path.0, "tenant_id")?,
        parse_id(&path.1, "restore_id")?,
    ))
}

async fn find_restore(
    state: &AppState,
    tenant_id: Uuid,
    restore_id: Uuid,
) -> Result<RestoreResponse, ApiError> {
    let sql = format!("SELECT {RESTORE_COLUMNS} FROM restores WHERE id = $1 AND tenant_id = $2");
    state
        .pool
        .get()
        .await?
        .query_opt(&sql, &[&restore_id, &tenant_id])
        .await?
        .map(|row| RestoreResponse::from_row(&row))
        .ok_or(ApiError::NotFound("restore"))
}

/// The source set's tenant, or the documented problem: 404 when it is not there or not
/// visible to the caller, 410 when it is soft-deleted or purged.
async fn source_tenant(
    state: &AppState,
    principal: &Principal,
    set_id: Uuid,
) -> Result<Uuid, ApiError> {
    let client = state.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT tenant_id, deleted_at IS NOT NULL FROM backup_sets WHERE id = $1",
            &[&set_id],
        )
        .await?;
    let Some(row) = row else {
        let purged = client
            .query_opt(
                "SELECT tenant_id FROM events WHERE aggregate_type = 'backup_set'
                   AND aggregate_id = $1 AND event_type = 'BackupSetPurged' LIMIT 1",
                &[&set_id.to_string()],
            )
            .await?;
        return match purged.and_then(|row| row.get::<_, Option<Uuid>>(0)) {
            Some(tenant) if principal.can_see(tenant) => Err(ApiError::Conflict {
                code: ErrorCode::BackupSetPurged,
                detail: "the source backup set was purged; nothing is left to restore".to_owned(),
            }),
            _ => Err(ApiError::NotFound("backup set")),
        };
    };
    let tenant: Uuid = row.get(0);
    if !principal.can_see(tenant) {
        return Err(ApiError::NotFound("backup set"));
    }
    if row.get::<_, bool>(1) {
        return Err(ApiError::Conflict {
            code: ErrorCode::BackupSetDeleted,
            detail: "the source backup set is soft-deleted; undelete it to restore from it"
                .to_owned(),
        });
    }
    Ok(tenant)
}

/// The target must exist (404) and be active (409).
async fn check_target(state: &AppState, tenant_id: Uuid) -> Result<(), ApiError> {
    let row = state
        .pool
        .get()
        .await?
        .query_opt(
            "SELECT status FROM tenants WHERE id = $1 AND deleted_at IS NULL",
            &[&tenant_id],
        )
        .await?
        .ok_or(ApiError::NotFound("tenant"))?;
    if row.get::<_, String>(0) != "active" {
        return Err(ApiError::Conflict {
            code: ErrorCode::TenantInactive,
            detail: "the tenant is deactivated; reactivate it before restoring into it".to_owned(),
        });
    }
    Ok(())
}

fn group_mapping(
    requested: Option<std::collections::BTreeMap<String, String>>,
    same_tenant: bool,
) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
    let mapping = requested.unwrap_or_default();
    if same_tenant && !mapping.is_empty() {
        return Err(ApiError::validation(
            "group_mapping",
            ErrorCode::InvalidGroupMapping,
            "a restore into the set's own tenant keeps its groups: leave group_mapping out",
        ));
    }
    let mut errors = Vec::new();
    for (source, target) in &mapping {
        for (side, id) in [("source", source), ("target", target)] {
            if Uuid::parse_str(id).is_err() {
                errors.push(FieldError::new(
                    format!("group_mapping.{source}"),
                    ErrorCode::InvalidGroupMapping,
                    format!("the {side} group id {id:?} is not a GUID"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(mapping)
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn plan_failure(error: PlanError) -> ApiError {
    match error {
        PlanError::UnknownItems(_) => {
            ApiError::validation("selection", ErrorCode::UnknownBackupItem, error.to_string())
        }
        PlanError::UnknownGroups(_) => ApiError::validation(
            "group_mapping",
            ErrorCode::InvalidGroupMapping,
            error.to_string(),
        ),
        PlanError::MissingRoles(_) | PlanError::GroupNamesUnreadable(_) => ApiError::Conflict {
            code: ErrorCode::RestorePermissionMissing,
            detail: error.to_string(),
        },
        PlanError::Target {
            code: "tenant_inactive",
            ..
        } => ApiError::Conflict {
            code: ErrorCode::TenantInactive,
            detail: error.to_string(),
        },
        PlanError::Target { .. } | PlanError::Graph(_) => ApiError::Conflict {
            code: ErrorCode::TargetUnreadable,
            detail: error.to_string(),
        },
        PlanError::Source(crate::restore::source::SourceError::SetGone) => ApiError::Conflict {
            code: ErrorCode::BackupSetPurged,
            detail: error.to_string(),
        },
        PlanError::Pool(error) => ApiError::Unavailable(error.to_string()),
        other => ApiError::Internal(other.to_string()),
    }
}

fn rejected(error: CommandError<RestoreError>) -> ApiError {
    match error {
        CommandError::Rejected(rejection) => {
            let code = match rejection {
                RestoreError::NotFound => return ApiError::NotFound("restore"),
                RestoreError::NotPlanned(_) => ErrorCode::RestoreNotPlanned,
                RestoreError::NeedsApproval { .. } | RestoreError::SelfApproval => {
                    ErrorCode::RestoreNeedsApproval
                }
                RestoreError::AlreadyApproved => ErrorCode::RestoreAlreadyApproved,
                _ => ErrorCode::RestoreStateConflict,
            };
            ApiError::Conflict {
                code,
                detail: rejection.to_string(),
            }
        }
        CommandError::Conflict => ApiError::Conflict {
            code: ErrorCode::ConcurrentModification,
            detail: "the restore was changed concurrently; read it and retry".to_owned(),
        },
        CommandError::Unavailable(cause) => ApiError::Unavailable(cause.to_string()),
        other => ApiError::Internal(other.to_string()),
    }
}

/// Records one command on a restore, with its rows, in one transaction.
async fn record(
    state: &AppState,
    context: &RequestContext,
    tenant_id: Uuid,
    restore_id: Uuid,
    command: RestoreCommand,
) -> Result<(), ApiError> {
    let mut client = state.pool.get().await?;
    let transaction = client.transaction().await?;
    let metadata = context.metadata(state.clock.now()).for_tenant(tenant_id);
    execute(
        &transaction,
        &state.upcasters,
        restore_id,
        command,
        &metadata,
    )
    .await
    .map_err(rejected)?;
    transaction.commit().await?;
    Ok(())
}

fn restores_unavailable() -> ApiError {
    ApiError::Unavailable(
        "this process has no Graph client: restores need the api role with Graph settings"
            .to_owned(),
    )
}

/// Plan a restore: a dry run. Reads the source set and the live target (the selected types
/// only) and classifies every selected item as `create`, `update` (with its changes),
/// `unchanged`, `conflict` or `not_restorable`. Nothing is written to Graph.
#[utoipa::path(
    tag = TAG_RESTORES,
    params(("tenant_id" = Uuid, Path, description = "The tenant written into")),
    request_body = PlanRestoreRequest,
    responses(
        (status = 201, description = "The plan, with its counts by action (its items: `GET .../restores/{restore_id}/items`)", body = RestoreResponse, headers(("Location" = String))),
        (status = 404, description = "`not_found`: the tenant, or the source set (also one of a tenant the caller cannot read)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`tenant_inactive`, `restore_permission_missing` (the roles are named), `target_unreadable`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`backup_set_deleted` or `backup_set_purged`: the source set", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`unknown_backup_item`, `invalid_group_mapping`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/restores")]
async fn plan_restore(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<String>,
    body: ValidJson<PlanRestoreRequest>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    principal.authorize(Permission::OperateRuns, Some(tenant_id))?;
    let request = body.into_inner()?;
    check_target(&state, tenant_id).await?;
    let source_tenant_id = source_tenant(&state, &principal, request.source_backup_set_id).await?;
    let same_tenant = source_tenant_id == tenant_id;
    let mapping = group_mapping(request.group_mapping, same_tenant)?;
    if same_tenant && request.match_groups_by_name {
        return Err(ApiError::validation(
            "match_groups_by_name",
            ErrorCode::InvalidGroupMapping,
            "a restore into the set's own tenant keeps its groups: leave match_groups_by_name out",
        ));
    }
    let selection = request.selection.unwrap_or_default();
    let selection = RestoreSelection {
        types: selection.types,
        item_ids: selection.item_ids,
    };
    let graph = state.graph.as_ref().ok_or_else(restores_unavailable)?;
    let groups: HashMap<String, String> = mapping.clone().into_iter().collect();
    let plan = make_plan(
        &state.pool,
        graph,
        &state.secrets,
        &PlanInput {
            tenant_id,
            source_tenant_id,
            source_backup_set_id: request.source_backup_set_id,
            selection: &selection,
            groups: &groups,
            match_groups_by_name: request.match_groups_by_name,
        },
    )
    .await
    .map_err(plan_failure)?;
    let restore_id = Uuid::now_v7();
    let command = RestoreCommand::Plan(Box::new(PlanRestore {
        restore_id,
        tenant_id,
        source_tenant_id,
        source_backup_set_id: request.source_backup_set_id,
        selection,
        group_mapping: plan.groups.into_iter().collect(),
        group_matches: plan.group_matches,
        items: plan.items,
        now: state.clock.now(),
    }));
    record(&state, &context, tenant_id, restore_id, command).await?;
    let restore = find_restore(&state, tenant_id, restore_id).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/tenants/{tenant_id}/restores/{restore_id}"),
        ))
        .insert_header((header::ETAG, format!("\"{}\"", restore.version)))
        .json(restore))
}

/// List a tenant's restores (planned or applied into it), newest first.
#[utoipa::path(
    tag = TAG_RESTORES,
    params(("tenant_id" = Uuid, Path, description = "The tenant written into"), PageQuery),
    responses((status = 200, description = "One page of restores, without their items", body = Page<RestoreResponse>))
)]
#[get("/tenants/{tenant_id}/restores")]
async fn list_restores(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<String>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let page = query.into_inner()?.validate()?;
    let sql = format!(
        "SELECT {RESTORE_COLUMNS} FROM restores
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    );
    let rows = state
        .pool
        .get()
        .await?
        .query(&sql, &[&tenant_id, &page.after, &(page.limit + 1)])
        .await?;
    let restores = rows.iter().map(RestoreResponse::from_row).collect();
    Ok(HttpResponse::Ok().json(Page::from_rows(restores, page, |r: &RestoreResponse| r.id)))
}

/// Get a restore: where it is, its counts (by action, applied, failed, verified), who
/// planned, approved and applied it. Its items are paged at `.../items`.
#[utoipa::path(
    tag = TAG_RESTORES,
    params(("tenant_id" = Uuid, Path, description = "The tenant written into"),
           ("restore_id" = Uuid, Path, description = "The restore's id")),
    responses((status = 200, description = "The restore", body = RestoreResponse, headers(("ETag" = String))))
)]
#[get("/tenants/{tenant_id}/restores/{restore_id}")]
async fn get_restore(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, restore_id) = restore_path(&path)?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let restore = find_restore(&state, tenant_id, restore_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", restore.version)))
        .json(restore))
}

/// List a restore's items in the order they are written: each one's planned action (with an
/// update's changes and the assignments left out), and once applied its outcome, the Graph
/// requests sent, Graph's refusal and its verification.
#[utoipa::path(
    tag = TAG_RESTORES,
    params(("tenant_id" = Uuid, Path, description = "The tenant written into"),
           ("restore_id" = Uuid, Path, description = "The restore's id"),
           RestoreItemQuery),
    responses((status = 200, description = "One page of the restore's items, in write order", body = Page<RestoreItemResponse>))
)]
#[get("/tenants/{tenant_id}/restores/{restore_id}/items")]
async fn list_restore_items(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<RestoreItemQuery>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, restore_id) = restore_path(&path)?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let query = query.into_inner()?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    }
    .validate()?;
    find_restore(&state, tenant_id, restore_id).await?;
    let client = state.pool.get().await?;
    // the cursor is the previous page's last item: the page goes on after its position
    let after = match page.after {
        None => -1,
        Some(item_id) => client
            .query_opt(
                "SELECT position FROM restore_items WHERE restore_id = $1 AND item_id = $2",
                &[&restore_id, &item_id],
            )
            .await?
            .map(|row| row.get::<_, i32>(0))
            .ok_or_else(invalid_cursor)?,
    };
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM restore_items
         WHERE restore_id = $1 AND position > $2
           AND ($3::text IS NULL OR action = $3) AND ($4::text IS NULL OR outcome = $4)
         ORDER BY position LIMIT $5"
    );
    let action = query.action.map(|action| action.as_str());
    let outcome = query.outcome.map(|outcome| outcome.as_str());
    let rows = client
        .query(
            &sql,
            &[&restore_id, &after, &action, &outcome, &(page.limit + 1)],
        )
        .await?;
    let items = rows.iter().map(RestoreItemResponse::from_row).collect();
    Ok(HttpResponse::Ok().json(Page::from_rows(
        items,
        page,
        |item: &RestoreItemResponse| item.item_id,
    )))
}

/// Get one item of a restore: its plan, outcome, the Graph requests sent, Graph's refusal
/// and its verification (an item of `.../items`, by its id in the source set).
#[utoipa::path(
    tag = TAG_RESTORES,
    params(("tenant_id" = Uuid, Path, description = "The tenant written into"),
           ("restore_id" = Uuid, Path, description = "The restore's id"),
           ("item_id" = Uuid, Path, description = "The item's id in the source set")),
    responses((status = 200, description = "The item", body = RestoreItemResponse))
)]
#[get("/tenants/{tenant_id}/restores/{restore_id}/items/{item_id}")]
async fn get_restore_item(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let restore_id = parse_id(&path.1, "restore_id")?;
    let item_id = parse_id(&path.2, "item_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    find_restore(&state, tenant_id, restore_id).await?;
    let sql =
        format!("SELECT {ITEM_COLUMNS} FROM restore_items WHERE restore_id = $1 AND item_id = $2");
    let item = state
        .pool
        .get()
        .await?
        .query_opt(&sql, &[&restore_id, &item_id])
        .await?
        .map(|row| RestoreItemResponse::from_row(&row))
        .ok_or(ApiError::NotFound("restore item"))?;
    Ok(HttpResponse::Ok().json(item))
}

/// Approve a planned restore (when `TENANTPILOT_RESTORE_APPROVALS` asks for more than the
/// applier): an admin other than the one who applies.
#[utoipa::path(
    tag = TAG_RESTORES,
    params(("tenant_id" = Uuid, Path, description = "The tenant written into"),
           ("restore_id" = Uuid, Path, description = "The restore's id")),
    responses(
        (status = 200, description = "The restore with the approval", body = RestoreResponse),
        (status = 409, description = "`restore_not_planned`, `restore_already_approved`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/restores/{restore_id}/approve")]
async fn approve_restore(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, restore_id) = restore_path(&path)?;
    principal.authorize(Permission::ManageTenants, Some(tenant_id))?;
    find_restore(&state, tenant_id, restore_id).await?;
    let command = RestoreCommand::Approve {
        approver: principal.token_id.clone(),
        now: state.clock.now(),
    };
    record(&state, &context, tenant_id, restore_id, command).await?;
    Ok(HttpResponse::Ok().json(find_restore(&state, tenant_id, restore_id).await?))
}

/// Apply a planned restore: the live target is read again first (a plan whose live objects
/// changed since is refused with `restore_plan_stale`), then a worker writes the items in
/// dependency order and verifies them. Admins only.
#[utoipa::path(
    tag = TAG_RESTORES,
    params(("tenant_id" = Uuid, Path, description = "The tenant written into"),
           ("restore_id" = Uuid, Path, description = "The restore's id")),
    responses(
        (status = 202, description = "The restore, queued for a worker", body = RestoreResponse, headers(("Location" = String))),
        (status = 409, description = "`restore_not_planned` (applied already), `restore_needs_approval`, `restore_plan_stale`, `tenant_inactive`, `restore_permission_missing`, `target_unreadable`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`backup_set_deleted` or `backup_set_purged`: the source set", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tenants/{tenant_id}/restores/{restore_id}/apply")]
async fn apply_restore(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant_id, restore_id) = restore_path(&path)?;
    principal.authorize(Permission::ManageTenants, Some(tenant_id))?;
    let restore = find_restore(&state, tenant_id, restore_id).await?;
    if restore.status != "planned" {
        return Err(ApiError::Conflict {
            code: ErrorCode::RestoreNotPlanned,
            detail: format!(
                "the restore is {}; a plan is applied once: plan again",
                restore.status
            ),
        });
    }
    check_target(&state, tenant_id).await?;
    source_tenant(&state, &principal, restore.source_backup_set_id).await?;
    let planned = planned_items(&state, restore_id).await?;
    let graph = state.graph.as_ref().ok_or_else(restores_unavailable)?;
    let selection: RestoreSelection =
        serde_json::from_value(restore.selection.clone()).unwrap_or_default();
    let groups: HashMap<String, String> =
        serde_json::from_value(restore.group_mapping.clone()).unwrap_or_default();
    let now = make_plan(
        &state.pool,
        graph,
        &state.secrets,
        &PlanInput {
            tenant_id,
            source_tenant_id: restore.source_tenant_id,
            source_backup_set_id: restore.source_backup_set_id,
            selection: &selection,
            groups: &groups,
            // the groups matched when it was planned are in its mapping
            match_groups_by_name: false,
        },
    )
    .await
    .map_err(plan_failure)?;
    let stale = stale_items(&planned, &now.items);
    if !stale.is_empty() {
        return Err(ApiError::Conflict {
            code: ErrorCode::RestorePlanStale,
            detail: format!(
                "the target changed since the plan was made ({}); nothing was written: plan again",
                stale.join(", ")
            ),
        });
    }
    let command = RestoreCommand::Apply {
        applier: principal.token_id.clone(),
        required_approvals: state.restore_approvals,
        now: state.clock.now(),
    };
    record(&state, &context, tenant_id, restore_id, command).await?;
    let location = format!("/api/v1/tenants/{tenant_id}/restores/{restore_id}");
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location))
        .json(find_restore(&state, tenant_id, restore_id).await?))
}

async fn planned_items(state: &AppState, restore_id: Uuid) -> Result<Vec<PlannedItem>, ApiError> {
    let rows = state
        .pool
        .get()
        .await?
        .query(
            "SELECT plan FROM restore_items WHERE restore_id = $1 ORDER BY position",
            &[&restore_id],
        )
        .await?;
    rows.iter()
        .map(|row| {
            serde_json::from_value(row.get(0))
                .map_err(|error| ApiError::Internal(format!("unreadable plan item: {error}")))
        })
        .collect()
}
