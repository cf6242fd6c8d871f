//! Per-type fetchers: what each catalog type and foundation needs read for its full
//! content and assignments (GRAPH.md, "full content needs" and "assignments").

pub(crate) mod app_protection;
mod known_types;
mod nested;
mod object;
mod oma;
mod recipes;
mod redacted;
mod singletons;
mod templates;

use crate::domain::policy_types::{FOUNDATION_TYPES, POLICY_TYPES};

use super::paging::Reader;
use super::types::{FetchedType, GraphError, GraphErrorCode};

/// Reads every object of the type `key` (a catalog or foundation key).
pub(crate) async fn fetch(reader: &Reader<'_>, key: &str) -> Result<FetchedType, GraphError> {
    let mut fetched = fetch_type(reader, key).await?;
    name_unknown_kinds(key, &mut fetched);
    Ok(fetched)
}

/// Names, in the type's warnings, each object whose `@odata.type` this client does not
/// know: it is kept exactly as served (issue 16), but its restore may need a newer client.
fn name_unknown_kinds(key: &str, fetched: &mut FetchedType) {
    let unknown = fetched.objects.iter().filter_map(|object| {
        known_types::unknown_kind(key, &object.graph_id, object.content.as_str())
    });
    let unknown: Vec<String> = unknown.collect();
    fetched.warnings.extend(unknown);
}

async fn fetch_type(reader: &Reader<'_>, key: &str) -> Result<FetchedType, GraphError> {
    let Some(path) = collection_path(key) else {
        return Err(unknown(key));
    };
    match key {
        "administrativeTemplates" => templates::fetch(reader, path).await,
        "appProtection" => app_protection::fetch(reader, path).await,
        "depEnrollmentProfiles" => nested::fetch(reader, path).await,
        "tenantSettings" | "apnsCertificate" | "managedGooglePlay" => {
            singletons::fetch(reader, key, path).await
        }
        "vppTokens" | "autopilotDevices" => redacted::fetch(reader, key, path).await,
        _ => match recipes::recipe(key) {
            Some(recipe) => recipe.fetch(reader, path).await,
            None => Err(unknown(key)),
        },
    }
}

fn collection_path(key: &str) -> Option<&'static str> {
    POLICY_TYPES
        .iter()
        .chain(FOUNDATION_TYPES)
        .find(|policy_type| policy_type.key == key)
        .map(|policy_type| policy_type.graph_path)
}

fn unknown(key: &str) -> GraphError {
    GraphError::new(
        GraphErrorCode::Internal,
        format!("no Graph fetcher for the policy type `{key}`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_and_foundation_key_has_a_fetcher() {
        for policy_type in POLICY_TYPES.iter().chain(FOUNDATION_TYPES) {
            let key = policy_type.key;
            let special = matches!(
                key,
                "administrativeTemplates"
                    | "appProtection"
                    | "depEnrollmentProfiles"
                    | "tenantSettings"
                    | "apnsCertificate"
                    | "managedGooglePlay"
                    | "vppTokens"
                    | "autopilotDevices"
            );
            assert!(
                special || recipes::recipe(key).is_some(),
                "{key} has no fetcher"
            );
        }
    }
}
