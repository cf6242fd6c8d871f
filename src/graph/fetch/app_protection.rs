//! App protection: `managedAppPolicies` lists mixed types with partial content; each
//! protection policy is re-read from its typed collection with its child collections
//! (apps, assignments; for Windows Information Protection its AppLocker files), each read
//! paged rather than expanded.

use futures_util::future::{join, join_all};
use serde_json::Value;

use super::object::{each, merge, missing_child, object_id, set, Outcome};
use crate::graph::paging::Reader;
use crate::graph::types::{FetchedType, GraphError};

/// Where a policy of one `@odata.type` is read whole.
struct Typed {
    collection: &'static str,
    /// `(field, segment)`: `GET {collection}/{id}/{segment}`, all pages.
    children: &'static [(&'static str, &'static str)],
}

const PROTECTION: &[(&str, &str)] = &[("apps", "apps"), ("assignments", "assignments")];

/// beta windowsInformationProtectionPolicy / mdmWindowsInformationProtectionPolicy
/// (api-reference/beta/resources/intune-mam-windowsinformationprotectionpolicy.md): its
/// navigation properties are `assignments`, `protectedAppLockerFiles`, `exemptAppLockerFiles`.
const WIP: &[(&str, &str)] = &[
    ("assignments", "assignments"),
    ("protectedAppLockerFiles", "protectedAppLockerFiles"),
    ("exemptAppLockerFiles", "exemptAppLockerFiles"),
];

/// The typed collection of an `@odata.type` in `managedAppPolicies`.
fn typed(odata_type: &str) -> Option<Typed> {
    let (collection, children) = match odata_type {
        "#microsoft.graph.iosManagedAppProtection" => ("iosManagedAppProtections", PROTECTION),
        "#microsoft.graph.androidManagedAppProtection" => {
            ("androidManagedAppProtections", PROTECTION)
        }
        "#microsoft.graph.windowsManagedAppProtection" => {
            ("windowsManagedAppProtections", PROTECTION)
        }
        "#microsoft.graph.windowsInformationProtectionPolicy" => {
            ("windowsInformationProtectionPolicies", WIP)
        }
        "#microsoft.graph.mdmWindowsInformationProtectionPolicy" => {
            ("mdmWindowsInformationProtectionPolicies", WIP)
        }
        _ => return None,
    };
    Some(Typed {
        collection,
        children,
    })
}

/// The typed collection an app protection policy of `odata_type` is created and updated in
/// (`POST /deviceAppManagement/iosManagedAppProtections`, ...; intune-mam-*-create).
pub(crate) fn typed_collection(odata_type: &str) -> Option<&'static str> {
    typed(odata_type).map(|typed| typed.collection)
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
    let Some(typed) = typed(&odata_type) else {
        // a kind this client does not know: kept as served, and named in the report
        let reason = format!(
            "`@odata.type` `{odata_type}` is not a kind this client knows: kept as listed, without a typed re-read"
        );
        return Ok(Outcome::with_missing(entry, vec![reason]));
    };
    let base = format!(
        "/deviceAppManagement/{}/{}",
        typed.collection,
        object_id(&entry)?
    );
    let children = join_all(typed.children.iter().map(|(_, segment)| {
        let url = format!("{base}/{segment}");
        async move { reader.detail_list(&url).await }
    }));
    let (detail, children) = join(reader.detail(&base), children).await;
    let Some(detail) = detail? else {
        return Ok(Outcome::Deleted);
    };
    merge(&mut entry, detail);
    let mut missing = Vec::new();
    for ((field, segment), items) in typed.children.iter().zip(children) {
        match items? {
            Some(items) => set(&mut entry, field, items),
            None => missing.push(missing_child(field, &format!("{base}/{segment}"))),
        }
    }
    Ok(Outcome::with_missing(entry, missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_types_map_to_their_typed_collections() {
        let android = typed("#microsoft.graph.androidManagedAppProtection").unwrap();
        assert_eq!(android.collection, "androidManagedAppProtections");
        let wip = typed("#microsoft.graph.mdmWindowsInformationProtectionPolicy").unwrap();
        assert_eq!(wip.collection, "mdmWindowsInformationProtectionPolicies");
        assert!(wip
            .children
            .iter()
            .any(|(f, _)| *f == "exemptAppLockerFiles"));
        assert!(typed(APP_CONFIGURATION).is_none());
    }
}
