//! Reading collections: every page through `@odata.nextLink` (followed verbatim), and the
//! rest of expanded navigation properties (`assignments@odata.nextLink` and the like).

use serde_json::{Map, Value};

use super::client::Inner;
use super::http::Reply;
use super::types::{GraphError, GraphErrorCode, TenantCredentials};

const NEXT_LINK: &str = "@odata.nextLink";

/// The page size the client asks for: Graph's largest (999). Intune's reference pages
/// document `$top` on their lists ("supports the OData Query Parameters") but no maximum
/// of their own; concepts/paging.md says a `$top` above an API's maximum is capped,
/// ignored or refused, and every outcome but the refusal is read whole here by following
/// `@odata.nextLink`. Public tools read these lists with `$top=999` (README "Graph
/// simulator"). Fewer pages: settings catalogs list at 25 a page and their settings too.
const LARGEST_PAGE: u32 = 999;

/// Collections read with `$top`, by the last segment of their path, and whether an
/// `$expand` on the request still allows it. Lists whose members are expanded with their
/// own collections are left at Graph's page size: Graph answers 500 to heavy expanded pages
/// (GRAPH.md, "Graph responses"), and a larger page makes them heavier.
const TOP: &[(&str, bool)] = &[
    ("configurationPolicies", false),
    ("compliancePolicies", false),
    ("intents", false),
    ("deviceManagementScripts", false),
    ("deviceShellScripts", false),
    ("deviceHealthScripts", false),
    ("deviceComplianceScripts", false),
    ("windowsAutopilotDeploymentProfiles", false),
    ("deviceEnrollmentConfigurations", false),
    ("windowsFeatureUpdateProfiles", false),
    ("windowsQualityUpdateProfiles", false),
    ("windowsDriverUpdateProfiles", false),
    ("managedAppPolicies", false),
    ("targetedManagedAppConfigurations", false),
    ("assignmentFilters", false),
    ("roleScopeTags", false),
    ("reusablePolicySettings", false),
    ("deviceConfigurations", false),
    ("deviceCompliancePolicies", false),
    ("groupPolicyConfigurations", false),
    ("mobileAppConfigurations", false),
    ("policySets", false),
    ("notificationMessageTemplates", false),
    // an object's settings (25 a page by default) and an administrative template's
    // definition values (expanded with their single `definition`, not a collection)
    ("settings", false),
    ("definitionValues", true),
];

/// `path` with `$top` at the largest page where [`TOP`] allows it.
fn with_top(path: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let segment = base.rsplit('/').next().unwrap_or_default();
    let Some((_, expand_ok)) = TOP.iter().find(|(name, _)| *name == segment) else {
        return path.to_owned();
    };
    let option = |name: &str| {
        query
            .split('&')
            .any(|part| part.trim_start_matches('$').starts_with(name))
    };
    if option("top=") || (option("expand=") && !expand_ok) {
        return path.to_owned();
    }
    match query {
        "" => format!("{base}?$top={LARGEST_PAGE}"),
        _ => format!("{base}?{query}&$top={LARGEST_PAGE}"),
    }
}

/// What the fetchers read a tenant through.
pub(crate) struct Reader<'a> {
    pub inner: &'a Inner,
    pub credentials: &'a TenantCredentials,
}

