//! `/api/v1/tenants/{tenant_id}/policies`: the synced inventory of a tenant's Intune
//! policies (what the last sync of each type found), and whether each is backed up.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Row;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::context::RequestContext;
use super::error::{ApiError, ErrorCode, FieldError};
use super::extract::{parse_id, ValidQuery};
use super::openapi::schemas::InventoryTypeKey;
use super::pagination::{Page, PageQuery};
use super::state::AppState;
use super::tenants::find_tenant;
use super::written::{answer_committed, WriteAccepted};
use super::TAG_POLICIES;
use crate::auth::{Permission, Principal};
use crate::domain::policy::PolicyCommand;
use crate::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_policies)
        .service(get_policy)
        .service(ignore_policy)
        .service(unignore_policy);
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PolicyQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<Uuid>)]
    pub cursor: Option<String>,
    /// Only this type (a key of `GET /api/v1/policy-types`, foundations included).
    #[param(inline, value_type = Option<InventoryTypeKey>)]
    pub policy_type: Option<String>,
    /// Only policies whose display name contains this text (case-insensitive).
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub search: Option<String>,
    /// Include policies no longer found in Graph (default false).
    pub include_deleted: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c6-5f6a-7b7c-8d9e-4f5a6b7c8d9e", "policy_type": "settingsCatalog",
    "graph_id": "5c1e2b3a-9d8c-4b7a-8e6f-1a2b3c4d5e6f", "display_name": "Windows baseline",
    "content_hash": "9f2c…", "is_foundation": false, "ignored": false,
    "last_modified": "2026-11-20T10:15:00Z", "first_seen_at": "2026-11-26T02:30:05Z",
    "last_changed_at": "2026-11-26T02:30:05Z", "deleted_upstream_at": null
}))]
pub struct PolicyResponse {
    pub id: Uuid,
    pub policy_type: String,
    /// The object's id in Microsoft Graph.
    pub graph_id: String,
    pub display_name: String,
    /// SHA-256 of the policy's canonical content (volatile fields removed).
    pub content_hash: String,
    pub is_foundation: bool,
    /// Ignored policies are not backed up.
    pub ignored: bool,
    /// Graph's `lastModifiedDateTime` when last read.
    pub last_modified: Option<String>,
    pub first_seen_at: DateTime<Utc>,
    /// When a sync last found it changed.
    pub last_changed_at: DateTime<Utc>,
    /// When a sync no longer found it in Graph.
    pub deleted_upstream_at: Option<DateTime<Utc>>,
}

const POLICY_COLUMNS: &str = "id, policy_type, graph_id, display_name, content_hash, \
     is_foundation, ignored, last_modified, first_seen_at, last_changed_at, deleted_upstream_at";

impl PolicyResponse {
    fn from_row(row: &Row) -> Self {
        Self {
            id: row.get(0),
            policy_type: row.get(1),
            graph_id: row.get(2),
            display_name: row.get(3),
            content_hash: row.get(4),
            is_foundation: row.get(5),
            ignored: row.get(6),
            last_modified: row.get(7),
            first_seen_at: row.get(8),
            last_changed_at: row.get(9),
            deleted_upstream_at: row.get(10),
        }
    }
}

fn known_type(key: &str) -> bool {
    POLICY_TYPES
        .iter()
        .chain(FOUNDATION_TYPES)
        .any(|policy_type| policy_type.key == key)
}

