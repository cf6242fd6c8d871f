//! Applying a restore: every pending item written in plan order (dependency order), each
//! recorded as an event fenced by the worker's lease; then the target read back and each
//! written item compared with its source; then the restore finishes.
//!
//! Exactly once: an item's event is written only after Graph answered. A worker killed
//! between a successful `POST` and that event leaves the item pending; the worker that
//! resumes the restore first looks for an object of the item's type and name created since
//! the restore's apply began (`find_created`), and adopts it instead of creating a second
//! one. Updates and assignments send the complete intended state, so sending them again
//! is harmless.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use cqrs_es::persist::EventUpcaster;
use deadpool_postgres::Pool;
use serde_json::Value;
use uuid::Uuid;

use super::compare::{differences, remap};
use super::lease::{self, metadata, ClaimedRestore};
use super::plan::{without_unmapped_groups, SourceItem};
use super::rows::execute;
use super::source::{set_items, with_contents, SourceError};
use crate::backup::sets::TreeItem;
use crate::clock::Clock;
use crate::config::SecretString;
use crate::domain::restore::{
    ItemAction, ItemFailure, ItemVerification, PlannedItem, RestoreCommand, RestoreStatus,
};
use crate::graph::write::{RestoredSecret, SentRequest, Written};
use crate::graph::Content;
use crate::graph::{GraphClient, GraphError, TenantCredentials};
use crate::scheduler::worker::context::{tenant_credentials, ContextError};
use crate::secrets::backup_values::open_item_values;
use crate::secrets::SecretCipher;
use crate::store::CommandError;

pub struct RestoreEngine {
    pub pool: Pool,
    pub graph: GraphClient,
    pub secrets: SecretCipher,
    pub clock: Arc<dyn Clock>,
    pub upcasters: Vec<Box<dyn EventUpcaster>>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("database error: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("recording the restore failed: {0}")]
    Command(String),
    #[error("the lease was lost")]
    LeaseLost,
}

impl From<ContextError> for EngineError {
    fn from(error: ContextError) -> Self {
        match error {
            ContextError::Database(error) => Self::Database(error),
            ContextError::Pool(error) => Self::Pool(error),
        }
    }
}

/// What an item's write needs to know beyond the item.
#[derive(Clone, Copy)]
struct Known<'a> {
    /// Another worker had the restore before: an object to create may exist already.
    resumed: bool,
    /// When the restore's apply began (objects created since may be its own).
    since: DateTime<Utc>,
    /// The live content of the objects to update, by Graph id.
    live: &'a HashMap<String, Content>,
    /// Objects written for other items of this restore.
    taken: &'a HashSet<String>,
}

/// What the worker reads of the restore before writing.
struct Loaded {
    source_backup_set_id: Uuid,
    group_mapping: HashMap<String, String>,
    same_tenant: bool,
    apply_started_at: DateTime<Utc>,
    items: Vec<(PlannedItem, Option<String>, Option<String>)>,
}