impl Reader<'_> {
    /// Detail reads run this many at a time per type (the semaphores bound the requests).
    pub fn concurrency(&self) -> usize {
        self.inner.settings.per_tenant_concurrency.max(1)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/beta{path}", self.inner.settings.graph_base())
    }

    /// A collection every object of a type is listed from; its absence is an error.
    pub async fn list(&self, path: &str) -> Result<Vec<Value>, GraphError> {
        self.pages(self.url(&with_top(path))).await?
    }

    /// One object; `None` when it was deleted since it was listed.
    pub async fn detail(&self, path: &str) -> Result<Option<Value>, GraphError> {
        match self.inner.get(self.credentials, &self.url(path)).await? {
            Reply::Found(mut object) => {
                self.complete_expansions(&mut object).await?;
                Ok(Some(object))
            }
            Reply::Gone(_) => Ok(None),
        }
    }

    /// An object's collection (settings, assignments); `None` when the object is gone.
    pub async fn detail_list(&self, path: &str) -> Result<Option<Vec<Value>>, GraphError> {
        Ok(self.pages(self.url(&with_top(path))).await?.ok())
    }

    /// Every page from `first`; `Err(gone)` inside when the collection is not there.
    async fn pages(&self, first: String) -> Result<Result<Vec<Value>, GraphError>, GraphError> {
        let mut items = Vec::new();
        let mut url = first;
        loop {
            let mut page = match self.inner.get(self.credentials, &url).await? {
                Reply::Found(page) => page,
                Reply::Gone(error) => return Ok(Err(error)),
            };
            let Some(Value::Array(values)) = page.get_mut("value").map(Value::take) else {
                return Err(GraphError::new(
                    GraphErrorCode::GraphUnavailable,
                    format!("a Graph collection page has no `value` array: {url}"),
                ));
            };
            for mut item in values {
                self.complete_expansions(&mut item).await?;
                items.push(item);
            }
            match page.get(NEXT_LINK).and_then(Value::as_str) {
                Some(next) => url = self.checked_next_link(next)?,
                None => return Ok(Ok(items)),
            }
        }
    }

    /// Follows `<property>@odata.nextLink` of an expanded navigation property and appends
    /// the rest to the property, so an object's content never holds half a collection.
    async fn complete_expansions(&self, object: &mut Value) -> Result<(), GraphError> {
        let Value::Object(fields) = object else {
            return Ok(());
        };
        let partial: Vec<String> = fields
            .keys()
            .filter(|key| key.ends_with(NEXT_LINK) && key.len() > NEXT_LINK.len())
            .cloned()
            .collect();
        for link_key in partial {
            let Some(Value::String(next)) = fields.remove(&link_key) else {
                continue;
            };
            let property = link_key.trim_end_matches(NEXT_LINK).to_owned();
            let url = self.checked_next_link(&next)?;
            let rest = Box::pin(self.pages(url)).await?.unwrap_or_default();
            append(fields, &property, rest);
        }
        Ok(())
    }

    /// The next page's URL, verbatim, if it stays on the Graph host: the bearer token is
    /// never sent anywhere else.
    fn checked_next_link(&self, next: &str) -> Result<String, GraphError> {
        let same_origin = reqwest::Url::parse(next)
            .ok()
            .zip(reqwest::Url::parse(&self.inner.settings.graph_url).ok())
            .is_some_and(|(next, graph)| next.origin() == graph.origin());
        if same_origin {
            Ok(next.to_owned())
        } else {
            Err(GraphError::new(
                GraphErrorCode::Internal,
                format!("an @odata.nextLink leaves the Graph host: {next}"),
            ))
        }
    }
}

fn append(fields: &mut Map<String, Value>, property: &str, rest: Vec<Value>) {
    match fields.get_mut(property) {
        Some(Value::Array(items)) => items.extend(rest),
        _ => {
            fields.insert(property.to_owned(), Value::Array(rest));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_settings_ask_for_the_largest_page_unless_expanded_with_collections() {
        assert_eq!(
            with_top("/deviceManagement/configurationPolicies"),
            "/deviceManagement/configurationPolicies?$top=999"
        );
        assert_eq!(
            with_top("/deviceManagement/configurationPolicies/p1/settings"),
            "/deviceManagement/configurationPolicies/p1/settings?$top=999"
        );
        assert_eq!(
            with_top("/deviceManagement/groupPolicyConfigurations/p/definitionValues?$expand=definition"),
            "/deviceManagement/groupPolicyConfigurations/p/definitionValues?$expand=definition&$top=999"
        );
        for unchanged in [
            "/deviceManagement/deviceConfigurations?$expand=assignments",
            "/deviceManagement/configurationPolicies/p1/assignments",
            "/deviceManagement/intents?$top=5",
            "/deviceManagement/deviceManagementScripts/s1",
        ] {
            assert_eq!(with_top(unchanged), unchanged);
        }
    }
}
