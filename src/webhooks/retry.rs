//! What an attempt's outcome means for its message: delivered, retried later (the retry
//! schedule, each delay with ±10 % jitter so that a recovering endpoint is not hit by every
//! retry at once), or failed for good.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// A message's state after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    Delivered,
    /// Try again at `at`; `retry_step` steps of the schedule are used up.
    Retry {
        at: DateTime<Utc>,
        retry_step: i32,
    },
    /// No attempt is left (or the endpoint is gone).
    Failed,
}

impl Settlement {
    pub fn status(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retry { .. } => "pending",
            Self::Failed => "failed",
        }
    }
}

/// A delay stretched or shrunk by up to 10 %, by `unit` in `[0, 1)`.
pub fn jittered(delay: Duration, unit: f64) -> Duration {
    delay.mul_f64(0.9 + 0.2 * unit.clamp(0.0, 1.0))
}

/// A random number in `[0, 1)`.
pub fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

/// Where a failed attempt leaves its message: the next step of `schedule` after
/// `retry_step` used-up steps, or failed when none is left.
pub fn after_failure(
    schedule: &[Duration],
    retry_step: i32,
    now: DateTime<Utc>,
    unit: f64,
) -> Settlement {
    let step = retry_step.saturating_add(1);
    match usize::try_from(step)
        .ok()
        .and_then(|step| schedule.get(step))
    {
        Some(delay) => Settlement::Retry {
            at: now + chrono::Duration::from_std(jittered(*delay, unit)).unwrap_or_default(),
            retry_step: step,
        },
        None => Settlement::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::settings::DEFAULT_RETRY_SCHEDULE;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn failures_walk_the_schedule_then_give_up() {
        let now = at("2026-06-01T12:00:00Z");
        let schedule = DEFAULT_RETRY_SCHEDULE;
        // the middle of the jitter range: exactly the scheduled delay
        assert_eq!(
            after_failure(&schedule, 0, now, 0.5),
            Settlement::Retry {
                at: at("2026-06-01T12:00:05Z"),
                retry_step: 1
            }
        );
        assert_eq!(
            after_failure(&schedule, 1, now, 0.5),
            Settlement::Retry {
                at: at("2026-06-01T12:05:00Z"),
                retry_step: 2
            }
        );
        assert_eq!(
            after_failure(&schedule, 8, now, 0.5),
            Settlement::Retry {
                at: at("2026-06-02T12:00:00Z"),
                retry_step: 9
            }
        );
        assert_eq!(after_failure(&schedule, 9, now, 0.5), Settlement::Failed);
    }

    #[test]
    fn the_whole_schedule_takes_about_three_days_in_ten_attempts() {
        let total: Duration = DEFAULT_RETRY_SCHEDULE.iter().sum();
        assert_eq!(DEFAULT_RETRY_SCHEDULE.len(), 10);
        assert_eq!(DEFAULT_RETRY_SCHEDULE[0], Duration::ZERO);
        assert_eq!(
            total.as_secs(),
            5 + 300 + 1800 + 3600 * (2 + 5 + 10 + 14 + 20 + 24)
        );
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let delay = Duration::from_secs(300);
        assert_eq!(jittered(delay, 0.0), Duration::from_secs(270));
        assert_eq!(jittered(delay, 0.5), delay);
        assert!(jittered(delay, 0.999_999) <= Duration::from_secs(330));
        for _ in 0..1000 {
            let unit = random_unit();
            assert!((0.0..1.0).contains(&unit));
        }
    }
}
