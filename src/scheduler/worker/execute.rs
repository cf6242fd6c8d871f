//! One run, start to finish (DESIGN.md section 5): preflight, sync every selected type
//! into the inventory (a failing type is reported and does not stop the others), back up
//! the live, not ignored policies as an immutable set, and finish with success, partial or
//! failed. Every write is fenced by the run's lease.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::{Pool, Transaction};
use futures_util::StreamExt;

use super::context::{self, Preflight, RunContext};
use super::lease::{self, ClaimedRun};
use crate::backup::inventory::sync_type;
use crate::backup::sets::{create_set, select_items, set_name, SetOrigin};
use crate::clock::Clock;
use crate::domain::run::{
    BackupSetStatus, IncompleteItem, Run, RunCommand, RunStatus, SyncReport, TypeSyncReport,
};
use crate::graph::{Content, FetchedType, GraphClient, GraphError};
use crate::secrets::{backup_values, SecretCipher};
use crate::store::{execute_in_transaction, AppendSignal, EventMetadata};

/// Policy types read at once for one run (each is paced and bounded by the Graph client).
const TYPES_AT_ONCE: usize = 4;

/// One selected type as read: its key, whether it is a foundation, and what was read (its
/// contents already stored in the inventory and dropped) or why it could not be.
type FetchedResult = (String, bool, Result<FetchedType, GraphError>);

pub struct Executor {
    pub pool: Pool,
    pub graph: GraphClient,
    pub secrets: SecretCipher,
    pub clock: Arc<dyn Clock>,
    pub upcasters: Vec<Box<dyn EventUpcaster>>,
    pub appends: AppendSignal,
}

/// How a run ended, for the worker's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Finished(RunStatus),
    /// The lease was lost before the run could finish: another worker has it (or will).
    LeaseLost,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("loading the run's context failed: {0}")]
    Context(#[from] context::ContextError),
    #[error("recording the run failed: {0}")]
    Command(String),
}

/// A run's end as decided: its status and, when it did not succeed, why.
struct Ending {
    status: RunStatus,
    code: Option<String>,
    message: Option<String>,
}

impl Ending {
    fn failed(code: &str, message: impl Into<String>) -> Self {
        Self {
            status: RunStatus::Failed,
            code: Some(code.to_owned()),
            message: Some(message.into()),
        }
    }
}

impl Executor {
    pub async fn execute(&self, run: &ClaimedRun) -> Result<Outcome, ExecuteError> {
        let context = match context::load(&self.pool, &self.secrets, run).await? {
            Ok(context) => context,
            Err(Preflight { code, message }) => {
                return self.finish(run, Ending::failed(code, message)).await;
            }
        };
        if let Err(error) = self.graph.check_access(&context.credentials).await {
            return self.finish(run, graph_failure(&error)).await;
        }
        let Some((fetched, report)) = self.fetch_and_sync(run, &context).await? else {
            return Ok(Outcome::LeaseLost);
        };
        if !self.record_sync(run, &report).await? {
            return Ok(Outcome::LeaseLost);
        }
        if let Some(ending) = run_level_failure(&fetched) {
            return self.finish(run, ending).await;
        }
        let readable: Vec<&str> = report
            .iter()
            .filter(|(_, type_report)| !type_report.failed())
            .map(|(key, _)| key.as_str())
            .collect();
        if readable.is_empty() {
            let ending = first_type_failure(&report);
            return self.finish(run, ending).await;
        }
        // a type read incompletely makes the set (and the run) partial too: its items are
        // in the set with what could be read
        let status =
            if readable.len() == report.len() && !report.values().any(TypeSyncReport::incomplete) {
                BackupSetStatus::Completed
            } else {
                BackupSetStatus::Partial
            };
        if !self
            .record_backup(run, &context, &readable, status, &fetched)
            .await?
        {
            return Ok(Outcome::LeaseLost);
        }
        let ending = match status {
            BackupSetStatus::Completed => Ending {
                status: RunStatus::Success,
                code: None,
                message: None,
            },
            BackupSetStatus::Partial => {
                let failure = first_type_failure(&report);
                Ending {
                    status: RunStatus::Partial,
                    ..failure
                }
            }
        };
        self.finish(run, ending).await
    }

