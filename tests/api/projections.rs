use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tenantpilot::domain::run::{
    BackupSetStatus, BackupSummary, Run, RunCommand, RunStatus, SyncReport, TypeSyncReport,
};
use tenantpilot::projections::{
    Consumer, FoldedRow, ReadModels, RunRow, ScheduleRow, READ_MODELS, RUN_ROW_COLUMNS,
    SCHEDULE_ROW_COLUMNS,
};
use tenantpilot::scheduler::{Consumers, Dispatcher};
use tenantpilot::store::{
    read_all, upcasters, AggregateStore, EventMetadata, FeedCursor, PgEventRepository, StoredEvent,
};
use uuid::Uuid;

use crate::helpers::{at, nightly, spawn_app, TestApp};

async fn snapshot(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let client = app.pool.get().await.unwrap();
    let rows = |sql: &'static str| {
        let client = &client;
        async move {
            client
                .query(sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|row| row.get::<_, Value>(0).to_string())
                .collect::<Vec<_>>()
        }
    };
    (
        rows("SELECT to_jsonb(t) FROM tenants t ORDER BY id").await,
        rows("SELECT to_jsonb(s) FROM backup_schedules s ORDER BY id").await,
    )
}

#[tokio::test]
async fn a_rebuild_from_zero_reproduces_the_live_read_models() {
    let app = spawn_app().await;
    let contoso = app.create_tenant("Contoso").await;
    let fabrikam = app.create_tenant("Fabrikam").await;
    let contoso_id = contoso["id"].as_str().unwrap();
    let mut ids = Vec::new();
    for name in ["Nightly", "Weekly", "Hourly-ish"] {
        let schedule: Value = app
            .create_schedule(contoso_id, &nightly(name))
            .await
            .json()
            .await
            .unwrap();
        ids.push(schedule["id"].as_str().unwrap().to_owned());
    }
    let base = format!("/api/v1/tenants/{contoso_id}/backup-schedules");
    app.patch(
        &format!("{base}/{}", ids[0]),
        &json!({"retention_keep_last": 30, "timezone": "Asia/Kathmandu"}),
        None,
    )
    .await;
    app.post_empty(&format!("{base}/{}/disable", ids[1])).await;
    app.delete(&format!("{base}/{}", ids[2])).await;
    app.post_empty(&format!(
        "/api/v1/tenants/{}/deactivate",
        fabrikam["id"].as_str().unwrap()
    ))
    .await;

    let live = snapshot(&app).await;
    assert_eq!(live.0.len(), 2);
    assert_eq!(live.1.len(), 3);
    let consumer = Consumer::new(READ_MODELS, ReadModels);
    let applied = consumer.rebuild(&app.pool).await.unwrap();
    assert_eq!(applied as i64, app.event_count().await);
    assert_eq!(snapshot(&app).await, live);
    // caught up: nothing left to apply (the checkpoint stays), and applying again changes
    // nothing
    let client = app.pool.get().await.unwrap();
    let rebuilt_to = checkpoint(&client).await;
    drop(client);
    assert_eq!(consumer.catch_up(&app.pool).await.unwrap(), rebuilt_to);
    assert_eq!(snapshot(&app).await, live);
}

async fn checkpoint(client: &deadpool_postgres::Client) -> FeedCursor {
    let row = client
        .query_one(
            "SELECT transaction_id, position FROM consumer_checkpoints WHERE name = $1",
            &[&READ_MODELS],
        )
        .await
        .unwrap();
    FeedCursor::from_row(&row, 0)
}

