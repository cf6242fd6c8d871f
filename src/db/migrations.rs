//! Schema migrations: SQL files under `migrations/`, embedded in the binary, applied in order
//! and recorded in `schema_migrations`.

use deadpool_postgres::Pool;

use super::DbSetupError;

/// Every migration, in the order it is applied. Never edit an applied file: add a new one.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_event_store",
        include_str!("../../migrations/0001_event_store.sql"),
    ),
    (
        "0002_read_models",
        include_str!("../../migrations/0002_read_models.sql"),
    ),
    ("0003_runs", include_str!("../../migrations/0003_runs.sql")),
    (
        "0004_tokens",
        include_str!("../../migrations/0004_tokens.sql"),
    ),
    (
        "0005_idempotency",
        include_str!("../../migrations/0005_idempotency.sql"),
    ),
    (
        "0006_hardening",
        include_str!("../../migrations/0006_hardening.sql"),
    ),
    (
        "0007_run_execution",
        include_str!("../../migrations/0007_run_execution.sql"),
    ),
    (
        "0008_audit_chain",
        include_str!("../../migrations/0008_audit_chain.sql"),
    ),
    (
        "0009_audit_feed",
        include_str!("../../migrations/0009_audit_feed.sql"),
    ),
    (
        "0010_webhooks",
        include_str!("../../migrations/0010_webhooks.sql"),
    ),
    (
        "0011_notifications",
        include_str!("../../migrations/0011_notifications.sql"),
    ),
    (
        "0012_due_keyset",
        include_str!("../../migrations/0012_due_keyset.sql"),
    ),
    (
        "0013_feed_horizon",
        include_str!("../../migrations/0013_feed_horizon.sql"),
    ),
    (
        "0014_backup_secrets",
        include_str!("../../migrations/0014_backup_secrets.sql"),
    ),
    (
        "0015_restores",
        include_str!("../../migrations/0015_restores.sql"),
    ),
    (
        "0016_restore_group_matches",
        include_str!("../../migrations/0016_restore_group_matches.sql"),
    ),
];

/// Serialises concurrent migrators (several instances starting at once).
const MIGRATION_LOCK: i64 = 0x7465_6e61_6e74_0001;

/// Applies every migration not applied yet; returns the names applied by this call.
pub async fn run_migrations(pool: &Pool) -> Result<Vec<&'static str>, DbSetupError> {
    let mut client = pool.get().await?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let mut result = apply_pending(&mut client).await;
    if result.is_ok() {
        // events written before the hash chain get their hashes, still under the lock:
        // one instance does it, the others find nothing left
        if let Err(error) = crate::store::backfill_hashes(&client).await {
            result = Err(error.into());
        }
    }
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await?;
    result
}

async fn apply_pending(
    client: &mut deadpool_postgres::Client,
) -> Result<Vec<&'static str>, DbSetupError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 name text PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
    let applied: Vec<String> = client
        .query("SELECT name FROM schema_migrations", &[])
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut newly_applied = Vec::new();
    for (name, sql) in MIGRATIONS {
        if applied.iter().any(|done| done == name) {
            continue;
        }
        let transaction = client.transaction().await?;
        transaction.batch_execute(sql).await?;
        transaction
            .execute("INSERT INTO schema_migrations (name) VALUES ($1)", &[name])
            .await?;
        transaction.commit().await?;
        tracing::info!(migration = name, "applied migration");
        newly_applied.push(*name);
    }
    Ok(newly_applied)
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn every_file_in_migrations_is_listed_in_order() {
        let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(directory)
            .expect("migrations folder")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name.ends_with(".sql"))
            .map(|name| name.trim_end_matches(".sql").to_owned())
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|(name, _)| *name).collect();
        assert_eq!(listed, files);
    }
}