impl RestoreEngine {
    /// Applies and verifies a claimed restore; returns its final status.
    pub async fn execute(&self, claimed: &ClaimedRestore) -> Result<RestoreStatus, EngineError> {
        let loaded = self.load(claimed).await?;
        let credentials = {
            let client = self.pool.get().await?;
            tenant_credentials(&client, &self.secrets, claimed.tenant_id).await?
        };
        let credentials = match credentials {
            Ok(credentials) => credentials,
            Err(preflight) => {
                return self
                    .finish(
                        claimed,
                        RestoreStatus::Failed,
                        Some(preflight.code.to_owned()),
                        Some(preflight.message),
                    )
                    .await
            }
        };
        let sources = match self.sources(&loaded).await {
            Ok(sources) => sources,
            Err(SourceError::SetGone) => {
                return self
                    .finish(
                        claimed,
                        RestoreStatus::Failed,
                        Some("backup_set_purged".to_owned()),
                        Some(
                            "the source backup set was purged before the restore could read it"
                                .to_owned(),
                        ),
                    )
                    .await
            }
            Err(SourceError::Database(error)) => return Err(error.into()),
            Err(error) => {
                return self
                    .finish(
                        claimed,
                        RestoreStatus::Failed,
                        Some("internal".to_owned()),
                        Some(error.to_string()),
                    )
                    .await
            }
        };
        // source id → target id: mapped groups, objects matched by the plan, and (as the
        // apply goes) objects this restore wrote
        let mut ids: HashMap<String, String> = loaded.group_mapping.clone();
        for (item, outcome_target, _) in &loaded.items {
            if let Some(target) = outcome_target.as_ref().or(item.target_id.as_ref()) {
                if *target != item.source_graph_id {
                    ids.insert(item.source_graph_id.clone(), target.clone());
                }
            }
        }
        let resumed = loaded.apply_started_at < claimed.started_at;
        let live = self.live_of_updates(&credentials, &loaded).await;
        // the objects this restore already wrote (a resumed worker must not adopt them for
        // another item)
        let mut taken: HashSet<String> = loaded
            .items
            .iter()
            .filter(|(_, _, outcome)| outcome.as_deref() == Some("applied"))
            .filter_map(|(_, target, _)| target.clone())
            .collect();
        let mut fatal: Option<GraphError> = None;
        let mut written: Vec<(PlannedItem, String)> = Vec::new();
        for (item, target, outcome) in &loaded.items {
            match outcome.as_deref() {
                Some("applied") => {
                    if let Some(target) = target {
                        written.push((item.clone(), target.clone()));
                    }
                    continue;
                }
                Some("pending") => {}
                _ => continue,
            }
            let Some(tree) = sources.get(&item.item_id) else {
                continue;
            };
            if fatal.is_some() {
                break;
            }
            let source = match self.source(tree).await {
                Ok(source) => source,
                Err(SourceError::Database(error)) => return Err(error.into()),
                Err(error) => {
                    let failure = ItemFailure {
                        code: "internal".to_owned(),
                        message: error.to_string(),
                        http_status: None,
                        support: None,
                    };
                    self.record(
                        claimed,
                        RestoreCommand::RecordFailed {
                            item_id: item.item_id,
                            failure,
                            target_id: None,
                        },
                    )
                    .await?;
                    continue;
                }
            };
            let content = self.content_for(&source, &loaded, &ids);
            let secrets = self.secrets_of(&loaded, &source).await?;
            let result = self
                .write_item(
                    &credentials,
                    item,
                    &content,
                    &secrets,
                    &Known {
                        resumed,
                        since: loaded.apply_started_at,
                        live: &live,
                        taken: &taken,
                    },
                )
                .await;
            match result {
                Ok((target_id, sent, adopted)) => {
                    ids.insert(item.source_graph_id.clone(), target_id.clone());
                    taken.insert(target_id.clone());
                    self.record(
                        claimed,
                        RestoreCommand::RecordApplied {
                            item_id: item.item_id,
                            target_id: target_id.clone(),
                            sent: sent
                                .iter()
                                .map(|s| serde_json::to_value(s).unwrap_or(Value::Null))
                                .collect(),
                            adopted,
                        },
                    )
                    .await?;
                    written.push((item.clone(), target_id));
                }
                Err((error, target_id)) => {
                    if error.code.fails_the_run() {
                        fatal = Some(error.clone());
                    }
                    self.record(
                        claimed,
                        RestoreCommand::RecordFailed {
                            item_id: item.item_id,
                            failure: ItemFailure::from(&error),
                            target_id,
                        },
                    )
                    .await?;
                }
            }
        }
        let verification = self
            .verify(&credentials, &loaded, &sources, &ids, &written)
            .await;
        let all_verified = verification.iter().all(|v| v.verified);
        self.record(
            claimed,
            RestoreCommand::RecordVerification {
                items: verification,
                now: self.clock.now(),
            },
        )
        .await?;
        let (applied, failed) = self.tally(claimed.restore_id).await?;
        let status = if let Some(error) = &fatal {
            let status = if applied > 0 {
                RestoreStatus::Partial
            } else {
                RestoreStatus::Failed
            };
            return self
                .finish(
                    claimed,
                    status,
                    Some(error.code.as_str().to_owned()),
                    Some(error.message.clone()),
                )
                .await;
        } else if failed > 0 && applied == 0 {
            RestoreStatus::Failed
        } else if failed > 0 || !all_verified {
            RestoreStatus::Partial
        } else {
            RestoreStatus::Completed
        };
        let (code, message) = match status {
            RestoreStatus::Completed => (None, None),
            _ if failed > 0 => (
                Some("restore_items_failed".to_owned()),
                Some(format!(
                    "{failed} item(s) were refused by Graph; {applied} written"
                )),
            ),
            _ => (
                Some("restore_not_verified".to_owned()),
                Some("some written items differ from their source when read back".to_owned()),
            ),
        };
        self.finish(claimed, status, code, message).await
    }

