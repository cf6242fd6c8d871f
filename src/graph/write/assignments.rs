//! Assignments as an assign call sends them (README "Writes").

use serde_json::{Map, Value};

use super::rules::is_annotation;

/// The assignment list a type's assign call takes: each entry reduced to `target` and the
/// type's extra keys. Assignments that come from elsewhere (`source` other than `direct`,
/// e.g. through a policy set) are not the object's own and are left out (IM).
pub(crate) fn assignment_entries(assignments: &[Value], extra: &[&str]) -> Vec<Value> {
    assignments
        .iter()
        .filter(|assignment| {
            assignment
                .get("source")
                .and_then(Value::as_str)
                .is_none_or(|source| source.eq_ignore_ascii_case("direct"))
        })
        .map(|assignment| {
            let mut entry = Map::new();
            if let Some(target) = assignment.get("target") {
                entry.insert("target".to_owned(), strip_annotations(target));
            }
            for field in extra {
                if let Some(value) = assignment.get(*field).filter(|value| !value.is_null()) {
                    entry.insert((*field).to_owned(), value.clone());
                }
            }
            Value::Object(entry)
        })
        .collect()
}

fn strip_annotations(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(field, _)| !is_annotation(field))
                .map(|(field, value)| (field.clone(), strip_annotations(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn assignments_keep_the_target_and_the_types_extra_keys_only() {
        let assignments = [
            json!({"id": "a1", "source": "direct", "sourceId": "x", "intent": "apply",
            "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1",
                "deviceAndAppManagementAssignmentFilterId": "f1", "deviceAndAppManagementAssignmentFilterType": "include"},
            "runRemediationScript": true, "runSchedule": {"@odata.type": "#microsoft.graph.deviceHealthScriptDailySchedule", "interval": 1}}),
            json!({"id": "a2", "source": "policySets", "target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}),
        ];
        let entries = assignment_entries(&assignments, &["runRemediationScript", "runSchedule"]);
        assert_eq!(
            entries.len(),
            1,
            "an assignment through a policy set is not the object's own"
        );
        assert_eq!(
            keys(&entries[0]),
            ["runRemediationScript", "runSchedule", "target"]
        );
        assert_eq!(entries[0]["target"]["groupId"], "g1");
        assert_eq!(
            keys(&assignment_entries(&assignments[..1], &[])[0]),
            ["target"]
        );
    }
}
