/// Why the BackupSet aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupSetError {
    #[error("the backup set does not exist")]
    NotFound,
    #[error("the backup set was purged: it is gone for good")]
    Purged,
    #[error("only a soft-deleted backup set is purged")]
    NotDeleted,
}
