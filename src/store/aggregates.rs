//! Executing commands against aggregates: load from the event store, let the aggregate
//! decide, commit its events. Built on cqrs-es' `PersistedEventStore` rather than
//! `CqrsFramework` because callers need the new aggregate version (the API's ETag) and
//! `If-Match` checks before the aggregate decides.

use std::error::Error as StdError;

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{PersistedEventStore, PersistenceError};
use cqrs_es::{Aggregate, AggregateError, EventStore};

use super::claims::ClaimConflict;
use super::errors::CommitOutcomeUnknown;
use super::metadata::EventMetadata;
use super::repository::PgEventRepository;
use super::upcasting::upcasters;

/// A concurrent writer of the same aggregate is retried this often when the caller did not
/// pin a version: the command is re-decided against the newer state.
const CONFLICT_RETRIES: usize = 3;

pub struct AggregateStore<A: Aggregate> {
    store: PersistedEventStore<PgEventRepository, A>,
    services: A::Services,
}

/// What a successful command did.
#[derive(Debug)]
pub struct Committed<A: Aggregate> {
    /// The aggregate's version (its last sequence) after the command.
    pub version: u64,
    /// The events written, possibly none (an idempotent command that changed nothing).
    pub events: Vec<A::Event>,
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: StdError> {
    /// The aggregate refused the command (a domain rule).
    #[error(transparent)]
    Rejected(E),
    /// `If-Match` named a version that is no longer current.
    #[error("expected version {expected}, the current version is {actual}")]
    StaleVersion { expected: u64, actual: u64 },
    /// Another writer kept winning the race for this aggregate.
    #[error("the aggregate was changed concurrently")]
    Conflict,
    /// A cross-aggregate uniqueness rule was broken.
    #[error(transparent)]
    Claim(ClaimConflict),
    #[error("the event store is unavailable: {0}")]
    Unavailable(Box<dyn StdError + Send + Sync>),
    /// The append's commit may or may not have happened (the connection broke during it).
    #[error(transparent)]
    OutcomeUnknown(CommitOutcomeUnknown),
    #[error("the event store failed: {0}")]
    Internal(Box<dyn StdError + Send + Sync>),
}

impl<E: StdError> From<AggregateError<E>> for CommandError<E> {
    fn from(error: AggregateError<E>) -> Self {
        match error {
            AggregateError::UserError(error) => Self::Rejected(error),
            AggregateError::AggregateConflict => Self::Conflict,
            AggregateError::DatabaseConnectionError(error) => Self::Unavailable(error),
            AggregateError::DeserializationError(error) => Self::Internal(error),
            AggregateError::UnexpectedError(error) => match error.downcast::<ClaimConflict>() {
                Ok(conflict) => Self::Claim(*conflict),
                Err(error) => match error.downcast::<CommitOutcomeUnknown>() {
                    Ok(unknown) => Self::OutcomeUnknown(*unknown),
                    Err(error) => Self::Internal(error),
                },
            },
        }
    }
}

impl<E: StdError> From<PersistenceError> for CommandError<E> {
    fn from(error: PersistenceError) -> Self {
        AggregateError::<E>::from(error).into()
    }
}

impl<A> AggregateStore<A>
where
    A: Aggregate,
    A::Command: Clone,
{
    pub fn new(repository: PgEventRepository, services: A::Services) -> Self {
        Self {
            store: PersistedEventStore::new_event_store(repository).with_upcasters(upcasters()),
            services,
        }
    }

    /// The aggregate's current state and version (0 when it has no events).
    pub async fn load(&self, aggregate_id: &str) -> Result<(A, u64), CommandError<A::Error>> {
        let context = self.store.load_aggregate(aggregate_id).await?;
        Ok((context.aggregate, context.current_sequence as u64))
    }

    /// Runs `command`; with `expected_version` set, refuses when the aggregate moved on.
    pub async fn execute(
        &self,
        aggregate_id: &str,
        command: A::Command,
        metadata: &EventMetadata,
        expected_version: Option<u64>,
    ) -> Result<Committed<A>, CommandError<A::Error>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .execute_once(aggregate_id, command.clone(), metadata, expected_version)
                .await
            {
                Err(CommandError::Conflict)
                    if expected_version.is_none() && attempt <= CONFLICT_RETRIES =>
                {
                    tracing::debug!(aggregate_id, attempt, "retrying after a concurrent write");
                }
                Err(CommandError::Conflict) if expected_version.is_some() => {
                    // someone else committed between our load and our commit: the version
                    // the caller pinned is stale by now
                    let (_, actual) = self.load(aggregate_id).await?;
                    return Err(CommandError::StaleVersion {
                        expected: expected_version.unwrap_or_default(),
                        actual,
                    });
                }
                result => return result,
            }
        }
    }

    async fn execute_once(
        &self,
        aggregate_id: &str,
        command: A::Command,
        metadata: &EventMetadata,
        expected_version: Option<u64>,
    ) -> Result<Committed<A>, CommandError<A::Error>> {
        let mut context = self.store.load_aggregate(aggregate_id).await?;
        let current = context.current_sequence as u64;
        if let Some(expected) = expected_version {
            if expected != current {
                return Err(CommandError::StaleVersion {
                    expected,
                    actual: current,
                });
            }
        }
        let sink = EventSink::default();
        context
            .aggregate
            .handle(command, &self.services, &sink)
            .await
            .map_err(CommandError::Rejected)?;
        let events = sink.collect().await;
        if events.is_empty() {
            return Ok(Committed {
                version: current,
                events,
            });
        }
        let committed = self
            .store
            .commit(events, context, metadata.to_map())
            .await?;
        Ok(Committed {
            version: current + committed.len() as u64,
            events: committed
                .into_iter()
                .map(|envelope| envelope.payload)
                .collect(),
        })
    }
}
