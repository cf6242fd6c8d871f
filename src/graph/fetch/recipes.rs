//! The types read by one recipe: a list, then per object an optional detail GET merged
//! into the entry and paged child collections stored under a field.
//!
//! Child collections are read with their own paged `GET /{id}/...`, never taken from an
//! `$expand`: Graph documents no `@odata.nextLink` inside an expansion
//! (concepts/known-issues.md), so an expanded collection can be cut short without a sign.
//! The one exception is macOS shell scripts, whose assignments Graph serves only expanded.
//!
//! A 404 on a child collection does not drop its object: it is kept with what was read and
//! reported incomplete. Only a 404 on the object itself means it was deleted meanwhile.

use futures_util::future::{join, join_all};
use serde_json::Value;

use super::object::{each, merge, missing_child, object_id, set, Outcome};
use super::oma;
use crate::graph::paging::Reader;
use crate::graph::types::{FetchedType, GraphError};

pub(crate) struct Recipe {
    /// Query of the list request (`?$select=...`), or "".
    list_query: &'static str,
    /// `GET {collection}/{id}{detail}`, merged into the list entry.
    detail: Option<&'static str>,
    /// `(field, suffix)`: `GET {collection}/{id}{suffix}`, all pages, into `field`.
    collections: &'static [(&'static str, &'static str)],
    /// Entries not backed up as this type.
    skip: fn(&Value) -> bool,
    /// A consistency check of the completed content: what is missing, if something is.
    check: fn(&Value) -> Option<String>,
    /// Read each of `scheduledActionsForRule`'s `scheduledActionConfigurations`.
    rule_actions: bool,
    /// `(field, count, suffix)`: the detail expands `field`; the expansion is taken only
    /// when it holds `count` members (Graph's own count of them), else `field` is read
    /// again, paged, with `GET {collection}/{id}{suffix}`.
    counted: Option<(&'static str, &'static str, &'static str)>,
    /// Whether encrypted OMA-URI values are read beside the content (`oma.rs`).
    oma_secrets: bool,
}

const ASSIGNMENTS: (&str, &str) = ("assignments", "/assignments");
const SETTINGS: (&str, &str) = ("settings", "/settings");
/// Settings expanded on the detail, checked against `settingCount` (GRAPH.md: "`GET
/// /{id}/settings` (pages at 25) or `GET /{id}?$expand=settings`"): one request for
/// every settings page when the count proves the expansion whole.
const EXPANDED_SETTINGS: Option<&str> = Some("?$expand=settings");
const SETTING_COUNT: Option<(&str, &str, &str)> = Some(("settings", "settingCount", "/settings"));
/// The actions for noncompliance of both compliance families (beta
/// deviceComplianceScheduledActionForRule / deviceManagementComplianceScheduledActionForRule:
/// one rule per policy); each rule's `scheduledActionConfigurations` are then read paged
/// (deviceComplianceActionItem / deviceManagementComplianceActionItem list), not expanded.
const SCHEDULED_ACTIONS: (&str, &str) = ("scheduledActionsForRule", "/scheduledActionsForRule");

/// Every property of beta `deviceManagementReusablePolicySetting`
/// (api-reference/beta/resources/intune-deviceconfigv2-devicemanagementreusablepolicysetting.md):
/// the list leaves `settingInstance` out unless `$select` names it, which is how IntuneCD
/// (`ReusableSettings.py`) reads it, one request per page instead of one per object.
const REUSABLE_SETTING_SELECT: &str = "?$select=id,displayName,description,settingDefinitionId,\
settingInstance,createdDateTime,lastModifiedDateTime,version,referencingConfigurationPolicyCount";

const fn list(list_query: &'static str) -> Recipe {
    Recipe {
        list_query,
        detail: None,
        collections: &[],
        skip: |_| false,
        check: |_| None,
        rule_actions: false,
        counted: None,
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
            ..per_object(None, &[ASSIGNMENTS])
        },
        "appConfigManagedDevices"
        | "enrollmentConfigurations"
        | "featureUpdates"
        | "qualityUpdates"
        | "scopeTags" => per_object(None, &[ASSIGNMENTS]),
        "deviceCompliancePolicies" => Recipe {
            rule_actions: true,
            ..per_object(None, &[SCHEDULED_ACTIONS, ASSIGNMENTS])
        },
        "settingsCatalog" => Recipe {
            check: setting_count_mismatch,
            counted: SETTING_COUNT,
            ..per_object(EXPANDED_SETTINGS, &[ASSIGNMENTS])
        },
        "compliancePolicies" => Recipe {
            check: setting_count_mismatch,
            rule_actions: true,
            counted: SETTING_COUNT,
            ..per_object(EXPANDED_SETTINGS, &[ASSIGNMENTS, SCHEDULED_ACTIONS])
        },
        "endpointSecurityIntents" => per_object(None, &[SETTINGS, ASSIGNMENTS]),
        "powershellScripts" | "autopilotProfiles" => per_object(Some(""), &[ASSIGNMENTS]),
        // `/{id}/assignments` answers 400 for shell scripts: only the expansion works, and
        // Graph gives no count to check it against (README "Graph simulator")
        "macosShellScripts" => per_object(Some("?$expand=assignments"), &[]),
        "remediations" => Recipe {
            skip: |entry| entry.get("isGlobalScript").and_then(Value::as_bool) == Some(true),
            ..per_object(Some(""), &[ASSIGNMENTS])
        },
        // beta windowsDriverUpdateProfile: the drivers approved (or not) of the profile
        "driverUpdates" => per_object(
            None,
            &[ASSIGNMENTS, ("driverInventories", "/driverInventories")],
        ),
        "appConfigManagedApps" => per_object(Some(""), &[("apps", "/apps"), ASSIGNMENTS]),
        // beta policySet: items and assignments per object (list-level `$expand` is refused)
        "policySets" => per_object(None, &[("items", "/items"), ASSIGNMENTS]),
        "assignmentFilters" => list(""),
        "reusableSettings" => Recipe {
            check: |content| {
                content
                    .get("settingInstance")
                    .is_none_or(Value::is_null)
                    .then(|| "`settingInstance` not served, even with `$select`".to_owned())
            },
            ..list(REUSABLE_SETTING_SELECT)
        },
        "notificationTemplates" => per_object(
            None,
            &[(
                "localizedNotificationMessages",
                "/localizedNotificationMessages",
            )],
        ),
        "complianceScripts" => per_object(Some(""), &[]),
        // Coverage of the established tools (README "What a backup holds").
        // Apps: metadata only (the packages are not served here); listing with
        // `$expand=assignments` is deprecated (intune-apps-mobileapp.md), so per app.
        "mobileApps" => per_object(None, &[ASSIGNMENTS, ("categories", "/categories")]),
        "conditionalAccessPolicies"
        | "namedLocations"
        | "mobileAppCategories"
        | "deviceCategories"
        | "complianceManagementPartners"
        | "deviceManagementPartners"
        | "remoteAssistancePartners" => list(""),
        // Microsoft's built-in strengths and roles are the same in every tenant
        "authenticationStrengths" => Recipe {
            skip: |entry| entry.get("policyType").and_then(Value::as_str) == Some("builtIn"),
            ..list("")
        },
        "roleDefinitions" => Recipe {
            skip: |entry| entry.get("isBuiltIn").and_then(Value::as_bool) == Some(true),
            ..per_object(None, &[("roleAssignments", "/roleAssignments")])
        },
        "appleUserInitiatedProfiles"
        | "brandingProfiles"
        | "termsAndConditions"
        | "hardwareConfigurations" => per_object(None, &[ASSIGNMENTS]),
        // the script body is only in `GET /{id}`, like the other scripts'
        "macosCustomAttributes" => per_object(Some(""), &[ASSIGNMENTS]),
        "inventoryPolicies" => Recipe {
            check: setting_count_mismatch,
            ..per_object(None, &[SETTINGS, ASSIGNMENTS])
        },
        // Cloud PC assignments are "returned only on $expand" (cloudpcprovisioningpolicy.md)
        "cloudPcProvisioningPolicies" | "cloudPcUserSettings" => {
            per_object(Some("?$expand=assignments"), &[])
        }
        // the ADMX bytes: read from the object itself, whatever the list leaves out
        "admxFiles" => per_object(Some(""), &[]),
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
        let mut missing = Vec::new();
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
            let detail_read = match detail? {
                Some(Some(detail)) => {
                    merge(&mut entry, detail);
                    true
                }
                Some(None) => return Ok(Outcome::Deleted),
                None => false,
            };
            for ((field, suffix), items) in self.collections.iter().zip(collections) {
                match items? {
                    Some(items) => set(&mut entry, field, items),
                    None => missing.push(missing_child(field, &format!("{base}{suffix}"))),
                }
            }
            if let Some((field, count, suffix)) = self.counted {
                if detail_read && !counts_match(&entry, field, count) {
                    let url = format!("{base}{suffix}");
                    match reader.detail_list(&url).await? {
                        Some(items) => set(&mut entry, field, items),
                        None => missing.push(missing_child(field, &url)),
                    }
                }
            }
            if self.rule_actions {
                missing.extend(rule_actions(reader, &base, &mut entry).await?);
            }
            // a child's 404 means "deleted meanwhile" only if the object itself is gone
            if !missing.is_empty() && !detail_read && reader.detail(&base).await?.is_none() {
                return Ok(Outcome::Deleted);
            }
        }
        missing.extend((self.check)(&entry));
        Ok(Outcome::with_missing(entry, missing))
    }
}

