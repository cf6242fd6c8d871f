//! Bounded concurrency and pacing: a global semaphore, and per tenant a semaphore and a
//! token bucket that spaces request starts below the tenant's budget (Intune allows about
//! 1,000 requests per 20 s per app and tenant). Pacing up front keeps a large run from
//! living on 429s; `Retry-After` still wins when Graph throttles anyway.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use uuid::Uuid;

use super::types::{GraphError, GraphErrorCode};

const WINDOW: Duration = Duration::from_secs(20);

/// A token bucket in its GCRA form: request starts are `interval` apart on average, with a
/// burst of `burst` starts allowed after a quiet spell. Over any 20 s at most
/// `requests_per_20s + burst` start.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    /// How far ahead of the steady schedule a burst may run.
    tolerance: Duration,
    /// The theoretical arrival time of the next start.
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    pub fn new(requests_per_20s: u32) -> Self {
        let per_window = requests_per_20s.max(1);
        let interval = WINDOW / per_window;
        // A second's worth of requests may start at once.
        let burst = (per_window / 20).max(1);
        Self {
            interval,
            tolerance: interval * (burst - 1),
            next: Mutex::new(None),
        }
    }

    /// Reserves the next start slot and waits for it.
    pub async fn wait_turn(&self) {
        let start = self.reserve(Instant::now());
        tokio::time::sleep_until(start).await;
    }

    /// The start time granted to a request asking at `now` (and books it).
    fn reserve(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let due = next.map_or(now, |due| due.max(now));
        let start = due
            .checked_sub(self.tolerance)
            .map_or(now, |at| at.max(now));
        *next = Some(due + self.interval);
        start
    }
}

/// One tenant's share: its concurrency bound and its pacer.
#[derive(Debug)]
pub(crate) struct TenantLimits {
    pub semaphore: Arc<Semaphore>,
    pub pacer: Pacer,
}

/// Concurrency bounds and pacers over every tenant.
#[derive(Debug)]
pub(crate) struct Limits {
    global: Arc<Semaphore>,
    per_tenant_concurrency: usize,
    requests_per_20s: u32,
    tenants: Mutex<HashMap<Uuid, Arc<TenantLimits>>>,
}

/// Held while one request is in flight.
pub(crate) struct Slot {
    _tenant: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl Limits {
    pub fn new(
        per_tenant_concurrency: usize,
        total_concurrency: usize,
        requests_per_20s: u32,
    ) -> Self {
        Self {
            global: Arc::new(Semaphore::new(total_concurrency.max(1))),
            per_tenant_concurrency: per_tenant_concurrency.max(1),
            requests_per_20s,
            tenants: Mutex::new(HashMap::new()),
        }
    }

    fn tenant(&self, tenant_id: Uuid) -> Arc<TenantLimits> {
        let mut tenants = self.tenants.lock().unwrap_or_else(PoisonError::into_inner);
        tenants
            .entry(tenant_id)
            .or_insert_with(|| {
                Arc::new(TenantLimits {
                    semaphore: Arc::new(Semaphore::new(self.per_tenant_concurrency)),
                    pacer: Pacer::new(self.requests_per_20s),
                })
            })
            .clone()
    }

    /// Waits for the tenant's slot, then its pacing turn, then a global slot: a tenant
    /// waiting for its turn holds no global slot other tenants could use.
    pub async fn acquire(&self, tenant_id: Uuid) -> Result<Slot, GraphError> {
        let tenant = self.tenant(tenant_id);
        let tenant_permit = tenant
            .semaphore
            .clone()
            .acquire_owned()
            .await
            .map_err(closed)?;
        tenant.pacer.wait_turn().await;
        let global_permit = self.global.clone().acquire_owned().await.map_err(closed)?;
        Ok(Slot {
            _tenant: tenant_permit,
            _global: global_permit,
        })
    }
}

fn closed(_: tokio::sync::AcquireError) -> GraphError {
    GraphError::new(
        GraphErrorCode::Internal,
        "the Graph client's limits were closed",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_are_spaced_by_the_budget_after_the_burst() {
        // 100 per 20 s: one every 200 ms, a burst of 5.
        let pacer = Pacer::new(100);
        let now = Instant::now();
        let starts: Vec<_> = (0..8).map(|_| pacer.reserve(now) - now).collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(
            starts,
            [ms(0), ms(0), ms(0), ms(0), ms(0), ms(200), ms(400), ms(600)]
        );
    }

    #[test]
    fn a_quiet_spell_refills_the_bucket_but_not_beyond_its_burst() {
        let pacer = Pacer::new(20); // one a second, burst 1
        let now = Instant::now();
        assert_eq!(pacer.reserve(now), now);
        assert_eq!(pacer.reserve(now), now + Duration::from_secs(1));
        let later = now + Duration::from_secs(60);
        assert_eq!(pacer.reserve(later), later);
        assert_eq!(pacer.reserve(later), later + Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_budget_starts_in_a_window() {
        let pacer = Arc::new(Pacer::new(40)); // one every 500 ms, burst 2
        let begin = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let pacer = pacer.clone();
            tasks.push(tokio::spawn(async move {
                pacer.wait_turn().await;
                Instant::now() - begin
            }));
        }
        let mut starts = Vec::new();
        for task in tasks {
            starts.push(task.await.expect("task"));
        }
        starts.sort();
        let within_two_seconds = starts
            .iter()
            .filter(|at| **at < Duration::from_secs(2))
            .count();
        // 2 at once, then 0.5, 1.0, 1.5 s.
        assert_eq!(within_two_seconds, 5);
        assert_eq!(
            starts.last().copied(),
            Some(Duration::from_millis(500 * 18))
        );
    }

    #[tokio::test]
    async fn a_tenant_never_has_more_than_its_bound_in_flight() {
        let limits = Limits::new(2, 10, 100_000);
        let tenant = Uuid::new_v4();
        let first = limits.acquire(tenant).await.expect("slot");
        let _second = limits.acquire(tenant).await.expect("slot");
        let third = tokio::time::timeout(Duration::from_millis(50), limits.acquire(tenant)).await;
        assert!(third.is_err(), "a third slot was granted");
        let other = limits.acquire(Uuid::new_v4()).await;
        assert!(other.is_ok(), "another tenant is not held up");
        drop(first);
        assert!(limits.acquire(tenant).await.is_ok());
    }
}
