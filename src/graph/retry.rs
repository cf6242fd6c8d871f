//! When and how long to wait before retrying: `Retry-After` (seconds or an HTTP date) when
//! Graph gives one, otherwise exponential backoff with equal jitter; bounded in attempts and
//! in total waiting time.
//!
//! Intune is not among the services whose 429s carry `Retry-After`, and its throttling
//! window is 20 s (Graph docs `concepts/throttling.md`; `concepts/throttling-limits.md`,
//! "Intune service limits": per app per tenant, per 20 seconds). Backoff that gave up
//! within ~15 s would end a type `throttled` just before the window reopened: the waits
//! here add up past it (at least 31.5 s after seven retries), and the total wait budget
//! (`GraphSettings::max_retry_wait`, 60 s by default) is what ends the retries.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// First backoff ceiling; doubles per attempt up to `BACKOFF_CAP`.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(16);

/// `Retry-After` as a wait from `now`: delay-seconds, or an HTTP date (a date in the past
/// means "now").
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// The backoff ceiling before retry number `retry` (1-based): base * 2^(retry-1), capped.
pub(crate) fn backoff_ceiling(retry: u32) -> Duration {
    let factor = 1u32 << retry.saturating_sub(1).min(16);
    BACKOFF_BASE.saturating_mul(factor).min(BACKOFF_CAP)
}

/// Equal jitter: uniformly in `[ceiling / 2, ceiling]`, so many clients throttled at once
/// do not come back in step, while every wait still moves toward the end of the window
/// (full jitter's waits near zero would spend attempts inside it).
pub(crate) fn equal_jitter(ceiling: Duration, random: u64) -> Duration {
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    let half = millis / 2;
    let spread = millis - half;
    Duration::from_millis(half + random % spread.saturating_add(1))
}

fn random_u64() -> u64 {
    // Without randomness the midpoint still spreads retries reasonably.
    getrandom::u64().unwrap_or(u64::MAX / 2)
}

/// The retry allowance of one request.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    max_attempts: u32,
    max_wait: Duration,
    attempts: u32,
    waited: Duration,
}

impl RetryBudget {
    pub fn new(max_attempts: u32, max_wait: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            max_wait,
            attempts: 1,
            waited: Duration::ZERO,
        }
    }

    /// The wait before the next attempt, or `None` when the budget is spent. A
    /// `Retry-After` beyond the remaining wait ends the retries (waiting less would only
    /// be throttled again); a backoff is shortened to what remains.
    pub fn next_wait(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        if self.attempts >= self.max_attempts {
            return None;
        }
        let remaining = self.max_wait.saturating_sub(self.waited);
        let wait = match retry_after {
            Some(wait) if wait > remaining => return None,
            Some(wait) => wait,
            None => {
                if remaining.is_zero() {
                    return None;
                }
                equal_jitter(backoff_ceiling(self.attempts), random_u64()).min(remaining)
            }
        };
        self.attempts += 1;
        self.waited += wait;
        Some(wait)
    }

    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn retry_after_as_an_http_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").expect("date");
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        assert_eq!(backoff_ceiling(1), Duration::from_secs(1));
        assert_eq!(backoff_ceiling(2), Duration::from_secs(2));
        assert_eq!(backoff_ceiling(4), Duration::from_secs(8));
        assert_eq!(backoff_ceiling(20), BACKOFF_CAP);
        assert_eq!(backoff_ceiling(u32::MAX), BACKOFF_CAP);
    }

    #[test]
    fn jitter_stays_between_half_the_ceiling_and_the_ceiling() {
        let ceiling = Duration::from_secs(2);
        for random in [0, 1, 999, 1000, 1001, u64::MAX] {
            let wait = equal_jitter(ceiling, random);
            assert!(wait >= ceiling / 2 && wait <= ceiling, "{wait:?}");
        }
        assert_eq!(equal_jitter(Duration::ZERO, 12345), Duration::ZERO);
    }

    #[test]
    fn without_retry_after_the_default_budget_waits_past_intunes_20_second_window() {
        let settings = crate::graph::GraphSettings::new("http://g", "http://l");
        // the least the backoff can wait (every random draw at its lowest)
        let mut least = Duration::ZERO;
        for retry in 1..settings.max_attempts {
            least += backoff_ceiling(retry) / 2;
            if least > Duration::from_secs(25) {
                break;
            }
        }
        assert!(least > Duration::from_secs(25), "{least:?}");
        assert!(least <= settings.max_retry_wait);
        // and a budget that is spent ends the retries
        let mut budget = RetryBudget::new(settings.max_attempts, settings.max_retry_wait);
        let mut waited = Duration::ZERO;
        while let Some(wait) = budget.next_wait(None) {
            waited += wait;
        }
        assert!(waited > Duration::from_secs(20) && waited <= settings.max_retry_wait);
    }

    #[test]
    fn the_budget_bounds_attempts() {
        let mut budget = RetryBudget::new(3, Duration::from_secs(600));
        assert!(budget.next_wait(Some(Duration::from_secs(1))).is_some());
        assert!(budget.next_wait(None).is_some());
        assert_eq!(budget.attempts(), 3);
        assert_eq!(budget.next_wait(None), None);
    }

    #[test]
    fn the_budget_bounds_total_waiting() {
        let mut budget = RetryBudget::new(100, Duration::from_secs(10));
        assert_eq!(
            budget.next_wait(Some(Duration::from_secs(8))),
            Some(Duration::from_secs(8))
        );
        // A Retry-After longer than what remains ends the retries at once.
        assert_eq!(budget.next_wait(Some(Duration::from_secs(5))), None);
        // Backoff is shortened to the remaining 2 s.
        let mut waited = Duration::ZERO;
        while let Some(wait) = budget.next_wait(None) {
            waited += wait;
        }
        assert!(waited <= Duration::from_secs(2));
    }
}