/// Whether the expanded `field` holds as many members as Graph's `count` says (false
/// when Graph gives no count: nothing proves the expansion whole).
fn counts_match(content: &Value, field: &str, count: &str) -> bool {
    let Some(expected) = content.get(count).and_then(Value::as_u64) else {
        return false;
    };
    content
        .get(field)
        .and_then(Value::as_array)
        .is_some_and(|members| members.len() as u64 == expected)
}

/// Completes every rule of `scheduledActionsForRule` with its actions, read paged; what
/// could not be read.
async fn rule_actions(
    reader: &Reader<'_>,
    base: &str,
    entry: &mut Value,
) -> Result<Vec<String>, GraphError> {
    let Some(Value::Array(rules)) = entry.get_mut(SCHEDULED_ACTIONS.0) else {
        return Ok(Vec::new());
    };
    // a rule Graph gave without a usable id is kept, its actions unread
    let urls: Vec<Option<String>> = rules
        .iter()
        .map(|rule| {
            object_id(rule).ok().map(|id| {
                format!("{base}/scheduledActionsForRule/{id}/scheduledActionConfigurations")
            })
        })
        .collect();
    let reads = join_all(urls.iter().map(|url| async move {
        match url {
            Some(url) => reader.detail_list(url).await.map(Some),
            None => Ok(None),
        }
    }))
    .await;
    let mut missing = Vec::new();
    for ((rule, url), read) in rules.iter_mut().zip(&urls).zip(reads) {
        match (read?, url) {
            (Some(Some(actions)), _) => set(rule, "scheduledActionConfigurations", actions),
            (Some(None), Some(url)) => {
                missing.push(missing_child("scheduledActionConfigurations", url));
            }
            _ => missing.push(
                "a rule without a usable id: its scheduledActionConfigurations not read".to_owned(),
            ),
        }
    }
    Ok(missing)
}

