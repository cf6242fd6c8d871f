//! Making a plan: the source set's selected items read from the store, the live target read
//! from Graph (the selected, writable types only), then `plan::plan_items`. Used when a
//! restore is planned and again when it is applied (a plan whose live objects changed since
//! is refused). Nothing here writes to Graph.

use std::collections::{BTreeSet, HashMap};

use deadpool_postgres::Pool;
use uuid::Uuid;

use super::group_match::{match_by_name, MatchError, SourceDirectory};
use super::plan::{classify, in_write_order, matched_ids, Target};
use super::source::{assigned_group_ids, set_items, with_contents, SourceError};
use crate::backup::sets::TreeItem;
use crate::domain::restore::{GroupMatch, PlannedItem, RestoreSelection};
use crate::graph::write::{write_role, write_support, WriteSupport};
use crate::graph::{FetchedObject, GraphClient, GraphError, GraphErrorCode};
use crate::scheduler::worker::context::{tenant_credentials, ContextError};
use crate::secrets::SecretCipher;

/// Source items whose contents are held parsed at once while a plan classifies them.
const CONTENT_BATCH: usize = 50;

/// What a plan is made of.
pub struct PlanInput<'a> {
    pub tenant_id: Uuid,
    pub source_tenant_id: Uuid,
    pub source_backup_set_id: Uuid,
    pub selection: &'a RestoreSelection,
    /// Source group id → target group id (across tenants).
    pub groups: &'a HashMap<String, String>,
    /// Across tenants: map the assigned groups `groups` leaves out by display name.
    pub match_groups_by_name: bool,
}

