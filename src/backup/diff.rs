//! What changed between two backup sets: items added, removed and changed (matched by
//! policy type and Graph id), and for a changed item the JSON paths that differ.
//!
//! Paths are RFC 6901 pointers into the *normalized* content (`canonical::normalized`), so
//! volatile fields never show. Arrays whose elements carry an identity are matched by it,
//! not by position, so a reordering is no change; the pointer segment of such an element is
//! its identity instead of its index:
//! - settings-catalog settings: `settingInstance.settingDefinitionId`
//!   (`/settings/device_vendor_msft_policy_config_x/settingInstance/...`);
//! - their children: `settingDefinitionId`;
//! - assignments: the target's `groupId`, else its `@odata.type`
//!   (`/assignments/#microsoft.graph.allDevicesAssignmentTarget/...`).
//!
//! When identities are missing or not unique on either side, the array is compared by
//! position.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::canonical::normalized;
use super::sets::TreeItem;

/// One difference at a path: `add` (only `new`), `remove` (only `old`) or `replace`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub op: ChangeOp,
    pub pointer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    Add,
    Remove,
    Replace,
}

/// Items of two trees, matched by (policy type, Graph id).
#[derive(Debug, Default)]
pub struct TreeDiff<'a> {
    pub added: Vec<&'a TreeItem>,
    pub removed: Vec<&'a TreeItem>,
    /// (old, new) pairs whose content hashes differ.
    pub changed: Vec<(&'a TreeItem, &'a TreeItem)>,
    pub unchanged: usize,
}

/// Compares hashes only: the content of unchanged items is never read.
pub fn diff_trees<'a>(old: &'a [TreeItem], new: &'a [TreeItem]) -> TreeDiff<'a> {
    let key = |item: &'a TreeItem| (item.policy_type.as_str(), item.graph_id.as_str());
    let old_by_key: BTreeMap<_, _> = old.iter().map(|item| (key(item), item)).collect();
    let new_keys: BTreeSet<_> = new.iter().map(key).collect();
    let mut diff = TreeDiff::default();
    for item in new {
        match old_by_key.get(&key(item)) {
            None => diff.added.push(item),
            Some(before) if before.content_hash != item.content_hash => {
                diff.changed.push((before, item))
            }
            Some(_) => diff.unchanged += 1,
        }
    }
    diff.removed = old
        .iter()
        .filter(|item| !new_keys.contains(&key(item)))
        .collect();
    diff
}

/// The differences between two contents, after normalizing both.
pub fn diff_content(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    diff_values(
        &normalized(old),
        &normalized(new),
        &mut String::new(),
        &mut changes,
    );
    changes
}

fn diff_values(old: &Value, new: &Value, pointer: &mut String, changes: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(before), Value::Object(after)) => {
            let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
            for key in keys {
                let pairs = (before.get(key.as_str()), after.get(key.as_str()));
                descend(pointer, key, pairs, changes);
            }
        }
        (Value::Array(before), Value::Array(after)) => {
            match (identities(before), identities(after)) {
                (Some(before), Some(after)) => {
                    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
                    for key in keys {
                        let pairs = (before.get(key).copied(), after.get(key).copied());
                        descend(pointer, key, pairs, changes);
                    }
                }
                _ => {
                    for index in 0..before.len().max(after.len()) {
                        let pairs = (before.get(index), after.get(index));
                        descend(pointer, &index.to_string(), pairs, changes);
                    }
                }
            }
        }
        _ if old == new => {}
        _ => changes.push(Change {
            op: ChangeOp::Replace,
            pointer: pointer.clone(),
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
    }
}

fn descend(
    pointer: &mut String,
    segment: &str,
    pair: (Option<&Value>, Option<&Value>),
    changes: &mut Vec<Change>,
) {
    let length = pointer.len();
    pointer.push('/');
    pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    match pair {
        (Some(old), Some(new)) => diff_values(old, new, pointer, changes),
        (Some(old), None) => changes.push(Change {
            op: ChangeOp::Remove,
            pointer: pointer.clone(),
            old: Some(old.clone()),
            new: None,
        }),
        (None, Some(new)) => changes.push(Change {
            op: ChangeOp::Add,
            pointer: pointer.clone(),
            old: None,
            new: Some(new.clone()),
        }),
        (None, None) => {}
    }
    pointer.truncate(length);
}

