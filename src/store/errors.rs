//! How driver errors become cqrs-es persistence errors, for every part of the store.

use cqrs_es::persist::PersistenceError;
use tokio_postgres::error::SqlState;

/// The commit of an append failed in a way that leaves its outcome unknown (the connection
/// broke while the server may already have committed). Callers must not report the write
/// as failed, nor as done: the API answers 500 and keeps the Idempotency-Key's answer.
#[derive(Debug, thiserror::Error)]
#[error("the commit's outcome is unknown: {0}")]
pub struct CommitOutcomeUnknown(pub String);

/// Maps driver errors onto cqrs-es' categories: a second writer of the same aggregate
/// sequence is an optimistic-lock conflict, and so is an append whose transaction is older
/// than its predecessor's (`events_stream_order`, migration 0013: retried, it gets a newer
/// one); a lost connection is a connection error.
pub(super) fn classify(error: tokio_postgres::Error) -> PersistenceError {
    if let Some(db_error) = error.as_db_error() {
        let conflict = (db_error.code() == &SqlState::UNIQUE_VIOLATION
            && db_error.constraint() == Some("events_aggregate_sequence"))
            || (db_error.code() == &SqlState::T_R_SERIALIZATION_FAILURE
                && db_error.constraint() == Some("events_stream_order"));
        if conflict {
            return PersistenceError::OptimisticLockError;
        }
        return PersistenceError::UnknownError(Box::new(error));
    }
    PersistenceError::ConnectionError(Box::new(error))
}

/// A failed commit: refused by the server (nothing written) or lost on the way (unknown).
pub(super) fn classify_commit(error: tokio_postgres::Error) -> PersistenceError {
    if error.as_db_error().is_some() {
        return classify(error);
    }
    PersistenceError::UnknownError(Box::new(CommitOutcomeUnknown(error.to_string())))
}

pub(super) fn pool_error(error: deadpool_postgres::PoolError) -> PersistenceError {
    PersistenceError::ConnectionError(Box::new(error))
}

pub(super) fn unknown(error: impl std::error::Error + Send + Sync + 'static) -> PersistenceError {
    PersistenceError::UnknownError(Box::new(error))
}
