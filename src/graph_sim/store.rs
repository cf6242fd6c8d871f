//! Objects as written through Graph: created ones, and generated ones once a write touched
//! them. A written object is held whole (detail, assignments, child collections) in the
//! shape the read side serves, so every read route answers it exactly as it answers a
//! generated object: generated content is a pure function of (tenant, type, index,
//! revision) and cannot carry what a client wrote.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::catalog::{self, Child};
use super::content::{self, ChildExpand};
use super::state::{Live, Snapshot, Tenant};

/// Created objects get indexes past generated and injected ones.
pub const CREATED_BASE: usize = 2_000_000;

/// One written object.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    pub detail: Value,
    pub assignments: Vec<Value>,
    /// Child collections in their fullest shape: definition values carry `definition` and
    /// `presentationValues` (each with `presentation`), compliance rules their
    /// `scheduledActionConfigurations`; what a read did not expand is cut when served.
    pub children: HashMap<Child, Vec<Value>>,
    /// Plain values of the encrypted OMA-URI settings written, by
    /// `secretReferenceValueId` (what `getOmaSettingPlainTextValue` answers).
    pub secrets: HashMap<String, String>,
}

impl Stored {
    /// Intune encrypts a custom profile's string OMA-URI values when they are written:
    /// reads give `isEncrypted`, a `secretReferenceValueId` and a masked `value`, and the
    /// value only comes back from `getOmaSettingPlainTextValue`, as for generated profiles
    /// (GRAPH.md "Writing back": tools send the plain value with `isEncrypted` false;
    /// "Strings are now stored as encrypted in Intune", IntuneManagement #29).
    pub fn seal_oma_settings(&mut self) {
        let id = self.detail["id"].as_str().unwrap_or_default().to_owned();
        let Some(settings) = self
            .detail
            .get_mut("omaSettings")
            .and_then(Value::as_array_mut)
        else {
            return;
        };
        for setting in settings {
            let string = setting["@odata.type"] == "#microsoft.graph.omaSettingString";
            let Some(plain) = setting["value"]
                .as_str()
                .filter(|v| string && *v != content::MASKED_VALUE)
            else {
                continue;
            };
            let reference = format!("{id}_{}", uuid::Uuid::new_v4().simple());
            self.secrets.insert(reference.clone(), plain.to_owned());
            setting["isEncrypted"] = json!(true);
            setting["secretReferenceValueId"] = json!(reference);
            setting["value"] = json!(content::MASKED_VALUE);
        }
    }

    /// A child collection as a read asks for it.
    pub fn child(&self, key: &str, child: Child, expand: ChildExpand) -> Vec<Value> {
        let members = self.children.get(&child).cloned().unwrap_or_default();
        match child {
            Child::Settings
                if expand.setting_definitions
                    && !matches!(key, "endpointSecurityIntents" | "inventoryPolicies") =>
            {
                members.iter().map(content::with_definition).collect()
            }
            Child::DefinitionValues => members
                .into_iter()
                .map(|value| definition_value(value, expand.definition))
                .collect(),
            Child::ScheduledActionsForRule if !expand.scheduled_action_configurations => members
                .into_iter()
                .map(|rule| without(rule, "scheduledActionConfigurations"))
                .collect(),
            _ => members,
        }
    }

    /// Definition value `value_id` (without its presentation values).
    pub fn definition_value(&self, value_id: &str, expand_definition: bool) -> Option<Value> {
        self.value(value_id)
            .map(|value| definition_value(value.clone(), expand_definition))
    }

    /// The presentation values of definition value `value_id`.
    pub fn presentation_values(&self, value_id: &str, expand: bool) -> Option<Vec<Value>> {
        let value = self.value(value_id)?;
        let members = value["presentationValues"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        Some(if expand {
            members
        } else {
            members
                .into_iter()
                .map(|member| without(member, "presentation"))
                .collect()
        })
    }

    fn value(&self, value_id: &str) -> Option<&Value> {
        self.children
            .get(&Child::DefinitionValues)?
            .iter()
            .find(|value| value["id"] == value_id)
    }
}

fn definition_value(value: Value, expand_definition: bool) -> Value {
    let value = without(value, "presentationValues");
    if expand_definition {
        value
    } else {
        without(value, "definition")
    }
}

fn without(mut object: Value, field: &str) -> Value {
    if let Value::Object(map) = &mut object {
        map.remove(field);
    }
    object
}

/// Object `index` of `key` as generated now, whole: what a first write starts from.
fn generated(tenant: &Tenant, key: &'static str, index: usize, revision: u32) -> Stored {
    let ctx = &tenant.ctx;
    let detail = content::detail(ctx, key, index, revision);
    let id = detail["id"].as_str().unwrap_or_default().to_owned();
    let mut children = HashMap::new();
    for child in catalog::by_key(key).map(|c| c.children).unwrap_or_default() {
        let members = if *child == Child::DefinitionValues {
            content::definition_values(ctx, index, revision, true)
                .into_iter()
                .enumerate()
                .map(|(position, mut value)| {
                    value["presentationValues"] = json!(content::presentation_values(
                        ctx, index, position, revision, true
                    ));
                    value
                })
                .collect()
        } else {
            let expand = ChildExpand {
                scheduled_action_configurations: true,
                ..ChildExpand::default()
            };
            content::child(ctx, key, *child, &id, index, revision, expand)
        };
        children.insert(*child, members);
    }
    Stored {
        assignments: content::assignments(ctx, key, &id, index),
        detail,
        children,
        secrets: HashMap::new(),
    }
}

impl Tenant {
    /// The written object `index` of `key`, if a write touched it.
    pub fn stored(&self, key: &'static str, index: usize) -> Option<Stored> {
        self.lock().written.get(&(key, index)).cloned()
    }