    async fn load(&self, claimed: &ClaimedRestore) -> Result<Loaded, EngineError> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT source_backup_set_id, group_mapping, tenant_id = source_tenant_id,
                        apply_started_at
                 FROM restores WHERE id = $1",
                &[&claimed.restore_id],
            )
            .await?;
        let items = client
            .query(
                "SELECT plan, target_id, outcome FROM restore_items WHERE restore_id = $1
                 ORDER BY position",
                &[&claimed.restore_id],
            )
            .await?
            .iter()
            .filter_map(|row| {
                let plan: Value = row.get(0);
                serde_json::from_value::<PlannedItem>(plan)
                    .ok()
                    .map(|item| (item, row.get(1), row.get(2)))
            })
            .collect();
        Ok(Loaded {
            source_backup_set_id: row.get(0),
            group_mapping: serde_json::from_value(row.get(1)).unwrap_or_default(),
            same_tenant: row.get(2),
            apply_started_at: row
                .get::<_, Option<DateTime<Utc>>>(3)
                .unwrap_or(claimed.started_at),
            items,
        })
    }

    /// The tree items of the source items this restore writes, by item id (their contents
    /// are read one at a time, as each is written or verified).
    async fn sources(&self, loaded: &Loaded) -> Result<HashMap<Uuid, TreeItem>, SourceError> {
        let client = self
            .pool
            .get()
            .await
            .map_err(|e| SourceError::Unreadable(e.to_string()))?;
        let wanted: BTreeSet<Uuid> = loaded
            .items
            .iter()
            .filter(|(item, _, _)| item.action.writes())
            .map(|(item, _, _)| item.item_id)
            .collect();
        Ok(set_items(&**client, loaded.source_backup_set_id)
            .await?
            .into_iter()
            .filter(|item| wanted.contains(&item.id()))
            .map(|item| (item.id(), item))
            .collect())
    }

    /// One source item with its stored content.
    async fn source(&self, tree: &TreeItem) -> Result<SourceItem, SourceError> {
        let client = self
            .pool
            .get()
            .await
            .map_err(|e| SourceError::Unreadable(e.to_string()))?;
        let mut loaded = with_contents(&**client, vec![tree.clone()]).await?;
        loaded.pop().ok_or(SourceError::SetGone)
    }

    /// The content to write: unmapped assignments left out, references remapped.
    fn content_for(
        &self,
        source: &SourceItem,
        loaded: &Loaded,
        ids: &HashMap<String, String>,
    ) -> Value {
        let content = if loaded.same_tenant {
            source.content.clone()
        } else {
            without_unmapped_groups(&source.content, &loaded.group_mapping).0
        };
        remap(&content, ids)
    }

    /// The item's sealed values, opened for this write only.
    async fn secrets_of(
        &self,
        loaded: &Loaded,
        source: &SourceItem,
    ) -> Result<Vec<RestoredSecret>, EngineError> {
        if source.tree.policy_type != "deviceConfigurations" {
            return Ok(Vec::new());
        }
        let client = self.pool.get().await?;
        let opened = open_item_values(
            &client,
            &self.secrets,
            loaded.source_backup_set_id,
            &source.tree.policy_type,
            &source.tree.graph_id,
        )
        .await;
        match opened {
            Ok(values) => Ok(values
                .into_iter()
                .map(|(path, value)| RestoredSecret {
                    path,
                    value: SecretString::new(value),
                })
                .collect()),
            Err(error) => {
                // written without them: the item is then not verified, and says why
                tracing::error!(%error, "a restored item's sealed values cannot be opened");
                Ok(Vec::new())
            }
        }
    }

    /// Creates (or adopts) or updates the object, then sends its assignments.
    async fn write_item(
        &self,
        credentials: &TenantCredentials,
        item: &PlannedItem,
        content: &Value,
        secrets: &[RestoredSecret],
        known: &Known<'_>,
    ) -> Result<(String, Vec<SentRequest>, bool), (GraphError, Option<String>)> {
        let Known {
            resumed,
            since,
            live,
            taken,
        } = *known;
        let key = item.policy_type.as_str();
        let mut sent = Vec::new();
        let mut adopted = false;
        // the object's assignments as read: none for one just created
        let mut current_assignments = Value::Null;
        let target_id = match item.action {
            ItemAction::Create => {
                let earlier = if resumed {
                    self.graph
                        .find_created(credentials, key, &item.display_name, since)
                        .await
                        .map_err(|e| (e, None))?
                } else {
                    Vec::new()
                };
                // an object another item of this restore wrote is not this item's (two
                // items may share a name)
                let mut unclaimed: Vec<&String> =
                    earlier.iter().filter(|id| !taken.contains(*id)).collect();
                unclaimed.sort();
                if let Some(found) = unclaimed.first() {
                    // the lost worker's POST may have been all it sent: the object is made
                    // to match the source before it is assigned
                    adopted = true;
                    let found = (*found).clone();
                    let current = self
                        .graph
                        .fetch(credentials, key)
                        .await
                        .map_err(|e| (e, Some(found.clone())))?
                        .objects
                        .into_iter()
                        .find(|object| object.graph_id == found)
                        .map_or(Value::Null, |object| object.content.to_value());
                    current_assignments = current["assignments"].clone();
                    let Written { sent: requests, .. } = self
                        .graph
                        .update_object(credentials, key, &found, content, &current, secrets)
                        .await
                        .map_err(|e| (e, Some(found.clone())))?;
                    sent.extend(requests);
                    found
                } else {
                    let Written {
                        target_id,
                        sent: requests,
                    } = self
                        .graph
                        .create_object(credentials, key, content, secrets)
                        .await
                        .map_err(|e| (e, None))?;
                    sent.extend(requests);
                    target_id
                }
            }
            _ => {
                let target_id = item.target_id.clone().unwrap_or_default();
                let live = live.get(&target_id).map_or(Value::Null, Content::to_value);
                current_assignments = live["assignments"].clone();
                let Written { sent: requests, .. } = self
                    .graph
                    .update_object(credentials, key, &target_id, content, &live, secrets)
                    .await
                    .map_err(|e| (e, None))?;
                sent.extend(requests);
                target_id
            }
        };
        let assignments: Vec<Value> = content
            .get("assignments")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let Written { sent: requests, .. } = self
            .graph
            .assign_object(
                credentials,
                key,
                &target_id,
                &assignments,
                current_assignments.as_array().map_or(&[], Vec::as_slice),
            )
            .await
            .map_err(|e| (e, Some(target_id.clone())))?;
        sent.extend(requests);
        Ok((target_id, sent, adopted))
    }

    /// The live content of the objects to update (the writer derives some writes from it,
    /// e.g. the definition values an administrative template must delete), by Graph id.
    async fn live_of_updates(
        &self,
        credentials: &TenantCredentials,
        loaded: &Loaded,
    ) -> HashMap<String, Content> {
        let types: BTreeSet<&str> = loaded
            .items
            .iter()
            .filter(|(item, _, outcome)| {
                item.action == ItemAction::Update && outcome.as_deref() == Some("pending")
            })
            .map(|(item, _, _)| item.policy_type.as_str())
            .collect();
        let mut live = HashMap::new();
        for key in types {
            // a failed read leaves the writer the source alone; the item's write then says
            // what Graph thinks
            if let Ok(fetched) = self.graph.fetch(credentials, key).await {
                live.extend(
                    fetched
                        .objects
                        .into_iter()
                        .map(|object| (object.graph_id, object.content)),
                );
            }
        }
        live
    }

    /// Reads the written types back, one at a time, and compares each written item with its
    /// source.
    async fn verify(
        &self,
        credentials: &TenantCredentials,
        loaded: &Loaded,
        sources: &HashMap<Uuid, TreeItem>,
        ids: &HashMap<String, String>,
        written: &[(PlannedItem, String)],
    ) -> Vec<ItemVerification> {
        let mut by_type: BTreeMap<&str, Vec<&(PlannedItem, String)>> = BTreeMap::new();
        for entry in written {
            by_type
                .entry(entry.0.policy_type.as_str())
                .or_default()
                .push(entry);
        }
        let mut verified = Vec::with_capacity(written.len());
        for (key, entries) in by_type {
            let unverified = |item: &PlannedItem, reason: String| ItemVerification {
                item_id: item.item_id,
                verified: false,
                differences: Vec::new(),
                reason: Some(reason),
            };
            // kept as the compact text Graph's answer was stored in; each object is parsed
            // only when its item is compared (a type's trees would be several times larger)
            let live: HashMap<String, Content> = match self.graph.fetch(credentials, key).await {
                Ok(fetched) => fetched
                    .objects
                    .into_iter()
                    .map(|object| (object.graph_id, object.content))
                    .collect(),
                Err(error) => {
                    verified.extend(entries.iter().map(|(item, _)| {
                        unverified(item, format!("the type could not be read back: {error}"))
                    }));
                    continue;
                }
            };
            for (item, target_id) in entries {
                let Some(object) = live.get(target_id) else {
                    verified.push(unverified(
                        item,
                        "the written object is not in the target when read back".to_owned(),
                    ));
                    continue;
                };
                let source = match sources.get(&item.item_id) {
                    Some(tree) => self.source(tree).await.ok(),
                    None => None,
                };
                let Some(source) = source else {
                    verified.push(unverified(
                        item,
                        "its source content could not be read".to_owned(),
                    ));
                    continue;
                };
                let expected = self.content_for(&source, loaded, ids);
                let differences = differences(key, &expected, &object.to_value());
                verified.push(ItemVerification {
                    item_id: item.item_id,
                    verified: differences.is_empty(),
                    differences,
                    reason: None,
                });
            }
        }
        verified
    }

    async fn tally(&self, restore_id: Uuid) -> Result<(u32, u32), EngineError> {
        let row = self
            .pool
            .get()
            .await?
            .query_one(
                "SELECT applied, failed FROM restores WHERE id = $1",
                &[&restore_id],
            )
            .await?;
        Ok((row.get::<_, i32>(0) as u32, row.get::<_, i32>(1) as u32))
    }

    /// Records one command, fenced by the lease.
    async fn record(
        &self,
        claimed: &ClaimedRestore,
        command: RestoreCommand,
    ) -> Result<(), EngineError> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        if !lease::hold(&transaction, claimed).await? {
            return Err(EngineError::LeaseLost);
        }
        let now = self.clock.now();
        match execute(
            &transaction,
            &self.upcasters,
            claimed.restore_id,
            command,
            &metadata(claimed.tenant_id, claimed.restore_id, now),
        )
        .await
        {
            Ok(_) => {}
            Err(CommandError::Rejected(error)) => {
                tracing::warn!(%error, "a restore command was refused");
            }
            Err(error) => return Err(EngineError::Command(error.to_string())),
        }
        transaction.commit().await?;
        Ok(())
    }

    async fn finish(
        &self,
        claimed: &ClaimedRestore,
        status: RestoreStatus,
        error_code: Option<String>,
        error_message: Option<String>,
    ) -> Result<RestoreStatus, EngineError> {
        let mut client = self.pool.get().await?;
        let transaction = client.transaction().await?;
        if !lease::hold(&transaction, claimed).await? {
            return Err(EngineError::LeaseLost);
        }
        let now = self.clock.now();
        execute(
            &transaction,
            &self.upcasters,
            claimed.restore_id,
            RestoreCommand::Finish {
                status,
                error_code,
                error_message,
                now,
            },
            &metadata(claimed.tenant_id, claimed.restore_id, now),
        )
        .await
        .map_err(|error| EngineError::Command(error.to_string()))?;
        lease::end_in(&transaction, claimed).await?;
        transaction.commit().await?;
        Ok(status)
    }
}
