//! How webhooks are delivered: the knobs from the environment, and the timings that follow
//! the Standard Webhooks recommendations (tests shorten them here, not through variables).

use std::time::Duration;

/// The retry schedule: the delay before each attempt, the first one immediate.
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 10] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(14 * 3600),
    Duration::from_secs(20 * 3600),
    Duration::from_secs(24 * 3600),
];

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `TENANTPILOT_WEBHOOK_ALLOW_PRIVATE=1`: URLs may point at loopback, private and
    /// link-local addresses (development and tests; `serve --demo` sets it).
    pub allow_private: bool,
    /// `TENANTPILOT_WEBHOOK_TIMEOUT_MS`: one attempt, connection to last byte.
    pub timeout: Duration,
    /// `TENANTPILOT_WEBHOOK_CONCURRENCY`: attempts in flight at once in this process.
    pub concurrency: usize,
    /// `TENANTPILOT_WEBHOOK_CONCURRENCY_PER_ENDPOINT`: attempts in flight to one webhook,
    /// so a slow or dead endpoint holds at most this share of `concurrency`.
    pub per_endpoint_concurrency: usize,
    /// `TENANTPILOT_WEBHOOK_LOG_DAYS`: finished messages and their attempts are kept this
    /// many days.
    pub log_days: u32,
    /// The delay before each attempt (the first is normally zero); after the last one
    /// fails, the message is `failed`. Each delay gets ±10 % jitter.
    pub retry_schedule: Vec<Duration>,
    /// An endpoint whose attempts all failed for this long is disabled (`failing`).
    pub failing_window: Duration,
    /// How long the previous secret still signs after a rotation.
    pub secret_overlap: Duration,
    /// How long a claimed attempt is reserved for its sender; an attempt whose sender died
    /// is sent again (same `webhook-id`) once it expires. Longer than `timeout`.
    pub lease: Duration,
    /// How often the fan-out and the sender look for work other processes made (retries
    /// coming due, events of other instances).
    pub poll: Duration,
}

impl Default for WebhookSettings {
    /// The defaults of the environment variables.
    fn default() -> Self {
        Self::new(
            false,
            Duration::from_secs(10),
            64,
            8,
            30,
            Duration::from_millis(500),
        )
    }
}

impl WebhookSettings {
    /// The defaults, with the knobs the environment sets.
    pub fn new(
        allow_private: bool,
        timeout: Duration,
        concurrency: usize,
        per_endpoint_concurrency: usize,
        log_days: u32,
        poll: Duration,
    ) -> Self {
        Self {
            allow_private,
            timeout,
            concurrency,
            per_endpoint_concurrency,
            log_days,
            retry_schedule: DEFAULT_RETRY_SCHEDULE.to_vec(),
            failing_window: Duration::from_secs(5 * 24 * 3600),
            secret_overlap: Duration::from_secs(24 * 3600),
            lease: timeout + Duration::from_secs(30),
            poll,
        }
    }
}
