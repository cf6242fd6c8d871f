//! The scheduler: the per-minute dispatcher, and the consumers that turn claimed slots into
//! queued runs, finished runs into the schedule's last-run status, and that into retention.

mod consumers;
mod dispatcher;
mod due_page;
mod reaction;
mod recompute;
mod retention;
mod run_creator;
mod run_recorder;
mod visibility;
pub mod worker;

pub use consumers::{Consumers, CONSUMER_NAMES};
pub use dispatcher::{DispatchError, Dispatcher, SlotOutcome, TickSummary};
pub use recompute::recompute_next_runs;
pub use retention::{Retention, RETENTION};
pub use run_creator::{RunCreator, RUN_CREATOR};
pub use run_recorder::{RunRecorder, RUN_RECORDER};
pub use visibility::WriteVisibility;