#[tokio::test]
async fn a_consumer_resumes_from_its_checkpoint_without_applying_twice() {
    let app = spawn_app().await;
    app.create_tenant("Contoso").await;
    let client = app.pool.get().await.unwrap();
    let first = checkpoint(&client).await;
    assert!(first > FeedCursor::START);
    // a fresh consumer (as after a restart) finds nothing new to do
    let consumer = Consumer::new(READ_MODELS, ReadModels);
    assert_eq!(consumer.catch_up(&app.pool).await.unwrap(), first);
    assert_eq!(checkpoint(&client).await, first);
    app.create_tenant("Fabrikam").await;
    assert!(checkpoint(&client).await > first);
    let tenants: i64 = client
        .query_one("SELECT count(*) FROM tenants", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tenants, 2);
}

/// Every row of the tables the projector writes, as JSON, in id order.
async fn read_models(pool: &deadpool_postgres::Pool) -> Vec<Vec<Value>> {
    let client = pool.get().await.unwrap();
    let mut tables = Vec::new();
    for table in ["tenants", "backup_schedules", "backup_runs", "api_tokens"] {
        let rows = client
            .query(
                &format!("SELECT to_jsonb(t) FROM {table} t ORDER BY id"),
                &[],
            )
            .await
            .unwrap();
        tables.push(rows.iter().map(|row| row.get(0)).collect());
    }
    tables
}

