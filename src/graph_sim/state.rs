//! The simulator's mutable state: per tenant, which objects exist and at which revision,
//! the faults as they stand, and a cache of each type's generated collection (rebuilt only
//! when that type changes, so paging through 2,000 objects does not regenerate them 80
//! times).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::Value;

use super::catalog::{self, Child, COLLECTIONS};
use super::config::{SimConfig, TenantConfig};
use super::content::{self, ChildExpand, Ctx};
use super::faults::{Fault, FaultSet};
use super::stats::SimStats;
use super::store::{self, Stored};
use super::tokens::TokenStore;

/// Why an in-process or admin request to change the simulation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("no simulated tenant {0}")]
    UnknownTenant(String),
    #[error("{0:?} is not a policy type or foundation")]
    UnknownType(String),
    #[error("{key} has no object with index {index}")]
    NoSuchObject { key: String, index: usize },
    #[error("invalid fault: {0}")]
    InvalidFault(String),
}

/// One generated object of a collection.
#[derive(Debug)]
pub struct Item {
    /// The generation index: stable for the object's life, the handle for mutations.
    pub index: usize,
    pub revision: u32,
    pub detail: Value,
    pub list_entry: Value,
    /// `list_entry` serialized, for pages without `$expand`.
    pub list_json: String,
}

/// A type's objects in list order, with a lookup by Graph id. Items are shared, so a
/// write replaces one item of a copy instead of regenerating the type (store.rs).
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub items: Vec<Arc<Item>>,
    by_id: HashMap<String, usize>,
}

impl Snapshot {
    pub fn get(&self, id: &str) -> Option<&Item> {
        self.by_id.get(id).map(|&position| &*self.items[position])
    }

    pub(crate) fn push(&mut self, key: &str, index: usize, revision: u32, detail: Value) {
        let item = Item::new(key, index, revision, detail);
        if let Some(id) = item.detail["id"].as_str() {
            self.by_id.insert(id.to_owned(), self.items.len());
        }
        self.items.push(Arc::new(item));
    }

    /// Replaces the item with `detail`'s id (its position stays); false when it is not
    /// there.
    pub(crate) fn replace(
        &mut self,
        key: &str,
        index: usize,
        revision: u32,
        detail: Value,
    ) -> bool {
        let Some(position) = detail["id"]
            .as_str()
            .and_then(|id| self.by_id.get(id).copied())
        else {
            return false;
        };
        self.items[position] = Arc::new(Item::new(key, index, revision, detail));
        true
    }
}

impl Item {
    fn new(key: &str, index: usize, revision: u32, detail: Value) -> Self {
        let list_entry = content::list_entry(key, &detail);
        let list_json = list_entry.to_string();
        Self {
            index,
            revision,
            detail,
            list_entry,
            list_json,
        }
    }
}

/// What a mutation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub policy_type: String,
    pub index: usize,
    pub id: String,
    pub revision: u32,
}