/// A plan: its items in write order, and the groups their assignments go to.
pub struct Plan {
    pub items: Vec<PlannedItem>,
    /// The given mapping with the groups matched by name added.
    pub groups: HashMap<String, String>,
    /// Each group looked up by name, matched or not.
    pub group_matches: Vec<GroupMatch>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Source(#[from] SourceError),
    #[error("the selection names what the set does not hold: {}", .0.join(", "))]
    UnknownItems(Vec<String>),
    #[error("the target tenant cannot be used: {code}: {message}")]
    Target { code: &'static str, message: String },
    #[error("Graph refused to read the target: {0}")]
    Graph(GraphError),
    #[error("the target tenant's app registration lacks {}: a restore of the selected types writes with them", .0.join(", "))]
    MissingRoles(Vec<String>),
    #[error("matching groups by display name reads them in both tenants: the app registration of {0} lacks Group.Read.All")]
    GroupNamesUnreadable(&'static str),
    #[error("the group mapping names target groups the target tenant does not have: {}", .0.join(", "))]
    UnknownGroups(Vec<String>),
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
}

impl From<ContextError> for PlanError {
    fn from(error: ContextError) -> Self {
        match error {
            ContextError::Database(error) => Self::Database(error),
            ContextError::Pool(error) => Self::Pool(error),
        }
    }
}

/// The plan's items, in the order the apply writes them.
pub async fn make_plan(
    pool: &Pool,
    graph: &GraphClient,
    secrets: &SecretCipher,
    input: &PlanInput<'_>,
) -> Result<Plan, PlanError> {
    let by_name = input.match_groups_by_name && input.tenant_id != input.source_tenant_id;
    // the connection is given back before Graph is read: a plan may take minutes
    let (selected, credentials, to_match, source_credentials) = {
        let client = pool.get().await?;
        let items = set_items(&**client, input.source_backup_set_id).await?;
        let selected = select(items, input.selection)?;
        let credentials = match tenant_credentials(&client, secrets, input.tenant_id).await? {
            Ok(credentials) => credentials,
            Err(preflight) => {
                return Err(PlanError::Target {
                    code: preflight.code,
                    message: preflight.message,
                })
            }
        };
        let (to_match, source_credentials) = if by_name {
            let mut assigned = assigned_group_ids(&**client, &selected).await?;
            assigned.retain(|id| !input.groups.contains_key(id));
            let source = tenant_credentials(&client, secrets, input.source_tenant_id)
                .await?
                .map_err(|preflight| format!("{}: {}", preflight.code, preflight.message));
            (assigned, Some(source))
        } else {
            (BTreeSet::new(), None)
        };
        (selected, credentials, to_match, source_credentials)
    };
    let mut groups = input.groups.clone();
    let group_matches = match &source_credentials {
        None => Vec::new(),
        Some(source) => {
            let directory = match source {
                Ok(credentials) => SourceDirectory::Readable(credentials),
                Err(why) => SourceDirectory::Unreadable(why.clone()),
            };
            match_by_name(graph, directory, &credentials, &to_match, &mut groups)
                .await
                .map_err(group_lookup_failure)?
        }
    };
    if !input.groups.is_empty() {
        let targets: Vec<String> = input
            .groups
            .values()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        match graph.missing_groups(&credentials, &targets).await {
            Ok(missing) if missing.is_empty() => {}
            Ok(missing) => return Err(PlanError::UnknownGroups(missing)),
            Err(error) if error.code == GraphErrorCode::PermissionMissing => {
                return Err(PlanError::MissingRoles(vec![
                    "Group.Read.All (to check the group mapping's target groups)".to_owned(),
                ]))
            }
            Err(error) => return Err(PlanError::Graph(error)),
        }
    }
    let types: BTreeSet<&str> = selected
        .iter()
        .map(|item| item.policy_type.as_str())
        .filter(|key| matches!(write_support(key), WriteSupport::Writable))
        .collect();
    let mut live: HashMap<String, Vec<FetchedObject>> = HashMap::new();
    for key in &types {
        let fetched = graph
            .fetch(&credentials, key)
            .await
            .map_err(PlanError::Graph)?;
        live.insert((*key).to_owned(), fetched.objects);
    }
    let target = Target {
        live: &live,
        same_tenant: input.tenant_id == input.source_tenant_id,
        groups: &groups,
    };
    let trees: Vec<&TreeItem> = selected.iter().collect();
    let ids = matched_ids(&trees, &target);
    // contents a few at a time: a parsed settings-catalog policy is several times its text,
    // and a type's worth of them (900 in the bench's tenant) was the restore's peak memory
    let mut items = Vec::with_capacity(selected.len());
    for chunk in selected.chunks(CONTENT_BATCH) {
        let sources = {
            let client = pool.get().await?;
            with_contents(&**client, chunk.to_vec()).await?
        };
        items.extend(sources.iter().map(|source| classify(source, &target, &ids)));
    }
    in_write_order(&mut items);
    let plan = |items| Plan {
        items,
        groups: groups.clone(),
        group_matches: group_matches.clone(),
    };
    if !items.iter().any(|item| item.action.writes()) {
        return Ok(plan(items));
    }
    let granted = graph
        .granted_roles(&credentials)
        .await
        .map_err(PlanError::Graph)?;
    let missing = missing_roles(&items, &granted);
    if !missing.is_empty() {
        return Err(PlanError::MissingRoles(missing));
    }
    Ok(plan(items))
}

/// A refused group lookup: a missing read permission is named like missing write roles.
fn group_lookup_failure(error: MatchError) -> PlanError {
    let (error, tenant) = match error {
        MatchError::Source(error) => (error, "the source tenant"),
        MatchError::Target(error) => (error, "the target tenant"),
    };
    if error.code == GraphErrorCode::PermissionMissing {
        return PlanError::GroupNamesUnreadable(tenant);
    }
    PlanError::Graph(error)
}

/// The selected items of the set: all, the listed types, and the listed items.
fn select(
    items: Vec<crate::backup::sets::TreeItem>,
    selection: &RestoreSelection,
) -> Result<Vec<crate::backup::sets::TreeItem>, PlanError> {
    if selection.types.is_empty() && selection.item_ids.is_empty() {
        return Ok(items);
    }
    let held_types: BTreeSet<&str> = items.iter().map(|item| item.policy_type.as_str()).collect();
    let held_ids: BTreeSet<Uuid> = items.iter().map(|item| item.id()).collect();
    let mut unknown: Vec<String> = selection
        .types
        .iter()
        .filter(|key| !held_types.contains(key.as_str()))
        .map(|key| format!("type {key}"))
        .collect();
    unknown.extend(
        selection
            .item_ids
            .iter()
            .filter(|id| !held_ids.contains(id))
            .map(|id| format!("item {id}")),
    );
    if !unknown.is_empty() {
        return Err(PlanError::UnknownItems(unknown));
    }
    Ok(items
        .into_iter()
        .filter(|item| {
            selection.types.contains(&item.policy_type) || selection.item_ids.contains(&item.id())
        })
        .collect())
}

/// The write permissions the plan's writes need that the token's `roles` lack.
fn missing_roles(items: &[PlannedItem], granted: &[String]) -> Vec<String> {
    items
        .iter()
        .filter(|item| item.action.writes())
        .map(|item| write_role(&item.policy_type))
        .filter(|role| !granted.iter().any(|g| g == role))
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Whether a plan still holds: the same items with the same actions, matched to the same
/// live objects in the same state. What differs, by display name, when it does not.
pub fn stale_items(planned: &[PlannedItem], now: &[PlannedItem]) -> Vec<String> {
    let current: HashMap<Uuid, &PlannedItem> =
        now.iter().map(|item| (item.item_id, item)).collect();
    planned
        .iter()
        .filter(|item| {
            current.get(&item.item_id).is_none_or(|fresh| {
                fresh.action != item.action
                    || fresh.target_id != item.target_id
                    || fresh.live_hash != item.live_hash
            })
        })
        .map(|item| format!("{} ({})", item.display_name, item.policy_type))
        .collect()
}