/// List a tenant's synced policies, by id (creation order).
#[utoipa::path(
    tag = TAG_POLICIES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"), PolicyQuery),
    responses((status = 200, description = "One page of policies", body = Page<PolicyResponse>))
)]
#[get("/tenants/{tenant_id}/policies")]
async fn list_policies(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<String>,
    query: ValidQuery<PolicyQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path, "tenant_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let query = query.into_inner()?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    }
    .validate()?;
    if let Some(key) = query.policy_type.as_deref().filter(|key| !known_type(key)) {
        return Err(ApiError::BadRequest(FieldError::new(
            "policy_type",
            ErrorCode::InvalidQuery,
            format!("{key:?} is not a policy type; see GET /api/v1/policy-types"),
        )));
    }
    if query
        .search
        .as_deref()
        .is_some_and(|text| text.is_empty() || text.chars().count() > 200)
    {
        return Err(ApiError::BadRequest(FieldError::new(
            "search",
            ErrorCode::InvalidQuery,
            "search must be 1 to 200 characters",
        )));
    }
    find_tenant(&state, tenant_id).await?;
    let search = query.search.as_deref().map(|text| {
        format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let sql = format!(
        "SELECT {POLICY_COLUMNS} FROM policies
         WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2)
           AND ($3::text IS NULL OR policy_type = $3)
           AND ($4::text IS NULL OR display_name ILIKE $4)
           AND ($5 OR deleted_upstream_at IS NULL)
         ORDER BY id LIMIT $6"
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
                &query.policy_type,
                &search,
                &query.include_deleted.unwrap_or(false),
                &(page.limit + 1),
            ],
        )
        .await?;
    let policies = rows.iter().map(PolicyResponse::from_row).collect();
    Ok(HttpResponse::Ok().json(Page::from_rows(
        policies,
        page,
        |policy: &PolicyResponse| policy.id,
    )))
}

/// The policy of that tenant, or 404 (also for another tenant's policy).
async fn find_policy(
    state: &AppState,
    tenant_id: Uuid,
    policy_id: Uuid,
) -> Result<PolicyResponse, ApiError> {
    let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE id = $1 AND tenant_id = $2");
    state
        .pool
        .get()
        .await?
        .query_opt(&sql, &[&policy_id, &tenant_id])
        .await?
        .map(|row| PolicyResponse::from_row(&row))
        .ok_or(ApiError::NotFound("policy"))
}

/// Get one synced policy.
#[utoipa::path(
    tag = TAG_POLICIES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("policy_id" = Uuid, Path, description = "The policy's id")),
    responses((status = 200, description = "The policy", body = PolicyResponse))
)]
#[get("/tenants/{tenant_id}/policies/{policy_id}")]
async fn get_policy(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let policy_id = parse_id(&path.1, "policy_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let policy = find_policy(&state, tenant_id, policy_id).await?;
    Ok(HttpResponse::Ok().json(policy))
}

async fn decide(
    state: &AppState,
    principal: &Principal,
    context: RequestContext,
    path: &(String, String),
    ignore: bool,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let policy_id = parse_id(&path.1, "policy_id")?;
    principal.authorize(Permission::ManageSchedules, Some(tenant_id))?;
    find_policy(state, tenant_id, policy_id).await?;
    let command = if ignore {
        PolicyCommand::Ignore { tenant_id }
    } else {
        PolicyCommand::Unignore { tenant_id }
    };
    let metadata = context.metadata(state.clock.now()).for_tenant(tenant_id);
    let committed = state
        .policies
        .execute(&policy_id.to_string(), command, &metadata, None)
        .await?;
    let accepted = WriteAccepted::new(
        format!("/api/v1/tenants/{tenant_id}/policies/{policy_id}"),
        Some(committed.version),
    );
    Ok(answer_committed(
        state,
        find_policy(state, tenant_id, policy_id),
        |policy| HttpResponse::build(StatusCode::OK).json(policy),
        accepted,
    )
    .await)
}

/// Exclude a policy from backups (it stays in the inventory and in sync reports).
#[utoipa::path(
    tag = TAG_POLICIES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("policy_id" = Uuid, Path, description = "The policy's id")),
    responses((status = 200, description = "The policy, now ignored", body = PolicyResponse))
)]
#[post("/tenants/{tenant_id}/policies/{policy_id}/ignore")]
async fn ignore_policy(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    decide(&state, &principal, context, &path, true).await
}

/// Back a policy up again.
#[utoipa::path(
    tag = TAG_POLICIES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("policy_id" = Uuid, Path, description = "The policy's id")),
    responses((status = 200, description = "The policy, backed up again", body = PolicyResponse))
)]
#[post("/tenants/{tenant_id}/policies/{policy_id}/unignore")]
async fn unignore_policy(
    state: web::Data<AppState>,
    principal: Principal,
    context: RequestContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    decide(&state, &principal, context, &path, false).await
}