/// A run's life through its aggregate, as a worker would live it.
async fn live(
    runs: &AggregateStore<Run>,
    run_id: Uuid,
    tenant_id: Uuid,
    commands: Vec<RunCommand>,
) {
    let metadata =
        EventMetadata::system("worker", "test", at("2026-06-02T00:31:00Z")).for_tenant(tenant_id);
    for command in commands {
        runs.execute(&run_id.to_string(), command, &metadata, None)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_projection_in_batches_writes_what_projecting_event_by_event_writes() {
    // a log with every kind of schedule and run change, several per aggregate
    let app = spawn_app().await;
    let contoso = app.create_tenant("Contoso").await;
    let tenant = contoso["id"].as_str().unwrap();
    let tenant_id: Uuid = tenant.parse().unwrap();
    app.issue_token("operator", Some(vec![tenant])).await;
    let base = format!("/api/v1/tenants/{tenant}/backup-schedules");
    let mut schedules = Vec::new();
    for name in ["Nightly", "Weekly", "Daily", "Spare", "Gone"] {
        let schedule: Value = app
            .create_schedule(tenant, &nightly(name))
            .await
            .json()
            .await
            .unwrap();
        schedules.push(schedule["id"].as_str().unwrap().to_owned());
    }
    app.patch(
        &format!("{base}/{}", schedules[0]),
        &json!({"name": "Nightly (EU)", "policy_types": ["settingsCatalog"], "timezone": "Asia/Kathmandu"}),
        None,
    )
    .await;
    app.post_empty(&format!("{base}/{}/disable", schedules[1]))
        .await;
    app.post_empty(&format!("{base}/{}/enable", schedules[1]))
        .await;
    app.delete(&format!("{base}/{}", schedules[4])).await;
    let consumers = Consumers::new();
    consumers.catch_up(&app.pool).await.unwrap();

    // every live schedule's first slot claimed, its run queued
    let slots: Vec<DateTime<Utc>> = app
        .pool
        .get()
        .await
        .unwrap()
        .query(
            "SELECT DISTINCT next_run_at FROM backup_schedules WHERE next_run_at IS NOT NULL
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let dispatcher = Dispatcher::new(
        app.pool.clone(),
        PgEventRepository::new(app.pool.clone()),
        std::time::Duration::from_secs(300),
    );
    for slot in slots {
        dispatcher.tick(slot).await.unwrap();
        consumers.catch_up(&app.pool).await.unwrap();
    }
    let queued: Vec<(Uuid, Uuid)> = app
        .pool
        .get()
        .await
        .unwrap()
        .query(
            "SELECT id, schedule_id FROM backup_runs ORDER BY schedule_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(queued.len(), 4, "runs queued: {queued:?}");

    let runs: AggregateStore<Run> =
        AggregateStore::new(PgEventRepository::new(app.pool.clone()), ());
    let now = at("2026-06-02T00:31:00Z");
    let start = |worker: &str| RunCommand::Start {
        worker: worker.to_owned(),
        now,
    };
    let finish = |status, error_code: Option<&str>| RunCommand::Finish {
        status,
        error_code: error_code.map(str::to_owned),
        error_message: error_code.map(|code| format!("{code} happened")),
        now,
    };
    let backup = BackupSummary {
        backup_set_id: Uuid::now_v7(),
        name: "Nightly 2026-06-02".to_owned(),
        status: BackupSetStatus::Completed,
        item_count: 3,
        foundation_count: 0,
        counts: [("settingsCatalog".to_owned(), 3)].into(),
        tree_hash: "0".repeat(64),
    };
    let report: SyncReport = [("settingsCatalog".to_owned(), TypeSyncReport::default())].into();
    live(
        &runs,
        queued[0].0,
        tenant_id,
        vec![
            start("w1"),
            RunCommand::RecordSync { report },
            RunCommand::RecordBackup { backup },
            finish(RunStatus::Success, None),
        ],
    )
    .await;
    live(
        &runs,
        queued[1].0,
        tenant_id,
        vec![
            start("w1"),
            RunCommand::Abandon {
                worker: "w1".to_owned(),
                reason: "lease expired".to_owned(),
                requeue: true,
                now,
            },
            start("w2"),
            finish(RunStatus::Failed, Some("graph_unavailable")),
        ],
    )
    .await;
    live(&runs, queued[2].0, tenant_id, vec![start("w1")]).await;
    consumers.catch_up(&app.pool).await.unwrap();
    // a manual run of the schedule whose run succeeded, and the tenant deactivated
    let response = app
        .post_empty(&format!("{base}/{}/run-now", queued[0].1))
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    app.post_empty(&format!("/api/v1/tenants/{tenant}/deactivate"))
        .await;
    consumers.catch_up(&app.pool).await.unwrap();
    let projected = read_models(&app.pool).await;

    // rebuilt one event per batch, in batches that split aggregates' events every which
    // way (rows created in one batch and updated several times in the next), and the whole
    // log in one batch: the same tables
    for batch_size in [1, 2, 3, 5, 8, 10_000] {
        Consumer::new(READ_MODELS, ReadModels)
            .with_batch_size(batch_size)
            .rebuild(&app.pool)
            .await
            .unwrap();
        assert_eq!(
            read_models(&app.pool).await,
            projected,
            "batches of {batch_size}"
        );
    }

    // and every schedule and run row is its events folded in memory, as a replay folds them
    let client = app.pool.get().await.unwrap();
    let mut streams: BTreeMap<String, Vec<StoredEvent>> = BTreeMap::new();
    for event in read_all(&client, &upcasters(), FeedCursor::START, 100_000)
        .await
        .unwrap()
    {
        streams
            .entry(event.aggregate_id.clone())
            .or_default()
            .push(event);
    }
    let schedule_rows = client
        .query(
            &format!("SELECT {SCHEDULE_ROW_COLUMNS} FROM backup_schedules"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(schedule_rows.len(), 5);
    for row in &schedule_rows {
        let row = ScheduleRow::from_sql(row);
        assert_eq!(
            Some(row.clone()),
            folded(&streams[&row.id.to_string()], row.id)
        );
    }
    let run_rows = client
        .query(&format!("SELECT {RUN_ROW_COLUMNS} FROM backup_runs"), &[])
        .await
        .unwrap();
    assert_eq!(run_rows.len(), queued.len() + 1);
    for row in &run_rows {
        let row = RunRow::from_sql(row);
        assert_eq!(
            Some(row.clone()),
            folded(&streams[&row.id.to_string()], row.id)
        );
    }
}

fn folded<R: FoldedRow>(events: &[StoredEvent], id: Uuid) -> Option<R> {
    let mut row = None;
    for event in events {
        R::fold(&mut row, event, id).unwrap();
    }
    row
}
