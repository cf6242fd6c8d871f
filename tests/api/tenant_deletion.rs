//! Deleting a tenant: refused while a schedule of it lives, decided in the append itself so
//! a schedule created at the same moment cannot outlive its tenant; and the tenant's sealed
//! secrets go in the same transaction as the event that retires them.

use std::time::Duration;

use chrono::Utc;
use deadpool_postgres::Pool;
use serde_json::json;
use tenantpilot::domain::schedule::{CreateSchedule, Schedule, ScheduleCommand};
use tenantpilot::domain::tenant::{Tenant, TenantCommand};
use tenantpilot::domain::uniqueness::{LIVE_TENANT_SCOPE, TENANT_SCHEDULE_SCOPE};
use tenantpilot::store::{
    execute_in_transaction, upcasters, AggregateStore, CommandError, EventMetadata,
    PgEventRepository,
};
use uuid::Uuid;

use crate::helpers::{nightly, nightly_spec, spawn_app, TestApp};

async fn live_tenant(app: &TestApp) -> Uuid {
    let tenant = app.create_tenant("Contoso").await;
    Uuid::parse_str(tenant["id"].as_str().unwrap()).unwrap()
}

fn create_schedule(tenant_id: Uuid) -> (Uuid, ScheduleCommand) {
    let schedule_id = Uuid::now_v7();
    let spec = nightly_spec("Nightly");
    let command = ScheduleCommand::Create(CreateSchedule {
        schedule_id,
        tenant_id,
        spec,
        now: Utc::now(),
    });
    (schedule_id, command)
}

fn metadata(tenant_id: Uuid) -> EventMetadata {
    EventMetadata::system("test", "race", Utc::now()).for_tenant(tenant_id)
}

/// A deletion started while `pool`'s open transaction holds the other command's claims:
/// it must wait for that transaction, then be decided against what it committed.
async fn delete_tenant_later(pool: &Pool, tenant_id: Uuid) -> Result<(), String> {
    let tenants: AggregateStore<Tenant> =
        AggregateStore::new(PgEventRepository::new(pool.clone()), ());
    tenants
        .execute(
            &tenant_id.to_string(),
            TenantCommand::Delete,
            &metadata(tenant_id),
            None,
        )
        .await
        .map(|_| ())
        .map_err(|error| match error {
            CommandError::Claim(claim) => claim.scope,
            other => other.to_string(),
        })
}

