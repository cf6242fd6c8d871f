//! What tests assert on: per tenant, requests (token and Graph, per path family and per
//! status), the most Graph requests in flight at once, and every 429 served. A cheap
//! clonable handle, also served at `GET /_sim/stats`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TenantStats {
    /// Token and Graph requests.
    pub total_requests: u64,
    pub token_requests: u64,
    pub graph_requests: u64,
    /// Graph requests per catalog key (`other` for paths outside the catalog).
    pub requests_by_family: BTreeMap<String, u64>,
    /// Graph requests per kind of read: `list` (every page of a list), `detail`
    /// (`GET /{id}`), `assignments`, and each child collection by its segment
    /// (`settings`, `definitionValues`, ...): how a run's requests divide.
    pub requests_by_kind: BTreeMap<String, u64>,
    /// `POST /$batch` envelopes; each request inside one counts as a Graph request of its
    /// own, as Graph's throttling counts it (concepts/json-batching.md).
    pub batch_requests: u64,
    /// Graph responses per HTTP status.
    pub responses_by_status: BTreeMap<u16, u64>,
    /// Graph requests being served right now.
    pub in_flight: usize,
    /// The most Graph requests ever served at once (the client must bound it).
    pub max_in_flight: usize,
    /// Every 429 served, in order.
    pub throttled: Vec<ThrottleRecord>,
    /// Graph requests that came without a `client-request-id` header (a well-behaved
    /// client sends one with every request).
    pub without_client_request_id: u64,
    /// Writes (every method but GET), so a test can prove what a restore touched.
    pub writes: WriteStats,
}

/// What writes reached Graph and what they changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    /// Write requests, whatever their answer (refused, throttled and failed ones too).
    pub requests: u64,
    /// Writes that changed something (answered 2xx).
    pub applied: u64,
    /// Applied writes per catalog key.
    pub by_type: BTreeMap<String, u64>,
    /// Applied writes per object id (a created object's new id).
    pub by_object: BTreeMap<String, ObjectWrites>,
}

/// The applied writes of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObjectWrites {
    pub policy_type: String,
    pub count: u64,
    /// Each write as `METHOD /beta/path`, in order.
    pub calls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThrottleRecord {
    pub at: DateTime<Utc>,
    pub path: String,
    pub policy_type: Option<String>,
    /// The `Retry-After` sent; `None` for Intune-style 429s, which carry none.
    pub retry_after_secs: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    pub tenants: BTreeMap<String, TenantStats>,
    /// Graph requests whose token was missing, unknown or expired (no tenant to count
    /// them against).
    pub unauthenticated_requests: u64,
}

#[derive(Debug, Default)]
struct Inner {
    tenants: HashMap<String, TenantStats>,
    unauthenticated: u64,
}

/// The handle: clones share the counters.
#[derive(Debug, Clone, Default)]
pub struct SimStats {
    inner: Arc<Mutex<Inner>>,
}

fn key(tenant: &str) -> String {
    tenant.to_ascii_lowercase()
}

impl SimStats {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // a panic while holding the lock leaves plain counters: still worth reading
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One tenant's counters (zero if it was never called).
    pub fn tenant(&self, azure_tenant_id: &str) -> TenantStats {
        self.lock()
            .tenants
            .get(&key(azure_tenant_id))
            .cloned()
            .unwrap_or_default()
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let inner = self.lock();
        StatsSnapshot {
            tenants: inner
                .tenants
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            unauthenticated_requests: inner.unauthenticated,
        }
    }

    /// Zeroes every counter (requests still in flight stay counted as in flight).
    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.unauthenticated = 0;
        for stats in inner.tenants.values_mut() {
            *stats = TenantStats {
                in_flight: stats.in_flight,
                max_in_flight: stats.in_flight,
                ..TenantStats::default()
            };
        }
    }

    pub(crate) fn token_request(&self, tenant: &str) {
        let mut inner = self.lock();
        let stats = inner.tenants.entry(key(tenant)).or_default();
        stats.total_requests += 1;
        stats.token_requests += 1;
    }

    pub(crate) fn request_kind(&self, tenant: &str, kind: &str) {
        let mut inner = self.lock();
        let stats = inner.tenants.entry(key(tenant)).or_default();
        *stats.requests_by_kind.entry(kind.to_owned()).or_default() += 1;
    }

    pub(crate) fn batch(&self, tenant: &str) {
        self.lock()
            .tenants
            .entry(key(tenant))
            .or_default()
            .batch_requests += 1;
    }

    pub(crate) fn without_client_request_id(&self, tenant: &str) {
        let mut inner = self.lock();
        inner
            .tenants
            .entry(key(tenant))
            .or_default()
            .without_client_request_id += 1;
    }

    pub(crate) fn unauthenticated(&self) {
        self.lock().unauthenticated += 1;
    }

    /// Counts a Graph request as started; the guard counts it finished when dropped.
    pub(crate) fn begin(&self, tenant: &str, family: Option<&str>) -> InFlight {
        let mut inner = self.lock();
        let stats = inner.tenants.entry(key(tenant)).or_default();
        stats.total_requests += 1;
        stats.graph_requests += 1;
        *stats
            .requests_by_family
            .entry(family.unwrap_or("other").to_owned())
            .or_default() += 1;
        stats.in_flight += 1;
        stats.max_in_flight = stats.max_in_flight.max(stats.in_flight);
        InFlight {
            stats: self.clone(),
            tenant: key(tenant),
        }
    }

    pub(crate) fn responded(&self, tenant: &str, status: u16) {
        let mut inner = self.lock();
        let stats = inner.tenants.entry(key(tenant)).or_default();
        *stats.responses_by_status.entry(status).or_default() += 1;
    }

    /// Counts a write request, whatever its answer.
    pub(crate) fn write_request(&self, tenant: &str) {
        self.lock()
            .tenants
            .entry(key(tenant))
            .or_default()
            .writes
            .requests += 1;
    }

    /// Counts an applied write of object `id` of `policy_type` (`call`: `METHOD /beta/path`).
    pub(crate) fn write_applied(&self, tenant: &str, policy_type: &str, id: &str, call: String) {
        let mut inner = self.lock();
        let writes = &mut inner.tenants.entry(key(tenant)).or_default().writes;
        writes.applied += 1;
        *writes.by_type.entry(policy_type.to_owned()).or_default() += 1;
        let object = writes.by_object.entry(id.to_owned()).or_default();
        object.policy_type = policy_type.to_owned();
        object.count += 1;
        object.calls.push(call);
    }

    pub(crate) fn throttled(&self, tenant: &str, record: ThrottleRecord) {
        let mut inner = self.lock();
        inner
            .tenants
            .entry(key(tenant))
            .or_default()
            .throttled
            .push(record);
    }
}

/// A Graph request being served.
#[derive(Debug)]
pub(crate) struct InFlight {
    stats: SimStats,
    tenant: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut inner = self.stats.lock();
        if let Some(stats) = inner.tenants.get_mut(&self.tenant) {
            stats.in_flight = stats.in_flight.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_requests_raise_the_maximum_and_fall_back() {
        let stats = SimStats::default();
        let a = stats.begin("T", Some("settingsCatalog"));
        let b = stats.begin("t", None);
        assert_eq!(stats.tenant("t").in_flight, 2);
        drop((a, b));
        let tenant = stats.tenant("t");
        assert_eq!((tenant.in_flight, tenant.max_in_flight), (0, 2));
        assert_eq!(tenant.requests_by_family["other"], 1);
        stats.reset();
        assert_eq!(stats.tenant("t"), TenantStats::default());
    }
}
