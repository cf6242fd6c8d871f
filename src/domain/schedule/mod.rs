//! The Schedule aggregate: when and what to back up for one tenant, and which slots it has
//! claimed.

mod aggregate;
mod commands;
mod errors;
mod events;
mod values;

#[cfg(test)]
mod tests;

pub use aggregate::Schedule;
pub use commands::{CreateSchedule, ScheduleChanges, ScheduleCommand, ScheduleSpec};
pub use errors::ScheduleError;
pub use events::ScheduleEvent;
pub use values::{
    InvalidPolicyTypes, InvalidRetention, InvalidScheduleName, PolicyTypeSelection,
    RetentionKeepLast, ScheduleName,
};
