//! `serve --demo`: a sample tenant (served by the in-process Graph simulator) and a schedule
//! due within the next two minutes, so a newcomer sees a backup without configuring
//! anything. Everything goes through the aggregates, as an operator's requests would.

use chrono::{DateTime, Duration, Timelike, Utc};
use deadpool_postgres::Pool;
use uuid::Uuid;

use crate::domain::cadence::{Cadence, TimeOfDay};
use crate::domain::policy_types::POLICY_TYPES;
use crate::domain::schedule::{
    CreateSchedule, PolicyTypeSelection, RetentionKeepLast, Schedule, ScheduleChanges,
    ScheduleCommand, ScheduleName, ScheduleSpec,
};
use crate::domain::tenant::{RegisterTenant, Tenant, TenantCommand, TenantName, UpdateTenant};
use crate::projections::{Consumer, ReadModels, READ_MODELS};
use crate::secrets::{store_secret, SecretCipher};
use crate::store::{AggregateStore, EventMetadata, PgEventRepository};

/// The sample tenant's app registration, as the simulator knows it.
pub struct DemoTenant {
    pub display_name: String,
    pub azure_tenant_id: Uuid,
    pub client_id: Uuid,
    pub client_secret: String,
}

/// What the demo set up.
pub struct DemoSeed {
    pub tenant_id: Uuid,
    pub schedule_id: Uuid,
    pub next_run_at: DateTime<Utc>,
}

const SCHEDULE_NAME: &str = "Demo backup";

/// Registers the sample tenant (or gives it this process's secret again: demo keys live
/// only as long as the process) and creates or moves the demo schedule to fire at the next
/// whole minute at least a minute away.
pub async fn seed(
    pool: &Pool,
    repository: PgEventRepository,
    cipher: &SecretCipher,
    tenant: &DemoTenant,
    now: DateTime<Utc>,
) -> anyhow::Result<DemoSeed> {
    Consumer::new(READ_MODELS, ReadModels)
        .catch_up(pool)
        .await?;
    let metadata =
        |tenant_id| EventMetadata::system("demo", "demo:seed", now).for_tenant(tenant_id);
    let tenants: AggregateStore<Tenant> = AggregateStore::new(repository.clone(), ());
    let existing = pool
        .get()
        .await?
        .query_opt(
            "SELECT id, status FROM tenants WHERE azure_tenant_id = $1 AND deleted_at IS NULL",
            &[&tenant.azure_tenant_id],
        )
        .await?
        .map(|row| (row.get::<_, Uuid>(0), row.get::<_, String>(1)));
    let tenant_id = existing.as_ref().map_or_else(Uuid::now_v7, |(id, _)| *id);
    let secret_id = {
        let client = pool.get().await?;
        store_secret(&client, cipher, tenant_id, &tenant.client_secret).await?
    };
    let command = match &existing {
        None => TenantCommand::Register(RegisterTenant {
            tenant_id,
            display_name: TenantName::parse(&tenant.display_name)
                .map_err(|error| anyhow::anyhow!("demo tenant name: {error}"))?,
            azure_tenant_id: tenant.azure_tenant_id,
            client_id: tenant.client_id,
            client_secret_id: Some(secret_id),
        }),
        Some(_) => TenantCommand::Update(UpdateTenant {
            client_id: Some(tenant.client_id),
            client_secret_id: Some(secret_id),
            ..UpdateTenant::default()
        }),
    };
    tenants
        .execute(&tenant_id.to_string(), command, &metadata(tenant_id), None)
        .await?;
    if existing
        .as_ref()
        .is_some_and(|(_, status)| status != "active")
    {
        tenants
            .execute(
                &tenant_id.to_string(),
                TenantCommand::Reactivate,
                &metadata(tenant_id),
                None,
            )
            .await?;
    }

    let slot = next_demo_slot(now);
    let cadence = Cadence::Daily {
        times: vec![TimeOfDay::new(slot.hour(), slot.minute())?],
    };
    let schedules: AggregateStore<Schedule> = AggregateStore::new(repository, ());
    let existing_schedule: Option<Uuid> = pool
        .get()
        .await?
        .query_opt(
            "SELECT id FROM backup_schedules
             WHERE tenant_id = $1 AND name = $2 AND deleted_at IS NULL",
            &[&tenant_id, &SCHEDULE_NAME],
        )
        .await?
        .map(|row| row.get(0));
    let schedule_id = existing_schedule.unwrap_or_else(Uuid::now_v7);
    let command = match existing_schedule {
        None => ScheduleCommand::Create(CreateSchedule {
            schedule_id,
            tenant_id,
            spec: ScheduleSpec {
                name: ScheduleName::parse(SCHEDULE_NAME)
                    .map_err(|error| anyhow::anyhow!("demo schedule name: {error}"))?,
                enabled: true,
                cadence,
                timezone: "UTC".parse()?,
                policy_types: every_policy_type()?,
                include_foundations: true,
                retention_keep_last: RetentionKeepLast::new(7)?,
            },
            now,
        }),
        Some(_) => ScheduleCommand::Update {
            tenant_id,
            changes: ScheduleChanges {
                enabled: Some(true),
                cadence: Some(cadence),
                ..ScheduleChanges::default()
            },
            now,
        },
    };
    schedules
        .execute(
            &schedule_id.to_string(),
            command,
            &metadata(tenant_id),
            None,
        )
        .await?;
    Ok(DemoSeed {
        tenant_id,
        schedule_id,
        next_run_at: slot,
    })
}

/// The first whole minute at least one minute after `now`: soon, but not so soon that the
/// dispatcher's tick passes it while the service starts.
fn next_demo_slot(now: DateTime<Utc>) -> DateTime<Utc> {
    let in_a_minute = now + Duration::minutes(1);
    let whole = in_a_minute
        .with_second(0)
        .and_then(|time| time.with_nanosecond(0))
        .unwrap_or(in_a_minute);
    whole + Duration::minutes(1)
}

fn every_policy_type() -> anyhow::Result<PolicyTypeSelection> {
    PolicyTypeSelection::parse(
        POLICY_TYPES
            .iter()
            .map(|kind| kind.key.to_owned())
            .collect(),
    )
    .map_err(|error| anyhow::anyhow!("demo policy types: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_slot_is_a_whole_minute_one_to_two_minutes_away() {
        let now = DateTime::parse_from_rfc3339("2026-11-27T10:15:42Z")
            .unwrap()
            .with_timezone(&Utc);
        let slot = next_demo_slot(now);
        assert_eq!(slot.to_rfc3339(), "2026-11-27T10:17:00+00:00");
        assert!(slot - now >= Duration::minutes(1) && slot - now <= Duration::minutes(2));
    }
}