    /// The assignments of object `index` as a read sees them.
    pub fn assignments(&self, key: &'static str, id: &str, index: usize) -> Vec<Value> {
        match self.lock().written.get(&(key, index)) {
            Some(stored) => stored.assignments.clone(),
            None => content::assignments(&self.ctx, key, id, index),
        }
    }

    /// A child collection of object `index` as a read sees it.
    pub fn child(
        &self,
        key: &'static str,
        child: Child,
        id: &str,
        index: usize,
        revision: u32,
        expand: ChildExpand,
    ) -> Vec<Value> {
        match self.lock().written.get(&(key, index)) {
            Some(stored) => stored.child(key, child, expand),
            None => content::child(&self.ctx, key, child, id, index, revision, expand),
        }
    }

    /// Adds a created object (its detail already holds the server's fields); returns its
    /// index.
    pub fn create(&self, key: &'static str, stored: Stored) -> usize {
        let mut live = self.lock();
        let created = live.created.entry(key).or_default();
        let index = CREATED_BASE + *created;
        *created += 1;
        let detail = stored.detail.clone();
        live.written.insert((key, index), stored);
        // the cached list grows by one instead of being generated again
        if let Some(cached) = live.cache.get(key) {
            let mut snapshot = Snapshot::clone(cached);
            snapshot.push(key, index, 0, detail);
            live.cache.insert(key, Arc::new(snapshot));
        }
        index
    }

    /// Runs `change` on object `index` as written (generated content is copied in on the
    /// first write); `None` when the object is gone.
    pub fn write<R>(
        &self,
        key: &'static str,
        index: usize,
        change: impl FnOnce(&mut Stored) -> R,
    ) -> Option<R> {
        let mut live = self.lock();
        if live.deleted.contains(&(key, index)) {
            return None;
        }
        if !live.written.contains_key(&(key, index)) {
            let count = live.counts.get(key).copied().unwrap_or(0);
            if index >= count {
                return None;
            }
            let revision = live.revisions.get(&(key, index)).copied().unwrap_or(0);
            // copied under the lock, so two first writes cannot both copy
            let stored = generated(self, key, index, revision);
            live.written.insert((key, index), stored);
        }
        let stored = live.written.get_mut(&(key, index))?;
        let result = change(stored);
        let detail = stored.detail.clone();
        refresh(&mut live, key, index, detail);
        Some(result)
    }

    /// Deletes object `index` (generated, injected or created).
    pub fn delete_index(&self, key: &'static str, index: usize) {
        let mut live = self.lock();
        live.deleted.insert((key, index));
        live.written.remove(&(key, index));
        live.cache.remove(key);
    }
}

/// Puts object `index`'s new detail into the type's cached list (one item replaced, the
/// rest shared), so a restore's thousands of writes do not each regenerate the type.
fn refresh(live: &mut Live, key: &'static str, index: usize, detail: Value) {
    let Some(cached) = live.cache.get(key) else {
        return;
    };
    let revision = live.revisions.get(&(key, index)).copied().unwrap_or(0);
    let mut snapshot = Snapshot::clone(cached);
    if snapshot.replace(key, index, revision, detail) {
        live.cache.insert(key, Arc::new(snapshot));
    } else {
        live.cache.remove(key);
    }
}

/// Written objects of `key` created through Graph, in creation order.
pub fn created_of(live: &Live, key: &'static str) -> Vec<(usize, Value)> {
    let count = live.created.get(key).copied().unwrap_or(0);
    (CREATED_BASE..CREATED_BASE + count)
        .filter(|index| !live.deleted.contains(&(key, *index)))
        .filter_map(|index| {
            live.written
                .get(&(key, index))
                .map(|stored| (index, stored.detail.clone()))
        })
        .collect()
}

/// Graph's timestamps for a write made now.
pub fn now() -> String {
    content::graph_time(chrono::Utc::now())
}

/// A write's mark on an object: `lastModifiedDateTime` now and, where the type has one,
/// `version` one higher.
pub fn touch(detail: &mut Value) {
    if let Value::Object(map) = detail {
        // types whose read shape has no timestamp (scope tags) get none
        if map.contains_key("lastModifiedDateTime") {
            map.insert("lastModifiedDateTime".into(), json!(now()));
        }
        if let Some(version) = map.get("version").and_then(Value::as_u64) {
            map.insert("version".into(), json!(version + 1));
        }
    }
}