#[tokio::test]
async fn a_deletion_racing_an_uncommitted_schedule_waits_for_it_and_is_refused() {
    let app = spawn_app().await;
    let tenant_id = live_tenant(&app).await;
    let mut client = app.pool.get().await.unwrap();
    let transaction = client.transaction().await.unwrap();
    let (schedule_id, command) = create_schedule(tenant_id);
    execute_in_transaction::<Schedule>(
        &transaction,
        &upcasters(),
        &schedule_id.to_string(),
        command,
        &(),
        &metadata(tenant_id),
    )
    .await
    .unwrap();

    let deletion = tokio::spawn({
        let pool = app.pool.clone();
        async move { delete_tenant_later(&pool, tenant_id).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !deletion.is_finished(),
        "the deletion waits for the schedule's transaction"
    );
    transaction.commit().await.unwrap();
    assert_eq!(
        deletion.await.unwrap(),
        Err(TENANT_SCHEDULE_SCOPE.to_owned()),
        "refused: the tenant has a schedule"
    );
}

#[tokio::test]
async fn a_schedule_racing_an_uncommitted_deletion_waits_for_it_and_is_refused() {
    let app = spawn_app().await;
    let tenant_id = live_tenant(&app).await;
    let mut client = app.pool.get().await.unwrap();
    let transaction = client.transaction().await.unwrap();
    execute_in_transaction::<Tenant>(
        &transaction,
        &upcasters(),
        &tenant_id.to_string(),
        TenantCommand::Delete,
        &(),
        &metadata(tenant_id),
    )
    .await
    .unwrap();

    let creation = tokio::spawn({
        let pool = app.pool.clone();
        async move {
            let schedules: AggregateStore<Schedule> =
                AggregateStore::new(PgEventRepository::new(pool), ());
            let (schedule_id, command) = create_schedule(tenant_id);
            schedules
                .execute(
                    &schedule_id.to_string(),
                    command,
                    &metadata(tenant_id),
                    None,
                )
                .await
                .map(|_| ())
                .map_err(|error| match error {
                    CommandError::Claim(claim) => claim.scope,
                    other => other.to_string(),
                })
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !creation.is_finished(),
        "the schedule waits for the deletion's transaction"
    );
    transaction.commit().await.unwrap();
    assert_eq!(
        creation.await.unwrap(),
        Err(LIVE_TENANT_SCOPE.to_owned()),
        "refused: the tenant is gone"
    );
}

#[tokio::test]
async fn over_the_api_a_racing_schedule_and_deletion_never_both_win() {
    let app = spawn_app().await;
    for round in 0..10 {
        let tenant = app.create_tenant(&format!("Tenant {round}")).await;
        let tenant_id = tenant["id"].as_str().unwrap().to_owned();
        let (body, path) = (nightly("Nightly"), format!("/api/v1/tenants/{tenant_id}"));
        let create = app.create_schedule(&tenant_id, &body);
        let delete = app.delete(&path);
        let (created, deleted) = tokio::join!(create, delete);
        let (created, deleted) = (created.status().as_u16(), deleted.status().as_u16());
        assert!(
            !(created == 201 && deleted == 204),
            "round {round}: both won ({created}, {deleted})"
        );
        assert!(
            [201, 404].contains(&created),
            "round {round}: schedule {created}"
        );
        assert!(
            [204, 409].contains(&deleted),
            "round {round}: deletion {deleted}"
        );
    }
    // and the log agrees: no deleted tenant has a schedule that was never deleted
    let orphans: i64 = app
        .pool
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM events created
             WHERE created.event_type = 'ScheduleCreated'
               AND EXISTS (SELECT 1 FROM events gone WHERE gone.event_type = 'TenantDeleted'
                           AND gone.aggregate_id = created.payload ->> 'tenant_id')
               AND NOT EXISTS (SELECT 1 FROM events d WHERE d.event_type = 'ScheduleDeleted'
                               AND d.aggregate_id = created.aggregate_id)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(orphans, 0);
}

async fn sealed_secrets(app: &TestApp, tenant_id: &str) -> Vec<Uuid> {
    app.pool
        .get()
        .await
        .unwrap()
        .query(
            "SELECT id FROM tenant_secrets WHERE tenant_id = $1::text::uuid ORDER BY id",
            &[&tenant_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[tokio::test]
async fn a_replaced_or_deleted_tenants_secret_is_removed_with_the_event() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Contoso").await;
    let tenant_id = tenant["id"].as_str().unwrap();
    let path = format!("/api/v1/tenants/{tenant_id}");
    let first = sealed_secrets(&app, tenant_id).await;
    assert_eq!(first.len(), 1);

    let response = app
        .patch(&path, &json!({"client_secret": "the rotated secret"}), None)
        .await;
    assert_eq!(response.status(), 200);
    let second = sealed_secrets(&app, tenant_id).await;
    assert_eq!(second.len(), 1, "the replaced secret is gone");
    assert_ne!(second, first);
    let events = app.events_of(tenant_id).await;
    let (event_type, payload, _) = events.last().unwrap();
    assert_eq!(event_type, "TenantCredentialsChanged");
    assert_eq!(payload["retired_secret_id"], first[0].to_string());

    assert_eq!(app.delete(&path).await.status(), 204);
    assert_eq!(sealed_secrets(&app, tenant_id).await, Vec::<Uuid>::new());
}
