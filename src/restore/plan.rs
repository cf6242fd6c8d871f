//! Planning: each selected source item matched with the live target and classified. Pure:
//! the caller reads the source set and the live target (src/restore/planner.rs).

use std::collections::HashMap;

use serde_json::Value;

use super::compare::{differences, remap};
use super::order::rank;
use crate::backup::sets::TreeItem;
use crate::domain::restore::{ItemAction, PlannedItem, UnmappedAssignment};
use crate::graph::write::{object_not_restorable, update_only, write_support, WriteSupport};
use crate::graph::FetchedObject;

/// One item of the source set with its stored content.
#[derive(Debug, Clone)]
pub struct SourceItem {
    pub tree: TreeItem,
    pub content: Value,
}

/// What the plan is made against.
pub struct Target<'a> {
    /// The live objects of each selected type.
    pub live: &'a HashMap<String, Vec<FetchedObject>>,
    /// Restoring into the set's own tenant: objects are matched by Graph id first; otherwise
    /// (and across tenants) by type and display name.
    pub same_tenant: bool,
    /// Source group id → target group id (across tenants).
    pub groups: &'a HashMap<String, String>,
}

/// Every source item classified, in the order the apply writes them.
pub fn plan_items(sources: &[SourceItem], target: &Target<'_>) -> Vec<PlannedItem> {
    let trees: Vec<&TreeItem> = sources.iter().map(|source| &source.tree).collect();
    let ids = matched_ids(&trees, target);
    let mut items: Vec<PlannedItem> = sources
        .iter()
        .map(|source| classify(source, target, &ids))
        .collect();
    in_write_order(&mut items);
    items
}

/// Source id → live id of every source item matched to a live object under another id:
/// references to objects that exist on both sides are rewritten before comparing. Needs the
/// items' names and ids only, so a plan can then read contents one type at a time.
pub fn matched_ids(trees: &[&TreeItem], target: &Target<'_>) -> HashMap<String, String> {
    let mut ids = target.groups.clone();
    for tree in trees {
        if let Match::One(live) = find_match(tree, target) {
            if live.graph_id != tree.graph_id {
                ids.insert(tree.graph_id.clone(), live.graph_id.clone());
            }
        }
    }
    ids
}

/// Sorts items in the order the apply writes them (dependencies first).
pub fn in_write_order(items: &mut [PlannedItem]) {
    items.sort_by(|a, b| {
        (
            rank(&a.policy_type),
            &a.policy_type,
            &a.display_name,
            &a.source_graph_id,
        )
            .cmp(&(
                rank(&b.policy_type),
                &b.policy_type,
                &b.display_name,
                &b.source_graph_id,
            ))
    });
}

enum Match<'a> {
    None,
    One(&'a FetchedObject),
    Several(usize),
}

fn find_match<'a>(tree: &TreeItem, target: &Target<'a>) -> Match<'a> {
    let Some(live) = target.live.get(&tree.policy_type) else {
        return Match::None;
    };
    // within one tenant the Graph id is the identity; when it is gone (the object was
    // deleted, or restored before under a new id) the type and name are, as across tenants
    if target.same_tenant {
        if let Some(object) = live.iter().find(|o| o.graph_id == tree.graph_id) {
            return Match::One(object);
        }
    }
    let named: Vec<&FetchedObject> = live
        .iter()
        .filter(|o| o.display_name == tree.display_name)
        .collect();
    match named.len() {
        0 => Match::None,
        1 => Match::One(named[0]),
        n => Match::Several(n),
    }
}

/// One source item classified against the live target (`ids` from [`matched_ids`]).
pub fn classify(
    source: &SourceItem,
    target: &Target<'_>,
    ids: &HashMap<String, String>,
) -> PlannedItem {
    let tree = &source.tree;
    let found = find_match(tree, target);
    let (content, unmapped) = if target.same_tenant {
        (source.content.clone(), Vec::new())
    } else {
        without_unmapped_groups(&source.content, target.groups)
    };
    let mut item = PlannedItem {
        item_id: tree.id(),
        policy_type: tree.policy_type.clone(),
        source_graph_id: tree.graph_id.clone(),
        display_name: tree.display_name.clone(),
        action: ItemAction::Unchanged,
        reason: None,
        target_id: None,
        live_hash: None,
        changes: Vec::new(),
        unmapped_assignments: unmapped,
    };
    if let WriteSupport::NotRestorable(why) = write_support(&tree.policy_type) {
        item.action = ItemAction::NotRestorable;
        item.reason = Some(why.to_owned());
        return item;
    }
    if let Some(why) = object_not_restorable(&tree.policy_type, &source.content) {
        item.action = ItemAction::NotRestorable;
        item.reason = Some(why);
        return item;
    }
    if !target.same_tenant {
        if let Some(why) = unmapped_conditions(&tree.policy_type, &source.content, target.groups) {
            item.action = ItemAction::NotRestorable;
            item.reason = Some(why);
            return item;
        }
    }
    match found {
        Match::Several(count) => {
            item.action = ItemAction::Conflict;
            item.reason = Some(format!(
                "{count} objects of this type in the target are named \"{}\": which one to write is ambiguous",
                tree.display_name
            ));
        }
        Match::None if update_only(&tree.policy_type, &source.content) => {
            item.action = ItemAction::NotRestorable;
            item.reason = Some(
                "a default object: Graph allows changing it, never creating it, and the target has none to change"
                    .to_owned(),
            );
        }
        Match::None => item.action = ItemAction::Create,
        Match::One(live) => {
            item.target_id = Some(live.graph_id.clone());
            item.live_hash = Some(live.content.hash().to_owned());
            let source = remap(&content, ids);
            let changes = differences(&tree.policy_type, &source, &live.content.to_value());
            if changes.is_empty() {
                item.action = ItemAction::Unchanged;
            } else {
                item.action = ItemAction::Update;
                item.changes = changes;
            }
        }
    }
    item
}

