//! User notifications: failed and partial runs, missed slots, auto-disabled schedules and
//! failing webhooks, persisted per principal (a token id, or `bootstrap-admin`) by a
//! checkpointed consumer of the event feed, and listed by `GET /api/v1/notifications`.
//!
//! A notification is a message to a reader, not a state change of a tenant, schedule,
//! run, token or webhook: it is derived from events, and the reader marking it read
//! (`read_at`) is written directly by the API (see the README's Notifications section).

mod follow;
mod notice;
mod notifier;
mod recipients;

#[cfg(test)]
mod tests;

pub use follow::{consumer, follow};
pub use notice::{Audience, Notice, NotificationKind, NotificationLinks, Subject, Trigger};
pub use notifier::{Notifier, NOTIFICATIONS};
pub use recipients::deliver;
