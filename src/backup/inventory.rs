//! The local policy inventory, keyed by (tenant, type, Graph id): what the last successful
//! sync of each type found, with its content address. A sync of one type reports what it
//! created, updated, left unchanged and found deleted upstream.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use uuid::Uuid;

use crate::db::CachedStatements;
use crate::domain::run::TypeSyncReport;
use crate::graph::FetchedType;

/// Contents sent to PostgreSQL in one statement: bounds the statement's encoded size (and
/// so the memory a large type costs while it is stored).
const BLOBS_PER_STATEMENT: usize = 200;

/// Stores each distinct content (compact JSON text) once; returns how many were new.
pub async fn store_blobs(
    transaction: &Transaction<'_>,
    blobs: &[(&str, &str)],
) -> Result<u64, tokio_postgres::Error> {
    let mut stored = 0;
    for chunk in blobs.chunks(BLOBS_PER_STATEMENT) {
        let (hashes, contents): (Vec<&str>, Vec<&str>) = chunk.iter().copied().unzip();
        stored += transaction
            .execute_cached(
                "INSERT INTO content_blobs (hash, content)
                 SELECT hash, content::jsonb FROM unnest($1::text[], $2::text[]) AS b(hash, content)
                 ON CONFLICT (hash) DO NOTHING",
                &[&hashes, &contents],
            )
            .await?;
    }
    Ok(stored)
}

struct Synced<'a> {
    graph_id: &'a str,
    content: &'a str,
    display_name: &'a str,
    hash: &'a str,
    last_modified: Option<&'a str>,
}

/// Applies one type's fetch to the inventory inside `transaction`.
pub async fn sync_type(
    transaction: &Transaction<'_>,
    tenant_id: Uuid,
    policy_type: &str,
    is_foundation: bool,
    fetched: &FetchedType,
    now: DateTime<Utc>,
) -> Result<TypeSyncReport, tokio_postgres::Error> {
    // the purge must not collect a blob this sync is about to point a policy at
    super::storage_lock::share_storage(transaction).await?;
    // one entry per Graph id (a page boundary may repeat one)
    let mut seen = HashSet::new();
    let objects: Vec<Synced> = fetched
        .objects
        .iter()
        .filter(|object| seen.insert(object.graph_id.as_str()))
        .map(|object| Synced {
            graph_id: &object.graph_id,
            content: object.content.as_str(),
            display_name: &object.display_name,
            hash: object.content.hash(),
            last_modified: object.content.last_modified(),
        })
        .collect();
    // only contents this tenant's inventory does not point at already: an unchanged
    // policy costs no write
    let known = known_hashes(transaction, tenant_id, policy_type).await?;
    let blobs: Vec<(&str, &str)> = objects
        .iter()
        .filter(|synced| {
            known
                .get(synced.graph_id)
                .is_none_or(|known| known.hash != synced.hash)
        })
        .map(|synced| (synced.hash, synced.content))
        .collect();
    store_blobs(transaction, &blobs).await?;

    let mut report = TypeSyncReport {
        fetched: objects.len() as u32,
        skipped_deleted: fetched.deleted_while_reading as u32,
        warnings: fetched.warnings.clone(),
        ..TypeSyncReport::default()
    };
    for object in &objects {
        match known.get(object.graph_id) {
            None => report.created += 1,
            Some(Known { hash, deleted }) if hash != object.hash || *deleted => report.updated += 1,
            Some(_) => report.unchanged += 1,
        }
    }
    upsert(
        transaction,
        tenant_id,
        policy_type,
        is_foundation,
        &objects,
        now,
    )
    .await?;
    let present: Vec<&str> = objects.iter().map(|object| object.graph_id).collect();
    report.deleted_upstream = transaction
        .execute_cached(
            "UPDATE policies SET deleted_upstream_at = $4
             WHERE tenant_id = $1 AND policy_type = $2 AND deleted_upstream_at IS NULL
               AND NOT (graph_id = ANY($3))",
            &[&tenant_id, &policy_type, &present, &now],
        )
        .await? as u32;
    Ok(report)
}

struct Known {
    hash: String,
    deleted: bool,
}

async fn known_hashes(
    transaction: &Transaction<'_>,
    tenant_id: Uuid,
    policy_type: &str,
) -> Result<HashMap<String, Known>, tokio_postgres::Error> {
    let rows = transaction
        .query_cached(
            "SELECT graph_id, content_hash, deleted_upstream_at IS NOT NULL FROM policies
             WHERE tenant_id = $1 AND policy_type = $2",
            &[&tenant_id, &policy_type],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            (
                row.get(0),
                Known {
                    hash: row.get(1),
                    deleted: row.get(2),
                },
            )
        })
        .collect())
}

async fn upsert(
    transaction: &Transaction<'_>,
    tenant_id: Uuid,
    policy_type: &str,
    is_foundation: bool,
    objects: &[Synced<'_>],
    now: DateTime<Utc>,
) -> Result<(), tokio_postgres::Error> {
    if objects.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = objects.iter().map(|_| Uuid::now_v7()).collect();
    let graph_ids: Vec<&str> = objects.iter().map(|object| object.graph_id).collect();
    let names: Vec<&str> = objects.iter().map(|object| object.display_name).collect();
    let hashes: Vec<&str> = objects.iter().map(|object| object.hash).collect();
    let modified: Vec<Option<&str>> = objects.iter().map(|object| object.last_modified).collect();
    transaction
        .execute_cached(
            "INSERT INTO policies (id, tenant_id, policy_type, graph_id, display_name,
                                   content_hash, last_modified, is_foundation, first_seen_at,
                                   last_changed_at)
             SELECT o.id, $1, $2, o.graph_id, o.display_name, o.content_hash, o.last_modified,
                    $3, $4, $4
             FROM unnest($5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[])
                  AS o(id, graph_id, display_name, content_hash, last_modified)
             ON CONFLICT (tenant_id, policy_type, graph_id) DO UPDATE
                SET display_name = excluded.display_name,
                    content_hash = excluded.content_hash,
                    last_modified = excluded.last_modified,
                    last_changed_at = excluded.last_changed_at,
                    deleted_upstream_at = NULL
                -- an unchanged policy is not rewritten: no dead row per run and policy
                WHERE policies.content_hash <> excluded.content_hash
                   OR policies.display_name <> excluded.display_name
                   OR policies.last_modified IS DISTINCT FROM excluded.last_modified
                   OR policies.deleted_upstream_at IS NOT NULL",
            &[
                &tenant_id,
                &policy_type,
                &is_foundation,
                &now,
                &ids,
                &graph_ids,
                &names,
                &hashes,
                &modified,
            ],
        )
        .await?;
    Ok(())
}
