//! What the fetchers share: an object's id and name, merging a detail into its list entry,
//! running per-object reads concurrently, and assembling the type's result.

use std::future::Future;

use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::Value;

use crate::graph::paging::Reader;
use crate::graph::types::{FetchedObject, FetchedType, GraphError, GraphErrorCode};

/// What became of one listed object.
#[derive(Debug)]
pub(crate) enum Outcome {
    Read {
        content: Value,
        warnings: Vec<String>,
    },
    /// Gone between the list and a detail read.
    Deleted,
    /// Not backed up by this type (Microsoft's global scripts, objects of another type).
    Skipped,
}

impl Outcome {
    pub fn read(content: Value) -> Self {
        Self::Read {
            content,
            warnings: Vec::new(),
        }
    }
}

/// The object's id, checked to be usable as a path segment.
pub(crate) fn object_id(object: &Value) -> Result<&str, GraphError> {
    match object.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() && !id.contains(['/', '?', '#', '%']) => Ok(id),
        _ => Err(GraphError::new(
            GraphErrorCode::GraphUnavailable,
            "Graph listed an object without a usable id",
        )),
    }
}

fn display_name(object: &Value, id: &str) -> String {
    ["displayName", "name"]
        .iter()
        .find_map(|field| object.get(*field).and_then(Value::as_str))
        .unwrap_or(id)
        .to_owned()
}

/// The list entry completed with its detail: the detail's fields win (they are complete).
pub(crate) fn merge(entry: &mut Value, detail: Value) {
    match (entry, detail) {
        (Value::Object(entry), Value::Object(detail)) => entry.extend(detail),
        (entry, detail) => *entry = detail,
    }
}

pub(crate) fn set(object: &mut Value, field: &str, value: Vec<Value>) {
    if let Value::Object(fields) = object {
        fields.insert(field.to_owned(), Value::Array(value));
    }
}

/// Runs `complete` for every listed object, a few at a time (the semaphores bound the
/// requests themselves), keeping the list's order.
pub(crate) async fn each<F, Fut>(
    reader: &Reader<'_>,
    entries: Vec<Value>,
    complete: F,
) -> Result<FetchedType, GraphError>
where
    F: Fn(Value) -> Fut,
    Fut: Future<Output = Result<Outcome, GraphError>>,
{
    let outcomes: Vec<Outcome> = stream::iter(entries)
        .map(complete)
        .buffered(reader.concurrency())
        .try_collect()
        .await?;
    assemble(outcomes)
}

fn assemble(outcomes: Vec<Outcome>) -> Result<FetchedType, GraphError> {
    let mut fetched = FetchedType::default();
    for outcome in outcomes {
        match outcome {
            Outcome::Read { content, warnings } => {
                let graph_id = object_id(&content)?.to_owned();
                fetched.warnings.extend(warnings);
                fetched.objects.push(FetchedObject {
                    display_name: display_name(&content, &graph_id),
                    graph_id,
                    content,
                    secrets: Vec::new(),
                });
            }
            Outcome::Deleted => fetched.deleted_while_reading += 1,
            Outcome::Skipped => {}
        }
    }
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_detail_completes_its_list_entry() {
        let mut entry = json!({"id": "1", "displayName": "A", "scriptContent": null});
        merge(&mut entry, json!({"id": "1", "scriptContent": "ZWNobw=="}));
        assert_eq!(
            entry,
            json!({"id": "1", "displayName": "A", "scriptContent": "ZWNobw=="})
        );
    }

    #[test]
    fn outcomes_become_objects_deletions_and_warnings() {
        let outcomes = vec![
            Outcome::Read {
                content: json!({"id": "a", "name": "Settings"}),
                warnings: vec!["w".to_owned()],
            },
            Outcome::Deleted,
            Outcome::Skipped,
            Outcome::read(json!({"id": "b"})),
        ];
        let fetched = assemble(outcomes).expect("assembled");
        assert_eq!(fetched.objects.len(), 2);
        assert_eq!(fetched.objects[0].display_name, "Settings");
        assert_eq!(fetched.objects[1].display_name, "b");
        assert_eq!(fetched.deleted_while_reading, 1);
        assert_eq!(fetched.warnings, ["w"]);
    }

    #[test]
    fn ids_that_would_change_the_path_are_refused() {
        assert!(object_id(&json!({"id": "a/b"})).is_err());
        assert!(object_id(&json!({"id": ""})).is_err());
        assert!(object_id(&json!({})).is_err());
        assert_eq!(
            object_id(&json!({"id": "x_Default"})).ok(),
            Some("x_Default")
        );
    }
}