    /// Reads every selected type (a few at a time) and applies each to the inventory as
    /// soon as it is read, in a transaction of its own, then drops its contents: a run holds
    /// at most `TYPES_AT_ONCE` types' contents at once, not the whole tenant's. What is kept
    /// of each type (ids, names, counts, the encrypted values read) is what the report and
    /// the set need. `None` when the lease was lost.
    ///
    /// A run that dies between two types leaves the inventory with the types it synced; the
    /// run that takes over syncs them again (idempotent upserts), so its report counts them
    /// `unchanged`.
    async fn fetch_and_sync(
        &self,
        run: &ClaimedRun,
        context: &RunContext,
    ) -> Result<Option<(Vec<FetchedResult>, SyncReport)>, ExecuteError> {
        let results: Vec<Result<Option<(FetchedResult, TypeSyncReport)>, ExecuteError>> =
            futures_util::stream::iter(context.keys.iter().cloned())
                .map(|(key, is_foundation)| async move {
                    let fetched = self.graph.fetch(&context.credentials, &key).await;
                    let (fetched, type_report) = match fetched {
                        Ok(mut objects) => {
                            let Some(synced) =
                                self.sync_one(run, &key, is_foundation, &objects).await?
                            else {
                                return Ok(None);
                            };
                            for object in &mut objects.objects {
                                object.content = Content::null();
                            }
                            let type_report = with_completeness(synced, &objects);
                            (Ok(objects), type_report)
                        }
                        Err(error) => {
                            let type_report = failed_type(&error);
                            (Err(error), type_report)
                        }
                    };
                    Ok(Some(((key, is_foundation, fetched), type_report)))
                })
                .buffer_unordered(TYPES_AT_ONCE)
                .collect()
                .await;
        let mut fetched = Vec::with_capacity(results.len());
        let mut report = SyncReport::new();
        for result in results {
            let Some((read, type_report)) = result? else {
                return Ok(None);
            };
            report.insert(read.0.clone(), type_report);
            fetched.push(read);
        }
        Ok(Some((fetched, report)))
    }

    /// Applies one type's read to the inventory; `None` when the lease was lost.
    async fn sync_one(
        &self,
        run: &ClaimedRun,
        key: &str,
        is_foundation: bool,
        objects: &FetchedType,
    ) -> Result<Option<TypeSyncReport>, ExecuteError> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        if !lease::hold(&transaction, run).await? {
            return Ok(None);
        }
        let now = self.clock.now();
        let synced = sync_type(
            &transaction,
            run.tenant_id,
            key,
            is_foundation,
            objects,
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(synced))
    }

    /// Records the report of every type (`SyncCompleted`); false when the lease was lost.
    async fn record_sync(
        &self,
        run: &ClaimedRun,
        report: &SyncReport,
    ) -> Result<bool, ExecuteError> {
        let now = self.clock.now();
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        if !lease::hold(&transaction, run).await? {
            return Ok(false);
        }
        self.command(
            &transaction,
            run,
            RunCommand::RecordSync {
                report: report.clone(),
            },
            now,
        )
        .await?;
        self.commit(transaction).await?;
        Ok(true)
    }

    /// Creates the immutable set of the readable types' live, not ignored policies and
    /// records `BackupCreated`; false when the lease was lost.
    async fn record_backup(
        &self,
        run: &ClaimedRun,
        context: &RunContext,
        types: &[&str],
        status: BackupSetStatus,
        fetched: &[FetchedResult],
    ) -> Result<bool, ExecuteError> {
        let now = self.clock.now();
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        if !lease::hold(&transaction, run).await? {
            return Ok(false);
        }
        let items = select_items(&transaction, run.tenant_id, types).await?;
        let origin = SetOrigin {
            tenant_id: run.tenant_id,
            schedule_id: run.schedule_id,
            run_id: run.run_id,
            name: set_name(&context.schedule_name, context.timezone, now),
            created_at: now,
        };
        let backup = create_set(&transaction, &origin, &items, status).await?;
        // the encrypted OMA-URI values read with the content, sealed and owned by the set
        let read = fetched
            .iter()
            .filter_map(|(key, _, result)| Some((key.as_str(), result.as_ref().ok()?)));
        let secrets = backup_values::SecretsRead::from_types(read);
        secrets
            .store_for_set(
                &transaction,
                &self.secrets,
                run.tenant_id,
                backup.backup_set_id,
                &items,
            )
            .await?;
        self.command(&transaction, run, RunCommand::RecordBackup { backup }, now)
            .await?;
        self.commit(transaction).await?;
        Ok(true)
    }

    /// `RunFinished` and the end of the lease, together.
    async fn finish(&self, run: &ClaimedRun, ending: Ending) -> Result<Outcome, ExecuteError> {
        let now = self.clock.now();
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        if !lease::hold(&transaction, run).await? {
            return Ok(Outcome::LeaseLost);
        }
        let command = RunCommand::Finish {
            status: ending.status,
            error_code: ending.code,
            error_message: ending.message,
            now,
        };
        self.command(&transaction, run, command, now).await?;
        lease::end_in(&transaction, run).await?;
        self.commit(transaction).await?;
        Ok(Outcome::Finished(ending.status))
    }

    async fn command(
        &self,
        transaction: &Transaction<'_>,
        run: &ClaimedRun,
        command: RunCommand,
        now: DateTime<Utc>,
    ) -> Result<(), ExecuteError> {
        let metadata = EventMetadata::system("worker", format!("run:{}", run.run_id), now)
            .for_tenant(run.tenant_id);
        execute_in_transaction::<Run>(
            transaction,
            &self.upcasters,
            &run.run_id.to_string(),
            command,
            &(),
            &metadata,
        )
        .await
        .map(|_| ())
        .map_err(|error| ExecuteError::Command(error.to_string()))
    }

    /// Commits and wakes this process's consumers, so the run's progress shows at once.
    async fn commit(&self, transaction: Transaction<'_>) -> Result<(), ExecuteError> {
        transaction.commit().await?;
        self.appends.wake();
        Ok(())
    }
}

