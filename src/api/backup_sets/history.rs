//! A policy's history across the tenant's live backup sets: each distinct content it was
//! backed up with, the first and last set holding it, and the difference between two.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::diff::ContentChange;
use super::model::load_contents;
use crate::api::error::{ApiError, ErrorCode, FieldError};
use crate::api::extract::{parse_id, ValidQuery};
use crate::api::pagination::{Page, PageQuery};
use crate::api::state::AppState;
use crate::api::TAG_POLICIES;
use crate::auth::{Permission, Principal};
use crate::backup::diff::diff_content;

/// One distinct content of the policy. Lists are ordered by `first_backup_set_id` (a
/// UUIDv7: oldest first), which is also the page cursor, like every other list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersion {
    /// SHA-256 of the canonical content: the version's id.
    pub content_hash: String,
    pub first_backup_set_id: Uuid,
    pub first_backed_up_at: DateTime<Utc>,
    pub last_backup_set_id: Uuid,
    pub last_backed_up_at: DateTime<Utc>,
    /// Live sets holding this content.
    pub backup_set_count: u32,
}

/// The policy's versions in the order they were first backed up. A content that comes
/// back later (a change undone) is one version, with its first and last set.
async fn versions(
    state: &AppState,
    tenant_id: Uuid,
    policy_id: Uuid,
) -> Result<Vec<PolicyVersion>, ApiError> {
    let client = state.pool.get().await?;
    let policy = client
        .query_opt(
            "SELECT policy_type, graph_id FROM policies WHERE id = $1 AND tenant_id = $2",
            &[&policy_id, &tenant_id],
        )
        .await?
        .ok_or(ApiError::NotFound("policy"))?;
    let (policy_type, graph_id): (String, String) = (policy.get(0), policy.get(1));
    // containment finds the trees holding the item (a GIN index would serve it, if needed)
    let rows = client
        .query(
            "SELECT s.id, s.created_at, i->>'content_hash'
             FROM backup_sets s
             JOIN backup_trees t ON t.hash = s.tree_hash
             CROSS JOIN LATERAL jsonb_array_elements(t.items) i
             WHERE s.tenant_id = $1 AND s.deleted_at IS NULL
               AND t.items @> jsonb_build_array(jsonb_build_object('policy_type', $2::text,
                                                                   'graph_id', $3::text))
               AND i->>'policy_type' = $2 AND i->>'graph_id' = $3
             ORDER BY s.created_at, s.id",
            &[&tenant_id, &policy_type, &graph_id],
        )
        .await?;
    let mut versions: Vec<PolicyVersion> = Vec::new();
    for row in rows {
        let (set_id, at, hash): (Uuid, DateTime<Utc>, String) =
            (row.get(0), row.get(1), row.get(2));
        match versions
            .iter_mut()
            .find(|version| version.content_hash == hash)
        {
            Some(version) => {
                version.last_backup_set_id = set_id;
                version.last_backed_up_at = at;
                version.backup_set_count += 1;
            }
            None => versions.push(PolicyVersion {
                content_hash: hash,
                first_backup_set_id: set_id,
                first_backed_up_at: at,
                last_backup_set_id: set_id,
                last_backed_up_at: at,
                backup_set_count: 1,
            }),
        }
    }
    versions.sort_by_key(|version| version.first_backup_set_id);
    Ok(versions)
}

/// The distinct contents a policy was backed up with, across the tenant's live sets: a
/// page, like every list (`next_cursor` is the last version's `first_backup_set_id`).
#[utoipa::path(
    tag = TAG_POLICIES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("policy_id" = Uuid, Path, description = "The policy's id"),
           PageQuery),
    responses((status = 200, description = "One page of the policy's versions, oldest first", body = PolicyVersionPage))
)]
#[get("/tenants/{tenant_id}/policies/{policy_id}/versions")]
pub(super) async fn list_policy_versions(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let policy_id = parse_id(&path.1, "policy_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let page = query.into_inner()?.validate()?;
    let rows = versions(&state, tenant_id, policy_id)
        .await?
        .into_iter()
        .filter(|version| {
            page.after
                .is_none_or(|after| version.first_backup_set_id > after)
        })
        .take(page.limit as usize + 1)
        .collect();
    let page = Page::from_rows(rows, page, |version: &PolicyVersion| {
        version.first_backup_set_id
    });
    Ok(HttpResponse::Ok().json(PolicyVersionPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One page of a policy's versions. Named (not the generic `Page`) so that `PolicyVersion`
/// is a component of its own that clients can name.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyVersionPage {
    pub items: Vec<PolicyVersion>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionDiffQuery {
    /// The older version's `content_hash`.
    #[param(pattern = "^[0-9a-f]{64}$")]
    pub from: String,
    /// The newer version's `content_hash`.
    #[param(pattern = "^[0-9a-f]{64}$")]
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDiff {
    pub from: String,
    pub to: String,
    /// As in a backup-set diff: RFC 6901 pointers into the normalized content.
    pub changes: Vec<ContentChange>,
}

/// The differences between two versions of a policy.
#[utoipa::path(
    tag = TAG_POLICIES,
    params(("tenant_id" = Uuid, Path, description = "The tenant's id"),
           ("policy_id" = Uuid, Path, description = "The policy's id"),
           VersionDiffQuery),
    responses((status = 200, description = "What changed from `from` to `to`", body = VersionDiff))
)]
#[get("/tenants/{tenant_id}/policies/{policy_id}/versions/diff")]
pub(super) async fn diff_policy_versions(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(String, String)>,
    query: ValidQuery<VersionDiffQuery>,
) -> Result<HttpResponse, ApiError> {
    let tenant_id = parse_id(&path.0, "tenant_id")?;
    let policy_id = parse_id(&path.1, "policy_id")?;
    principal.authorize(Permission::Read, Some(tenant_id))?;
    let query = query.into_inner()?;
    for (field, hash) in [("from", &query.from), ("to", &query.to)] {
        let valid =
            hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !valid {
            return Err(ApiError::BadRequest(FieldError::new(
                field,
                ErrorCode::InvalidQuery,
                format!("{field} must be a content_hash (64 lowercase hex digits)"),
            )));
        }
    }
    let versions = versions(&state, tenant_id, policy_id).await?;
    // only the policy's own versions: a hash of another policy (or tenant) is not found
    for hash in [&query.from, &query.to] {
        if !versions.iter().any(|version| &version.content_hash == hash) {
            return Err(ApiError::NotFound("policy version"));
        }
    }
    let contents = load_contents(&state, &[query.from.as_str(), query.to.as_str()]).await?;
    let missing = || ApiError::Internal("a version's blob is missing".to_owned());
    let before = contents.get(&query.from).ok_or_else(missing)?;
    let after = contents.get(&query.to).ok_or_else(missing)?;
    Ok(HttpResponse::Ok().json(VersionDiff {
        changes: diff_content(before, after)
            .into_iter()
            .map(ContentChange::from)
            .collect(),
        from: query.from,
        to: query.to,
    }))
}
