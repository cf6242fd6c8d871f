//! What the fetchers share: an object's id and name, merging a detail into its list entry,
//! running per-object reads concurrently, and assembling the type's result with what was
//! listed, what was captured whole and what was captured incomplete (and why).

use std::future::Future;

use futures_util::{stream, StreamExt};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::graph::content::Content;
use crate::graph::paging::Reader;
use crate::graph::types::{
    FetchedObject, FetchedType, GraphError, GraphErrorCode, IncompleteObject,
};

/// What became of one listed object.
#[derive(Debug)]
pub(crate) enum Outcome {
    Read {
        content: Value,
        warnings: Vec<String>,
    },
    /// Captured with what could be read; `missing` says what could not, and why.
    Partial {
        content: Value,
        missing: Vec<String>,
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

    /// Whole when nothing is missing.
    pub fn with_missing(content: Value, missing: Vec<String>) -> Self {
        if missing.is_empty() {
            Self::read(content)
        } else {
            Self::Partial { content, missing }
        }
    }
}

/// The object's id, checked to be usable as a path segment.
pub(crate) fn object_id(object: &Value) -> Result<&str, GraphError> {
    usable_id(object).map_err(|reason| GraphError::new(GraphErrorCode::GraphUnavailable, reason))
}

/// The id, or why per-object reads cannot be made with it.
fn usable_id(object: &Value) -> Result<&str, String> {
    match object.get("id") {
        Some(Value::String(id)) if !id.is_empty() && !id.contains(['/', '?', '#', '%']) => Ok(id),
        Some(Value::String(id)) if !id.is_empty() => Err(format!(
            "its id `{id}` cannot be used in a URL: kept as listed, not re-read"
        )),
        _ => Err("Graph listed it without an id: kept as listed, not re-read".to_owned()),
    }
}

/// The id the inventory keeps the object under: Graph's, or for an object Graph gave
/// without one, a name derived from its content (so it is kept, and named in the report).
fn graph_id(object: &Value) -> String {
    match object.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => {
            let digest = Sha256::digest(object.to_string().as_bytes());
            let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            format!("no-id-{hex}")
        }
    }
}

fn display_name(object: &Value) -> Option<&str> {
    ["displayName", "name"]
        .iter()
        .find_map(|field| object.get(*field).and_then(Value::as_str))
}

