//! `GET .../backup-sets/{id}/diff?against=...`: what changed from `against` (the older side,
//! usually) to this set. Pure logic in `backup::diff`; this loads the two trees, and the
//! content of changed items only (unchanged items compare by hash).

use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::{find_set, load_contents, load_items, BackupItemResponse, BackupSetResponse};
use crate::api::error::{ApiError, ErrorCode, FieldError, Problem};
use crate::api::extract::{parse_id, ValidQuery};
use crate::api::state::AppState;
use crate::api::TAG_BACKUP_SETS;
use crate::auth::{Permission, Principal};
use crate::backup::diff::{diff_content, diff_trees, Change, ChangeOp};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The set to compare with: another set of the tenant (any schedule), or `previous`,
    /// the newest earlier live set of the same schedule. A UUID only in its hyphenated form.
    #[param(
        pattern = r"^(previous|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    pub against: String,
}

/// One difference inside an item, at an RFC 6901 pointer into the normalized content.
/// Elements of settings lists are named by their `settingDefinitionId` and assignments by
/// their target's `groupId` (else its `@odata.type`) instead of their position.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentChange {
    pub op: ChangeOpName,
    #[schema(
        example = "/settings/device_vendor_msft_policy_config_x/settingInstance/simpleSettingValue/value"
    )]
    pub pointer: String,
    /// The value in `against` (absent for `add`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<serde_json::Value>,
    /// The value in this set (absent for `remove`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOpName {
    Add,
    Remove,
    Replace,
}

impl From<Change> for ContentChange {
    fn from(change: Change) -> Self {
        Self {
            op: match change.op {
                ChangeOp::Add => ChangeOpName::Add,
                ChangeOp::Remove => ChangeOpName::Remove,
                ChangeOp::Replace => ChangeOpName::Replace,
            },
            pointer: change.pointer,
            old: change.old,
            new: change.new,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedItem {
    /// The item as in this set.
    pub item: BackupItemResponse,
    /// Its content hash in `against`.
    pub old_content_hash: String,
    pub changes: Vec<ContentChange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackupSetDiff {
    pub backup_set_id: Uuid,
    /// The set compared with (resolved when `previous` was asked).
    pub against_id: Uuid,
    /// In this set, not in `against`.
    pub added: Vec<BackupItemResponse>,
    /// In `against`, not in this set.
    pub removed: Vec<BackupItemResponse>,
    pub changed: Vec<ChangedItem>,
    /// Items with the same content (also when only the order of their settings differs).
    pub unchanged_count: usize,
}

/// Compare a backup set with another set of the tenant, or with its schedule's previous one.
#[utoipa::path(
    tag = TAG_BACKUP_SETS,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("backup_set_id" = Uuid, Path, description = "The backup set's id"),
           DiffQuery),
    responses(
        (status = 200, description = "Items added, removed and changed", body = BackupSetDiff),
        (status = 409, description = "`no_previous_backup_set`: `against=previous`, but the schedule has no earlier live set",
         body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tenants/{tenant_id}/backup-sets/{backup_set_id}/diff")]
pub(super) async fn diff_backup_sets(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<DiffQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let set_id = parse_id(&path.1, "backup_set_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let query = query.into_inner()?;
    let against = parse_against(&query.against)?;
    let set = find_set(&state, &principal, tenant_id, set_id).await?;
    let other = match against {
        Some(id) => find_set(&state, &principal, tenant_id, id).await?,
        None => previous_set(&state, &set).await?,
    };
    let (new_items, old_items) = (
        load_items(&state, &set.tree_hash).await?,
        load_items(&state, &other.tree_hash).await?,
    );
    let tree = diff_trees(&old_items, &new_items);
    let hashes: Vec<&str> = tree
        .changed
        .iter()
        .flat_map(|(old, new)| [old.content_hash.as_str(), new.content_hash.as_str()])
        .collect();
    let contents = load_contents(&state, &hashes).await?;
    let missing = || ApiError::Internal("a changed item's blob is missing".to_owned());
    let mut changed = Vec::with_capacity(tree.changed.len());
    let mut unchanged_count = tree.unchanged;
    for (old, new) in &tree.changed {
        let before = contents.get(&old.content_hash).ok_or_else(missing)?;
        let after = contents.get(&new.content_hash).ok_or_else(missing)?;
        let changes = diff_content(before, after);
        // other hashes, same content: only the order of matched settings differs
        if changes.is_empty() {
            unchanged_count += 1;
            continue;
        }
        changed.push(ChangedItem {
            item: BackupItemResponse::from(*new),
            old_content_hash: old.content_hash.clone(),
            changes: changes.into_iter().map(ContentChange::from).collect(),
        });
    }
    Ok(HttpResponse::Ok().json(BackupSetDiff {
        backup_set_id: set.id,
        against_id: other.id,
        added: tree
            .added
            .into_iter()
            .map(BackupItemResponse::from)
            .collect(),
        removed: tree
            .removed
            .into_iter()
            .map(BackupItemResponse::from)
            .collect(),
        changed,
        unchanged_count,
    }))
}

/// `None` for `previous`; the schema's pattern, enforced (a UUID only hyphenated).
fn parse_against(raw: &str) -> Result<Option<Uuid>, ApiError> {
    if raw == "previous" {
        return Ok(None);
    }
    match Uuid::try_parse(raw) {
        Ok(id) if raw.len() == 36 => Ok(Some(id)),
        _ => Err(ApiError::BadRequest(FieldError::new(
            "against",
            ErrorCode::InvalidQuery,
            "against must be a backup set id or `previous`",
        ))),
    }
}

/// The newest live set of the same schedule created before `set`.
async fn previous_set(
    state: &AppState,
    set: &BackupSetResponse,
) -> Result<BackupSetResponse, ApiError> {
    let sql = format!(
        "SELECT {} FROM backup_sets
         WHERE schedule_id = $1 AND tenant_id = $2 AND deleted_at IS NULL
           AND (created_at, id) < ($3, $4)
         ORDER BY created_at DESC, id DESC LIMIT 1",
        super::model::SET_COLUMNS
    );
    state
        .pool
        .get()
        .await?
        .query_opt(
            &sql,
            &[&set.schedule_id, &set.tenant_id, &set.created_at, &set.id],
        )
        .await?
        .map(|row| BackupSetResponse::from_row(&row))
        .ok_or_else(|| ApiError::Conflict {
            code: ErrorCode::NoPreviousBackupSet,
            detail: "the schedule has no live backup set before this one".to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn against_takes_previous_or_a_hyphenated_uuid_only() {
        assert!(parse_against("previous").unwrap().is_none());
        let id = Uuid::now_v7();
        assert_eq!(parse_against(&id.to_string()).unwrap(), Some(id));
        assert!(parse_against(&id.simple().to_string()).is_err());
        assert!(parse_against("Previous").is_err());
    }
}
