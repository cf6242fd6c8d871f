//! `GET /api/v1/me`: who the bearer token is (name, role, tenants) and what it may do, so a
//! client shapes its screens by the same permissions the server enforces instead of
//! keeping its own copy of the role table.

use actix_web::{get, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::ApiError;
use super::TAG_TOKENS;
use crate::auth::{allows, Permission, Principal};

pub fn routes(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(me);
}

/// Every permission, by the name this endpoint gives it.
const PERMISSIONS: [(Permission, &str); 9] = [
    (Permission::Read, "read"),
    (Permission::ManageTenants, "manage_tenants"),
    (Permission::ManageSchedules, "manage_schedules"),
    (Permission::OperateRuns, "operate_runs"),
    (Permission::ReadEvents, "read_events"),
    (Permission::ManageTokens, "manage_tokens"),
    (Permission::OwnNotifications, "own_notifications"),
    (Permission::ManageWebhooks, "manage_webhooks"),
    (Permission::ReadWebhooks, "read_webhooks"),
];

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "token_id": "0192f0c4-3d4e-7f5a-8b6c-2d3e4f5a6b7c", "name": "ci", "role": "operator",
    "tenant_ids": ["0192f0c1-6a4b-7c3d-9e8f-1a2b3c4d5e6f"],
    "permissions": ["read", "manage_schedules", "operate_runs", "own_notifications"]
}))]
pub struct CallerResponse {
    /// The token's id (`bootstrap-admin` for `TENANTPILOT_ADMIN_TOKEN`).
    pub token_id: String,
    pub name: String,
    /// `admin`, `operator`, `auditor` or `viewer`.
    pub role: String,
    /// The tenants the token sees; null: every tenant.
    pub tenant_ids: Option<Vec<Uuid>>,
    /// What the role may do: `read`, `manage_tenants`, `manage_schedules`, `operate_runs`,
    /// `read_events`, `manage_tokens`, `own_notifications`, `manage_webhooks`,
    /// `read_webhooks` (a tenant outside `tenant_ids` stays invisible whatever they say).
    pub permissions: Vec<String>,
}

/// The caller: the bearer token's name, role, tenants and permissions (every role).
#[utoipa::path(
    tag = TAG_TOKENS,
    responses((status = 200, description = "The caller", body = CallerResponse))
)]
#[get("/me")]
async fn me(principal: Principal) -> Result<HttpResponse, ApiError> {
    let permissions = PERMISSIONS
        .iter()
        .filter(|(permission, _)| allows(principal.role, *permission))
        .map(|(_, name)| (*name).to_owned())
        .collect();
    Ok(HttpResponse::Ok().json(CallerResponse {
        token_id: principal.token_id.clone(),
        name: principal.name.clone(),
        role: principal.role.as_str().to_owned(),
        tenant_ids: principal.visible_tenants(),
        permissions,
    }))
}
