//! A set's items: listed from its tree (filtered, paged by the stable item id in tree
//! order), and one item with its full content.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::model::{
    find_set, load_contents, load_items, BackupItemDetail, BackupItemResponse, ItemSecret,
};
use crate::api::error::{ApiError, ErrorCode, FieldError};
use crate::api::extract::{parse_id, ValidQuery};
use crate::api::openapi::schemas::InventoryTypeKey;
use crate::api::pagination::{invalid_cursor, Page, PageQuery};
use crate::api::state::AppState;
use crate::api::TAG_BACKUP_SETS;
use crate::auth::{Permission, Principal};
use crate::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};
use crate::secrets::backup_values;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BackupItemQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (an item id).
    #[param(value_type = Option<Uuid>)]
    pub cursor: Option<String>,
    /// Only this type (a key of `GET /api/v1/policy-types`, foundations included).
    #[param(inline, value_type = Option<InventoryTypeKey>)]
    pub policy_type: Option<String>,
    /// Only items whose display name contains this text (case-insensitive).
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub search: Option<String>,
}

pub fn known_type(key: &str) -> bool {
    POLICY_TYPES
        .iter()
        .chain(FOUNDATION_TYPES)
        .any(|policy_type| policy_type.key == key)
}

/// List a backup set's items in tree order (policy type, then Graph id).
#[utoipa::path(
    tag = TAG_BACKUP_SETS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("backup_set_id" = Uuid, Path, description = "The backup set's id"),
           BackupItemQuery),
    responses((status = 200, description = "One page of the set's items", body = Page<BackupItemResponse>))
)]
#[get("/tenants/{tenant_id}/backup-sets/{backup_set_id}/items")]
pub(super) async fn list_backup_items(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<BackupItemQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let set_id = parse_id(&path.1, "backup_set_id")?;
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
    let search = match query.search.as_deref() {
        Some(text) if text.is_empty() || text.chars().count() > 200 => {
            return Err(ApiError::BadRequest(FieldError::new(
                "search",
                ErrorCode::InvalidQuery,
                "search must be 1 to 200 characters",
            )))
        }
        other => other.map(str::to_lowercase),
    };
    let set = find_set(&state, &principal, tenant_id, set_id).await?;
    let items = load_items(&state, &set.tree_hash).await?;
    let mut matching = items.iter().filter(|item| {
        query
            .policy_type
            .as_deref()
            .is_none_or(|key| item.policy_type == key)
            && search
                .as_deref()
                .is_none_or(|text| item.display_name.to_lowercase().contains(text))
    });
    // the cursor is the id of the previous page's last item, which is in this tree
    if let Some(after) = page.after {
        if !matching.by_ref().any(|item| item.id() == after) {
            return Err(invalid_cursor());
        }
    }
    let rows = matching
        .take(page.limit as usize + 1)
        .map(BackupItemResponse::from)
        .collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(rows, page, |item: &BackupItemResponse| {
            item.id
        })),
    )
}

/// Get one item of a backup set with its full content.
#[utoipa::path(
    tag = TAG_BACKUP_SETS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("backup_set_id" = Uuid, Path, description = "The backup set's id"),
           ("item_id" = Uuid, Path, description = "The item's id (stable across sets)")),
    responses((status = 200, description = "The item with its content", body = BackupItemDetail))
)]
#[get("/tenants/{tenant_id}/backup-sets/{backup_set_id}/items/{item_id}")]
pub(super) async fn get_backup_item(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let set_id = parse_id(&path.1, "backup_set_id")?;
    let item_id = parse_id(&path.2, "item_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let set = find_set(&state, &principal, tenant_id, set_id).await?;
    let items = load_items(&state, &set.tree_hash).await?;
    let item = items
        .iter()
        .find(|item| item.id() == item_id)
        .ok_or(ApiError::NotFound("backup item"))?;
    let content = load_contents(&state, &[item.content_hash.as_str()])
        .await?
        .remove(&item.content_hash)
        .ok_or_else(|| ApiError::Internal(format!("blob {} is missing", item.content_hash)))?;
    let client = state.pool.get().await?;
    let secrets = backup_values::markers(&client, set_id, &item.policy_type, &item.graph_id)
        .await?
        .into_iter()
        .map(|marker| ItemSecret {
            path: marker.path,
            captured: marker.captured,
        })
        .collect();
    Ok(HttpResponse::Ok().json(BackupItemDetail {
        item: BackupItemResponse::from(item),
        content,
        secrets,
    }))
}
