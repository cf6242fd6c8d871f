//! Administrative templates' definition values as `updateDefinitionValues` takes them:
//! each value bound to its definition, each presentation value to its presentation, by
//! `@odata.bind` (D, CD). The backup holds every value with its `definition` expanded and
//! its `presentationValues` with their `presentation` expanded (`fetch/templates.rs`).

use serde_json::{json, Map, Value};

use super::body::invalid;
use super::rules::is_annotation;
use crate::graph::types::GraphError;

/// The bind base README "Writes" spells out: Graph takes binds as absolute URLs of the
/// public Graph, whatever host the request went to.
const DEFINITIONS: &str =
    "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions";

fn definition_id(value: &Value) -> Option<&str> {
    value.get("definition")?.get("id")?.as_str()
}

fn presentation_id(presentation_value: &Value) -> Option<&str> {
    presentation_value.get("presentation")?.get("id")?.as_str()
}

fn values(policy: &Value, field: &str) -> Vec<Value> {
    policy
        .get(field)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// One presentation value as sent: its typed value (`value` / `values`), bound to its
/// presentation; without its id, timestamps and the expanded `presentation`.
fn bind_presentation(definition: &str, presentation_value: &Value) -> Result<Value, GraphError> {
    let presentation = presentation_id(presentation_value).ok_or_else(|| {
        invalid(
            "a presentation value without its presentation (expanded with `$expand=presentation`)",
        )
    })?;
    let mut bound: Map<String, Value> = presentation_value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(field, _)| {
            !matches!(
                field.as_str(),
                "id" | "createdDateTime" | "lastModifiedDateTime" | "presentation"
            ) && !is_annotation(field)
        })
        .map(|(field, value)| (field.clone(), value.clone()))
        .collect();
    bound.insert(
        "presentation@odata.bind".to_owned(),
        json!(format!(
            "{DEFINITIONS}('{definition}')/presentations('{presentation}')"
        )),
    );
    Ok(Value::Object(bound))
}

/// One definition value as `added` takes it.
fn bind(value: &Value) -> Result<Value, GraphError> {
    let definition = definition_id(value).ok_or_else(|| {
        invalid("a definition value without its definition (expanded with `$expand=definition`)")
    })?;
    let presentations = values(value, "presentationValues")
        .iter()
        .map(|presentation_value| bind_presentation(definition, presentation_value))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({
        "enabled": value.get("enabled").cloned().unwrap_or(Value::Bool(false)),
        "definition@odata.bind": format!("{DEFINITIONS}('{definition}')"),
        "presentationValues": presentations,
    }))
}

/// Every definition value of the backed-up policy, bound: a create's `added`.
pub(crate) fn binds(policy: &Value) -> Result<Vec<Value>, GraphError> {
    values(policy, "definitionValues")
        .iter()
        .map(bind)
        .collect()
}

/// `{added, updated, deletedIds}` turning the live policy's values into the backed-up
/// ones, values matched by their definition, presentation values by their presentation;
/// `None` when they already match.
pub(crate) fn update(policy: &Value, live: &Value) -> Result<Option<Value>, GraphError> {
    let live_values = values(live, "definitionValues");
    let wanted = values(policy, "definitionValues");
    let mut added = Vec::new();
    let mut updated = Vec::new();
    for value in &wanted {
        let bound = bind(value)?;
        let existing = live_values.iter().find(|live| {
            definition_id(live).is_some() && definition_id(live) == definition_id(value)
        });
        let Some(existing) = existing else {
            added.push(bound);
            continue;
        };
        // a live value that binds the same is left alone
        if bind(existing).ok().as_ref() == Some(&bound) {
            continue;
        }
        updated.push(with_live_ids(bound, existing));
    }
    let deleted: Vec<Value> = live_values
        .iter()
        .filter(|live| {
            !wanted.iter().any(|value| {
                definition_id(value).is_some() && definition_id(value) == definition_id(live)
            })
        })
        .filter_map(|live| live.get("id").cloned())
        .collect();
    if added.is_empty() && updated.is_empty() && deleted.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        json!({"added": added, "updated": updated, "deletedIds": deleted}),
    ))
}

/// An `updated` entry: the live value's id, and each presentation value the live id of the
/// value for the same presentation.
fn with_live_ids(mut bound: Value, existing: &Value) -> Value {
    if let Some(id) = existing.get("id") {
        bound["id"] = id.clone();
    }
    let live_presentations = values(existing, "presentationValues");
    if let Some(Value::Array(presentations)) = bound.get_mut("presentationValues") {
        for presentation in presentations {
            let bind = presentation
                .get("presentation@odata.bind")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let live = live_presentations.iter().find(|live| {
                presentation_id(live).is_some_and(|id| {
                    bind.as_deref()
                        .is_some_and(|bind| bind.ends_with(&format!("/presentations('{id}')")))
                })
            });
            if let Some(id) = live.and_then(|live| live.get("id")) {
                presentation["id"] = id.clone();
            }
        }
    }
    bound
}