/// The content with the assignments whose group is not mapped left out, and those named.
pub fn without_unmapped_groups(
    content: &Value,
    groups: &HashMap<String, String>,
) -> (Value, Vec<UnmappedAssignment>) {
    let mut content = content.clone();
    let mut unmapped = Vec::new();
    if let Some(Value::Array(assignments)) = content.get_mut("assignments") {
        assignments.retain(|assignment| {
            let target = assignment.get("target");
            let Some(group) = target
                .and_then(|t| t.get("groupId"))
                .and_then(Value::as_str)
            else {
                return true;
            };
            if groups.contains_key(group) {
                return true;
            }
            unmapped.push(UnmappedAssignment {
                group_id: group.to_owned(),
                target_type: target
                    .and_then(|t| t.get("@odata.type"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            });
            false
        });
    }
    // a role assignment names its admins' and its scope's groups: one the mapping lacks
    // and the assignment is not sent (fewer people hold the role, never others)
    if let Some(Value::Array(assignments)) = content.get_mut("roleAssignments") {
        assignments.retain(|assignment| {
            let missing: Vec<String> = ["members", "scopeMembers", "resourceScopes"]
                .iter()
                .filter_map(|field| assignment.get(*field).and_then(Value::as_array))
                .flatten()
                .filter_map(Value::as_str)
                .filter(|group| !groups.contains_key(*group))
                .map(str::to_owned)
                .collect();
            for group in &missing {
                unmapped.push(UnmappedAssignment {
                    group_id: group.clone(),
                    target_type: "#microsoft.graph.deviceAndAppManagementRoleAssignment".to_owned(),
                });
            }
            missing.is_empty()
        });
    }
    (content, unmapped)
}

/// The pointers of a Conditional Access policy's groups (included and excluded).
const CONDITION_GROUPS: &[&str] = &[
    "/conditions/users/includeGroups",
    "/conditions/users/excludeGroups",
];

/// What keeps a Conditional Access policy from being written into another tenant: users
/// (their ids are the source directory's, and nothing maps them) or groups the mapping
/// lacks. Unlike an assignment, a condition is never left out: dropping an excluded group
/// (a break-glass account's, say) would make the policy apply to more people than it did.
fn unmapped_conditions(
    type_key: &str,
    content: &Value,
    groups: &HashMap<String, String>,
) -> Option<String> {
    if type_key != "conditionalAccessPolicies" {
        return None;
    }
    let listed = |pointer: &str| -> Vec<String> {
        content
            .pointer(pointer)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    // "All", "None" and "GuestsOrExternalUsers" are the same in every tenant
    let users: Vec<String> = [
        "/conditions/users/includeUsers",
        "/conditions/users/excludeUsers",
    ]
    .iter()
    .flat_map(|pointer| listed(pointer))
    .filter(|user| uuid::Uuid::parse_str(user).is_ok())
    .collect();
    let unmapped: Vec<String> = CONDITION_GROUPS
        .iter()
        .flat_map(|pointer| listed(pointer))
        .filter(|group| !groups.contains_key(group))
        .collect();
    if users.is_empty() && unmapped.is_empty() {
        return None;
    }
    let mut why = Vec::new();
    if !users.is_empty() {
        why.push(format!(
            "users of the source directory ({})",
            users.join(", ")
        ));
    }
    if !unmapped.is_empty() {
        why.push(format!(
            "groups the mapping lacks ({})",
            unmapped.join(", ")
        ));
    }
    Some(format!(
        "its conditions name {}: a Conditional Access policy is written whole or not at all",
        why.join(" and ")
    ))
}