/// Replaces U+0000 in every string and key with U+FFFD (PostgreSQL's text and jsonb hold
/// no NUL: one such character in a display name would fail the whole sync); true when
/// there was one.
fn replace_nul(value: &mut Value) -> bool {
    const NUL: char = '\u{0}';
    match value {
        Value::String(text) if text.contains(NUL) => {
            *text = text.replace(NUL, "\u{fffd}");
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |found, item| replace_nul(item) | found),
        Value::Object(fields) => {
            let mut found = false;
            if fields.keys().any(|key| key.contains(NUL)) {
                let renamed = std::mem::take(fields)
                    .into_iter()
                    .map(|(key, value)| (key.replace(NUL, "\u{fffd}"), value))
                    .collect();
                *fields = renamed;
                found = true;
            }
            fields
                .values_mut()
                .fold(found, |found, field| replace_nul(field) | found)
        }
        _ => false,
    }
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

/// Why a child collection is missing from an object: said the same way for every type.
pub(crate) fn missing_child(field: &str, url: &str) -> String {
    format!("`{field}` not read: GET {url} answered 404 while the object is there")
}

/// Runs `complete` for every listed object, a few at a time (the semaphores bound the
/// requests themselves), keeping the list's order. An object whose id cannot be used for
/// per-object reads is kept as listed and reported incomplete, never dropped. Each object is
/// added (as text) as soon as it is complete, so only the objects in flight are held as
/// trees.
pub(crate) async fn each<F, Fut>(
    reader: &Reader<'_>,
    entries: Vec<Value>,
    complete: F,
) -> Result<FetchedType, GraphError>
where
    F: Fn(Value) -> Fut,
    Fut: Future<Output = Result<Outcome, GraphError>>,
{
    let complete = &complete;
    let mut outcomes = stream::iter(entries)
        .map(|entry| async move {
            match usable_id(&entry) {
                Ok(_) => complete(entry).await,
                Err(reason) => Ok(Outcome::Partial {
                    content: entry,
                    missing: vec![reason],
                }),
            }
        })
        .buffered(reader.concurrency());
    let mut fetched = FetchedType::default();
    while let Some(outcome) = outcomes.next().await {
        add(&mut fetched, outcome?);
    }
    Ok(fetched)
}

/// Counts one outcome into the type's result, keeping a captured object as compact text.
fn add(fetched: &mut FetchedType, outcome: Outcome) {
    let (mut content, missing) = match outcome {
        Outcome::Read { content, warnings } => {
            fetched.warnings.extend(warnings);
            (content, Vec::new())
        }
        Outcome::Partial { content, missing } => (content, missing),
        Outcome::Deleted => {
            fetched.listed += 1;
            fetched.deleted_while_reading += 1;
            return;
        }
        Outcome::Skipped => return,
    };
    fetched.listed += 1;
    let replaced_nul = replace_nul(&mut content);
    let graph_id = graph_id(&content);
    if replaced_nul {
        fetched.warnings.push(format!(
            "{graph_id}: NUL characters (U+0000), which PostgreSQL cannot store, kept as U+FFFD"
        ));
    }
    let display_name = match display_name(&content) {
        Some(name) => name.to_owned(),
        None => {
            fetched.warnings.push(format!(
                "{graph_id}: Graph gave no displayName or name; kept under its id"
            ));
            graph_id.clone()
        }
    };
    if !missing.is_empty() {
        fetched.incomplete.push(IncompleteObject {
            graph_id: graph_id.clone(),
            display_name: display_name.clone(),
            reason: missing.join("; "),
        });
    }
    fetched.objects.push(FetchedObject {
        display_name,
        graph_id,
        content: Content::from(content),
        secrets: Vec::new(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn assemble(outcomes: Vec<Outcome>) -> FetchedType {
        let mut fetched = FetchedType::default();
        for outcome in outcomes {
            add(&mut fetched, outcome);
        }
        fetched
    }

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
        let fetched = assemble(outcomes);
        assert_eq!(fetched.objects.len(), 2);
        assert_eq!(fetched.objects[0].display_name, "Settings");
        assert_eq!(fetched.objects[1].display_name, "b");
        assert_eq!(fetched.deleted_while_reading, 1);
        assert_eq!(
            fetched.warnings,
            [
                "w",
                "b: Graph gave no displayName or name; kept under its id"
            ]
        );
        assert_eq!((fetched.listed, fetched.whole()), (3, 2));
    }

    #[test]
    fn objects_missing_something_are_kept_and_named() {
        let outcomes = vec![
            Outcome::with_missing(
                json!({"id": "p", "displayName": "Policy"}),
                vec!["`assignments` not read".to_owned()],
            ),
            Outcome::Partial {
                content: json!({"displayName": "No id"}),
                missing: vec!["Graph listed it without an id".to_owned()],
            },
        ];
        let fetched = assemble(outcomes);
        assert_eq!(fetched.objects.len(), 2);
        assert_eq!((fetched.listed, fetched.whole()), (2, 0));
        assert_eq!(fetched.incomplete[0].graph_id, "p");
        assert_eq!(fetched.incomplete[0].display_name, "Policy");
        assert!(fetched.objects[1].graph_id.starts_with("no-id-"));
        assert_eq!(fetched.incomplete[1].display_name, "No id");
    }

    #[test]
    fn nul_characters_become_replacement_characters_and_are_reported() {
        let outcomes = vec![Outcome::read(json!({
            "id": "p", "displayName": "a\u{0}b", "nested": [{"k\u{0}": "\u{0}"}]
        }))];
        let fetched = assemble(outcomes);
        assert_eq!(fetched.objects[0].display_name, "a\u{fffd}b");
        assert_eq!(
            fetched.objects[0].content.to_value()["nested"],
            json!([{"k\u{fffd}": "\u{fffd}"}])
        );
        assert_eq!(fetched.warnings.len(), 1);
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
