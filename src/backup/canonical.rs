//! Stable content hashing: the canonical JSON of a Graph object with its volatile fields
//! removed, so the same policy read twice hashes the same (no false diffs), and a real
//! change always changes the hash. See GRAPH.md "Stable content hashing".

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Keys whose values change without the policy changing (server bookkeeping, counters,
/// status reports). `lastModifiedDateTime` is kept beside the item as metadata instead.
const VOLATILE_KEYS: &[&str] = &[
    "@odata.context",
    "settingCount",
    "isAssigned",
    "version",
    "lastModifiedDateTime",
    "deviceStatusOverview",
    "userStatusOverview",
    "deviceStatuses",
    "userStatuses",
    "deviceSettingStateSummaries",
    "runSummary",
    "assignmentsCount",
    // connectors, partners and devices report their last sync or contact on every read
    // (README "What a backup holds"): bookkeeping, not configuration
    "lastSyncDateTime",
    "lastSuccessfulSyncDateTime",
    "lastSyncTriggeredDateTime",
    "lastAppSyncDateTime",
    "lastHeartbeatDateTime",
    "lastConnectionDateTime",
    "lastContactedDateTime",
    "syncedDeviceCount",
    "lastAppCount",
];

/// Suffixes of volatile navigation annotations (`assignments@odata.navigationLink`).
const VOLATILE_SUFFIXES: &[&str] = &["@odata.navigationLink", "@odata.associationLink"];

/// Arrays whose order carries no meaning (Graph returns them in any order): assignments,
/// and the settings of settings-catalog, compliance and intent policies (identified by
/// their definition id, not their position).
const UNORDERED_ARRAYS: &[&str] = &["assignments", "settings"];

/// The content without its volatile fields, and with unordered arrays in a stable order.
pub fn normalized(content: &Value) -> Value {
    match content {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !is_volatile(key))
                .map(|(key, value)| {
                    let value = if UNORDERED_ARRAYS.contains(&key.as_str()) {
                        sorted_by_canonical_form(value)
                    } else {
                        normalized(value)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalized).collect()),
        other => other.clone(),
    }
}

fn is_volatile(key: &str) -> bool {
    VOLATILE_KEYS.contains(&key) || VOLATILE_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
}

/// Sorts an unordered array by its elements' canonical text (an assignment's begins with its
/// target, a setting's with its id and definition).
fn sorted_by_canonical_form(value: &Value) -> Value {
    let Value::Array(items) = value else {
        return normalized(value);
    };
    let mut items: Vec<(String, Value)> = items
        .iter()
        .map(|item| {
            let item = normalized(item);
            (canonical_text(&item), item)
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Array(items.into_iter().map(|(_, item)| item).collect())
}

/// JSON with object keys sorted at every level and no insignificant white space, whatever
/// map type serde_json was built with.
pub fn canonical_text(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The content address: hex SHA-256 of the normalized content's canonical JSON.
pub fn content_hash(content: &Value) -> String {
    hash_text(&canonical_text(&normalized(content)))
}

pub fn hash_text(text: &str) -> String {
    hash_bytes(text.as_bytes())
}

/// Hex SHA-256 of bytes.
pub fn hash_bytes(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_volatile_fields_do_not_change_the_hash() {
        let first = json!({"id": "1", "displayName": "Baseline", "passwordMinimumLength": 8,
            "version": 3, "lastModifiedDateTime": "2026-01-01T00:00:00Z",
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#x",
            "assignments@odata.navigationLink": "https://x"});
        let second = json!({"passwordMinimumLength": 8, "version": 4, "displayName": "Baseline",
            "lastModifiedDateTime": "2026-02-01T00:00:00Z", "id": "1"});
        assert_eq!(content_hash(&first), content_hash(&second));
    }

    #[test]
    fn a_connectors_sync_bookkeeping_does_not_change_its_hash() {
        let first = json!({"id": "v", "appleId": "a@b", "lastSyncDateTime": "2026-01-01T00:00:00Z",
            "lastAppCount": 3, "automaticallyUpdateApps": true});
        let later = json!({"id": "v", "appleId": "a@b", "lastSyncDateTime": "2026-01-02T00:00:00Z",
            "lastAppCount": 4, "automaticallyUpdateApps": true});
        assert_eq!(content_hash(&first), content_hash(&later));
        let changed = json!({"id": "v", "appleId": "a@b", "automaticallyUpdateApps": false});
        assert_ne!(content_hash(&first), content_hash(&changed));
    }

    #[test]
    fn a_changed_setting_changes_the_hash() {
        let before = json!({"id": "1", "passwordMinimumLength": 8});
        let after = json!({"id": "1", "passwordMinimumLength": 9});
        assert_ne!(content_hash(&before), content_hash(&after));
    }

    #[test]
    fn assignments_in_another_order_are_the_same_content() {
        let a = json!({"target": {"groupId": "a"}});
        let b = json!({"target": {"groupId": "b"}});
        let one = json!({"id": "1", "assignments": [a.clone(), b.clone()]});
        let other = json!({"id": "1", "assignments": [b, a]});
        assert_eq!(content_hash(&one), content_hash(&other));
        // and so are settings read in another order, but the order of other lists is content
        let settings = json!({"id": "1", "settings": [1, 2]});
        let reordered = json!({"id": "1", "settings": [2, 1]});
        assert_eq!(content_hash(&settings), content_hash(&reordered));
        let ordered = json!({"id": "1", "apps": [1, 2]});
        let reordered = json!({"id": "1", "apps": [2, 1]});
        assert_ne!(content_hash(&ordered), content_hash(&reordered));
    }

    #[test]
    fn canonical_text_sorts_keys_at_every_level() {
        let value = json!({"b": {"d": 1, "c": [true, null]}, "a": "x\"y"});
        assert_eq!(
            canonical_text(&value),
            r#"{"a":"x\"y","b":{"c":[true,null],"d":1}}"#
        );
    }
}
