//! Comparing a source item with a live object: both reduced to what a restore writes and
//! Graph keeps, so that "unchanged" and "verified" mean the same thing for every type.
//!
//! Left out: ids (the object's own, and those of elements of its child collections, which
//! Graph assigns anew on every create), Graph's bookkeeping (timestamps, versions,
//! `@odata` annotations but `@odata.type`), the fields the writer lists as server-computed
//! for the type, and of each assignment everything but its target and settings.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::backup::canonical::normalized;
use crate::backup::diff::{diff_content, Change};
use crate::graph::write::server_computed;

/// Keys Graph sets itself, at any depth.
const BOOKKEEPING: &[&str] = &[
    "createdDateTime",
    "lastModifiedDateTime",
    "version",
    "@odata.context",
    "@odata.id",
    "@odata.etag",
    "supportsScopeTags",
    "isAssigned",
    "settingCount",
    "creationSource",
    // an encrypted OMA-URI value's reference: Intune makes a new one whenever the value is
    // written (the value itself reads back masked on both sides)
    "secretReferenceValueId",
];

/// Of an assignment, what a restore sends (GRAPH.md "Writing back": only `target`, plus
/// `intent`/`settings` for apps and `runSchedule`/`runRemediationScript` for health
/// scripts); `id`, `source`, `sourceId` are Graph's.
const ASSIGNMENT_KEYS: &[&str] = &[
    "target",
    "intent",
    "settings",
    "runSchedule",
    "runRemediationScript",
];

/// The content reduced for comparison: first as the writer would send it (its children in
/// the form a write takes them: `graph::write::comparable`), with the assignments a restore
/// sends beside it; then without ids, Graph's bookkeeping and the type's server-computed
/// fields, at any depth.
pub fn comparable(type_key: &str, content: &Value) -> Value {
    let mut written = crate::graph::write::comparable(type_key, content);
    if let (Some(fields), Some(assignments)) = (written.as_object_mut(), content.get("assignments"))
    {
        fields.insert("assignments".to_owned(), assignments.clone());
    }
    let mut reduced = strip(&written, true, server_computed(type_key));
    if let Some(Value::Array(assignments)) = reduced.get_mut("assignments") {
        for assignment in assignments.iter_mut() {
            if let Value::Object(map) = assignment {
                map.retain(|key, _| ASSIGNMENT_KEYS.contains(&key.as_str()));
            }
        }
    }
    normalized(&reduced)
}

fn strip(value: &Value, drop_id: bool, server_computed: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| {
                    let key = key.as_str();
                    !(drop_id && key == "id")
                        && !BOOKKEEPING.contains(&key)
                        && !server_computed.contains(&key)
                        && !key.ends_with("@odata.navigationLink")
                        && !key.ends_with("@odata.associationLink")
                        && !key.ends_with("@odata.context")
                })
                .map(|(key, value)| (key.clone(), strip(value, false, &[])))
                .collect::<Map<String, Value>>(),
        ),
        // an element of a child collection: Graph gives it a new id when it is written
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| strip(item, true, &[])).collect())
        }
        other => other.clone(),
    }
}

/// What differs from `live` to `source` (objects of `type_key`), both reduced.
pub fn differences(type_key: &str, source: &Value, live: &Value) -> Vec<Change> {
    diff_content(&comparable(type_key, live), &comparable(type_key, source))
}

/// Replaces every string equal to a source id by its target id, at any depth: group ids in
/// assignment targets, scope tag ids, filter ids, ids of objects the restore created. Ids
/// are GUIDs (or Graph's own unique keys), so an equal string is that reference (the way
/// IntuneManagement's migration table rewrites a whole document).
pub fn remap(content: &Value, ids: &HashMap<String, String>) -> Value {
    if ids.is_empty() {
        return content.clone();
    }
    match content {
        Value::String(text) => match ids.get(text) {
            Some(target) => Value::String(target.clone()),
            None => content.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(|item| remap(item, ids)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), remap(value, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_timestamps_and_assignment_bookkeeping_are_no_difference() {
        let source = json!({
            "id": "old", "displayName": "P", "version": 3,
            "createdDateTime": "2025-01-01T00:00:00Z",
            "settings": [{"id": "0", "settingInstance": {"settingDefinitionId": "a"}}],
            "assignments": [{"id": "old_g1", "source": "direct",
                             "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}]
        });
        let live = json!({
            "id": "new", "displayName": "P", "version": 1,
            "createdDateTime": "2026-12-07T00:00:00Z",
            "settings": [{"id": "5", "settingInstance": {"settingDefinitionId": "a"}}],
            "assignments": [{"id": "new_g1",
                             "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}]
        });
        assert!(differences("settingsCatalog", &source, &live).is_empty());
    }

    #[test]
    fn a_changed_value_or_target_is_a_difference() {
        let source = json!({"displayName": "P", "passwordMinimumLength": 12,
            "assignments": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}]});
        let live = json!({"displayName": "P", "passwordMinimumLength": 8,
            "assignments": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g2"}}]});
        let changes = differences("deviceConfigurations", &source, &live);
        let pointers: Vec<&str> = changes.iter().map(|c| c.pointer.as_str()).collect();
        assert!(pointers.contains(&"/passwordMinimumLength"), "{pointers:?}");
        assert!(
            pointers.iter().any(|p| p.starts_with("/assignments")),
            "{pointers:?}"
        );
    }

    #[test]
    fn the_type_server_computed_fields_are_ignored_at_the_top_only() {
        let source = json!({"displayName": "P", "endOfSupportDate": "2027", "nested": {"endOfSupportDate": "x"}});
        let live = json!({"displayName": "P", "endOfSupportDate": "2030", "nested": {"endOfSupportDate": "y"}});
        let changes = differences("featureUpdates", &source, &live);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].pointer, "/nested/endOfSupportDate");
    }

    #[test]
    fn remap_replaces_whole_ids_only() {
        let ids = HashMap::from([("g1".to_owned(), "t1".to_owned())]);
        let content = json!({"roleScopeTagIds": ["g1", "0"], "target": {"groupId": "g1"}, "note": "g1 and more"});
        assert_eq!(
            remap(&content, &ids),
            json!({"roleScopeTagIds": ["t1", "0"], "target": {"groupId": "t1"}, "note": "g1 and more"})
        );
    }
}
