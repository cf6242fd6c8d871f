//! Restore: writing a backup set's items back into a tenant (its own, or another one).
//! Planned as a dry run against the live target, applied by a worker in dependency order,
//! item by item and exactly once, then verified by reading the target back (README
//! "Restore").

pub mod compare;
pub mod engine;
pub mod group_match;
pub mod lease;
pub mod order;
pub mod plan;
pub mod planner;
pub mod rows;
pub mod source;
pub mod worker;
