//! App protection: `managedAppPolicies` lists mixed types with partial content; each
//! protection policy is re-read from its typed collection with its apps and assignments.

use serde_json::Value;

use super::object::{each, merge, object_id, Outcome};
use crate::graph::paging::Reader;
use crate::graph::types::{FetchedType, GraphError};

/// The typed collection of an `@odata.type` in `managedAppPolicies`.
fn typed_collection(odata_type: &str) -> Option<&'static str> {
    match odata_type {
        "#microsoft.graph.iosManagedAppProtection" => Some("iosManagedAppProtections"),
        "#microsoft.graph.androidManagedAppProtection" => Some("androidManagedAppProtections"),
        "#microsoft.graph.windowsManagedAppProtection" => Some("windowsManagedAppProtections"),
        _ => None,
    }
}

/// Listed here too, but backed up as `appConfigManagedApps`.
const APP_CONFIGURATION: &str = "#microsoft.graph.targetedManagedAppConfiguration";

pub(crate) async fn fetch(reader: &Reader<'_>, path: &str) -> Result<FetchedType, GraphError> {
    let entries = reader.list(path).await?;
    each(reader, entries, |entry| complete(reader, entry)).await
}

async fn complete(reader: &Reader<'_>, mut entry: Value) -> Result<Outcome, GraphError> {
    let odata_type = entry
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if odata_type == APP_CONFIGURATION {
        return Ok(Outcome::Skipped);
    }
    let id = object_id(&entry)?.to_owned();
    let Some(collection) = typed_collection(&odata_type) else {
        // Other policy kinds (e.g. Windows Information Protection) have no typed re-read
        // here: kept as listed, and said so.
        let warning = format!(
            "app protection policy {id} of type `{odata_type}` kept as listed (no typed re-read)"
        );
        return Ok(Outcome::Read {
            content: entry,
            warnings: vec![warning],
        });
    };
    let url = format!("/deviceAppManagement/{collection}/{id}?$expand=apps,assignments");
    match reader.detail(&url).await? {
        Some(detail) => {
            merge(&mut entry, detail);
            Ok(Outcome::read(entry))
        }
        None => Ok(Outcome::Deleted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_types_map_to_their_typed_collections() {
        assert_eq!(
            typed_collection("#microsoft.graph.androidManagedAppProtection"),
            Some("androidManagedAppProtections")
        );
        assert_eq!(typed_collection(APP_CONFIGURATION), None);
    }
}
