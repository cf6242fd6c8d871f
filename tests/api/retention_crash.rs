//! A crash between a run and its retention: the runs are recorded on the schedule while
//! no consumer runs (as if the process died right after the run recorder's commit); the
//! consumers of the restarted process apply retention once.

use chrono::Duration;
use tenantpilot::domain::run::RunStatus;
use tenantpilot::domain::schedule::{
    CreateSchedule, RecordRun, RetentionKeepLast, Schedule, ScheduleCommand,
};
use tenantpilot::domain::tenant::{RegisterTenant, Tenant, TenantCommand, TenantName};
use tenantpilot::scheduler::Consumers;
use tenantpilot::store::{execute_in_transaction, upcasters, EventMetadata};
use uuid::Uuid;

use crate::helpers::{at, fresh_database, nightly_spec};

const SET_ROW: &str = "
    INSERT INTO backup_sets (id, tenant_id, schedule_id, run_id, name, status, tree_hash,
                             item_count, foundation_count, counts, created_at)
    VALUES ($1, $2, $3, $4, 'Nightly', 'completed', 't', 0, 0, '{}', $5)";

async fn retention_events(pool: &deadpool_postgres::Pool, schedule: Uuid) -> i64 {
    let client = pool.get().await.unwrap();
    client
        .query_one(
            "SELECT count(*) FROM events
             WHERE aggregate_id = $1 AND event_type = 'RetentionApplied'",
            &[&schedule.to_string()],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn runs_recorded_before_a_crash_get_their_retention_once_after_the_restart() {
    let (_, pool, _guard) = fresh_database().await;
    let (tenant, schedule) = (Uuid::now_v7(), Uuid::now_v7());
    let start = at("2026-06-01T12:00:00Z");
    let upcasters = upcasters();
    let mut client = pool.get().await.unwrap();
    let transaction = client.transaction().await.unwrap();
    let metadata = EventMetadata::system("test", "crash", start).for_tenant(tenant);
    let register = TenantCommand::Register(RegisterTenant {
        tenant_id: tenant,
        display_name: TenantName::parse("Contoso").unwrap(),
        azure_tenant_id: Uuid::new_v4(),
        client_id: Uuid::new_v4(),
        client_secret_id: None,
    });
    let tenant_key = tenant.to_string();
    execute_in_transaction::<Tenant>(
        &transaction,
        &upcasters,
        &tenant_key,
        register,
        &(),
        &metadata,
    )
    .await
    .unwrap();
    let mut spec = nightly_spec("Nightly");
    spec.retention_keep_last = RetentionKeepLast::new(1).unwrap();
    let create = ScheduleCommand::Create(CreateSchedule {
        schedule_id: schedule,
        tenant_id: tenant,
        spec,
        now: start,
    });
    let id = schedule.to_string();
    execute_in_transaction::<Schedule>(&transaction, &upcasters, &id, create, &(), &metadata)
        .await
        .unwrap();
    transaction
        .execute(
            "INSERT INTO backup_trees (hash, items) VALUES ('t', '[]')",
            &[],
        )
        .await
        .unwrap();
    let mut sets = Vec::new();
    for minute in 1..=3 {
        let (set, run) = (Uuid::now_v7(), Uuid::now_v7());
        let finished_at = start + Duration::minutes(minute);
        transaction
            .execute(SET_ROW, &[&set, &tenant, &schedule, &run, &finished_at])
            .await
            .unwrap();
        let record = ScheduleCommand::RecordRun(RecordRun {
            run_id: run,
            status: RunStatus::Success,
            finished_at,
        });
        execute_in_transaction::<Schedule>(&transaction, &upcasters, &id, record, &(), &metadata)
            .await
            .unwrap();
        sets.push(set);
    }
    transaction.commit().await.unwrap();
    assert_eq!(
        retention_events(&pool, schedule).await,
        0,
        "no consumer ran yet"
    );

    Consumers::new().catch_up(&pool).await.unwrap();
    Consumers::new().catch_up(&pool).await.unwrap();

    assert_eq!(retention_events(&pool, schedule).await, 1, "applied once");
    let live: Vec<Uuid> = client
        .query(
            "SELECT id FROM backup_sets WHERE schedule_id = $1 AND deleted_at IS NULL",
            &[&schedule],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(live, vec![sets[2]]);
}
