//! The types read by one recipe: a list (maybe with `$expand`), then per object an optional
//! detail GET merged into the entry and paged sub-collections stored under a field.

use futures_util::future::{join, join_all};
use serde_json::Value;

use super::object::{each, merge, object_id, set, Outcome};
use super::oma;
use crate::graph::paging::Reader;
use crate::graph::types::{FetchedType, GraphError};

pub(crate) struct Recipe {
    /// Query of the list request (`?$expand=...`), or "".
    list_query: &'static str,
    /// `GET {collection}/{id}{detail}`, merged into the list entry.
    detail: Option<&'static str>,
    /// `(field, suffix)`: `GET {collection}/{id}{suffix}`, all pages, into `field`.
    collections: &'static [(&'static str, &'static str)],
    /// Entries not backed up as this type.
    skip: fn(&Value) -> bool,
    /// A consistency check of the completed content; a warning when it fails.
    check: fn(&Value) -> Option<String>,
    /// Whether encrypted OMA-URI values are read beside the content (`oma.rs`).
    oma_secrets: bool,
}

const ASSIGNMENTS: (&str, &str) = ("assignments", "/assignments");
const SETTINGS: (&str, &str) = ("settings", "/settings");

const fn list(list_query: &'static str) -> Recipe {
    Recipe {
        list_query,
        detail: None,
        collections: &[],
        skip: |_| false,
        check: |_| None,
        oma_secrets: false,
    }
}

const fn per_object(
    detail: Option<&'static str>,
    collections: &'static [(&'static str, &'static str)],
) -> Recipe {
    Recipe {
        detail,
        collections,
        ..list("")
    }
}

/// The recipe of every type but administrative templates and app protection.
pub(crate) fn recipe(key: &str) -> Option<Recipe> {
    let recipe = match key {
        "deviceConfigurations" => Recipe {
            oma_secrets: true,
            ..list("?$expand=assignments")
        },
        "appConfigManagedDevices" => list("?$expand=assignments"),
        "deviceCompliancePolicies" => list(
            "?$expand=scheduledActionsForRule($expand=scheduledActionConfigurations),assignments",
        ),
        "settingsCatalog" => Recipe {
            check: setting_count_mismatch,
            ..per_object(None, &[SETTINGS, ASSIGNMENTS])
        },
        "compliancePolicies" => Recipe {
            check: setting_count_mismatch,
            ..per_object(Some("?$expand=settings"), &[ASSIGNMENTS])
        },
        "endpointSecurityIntents" => per_object(None, &[SETTINGS, ASSIGNMENTS]),
        "powershellScripts" | "autopilotProfiles" => per_object(Some(""), &[ASSIGNMENTS]),
        // `/{id}/assignments` answers 400 for shell scripts: only the expansion works.
        "macosShellScripts" => per_object(Some("?$expand=assignments"), &[]),
        "remediations" => Recipe {
            skip: |entry| entry.get("isGlobalScript").and_then(Value::as_bool) == Some(true),
            ..per_object(Some(""), &[ASSIGNMENTS])
        },
        "enrollmentConfigurations" | "featureUpdates" | "qualityUpdates" | "driverUpdates" => {
            per_object(None, &[ASSIGNMENTS])
        }
        "appConfigManagedApps" => per_object(Some("?$expand=apps,assignments"), &[]),
        "policySets" => list("?$expand=items"),
        "assignmentFilters" | "scopeTags" | "reusableSettings" => list(""),
        "notificationTemplates" => list("?$expand=localizedNotificationMessages"),
        "complianceScripts" => per_object(Some(""), &[]),
        _ => return None,
    };
    Some(recipe)
}

impl Recipe {
    pub async fn fetch(&self, reader: &Reader<'_>, path: &str) -> Result<FetchedType, GraphError> {
        let entries = reader.list(&format!("{path}{}", self.list_query)).await?;
        let fetched = each(reader, entries, |entry| self.complete(reader, path, entry)).await?;
        Ok(match self.oma_secrets {
            true => oma::capture(reader, path, fetched).await,
            false => fetched,
        })
    }

    async fn complete(
        &self,
        reader: &Reader<'_>,
        path: &str,
        mut entry: Value,
    ) -> Result<Outcome, GraphError> {
        if (self.skip)(&entry) {
            return Ok(Outcome::Skipped);
        }
        if self.detail.is_some() || !self.collections.is_empty() {
            let base = format!("{path}/{}", object_id(&entry)?);
            let detail = async {
                match self.detail {
                    Some(query) => reader.detail(&format!("{base}{query}")).await.map(Some),
                    None => Ok(None),
                }
            };
            let collections = join_all(self.collections.iter().map(|(_, suffix)| {
                let url = format!("{base}{suffix}");
                async move { reader.detail_list(&url).await }
            }));
            let (detail, collections) = join(detail, collections).await;
            match detail? {
                Some(Some(detail)) => merge(&mut entry, detail),
                Some(None) => return Ok(Outcome::Deleted),
                None => {}
            }
            for ((field, _), items) in self.collections.iter().zip(collections) {
                match items? {
                    Some(items) => set(&mut entry, field, items),
                    None => return Ok(Outcome::Deleted),
                }
            }
        }
        let warnings = (self.check)(&entry).into_iter().collect();
        Ok(Outcome::Read {
            content: entry,
            warnings,
        })
    }
}

/// Tools that read only the first page back up 25 of 153 settings: say so when what was
/// read does not add up to the count Graph gives.
fn setting_count_mismatch(content: &Value) -> Option<String> {
    let expected = content.get("settingCount").and_then(Value::as_u64)?;
    let read = content
        .get("settings")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    (usize::try_from(expected).ok()? != read).then(|| {
        format!(
            "{} `{}`: settingCount is {expected} but {read} settings were read",
            content.get("id").and_then(Value::as_str).unwrap_or("?"),
            content.get("name").and_then(Value::as_str).unwrap_or(""),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_setting_count_that_does_not_add_up_is_reported() {
        let settings: Vec<_> = (0..150).map(|n| json!({"id": n})).collect();
        let content =
            json!({"id": "p1", "name": "Baseline", "settingCount": 153, "settings": settings});
        assert_eq!(
            setting_count_mismatch(&content).as_deref(),
            Some("p1 `Baseline`: settingCount is 153 but 150 settings were read")
        );
        let complete = json!({"id": "p1", "settingCount": 1, "settings": [{}]});
        assert_eq!(setting_count_mismatch(&complete), None);
        assert_eq!(setting_count_mismatch(&json!({"id": "p1"})), None);
    }
}