/// Tools that read only the first page back up 25 of 153 settings: the object is
/// incomplete when what was read does not add up to the count Graph gives.
fn setting_count_mismatch(content: &Value) -> Option<String> {
    let expected = content.get("settingCount").and_then(Value::as_u64)?;
    let read = content.get("settings").and_then(Value::as_array)?.len();
    (usize::try_from(expected).ok()? != read)
        .then(|| format!("settingCount is {expected} but {read} settings were read"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_reusable_setting_without_its_instance_is_incomplete() {
        let check = recipe("reusableSettings").map(|r| r.check).unwrap();
        assert!(check(&json!({"id": "r", "settingInstance": null})).is_some());
        assert!(check(&json!({"id": "r"})).is_some());
        assert_eq!(
            check(&json!({"id": "r", "settingInstance": {"a": 1}})),
            None
        );
    }

    #[test]
    fn a_setting_count_that_does_not_add_up_is_reported() {
        let settings: Vec<_> = (0..150).map(|n| json!({"id": n})).collect();
        let content =
            json!({"id": "p1", "name": "Baseline", "settingCount": 153, "settings": settings});
        assert_eq!(
            setting_count_mismatch(&content).as_deref(),
            Some("settingCount is 153 but 150 settings were read")
        );
        let complete = json!({"id": "p1", "settingCount": 1, "settings": [{}]});
        assert_eq!(setting_count_mismatch(&complete), None);
        assert_eq!(setting_count_mismatch(&json!({"id": "p1"})), None);
    }
}
