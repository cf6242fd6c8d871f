//! `/api/v1/policy-types`: the catalog of Intune policy types a schedule can select.

use actix_web::{get, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiError;
use super::TAG_POLICY_TYPES;
use crate::auth::{Permission, Principal};
use crate::domain::policy_types::{PolicyType, FOUNDATION_TYPES, POLICY_TYPES};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "key": "settingsCatalog", "display_name": "Settings catalog policies",
    "category": "configuration", "graph_path": "/deviceManagement/configurationPolicies"
}))]
pub struct PolicyTypeResponse {
    /// The key used in a schedule's `policy_types`.
    pub key: String,
    pub display_name: String,
    /// configuration, compliance, scripts, enrollment, updates, apps, conditional_access,
    /// windows365, tenant_administration or foundation.
    pub category: String,
    /// The Microsoft Graph (beta) collection it is read from.
    pub graph_path: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [{"key": "settingsCatalog", "display_name": "Settings catalog policies",
               "category": "configuration", "graph_path": "/deviceManagement/configurationPolicies"}],
    "foundations": [{"key": "scopeTags", "display_name": "Scope tags", "category": "foundation",
                     "graph_path": "/deviceManagement/roleScopeTags"}]
}))]
pub struct PolicyTypeCatalog {
    /// Selectable in `policy_types`.
    pub items: Vec<PolicyTypeResponse>,
    /// Backed up alongside when a schedule sets `include_foundations`.
    pub foundations: Vec<PolicyTypeResponse>,
}

fn response(policy_type: &PolicyType) -> PolicyTypeResponse {
    PolicyTypeResponse {
        key: policy_type.key.to_owned(),
        display_name: policy_type.display_name.to_owned(),
        category: serde_json::to_value(policy_type.category)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default(),
        graph_path: policy_type.graph_path.to_owned(),
    }
}

/// The policy-type catalog.
#[utoipa::path(
    tag = TAG_POLICY_TYPES,
    responses((status = 200, description = "Every selectable policy type and the foundations", body = PolicyTypeCatalog))
)]
#[get("/policy-types")]
pub async fn list_policy_types(principal: Principal) -> Result<HttpResponse, ApiError> {
    principal.authorize(Permission::Read, None)?;
    Ok(HttpResponse::Ok().json(PolicyTypeCatalog {
        items: POLICY_TYPES.iter().map(response).collect(),
        foundations: FOUNDATION_TYPES.iter().map(response).collect(),
    }))
}
