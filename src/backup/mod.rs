//! Backup storage: the synced policy inventory, content-addressed blobs, and immutable
//! backup sets whose item lists are content-addressed too.

pub mod canonical;
pub mod inventory;
pub mod purge;
pub mod sets;
pub mod storage_lock;

pub use canonical::content_hash;
pub use sets::{SetOrigin, TreeItem};
