//! What every generated object shares: the tenant's reference data (groups, filters,
//! scope tags, notification templates) and the header fields (id, name, dates, version,
//! scope tags) derived from (tenant, type, index, revision).

use serde_json::{json, Map, Value};

use super::seed::{self, Seed};

/// Per-tenant facts the generators refer to, fixed when the simulator starts.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub tenant: String,
    pub groups: Vec<String>,
    pub filters: Vec<String>,
    /// Custom scope tag ids ("1".."n"); "0" (Default) is always there besides.
    pub scope_tags: Vec<String>,
    pub notification_templates: Vec<String>,
    pub settings_per_policy: usize,
    pub definition_values_per_policy: usize,
    /// Ids a policy set can point at: (payload type, id, name seed index).
    pub device_configuration_count: usize,
    pub settings_catalog_count: usize,
    /// Configured objects per catalog key, for objects that refer to another type's
    /// (an app's categories, a Conditional Access policy's named locations).
    pub counts: std::collections::HashMap<&'static str, usize>,
}

/// The number of Entra groups the assignments draw from.
const GROUPS: usize = 16;

impl Ctx {
    pub fn new(
        tenant: &str,
        count: impl Fn(&str) -> usize,
        settings_per_policy: usize,
        definition_values_per_policy: usize,
    ) -> Self {
        let ids = |key: &str| {
            (0..count(key))
                .map(|index| seed::guid(tenant, key, index))
                .collect::<Vec<_>>()
        };
        Self {
            tenant: tenant.to_owned(),
            groups: (0..GROUPS)
                .map(|i| seed::guid(tenant, "group", i))
                .collect(),
            filters: ids("assignmentFilters"),
            scope_tags: (1..=count("scopeTags")).map(|id| id.to_string()).collect(),
            notification_templates: ids("notificationTemplates"),
            settings_per_policy,
            definition_values_per_policy,
            device_configuration_count: count("deviceConfigurations"),
            settings_catalog_count: count("settingsCatalog"),
            counts: crate::graph_sim::catalog::COLLECTIONS
                .iter()
                .map(|c| (c.key, count(c.key)))
                .collect(),
        }
    }

    /// The configured count of `key` (0 when it has none).
    pub fn count(&self, key: &str) -> usize {
        self.counts.get(key).copied().unwrap_or(0)
    }

    pub fn seed(&self, kind: &str, index: usize) -> Seed {
        Seed::new(&self.tenant, kind, index)
    }

    pub fn guid(&self, kind: &str, index: usize) -> String {
        seed::guid(&self.tenant, kind, index)
    }
}

/// The fields nearly every Intune object has.
#[derive(Debug, Clone)]
pub struct Header {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created: String,
    pub modified: String,
    /// Intune's integer `version`, one higher per revision.
    pub version: u32,
    pub scope_tags: Vec<String>,
}

/// Builds the header of object `index` of `key` at `revision`, with a name from `names`.
/// A few names repeat on purpose: duplicate display names are common in real tenants and
/// objects must be identified by id.
pub fn header(ctx: &Ctx, key: &str, index: usize, revision: u32, names: &[&str]) -> (Header, Seed) {
    let mut seed = ctx.seed(key, index);
    let name_index = if index % 17 == 5 { index - 1 } else { index };
    let mut name_seed = ctx.seed(key, name_index);
    let stem = name_seed.pick(names);
    let prefix = name_seed.pick(&["WIN", "CORP", "EU", "US", "PILOT", "PROD"]);
    let name = format!("{prefix} - {stem} {:03}", name_index + 1);
    let created = seed::created(&mut seed);
    let modified = seed::modified(created, &mut seed, revision);
    let mut scope_tags = vec!["0".to_owned()];
    if !ctx.scope_tags.is_empty() && seed.chance(40) {
        scope_tags.push(seed.pick(&ctx.scope_tags).clone());
    }
    let header = Header {
        id: ctx.guid(key, index),
        description: format!(
            "{stem}, managed by the endpoint team (ticket CHG-{:05})",
            seed.below(99_999)
        ),
        name,
        created: seed::graph_time(created),
        modified: seed::graph_time(modified),
        version: revision + 1,
        scope_tags,
    };
    (header, seed)
}

/// Starts an object as Graph shapes it: `@odata.type`, id, `displayName`, description,
/// dates, scope tags. Callers add the type's own properties.
pub fn object(odata_type: &str, header: &Header) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(
        "@odata.type".into(),
        json!(format!("#microsoft.graph.{odata_type}")),
    );
    map.insert("id".into(), json!(header.id));
    map.insert("displayName".into(), json!(header.name));
    map.insert("description".into(), json!(header.description));
    map.insert("createdDateTime".into(), json!(header.created));
    map.insert("lastModifiedDateTime".into(), json!(header.modified));
    map.insert("roleScopeTagIds".into(), json!(header.scope_tags));
    map
}

/// Base64 of a script's text, as Graph serves `scriptContent`.
pub fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

pub fn extend(map: &mut Map<String, Value>, fields: Value) {
    if let Value::Object(fields) = fields {
        map.extend(fields);
    }
}
