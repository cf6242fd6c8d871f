//! The domain: aggregates, commands, events and value objects. No I/O, no clock.

pub mod backup_set;
pub mod cadence;
pub mod policy;
pub mod policy_types;
pub mod restore;
pub mod run;
pub mod schedule;
pub mod tenant;
pub mod timezone;
pub mod token;
pub mod uniqueness;
pub mod webhook;