/// Which child collection of which object revision, with which expansions.
type ChildKey = (&'static str, usize, u32, Child, ChildExpand);

/// Recently generated child collections (settings, definition values, ...), serialized.
/// A client pages through one object's settings in a few consecutive requests; keeping the
/// last few hundred saves regenerating 60 settings for each page.
#[derive(Debug, Default)]
struct ChildCache {
    members: HashMap<ChildKey, Arc<Vec<String>>>,
    order: VecDeque<ChildKey>,
}

const CHILD_CACHE_SIZE: usize = 512;

#[derive(Debug, Default)]
pub struct Live {
    pub(crate) counts: HashMap<&'static str, usize>,
    pub(crate) deleted: HashSet<(&'static str, usize)>,
    pub(crate) revisions: HashMap<(&'static str, usize), u32>,
    faults: FaultSet,
    pub(crate) cache: HashMap<&'static str, Arc<Snapshot>>,
    /// Objects put in as served (bad input: unknown `@odata.type`, no id, huge bodies),
    /// listed after the generated ones.
    injected: HashMap<&'static str, Vec<Value>>,
    /// Objects as written through Graph (store.rs), by (type, index).
    pub(crate) written: HashMap<(&'static str, usize), Stored>,
    /// Objects created through Graph per type (their indexes start at `CREATED_BASE`).
    pub(crate) created: HashMap<&'static str, usize>,
}

/// Injected objects get indexes far past any generated one (their children and
/// assignments are generated from it like any other object's).
pub const INJECTED_BASE: usize = 1_000_000;

pub struct Tenant {
    pub config: TenantConfig,
    pub ctx: Ctx,
    live: Mutex<Live>,
    children: Mutex<ChildCache>,
}

impl Tenant {
    fn new(config: TenantConfig) -> Self {
        let ctx = Ctx::new(
            &config.azure_tenant_id,
            |key| config.count(key),
            config.settings_per_policy,
            config.definition_values_per_policy,
        );
        let live = Live {
            counts: COLLECTIONS
                .iter()
                .map(|c| (c.key, content::object_count(c.key, config.count(c.key))))
                .collect(),
            faults: FaultSet::new(config.faults.clone()),
            ..Live::default()
        };
        Self {
            config,
            ctx,
            live: Mutex::new(live),
            children: Mutex::new(ChildCache::default()),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Live> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The objects of `key` as they stand (cached until the type changes).
    pub fn snapshot(&self, key: &'static str) -> Arc<Snapshot> {
        let mut live = self.lock();
        if let Some(snapshot) = live.cache.get(key) {
            return snapshot.clone();
        }
        let count = live.counts.get(key).copied().unwrap_or(0);
        let mut snapshot = Snapshot::default();
        for index in (0..count).filter(|i| !live.deleted.contains(&(key, *i))) {
            let revision = live.revisions.get(&(key, index)).copied().unwrap_or(0);
            let detail = match live.written.get(&(key, index)) {
                Some(stored) => stored.detail.clone(),
                None => content::detail(&self.ctx, key, index, revision),
            };
            snapshot.push(key, index, revision, detail);
        }
        for (position, detail) in live.injected.get(key).into_iter().flatten().enumerate() {
            snapshot.push(key, INJECTED_BASE + position, 0, detail.clone());
        }
        for (index, detail) in store::created_of(&live, key) {
            snapshot.push(key, index, 0, detail);
        }
        let snapshot = Arc::new(snapshot);
        live.cache.insert(key, snapshot.clone());
        snapshot
    }

    /// The members of a child collection of object `index` at `revision`, serialized
    /// (generated once, then served from a small cache).
    pub fn child_json(
        &self,
        key: &'static str,
        child: Child,
        policy_id: &str,
        index: usize,
        revision: u32,
        expand: ChildExpand,
    ) -> Arc<Vec<String>> {
        // written objects are served from the store, never from the cache
        if let Some(stored) = self.lock().written.get(&(key, index)) {
            let members = stored.child(key, child, expand);
            return Arc::new(members.iter().map(Value::to_string).collect());
        }
        let cache_key = (key, index, revision, child, expand);
        let lock = || {
            self.children
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(members) = lock().members.get(&cache_key) {
            return members.clone();
        }
        // generated outside the lock: two requests racing for the same page both generate
        // (identical) content, which is cheaper than serialising every generation
        let members: Arc<Vec<String>> = Arc::new(
            content::child(&self.ctx, key, child, policy_id, index, revision, expand)
                .iter()
                .map(Value::to_string)
                .collect(),
        );
        let mut cache = lock();
        if cache.members.insert(cache_key, members.clone()).is_none() {
            cache.order.push_back(cache_key);
        }
        while cache.order.len() > CHILD_CACHE_SIZE {
            if let Some(oldest) = cache.order.pop_front() {
                cache.members.remove(&oldest);
            }
        }
        members
    }

    /// Runs `f` on the tenant's faults (counted faults count down inside).
    pub fn with_faults<R>(&self, f: impl FnOnce(&mut FaultSet) -> R) -> R {
        f(&mut self.lock().faults)
    }

    pub fn set_faults(&self, faults: Vec<Fault>) -> Result<(), SimError> {
        let known = |key: &str| catalog::by_key(key).is_some();
        for fault in &faults {
            fault.check(known).map_err(SimError::InvalidFault)?;
        }
        self.lock().faults = FaultSet::new(faults);
        Ok(())
    }

    fn existing(live: &Live, key: &'static str, index: usize) -> Result<(), SimError> {
        let count = live.counts.get(key).copied().unwrap_or(0);
        let known = index < count || live.written.contains_key(&(key, index));
        if !known || live.deleted.contains(&(key, index)) {
            return Err(SimError::NoSuchObject {
                key: key.to_owned(),
                index,
            });
        }
        Ok(())
    }

    /// Bumps object `index`'s revision: a setting value, `lastModifiedDateTime` and
    /// `version` change; its id does not.
    pub fn mutate(&self, key: &'static str, index: usize) -> Result<Changed, SimError> {
        let mut live = self.lock();
        Self::existing(&live, key, index)?;
        let revision = live.revisions.entry((key, index)).or_default();
        *revision += 1;
        let revision = *revision;
        // a written object is served as written: the mutation changes its description
        // (content a diff sees) and shows as a new version
        if let Some(stored) = live.written.get_mut(&(key, index)) {
            let description = stored.detail["description"].as_str().unwrap_or_default();
            stored.detail["description"] = Value::from(format!("{description} (rev {revision})"));
            store::touch(&mut stored.detail);
        }
        live.cache.remove(key);
        let id = live
            .written
            .get(&(key, index))
            .map(|s| s.detail["id"].clone());
        drop(live);
        let mut changed = self.changed(key, index, revision);
        if let Some(id) = id.as_ref().and_then(Value::as_str) {
            changed.id = id.to_owned();
        }
        Ok(changed)
    }

    pub fn delete(&self, key: &'static str, index: usize) -> Result<Changed, SimError> {
        let mut live = self.lock();
        Self::existing(&live, key, index)?;
        live.deleted.insert((key, index));
        live.cache.remove(key);
        let revision = live.revisions.get(&(key, index)).copied().unwrap_or(0);
        let id = live
            .written
            .get(&(key, index))
            .map(|s| s.detail["id"].clone());
        drop(live);
        let mut changed = self.changed(key, index, revision);
        if let Some(id) = id.as_ref().and_then(Value::as_str) {
            changed.id = id.to_owned();
        }
        Ok(changed)
    }

    /// Adds `count` new objects at the end of the type's list.
    pub fn add(&self, key: &'static str, count: usize) -> Vec<Changed> {
        let mut live = self.lock();
        let total = live.counts.entry(key).or_default();
        let first = *total;
        *total += count;
        live.cache.remove(key);
        (first..first + count)
            .map(|index| self.changed(key, index, 0))
            .collect()
    }

    /// Adds `object` to the type's list exactly as given (it is also what `GET /{id}`
    /// answers, when it has an id); returns its index.
    pub fn inject(&self, key: &'static str, object: Value) -> usize {
        let mut live = self.lock();
        let injected = live.injected.entry(key).or_default();
        injected.push(object);
        let index = INJECTED_BASE + injected.len() - 1;
        live.cache.remove(key);
        index
    }

    fn changed(&self, key: &'static str, index: usize, revision: u32) -> Changed {
        let detail = content::detail(&self.ctx, key, index, revision);
        Changed {
            policy_type: key.to_owned(),
            index,
            id: detail["id"].as_str().unwrap_or_default().to_owned(),
            revision,
        }
    }
}

/// Everything the handlers share.
pub struct SimState {
    tenants: HashMap<String, Tenant>,
    pub tokens: TokenStore,
    pub stats: SimStats,
}

impl SimState {
    pub fn new(config: SimConfig) -> Self {
        Self {
            tenants: config
                .tenants
                .into_iter()
                .map(|t| (t.azure_tenant_id.to_ascii_lowercase(), Tenant::new(t)))
                .collect(),
            tokens: TokenStore::default(),
            stats: SimStats::default(),
        }
    }

    pub fn tenant(&self, azure_tenant_id: &str) -> Option<&Tenant> {
        self.tenants.get(&azure_tenant_id.to_ascii_lowercase())
    }

    pub fn tenant_or_error(&self, azure_tenant_id: &str) -> Result<&Tenant, SimError> {
        self.tenant(azure_tenant_id)
            .ok_or_else(|| SimError::UnknownTenant(azure_tenant_id.to_owned()))
    }

    pub fn tenants(&self) -> impl Iterator<Item = &Tenant> {
        self.tenants.values()
    }
}

/// The catalog key as a `'static` str, or why not.
pub fn static_key(key: &str) -> Result<&'static str, SimError> {
    catalog::by_key(key)
        .map(|c| c.key)
        .ok_or_else(|| SimError::UnknownType(key.to_owned()))
}
