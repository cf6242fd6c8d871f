//! Which backup sets of a schedule retention keeps: the newest `retention_keep_last` live
//! sets, plus the newest completed one, however old (a run of bad days must not push the
//! last good backup out). A pure decision, so it is tested without a database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::values::RetentionKeepLast;

/// A live (not soft-deleted) backup set of the schedule, as the caller read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionCandidate {
    pub backup_set_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// Completed, not partial.
    pub completed: bool,
}

/// What made retention run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionReason {
    /// A run of the schedule finished.
    RunRecorded,
    /// `retention_keep_last` was changed (lowered) on the schedule.
    RetentionChanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetentionDecision {
    pub kept: Vec<Uuid>,
    pub deleted: Vec<Uuid>,
}

/// Orders the sets newest to oldest (one set per run, so this is run order), keeps the
/// first `keep_last` and the newest completed one, and deletes the rest.
pub fn decide_retention(
    keep_last: RetentionKeepLast,
    candidates: &[RetentionCandidate],
) -> RetentionDecision {
    let mut newest_first: Vec<&RetentionCandidate> = candidates.iter().collect();
    newest_first.sort_by_key(|set| std::cmp::Reverse((set.created_at, set.backup_set_id)));
    let newest_completed = newest_first
        .iter()
        .find(|set| set.completed)
        .map(|set| set.backup_set_id);
    let mut decision = RetentionDecision::default();
    for (index, set) in newest_first.iter().enumerate() {
        if index < usize::from(keep_last.get()) || Some(set.backup_set_id) == newest_completed {
            decision.kept.push(set.backup_set_id);
        } else {
            decision.deleted.push(set.backup_set_id);
        }
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn set(n: u128, completed: bool) -> RetentionCandidate {
        RetentionCandidate {
            backup_set_id: Uuid::from_u128(n),
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, n as u32, 0).unwrap(),
            completed,
        }
    }

    fn keep(n: i64) -> RetentionKeepLast {
        RetentionKeepLast::new(n).unwrap()
    }

    fn ids(ns: &[u128]) -> Vec<Uuid> {
        ns.iter().map(|n| Uuid::from_u128(*n)).collect()
    }

    #[test]
    fn keeping_three_of_five_deletes_the_two_oldest() {
        let sets: Vec<_> = (1..=5).map(|n| set(n, true)).collect();
        let decision = decide_retention(keep(3), &sets);
        assert_eq!(decision.kept, ids(&[5, 4, 3]));
        assert_eq!(decision.deleted, ids(&[2, 1]));
    }

    #[test]
    fn the_newest_completed_set_survives_any_number_of_partial_ones() {
        let mut sets = vec![set(1, true), set(2, true)];
        sets.extend((3..=6).map(|n| set(n, false)));
        let decision = decide_retention(keep(2), &sets);
        assert_eq!(decision.kept, ids(&[6, 5, 2]));
        assert_eq!(decision.deleted, ids(&[4, 3, 1]));
    }

    #[test]
    fn fewer_sets_than_kept_deletes_nothing() {
        let decision = decide_retention(keep(7), &[set(1, false), set(2, true)]);
        assert!(decision.deleted.is_empty());
        assert_eq!(decision.kept.len(), 2);
    }

    #[test]
    fn input_order_does_not_matter() {
        let sets = vec![set(3, true), set(1, true), set(2, true)];
        assert_eq!(decide_retention(keep(1), &sets).deleted, ids(&[2, 1]));
    }
}