/// The elements by identity, if every element has one and they are unique.
fn identities(items: &[Value]) -> Option<BTreeMap<String, &Value>> {
    if items.is_empty() {
        return None;
    }
    let mut by_identity = BTreeMap::new();
    for item in items {
        let identity = identity(item)?;
        if by_identity.insert(identity, item).is_some() {
            return None;
        }
    }
    Some(by_identity)
}

fn identity(item: &Value) -> Option<String> {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    if let Some(id) = item.pointer("/settingInstance/settingDefinitionId") {
        return text(id);
    }
    if let Some(id) = item.get("settingDefinitionId") {
        return text(id);
    }
    let target = item.get("target")?;
    target
        .get("groupId")
        .and_then(text)
        .or_else(|| target.get("@odata.type").and_then(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn setting(id: &str, value: i64) -> Value {
        json!({"id": "0", "settingInstance": {"settingDefinitionId": id,
               "simpleSettingValue": {"value": value}}})
    }

    #[test]
    fn a_reordered_settings_list_is_no_change() {
        let old = json!({"name": "x", "settings": [setting("a", 1), setting("b", 2)]});
        let new = json!({"name": "x", "settings": [setting("b", 2), setting("a", 1)]});
        assert!(diff_content(&old, &new).is_empty());
    }

    #[test]
    fn a_changed_setting_is_named_by_its_definition_id() {
        let old = json!({"settings": [setting("a", 1), setting("b~/x", 2)]});
        let new = json!({"settings": [setting("b~/x", 3), setting("a", 1), setting("c", 4)]});
        let changes = diff_content(&old, &new);
        assert_eq!(
            changes,
            vec![
                Change {
                    op: ChangeOp::Replace,
                    pointer: "/settings/b~0~1x/settingInstance/simpleSettingValue/value".into(),
                    old: Some(json!(2)),
                    new: Some(json!(3)),
                },
                Change {
                    op: ChangeOp::Add,
                    pointer: "/settings/c".into(),
                    old: None,
                    new: Some(setting("c", 4)),
                },
            ]
        );
    }

    #[test]
    fn volatile_fields_never_show_and_plain_arrays_compare_by_position() {
        let old = json!({"version": 1, "lastModifiedDateTime": "a", "list": [1, 2], "gone": true});
        let new = json!({"version": 2, "lastModifiedDateTime": "b", "list": [1, 3, 4]});
        let pointers: Vec<_> = diff_content(&old, &new)
            .into_iter()
            .map(|change| (change.op, change.pointer))
            .collect();
        assert_eq!(
            pointers,
            vec![
                (ChangeOp::Remove, "/gone".to_owned()),
                (ChangeOp::Replace, "/list/1".to_owned()),
                (ChangeOp::Add, "/list/2".to_owned()),
            ]
        );
    }

    #[test]
    fn assignments_are_matched_by_target() {
        let a = json!({"id": "1", "target": {"groupId": "g1", "filterType": "none"}});
        let b = json!({"id": "2", "target": {"groupId": "g2", "filterType": "none"}});
        let b2 = json!({"id": "2", "target": {"groupId": "g2", "filterType": "include"}});
        let changes = diff_content(
            &json!({"assignments": [a, b]}),
            &json!({"assignments": [b2, a]}),
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].pointer, "/assignments/g2/target/filterType");
    }

    fn item(graph_id: &str, hash: &str) -> TreeItem {
        TreeItem {
            policy_type: "settingsCatalog".into(),
            graph_id: graph_id.into(),
            display_name: graph_id.into(),
            content_hash: hash.into(),
            is_foundation: false,
            last_modified: None,
        }
    }

    #[test]
    fn trees_match_items_by_type_and_graph_id() {
        let old = [item("a", "1"), item("b", "2"), item("c", "3")];
        let new = [item("b", "2"), item("c", "4"), item("d", "5")];
        let diff = diff_trees(&old, &new);
        assert_eq!(diff.added, vec![&new[2]]);
        assert_eq!(diff.removed, vec![&old[0]]);
        assert_eq!(diff.changed, vec![(&old[2], &new[1])]);
        assert_eq!(diff.unchanged, 1);
    }
}
