//! Backup storage: the synced policy inventory, content-addressed blobs, and immutable
//! backup sets whose item lists are content-addressed too.

pub mod canonical;
pub mod diff;
pub mod inventory;
pub mod items;
pub mod purge;
pub mod sets;
pub mod storage_lock;
pub mod zip;

pub use canonical::content_hash;
pub use sets::{SetOrigin, TreeItem};
