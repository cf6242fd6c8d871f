use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What the caller read of the set's row (locked, in the transaction that appends the
/// outcome): the aggregate's own stream does not see retention's deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetFacts {
    pub tenant_id: Uuid,
    pub schedule_id: Uuid,
    /// When it was soft-deleted (by an admin or by retention), if it is.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// `found` is `None` when the set has no row (never existed, or purged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupSetCommand {
    /// An admin hides the set; it can be undeleted until purged.
    Delete {
        tenant_id: Uuid,
        found: Option<SetFacts>,
    },
    /// An admin undeletes the set (`POST .../undelete`): it only undoes a soft delete,
    /// nothing is written to the tenant. Named before "restore" came to mean that.
    Restore {
        tenant_id: Uuid,
        found: Option<SetFacts>,
    },
    /// The purge job removes a set soft-deleted long enough ago.
    Purge { found: SetFacts },
}
