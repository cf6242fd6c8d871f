//! Reading a restore's source: the set's items and their stored contents.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tokio_postgres::GenericClient;
use uuid::Uuid;

use super::plan::SourceItem;
use crate::backup::items::parse_tree;
use crate::backup::sets::TreeItem;

/// The items of a set's tree.
pub async fn set_items(
    client: &impl GenericClient,
    backup_set_id: Uuid,
) -> Result<Vec<TreeItem>, SourceError> {
    let row = client
        .query_opt(
            "SELECT t.items FROM backup_sets s JOIN backup_trees t ON t.hash = s.tree_hash
             WHERE s.id = $1",
            &[&backup_set_id],
        )
        .await?
        .ok_or(SourceError::SetGone)?;
    parse_tree(row.get(0)).map_err(|error| SourceError::Unreadable(error.to_string()))
}

/// `items` with their contents, read in batches (a 2,000-item restore never holds one
/// statement's worth of every blob).
pub async fn with_contents(
    client: &impl GenericClient,
    items: Vec<TreeItem>,
) -> Result<Vec<SourceItem>, SourceError> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(200) {
        let hashes: Vec<&str> = chunk
            .iter()
            .map(|item| item.content_hash.as_str())
            .collect();
        let rows = client
            .query(
                "SELECT hash, content FROM content_blobs WHERE hash = ANY($1)",
                &[&hashes],
            )
            .await?;
        let contents: HashMap<String, serde_json::Value> =
            rows.iter().map(|row| (row.get(0), row.get(1))).collect();
        for item in chunk {
            let content = contents.get(&item.content_hash).cloned().ok_or_else(|| {
                SourceError::Unreadable(format!("content {} is missing", item.content_hash))
            })?;
            out.push(SourceItem {
                tree: item.clone(),
                content,
            });
        }
    }
    Ok(out)
}

/// The group ids the items' assignments target and their Conditional Access conditions
/// name, read in the database (no content is loaded here: a 2,000-item plan asks this
/// before it reads any content).
pub async fn assigned_group_ids(
    client: &impl GenericClient,
    items: &[TreeItem],
) -> Result<BTreeSet<String>, SourceError> {
    let hashes: Vec<&str> = items
        .iter()
        .map(|item| item.content_hash.as_str())
        .collect();
    let rows = client
        .query(
            "SELECT DISTINCT g #>> '{}'
             FROM content_blobs c, unnest($2::text[]) AS p (path),
                  jsonb_path_query(c.content, p.path::jsonpath) g
             WHERE c.hash = ANY($1) AND jsonb_typeof(g) = 'string'",
            &[&hashes, &GROUP_PATHS.as_slice()],
        )
        .await?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// Where groups are named: assignment targets, Conditional Access conditions, role
/// assignments.
const GROUP_PATHS: [&str; 6] = [
    "$.assignments[*].target.groupId",
    "$.conditions.users.includeGroups[*]",
    "$.conditions.users.excludeGroups[*]",
    "$.roleAssignments[*].members[*]",
    "$.roleAssignments[*].scopeMembers[*]",
    "$.roleAssignments[*].resourceScopes[*]",
];

/// The tree items by their item id.
pub fn by_item_id(items: &[TreeItem]) -> BTreeMap<Uuid, &TreeItem> {
    items.iter().map(|item| (item.id(), item)).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("the source backup set no longer exists (purged)")]
    SetGone,
    #[error("the source backup set cannot be read: {0}")]
    Unreadable(String),
}