/// What the report says about completeness: how many objects Graph listed, how many were
/// captured whole, and which were not, and why (the fetch layer decides this for every
/// type alike).
fn with_completeness(report: TypeSyncReport, fetched: &FetchedType) -> TypeSyncReport {
    TypeSyncReport {
        listed: Some(fetched.listed as u32),
        whole: Some(fetched.whole() as u32),
        incomplete: fetched
            .incomplete
            .iter()
            .map(|object| IncompleteItem {
                graph_id: object.graph_id.clone(),
                display_name: object.display_name.clone(),
                reason: object.reason.clone(),
            })
            .collect(),
        ..report
    }
}

fn failed_type(error: &GraphError) -> TypeSyncReport {
    TypeSyncReport {
        error_code: Some(error.code.as_str().to_owned()),
        error_message: Some(error.message.clone()),
        scope: error.scope.clone(),
        request_id: error.request_id.clone(),
        client_request_id: error.client_request_id.as_deref().map(str::to_owned),
        date: error.date.as_deref().map(str::to_owned),
        ..TypeSyncReport::default()
    }
}

fn graph_failure(error: &GraphError) -> Ending {
    let mut message = error.message.clone();
    if let Some(details) = error.support_details() {
        message.push_str(&format!(" ({details})"));
    }
    Ending::failed(error.code.as_str(), message)
}

/// A failure that is about the tenant, not one type (licence, provisioning, login): the
/// whole run fails with it.
fn run_level_failure(fetched: &[FetchedResult]) -> Option<Ending> {
    let mut failures: Vec<(&String, &GraphError)> = fetched
        .iter()
        .filter_map(|(key, _, result)| result.as_ref().err().map(|error| (key, error)))
        .filter(|(_, error)| error.code.fails_the_run())
        .collect();
    failures.sort_by(|a, b| a.0.cmp(b.0));
    failures.first().map(|(_, error)| graph_failure(error))
}

/// The run's code when types failed: the first failing type's (by key, so it is stable);
/// when none failed but some were read incompletely, `incomplete_capture` naming the first.
fn first_type_failure(report: &SyncReport) -> Ending {
    let failed = report.iter().find(|(_, type_report)| type_report.failed());
    if let Some((key, type_report)) = failed {
        let mut message = format!(
            "{key}: {}",
            type_report.error_message.clone().unwrap_or_default()
        );
        if let Some(details) = type_report.support_details() {
            message.push_str(&format!(" ({details})"));
        }
        return Ending {
            status: RunStatus::Failed,
            code: type_report.error_code.clone(),
            message: Some(message),
        };
    }
    let incomplete = report
        .iter()
        .find(|(_, type_report)| type_report.incomplete());
    if let Some((key, type_report)) = incomplete {
        let first = &type_report.incomplete[0];
        return Ending::failed(
            INCOMPLETE_CAPTURE,
            format!(
                "{key}: {} of {} objects captured incompletely; first: {} `{}`: {}",
                type_report.incomplete.len(),
                type_report.listed.unwrap_or_default(),
                first.graph_id,
                first.display_name,
                first.reason
            ),
        );
    }
    Ending::failed("internal", "nothing could be backed up")
}

/// The run's code when every type was read but some object lacks something.
pub const INCOMPLETE_CAPTURE: &str = "incomplete_capture";
